"""Contact search for web: POST /mr/contact/search and /mr/contact/parse_query.

POST /mr/contact/search {"org_id": 1, "query": "age > 18", "group_uuid"?: "…", "sort"?: "-id",
                         "offset"?: 0, "limit"?: 50, "exclude_uuids"?: [...]}
→ {"query": "age > 18", "contact_uuids": [...], "total": 12, "metadata": {...}}

POST /mr/contact/parse_query {"org_id": 1, "query": "name ~ ann"} → {"query": "name ~ \"ann\"", "metadata": {...}}
"""

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from mailroom.web.auth import require_token
from mailroom.web.errors import unprocessable
from upesi.contactql import QueryError, load_resolver, parse_query, search_contacts
from upesi.db.engine import transaction
from upesi.db.models import Contact, ContactGroup

router = APIRouter(prefix="/mr/contact", dependencies=[Depends(require_token)])


class SearchRequest(BaseModel):
    org_id: int
    query: str = ""
    group_id: int | None = None
    group_uuid: str | None = None
    sort: str = "-id"
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=10000)
    exclude_uuids: list[str] = Field(default_factory=list)


class ParseRequest(BaseModel):
    org_id: int
    query: str
    parse_only: bool = False


def _query_error(e: QueryError) -> Exception:
    body = e.as_dict()
    return unprocessable(body["error"], body["code"], **body.get("extra", {}))


@router.post("/search")
async def search(body: SearchRequest) -> dict[str, Any]:
    async with transaction() as db:
        group_id = body.group_id
        if body.group_uuid:
            group_id = (
                await db.execute(
                    select(ContactGroup.id).where(
                        ContactGroup.org_id == body.org_id, ContactGroup.uuid == body.group_uuid
                    )
                )
            ).scalar()
            if group_id is None:
                raise unprocessable(f"no group with UUID {body.group_uuid}", "search:invalid_group")
        exclude_ids: list[int] = []
        if body.exclude_uuids:
            exclude_ids = list(
                (
                    await db.execute(
                        select(Contact.id).where(
                            Contact.org_id == body.org_id, Contact.uuid.in_(body.exclude_uuids)
                        )
                    )
                ).scalars()
            )
        try:
            result = await search_contacts(
                db, body.org_id, body.query, group_id=group_id, exclude_ids=exclude_ids, sort=body.sort,
                offset=body.offset, limit=body.limit,
            )  # fmt: skip
        except QueryError as e:
            raise _query_error(e) from e
        except ValueError as e:
            raise unprocessable(str(e), "search:invalid_sort") from e
        uuids = dict(
            (
                await db.execute(select(Contact.id, Contact.uuid).where(Contact.id.in_(result.contact_ids)))
            ).all()
        )
    return {
        "query": result.query,
        "contact_uuids": [uuids[i] for i in result.contact_ids],
        "total": result.total,
        "metadata": result.metadata,
    }


@router.post("/parse_query")
async def parse(body: ParseRequest) -> dict[str, Any]:
    async with transaction() as db:
        resolver = await load_resolver(db, body.org_id)
    try:
        parsed = parse_query(body.query, resolver)
    except QueryError as e:
        raise _query_error(e) from e
    return {"query": parsed.normalized, "metadata": parsed.metadata}
