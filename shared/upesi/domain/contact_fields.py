"""Contact field names and keys: the one rule the API's fields endpoint, the UI's field form, the UI's contact
import and flow imports share (RapidPro's ContactField.make_key, is_valid_key and is_valid_name).

A new field made by a person (API, field form, an import's `Field:` header) may not take a key the contact query
language and expressions already use (QUERY_WORDS, a departure: NOTES.md). A field a RapidPro export brings is
checked only as RapidPro checks it (RESERVED_KEYS), so an export RapidPro made always imports."""

import re

MAX_LEN = 36  # RapidPro's MAX_KEY_LEN and MAX_NAME_LEN
NAME_RE = re.compile(r"^[A-Za-z0-9\- ]+$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_KEYS = frozenset({"has", "is", "fields", "urns", "created_on", "last_seen_on"})  # RapidPro's
QUERY_WORDS = frozenset({
    "id", "uuid", "name", "language", "status", "urn", "group", "groups", "flow", "history", "tickets",
    "modified_on", "contact", "ref", "tel", "email", "mailto",
})  # fmt: skip


def make_key(name: str) -> str:
    """RapidPro's ContactField.make_key (and Global.make_key): lower-case, non-alphanumerics to underscores,
    cut at MAX_LEN."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:MAX_LEN]


def is_valid_name(name: str) -> bool:
    return name == name.strip() and bool(NAME_RE.match(name)) and len(name) <= MAX_LEN


def is_valid_key(key: str) -> bool:
    """As RapidPro: what a field in an export may be keyed."""
    return bool(KEY_RE.match(key)) and key not in RESERVED_KEYS and len(key) <= MAX_LEN


def is_new_key_allowed(key: str) -> bool:
    """What a field a person creates may be keyed: a valid key that is not a word of the query language."""
    return is_valid_key(key) and key not in QUERY_WORDS
