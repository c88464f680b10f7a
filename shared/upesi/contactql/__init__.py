"""The contact query language (RapidPro's contactql): parse and validate a query against a workspace,
normalise it, translate it to SQL over contacts, or evaluate it in memory against one contact.

    parsed = parse_query('age > 18 and name ~ "ann"', await load_resolver(session, org_id))
    parsed.normalized  # 'age > 18 AND name ~ "ann"'
    ids = (await session.execute(select(Contact.id).where(to_sql(parsed, org_id)))).scalars().all()
    matches(parsed, contact_data)  # same answer as the SQL, in memory
"""

from upesi.contactql.errors import QueryError
from upesi.contactql.evaluate import ContactData, matches
from upesi.contactql.loader import load_contacts
from upesi.contactql.query import ParsedQuery, parse_query
from upesi.contactql.resolver import FieldRef, FlowRef, GroupRef, Resolver, load_resolver
from upesi.contactql.search import SearchResult, contact_ids_for_query, search_contacts
from upesi.contactql.sql import to_sql

__all__ = [
    "ContactData",
    "FieldRef",
    "FlowRef",
    "GroupRef",
    "ParsedQuery",
    "QueryError",
    "Resolver",
    "SearchResult",
    "contact_ids_for_query",
    "load_contacts",
    "load_resolver",
    "matches",
    "parse_query",
    "search_contacts",
    "to_sql",
]
