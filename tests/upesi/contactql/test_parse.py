"""Parsing, validation and normalisation, table-driven: valid queries and their normalised text,
invalid queries and their error code."""

import pytest

from upesi.contactql import FieldRef, FlowRef, GroupRef, QueryError, Resolver, parse_query

RESOLVER = Resolver(
    fields=[
        FieldRef("age", "Age", "f1b5aea6-6586-41c7-9020-1a6326cc6565", "N"),
        FieldRef("gender", "Gender", "d66a7823-eada-40e5-9a3a-57239d4690bf", "T"),
        FieldRef("state", "State", "165def68-3216-4ebf-96bc-f6f1ee5bd966", "S"),
        FieldRef("dob", "DOB", "85baf5e1-b57a-46dc-a726-a84e8c4229c7", "D"),
        FieldRef("mailto", "Mailto", "5cb4c1a7-9b2b-4b58-9a3d-2f0f8b4b1b11", "T"),  # same as a URN scheme
    ],
    groups=[GroupRef(1, "2b7a61a5-3a0e-4d4b-8e52-1a5ab0d0c9f1", "Testers")],
    flows=[
        FlowRef(1, "50c3706e-fbfb-4f3b-9b4d-1a0b4c6b8a01", "Registration"),
        FlowRef(2, "6d3cf1eb-546e-4fb8-a5ca-69187648fbf6", "Survey"),
    ],
    timezone="Africa/Kigali",
    date_format="D",
    country="RW",
)

VALID = [
    # bare terms: names, URNs, phone numbers
    ('"will"', 'name ~ "will"'),
    ("Will", 'name ~ "Will"'),
    ("w", 'name = "w"'),  # no word of 2+ characters to prefix-match
    ("w me", 'name = "w" AND name ~ "me"'),
    ("566", "name ~ 566"),  # too short for a phone number
    ("tel:+250788123123", 'tel = "+250788123123"'),
    ("telegram:1234", "telegram = 1234"),
    ("0788 123 123", 'tel = "+250788123123"'),  # the whole query is a number in the workspace's country
    ("+250788123123", 'tel = "+250788123123"'),
    ('"+12024561111"', 'tel ~ "+12024561111"'),
    ("will 0788-123", 'name ~ "will" AND tel ~ 0788123'),
    # attributes
    ("Name=will", 'name = "will"'),
    ('Name HAS "Felix"', 'name ~ "Felix"'),
    ('name is ""', 'name = ""'),
    ('name != ""', 'name != ""'),
    (r'name = "O\"Leary"', r'name = "O\"Leary"'),
    ("language = spa", 'language = "spa"'),
    ("status = ACTIVE", 'status = "ACTIVE"'),
    ("uuid = F81D1EB5-215D-4AE8-90FA-38B3F2D6E328", 'uuid = "F81D1EB5-215D-4AE8-90FA-38B3F2D6E328"'),
    ("id = 02352", "id = 02352"),
    ("Group IS testers", 'group = "Testers"'),  # canonical group name
    ("group != 2b7a61a5-3a0e-4d4b-8e52-1a5ab0d0c9f1", 'group != "Testers"'),  # or by UUID
    ("flow = registration", 'flow = "Registration"'),
    ('flow = ""', 'flow = ""'),
    ("history = SURVEY", 'history = "Survey"'),
    ("CREATED_ON>27-01-2020", 'created_on > "27-01-2020"'),
    ("last_seen_on <= 2020-01-27", 'last_seen_on <= "2020-01-27"'),
    ('last_seen_on = ""', 'last_seen_on = ""'),
    # URN schemes
    ("tel ~ 0788", "tel ~ 0788"),
    ("URN=ewok", 'urn = "ewok"'),
    ("urns.tel = 123", "tel = 123"),
    ("mailto = x@y.z", 'mailto = "x@y.z"'),  # the scheme wins over a field of the same key...
    ("fields.mailto = x@y.z", 'fields.mailto = "x@y.z"'),  # ...unless fields. says otherwise
    # fields
    ("Age IS 18", "age = 18"),
    ('Age > "18"', "age > 18"),
    ("age >= 18.5", "age >= 18.5"),
    ("age < -1", 'age < "-1"'),
    ("fields.age = 18", "age = 18"),
    ('AGE != ""', 'age != ""'),
    ("dob = 27/01/2020", 'dob = "27/01/2020"'),
    ("dob < 27.01.20", 'dob < "27.01.20"'),
    ("state = kigali", 'state = "kigali"'),
    ("gender = male", 'gender = "male"'),
    # combinations: AND binds tighter than OR, juxtaposition is AND, same-operator chains flatten
    ("will and felix", 'name ~ "will" AND name ~ "felix"'),
    ("will felix", 'name ~ "will" AND name ~ "felix"'),
    (
        "will and felix or matt amber",
        '(name ~ "will" AND name ~ "felix") OR (name ~ "matt" AND name ~ "amber")',
    ),
    ("will or felix or matt", 'name ~ "will" OR name ~ "felix" OR name ~ "matt"'),
    ("ab AND (cd AND ef)", 'name ~ "ab" AND name ~ "cd" AND name ~ "ef"'),
    ("ab AND (cd OR ef)", 'name ~ "ab" AND (name ~ "cd" OR name ~ "ef")'),
    (
        '(Age < 18 and Gender = "male") or (Age > 18 and Gender = "female")',
        '(age < 18 AND gender = "male") OR (age > 18 AND gender = "female")',
    ),
    ("((age > 18))", "age > 18"),
    ("age > 18 AND name ~ ann", 'age > 18 AND name ~ "ann"'),
    ("", ""),
    ("   ", ""),
]

INVALID = [
    ("name = ", "syntax"),
    ("(age > 18", "syntax"),
    ("age > 18)", "syntax"),
    ('name = "bob', "syntax"),
    ("name = bob!", "syntax"),
    ("and", "syntax"),
    ("age >", "syntax"),
    ("= 5", "syntax"),
    ("name = bob or", "syntax"),
    ("xyz = 1", "unknown_property"),
    ("fields.xyz = 1", "unknown_property"),
    ("age ~ 34", "unsupported_contains"),
    ("gender ~ M", "unsupported_contains"),
    ("group ~ test", "unsupported_contains"),
    ("created_on ~ 2018", "unsupported_contains"),
    ("name > will", "unsupported_comparison"),
    ("tel < 123", "unsupported_comparison"),
    ("gender >= x", "unsupported_comparison"),
    ("id > 5", "unsupported_comparison"),
    ('uuid = ""', "unsupported_setcheck"),
    ('id != ""', "unsupported_setcheck"),
    ('status = ""', "unsupported_setcheck"),
    ('created_on = ""', "unsupported_setcheck"),
    ('group = ""', "unsupported_setcheck"),
    ("age = old", "invalid_number"),
    ("age > 1e5", "invalid_number"),
    ("dob = tomorrow", "invalid_date"),
    ("created_on > 32-01-2020", "invalid_date"),
    ("group = Gamers", "invalid_group"),
    ("flow = nope", "invalid_flow"),
    ("history = nope", "invalid_flow"),
    ("status = sleeping", "invalid_status"),
    ("language = english", "invalid_language"),
    ("name ~ a", "invalid_partial_name"),
    ('name ~ ""', "invalid_partial_name"),
    ("tel ~ 12", "invalid_partial_urn"),
    (" OR ".join(["age = 1"] * 251), "too_complex"),
]


@pytest.mark.parametrize(("query", "normalized"), VALID)
def test_valid_queries_normalise(query: str, normalized: str) -> None:
    parsed = parse_query(query, RESOLVER)
    assert parsed.normalized == normalized
    # the normalised text is itself a valid query that normalises to itself
    assert parse_query(parsed.normalized, RESOLVER).normalized == normalized


@pytest.mark.parametrize(("query", "code"), INVALID)
def test_invalid_queries_raise_typed_errors(query: str, code: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query, RESOLVER)
    assert info.value.code == code
    assert info.value.as_dict()["code"] == f"query:{code}"


@pytest.mark.parametrize(
    ("query", "message", "extra"),
    [
        ("xyz = 1", "can't resolve 'xyz' to attribute, scheme or field", {"property": "xyz"}),
        ("age = old", "can't convert 'old' to a number", {"value": "old"}),
        ("dob = 31-31-2020", "can't convert '31-31-2020' to a date", {"value": "31-31-2020"}),
        ("group = Gamers", "'Gamers' is not a valid group name", {"value": "Gamers"}),
        ("name = bob!", "unexpected character '!' at position 10", {"position": 10, "token": "!"}),
        ("age >", "unexpected end of query at position 5, expecting a value after '>'", {"position": 5, "token": ""}),
        ("name > x", "comparisons with > can only be used with date and number fields, not 'name'",
         {"property": "name", "operator": ">"}),
    ],
)  # fmt: skip
def test_errors_name_the_bad_part(query: str, message: str, extra: dict) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query, RESOLVER)
    assert info.value.as_dict() == {"error": message, "code": f"query:{info.value.code}", "extra": extra}


def test_metadata_lists_what_the_query_uses() -> None:
    parsed = parse_query('age > 18 AND gender = "f" OR tel ~ 0788 OR AGE < 5 OR name ~ ann', RESOLVER)
    assert parsed.metadata == {
        "attributes": ["name"],
        "schemes": ["tel"],
        "fields": [{"key": "age", "name": "Age"}, {"key": "gender", "name": "Gender"}],
        "groups": [],
        "allow_as_group": True,
    }
    grouped = parse_query("group = testers AND created_on > 01-01-2020", RESOLVER)
    assert grouped.metadata["attributes"] == ["created_on", "group"]
    assert grouped.metadata["groups"] == [{"uuid": "2b7a61a5-3a0e-4d4b-8e52-1a5ab0d0c9f1", "name": "Testers"}]
    assert grouped.metadata["allow_as_group"] is False


@pytest.mark.parametrize(
    ("query", "allowed"),
    [("id = 5", False), ("flow = survey", False), ("history = survey", False), ("uuid = x", True),
     ("language = eng", True), ("", True)],
)  # fmt: skip
def test_allow_as_group(query: str, allowed: bool) -> None:
    assert parse_query(query, RESOLVER).metadata["allow_as_group"] is allowed


def test_deep_nesting_is_refused_not_crashing() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("(" * 5000 + "age = 1" + ")" * 5000, RESOLVER)
    assert info.value.code == "too_complex"
    assert parse_query("(" * 50 + "age = 1" + ")" * 50, RESOLVER).normalized == "age = 1"


@pytest.mark.parametrize(
    ("value", "date_format", "day"),
    [("27-01-2020", "D", "2020-01-27"), ("01-27-2020", "M", "2020-01-27"), ("2020-01-27", "M", "2020-01-27"),
     ("20-01-27", "Y", "2020-01-27"), ("27.01.99", "D", "1999-01-27"), ("2020/1/2 10:30", "D", "2020-01-02"),
     ("31-02-2020", "D", None), ("13-13-2020", "M", None), ("yesterday", "D", None), ("2020-01", "D", None)],
)  # fmt: skip
def test_days_are_read_in_the_workspace_date_format(value: str, date_format: str, day: str | None) -> None:
    from upesi.contactql.values import parse_day

    parsed = parse_day(value, date_format)
    assert (parsed.isoformat() if parsed else None) == day
