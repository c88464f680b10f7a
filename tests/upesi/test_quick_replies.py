"""Stored quick replies keep their type and extra; plain text replies and rows from before stay readable."""

import pytest

from upesi.quick_replies import decode, encode, for_courier


@pytest.mark.parametrize(
    ("reply", "stored"),
    [
        ({"type": "text", "text": "Yes"}, "Yes"),
        ({"text": "Yes"}, "Yes"),
        (
            {"type": "text", "text": "Green", "extra": "Like grass"},
            '{"type":"text","text":"Green","extra":"Like grass"}',
        ),
        (
            {"type": "form", "text": "Book now", "extra": "123456"},
            '{"type":"form","text":"Book now","extra":"123456"}',
        ),
        ({"type": "location"}, '{"type":"location"}'),
    ],
)
def test_round_trip(reply: dict, stored: str) -> None:
    assert encode(reply) == stored
    assert decode(stored) == {"type": "text", **reply}


def test_rows_from_before_types_were_kept() -> None:
    assert decode("Yes") == {"type": "text", "text": "Yes"}
    assert decode("Green\nLike grass") == {"type": "text", "text": "Green", "extra": "Like grass"}
    assert decode("{not json") == {"type": "text", "text": "{not json"}


def test_courier_gets_plain_texts_as_strings_and_typed_ones_as_dicts() -> None:
    stored = ["Yes", '{"type":"url","text":"Visit","extra":"https://x.test"}', "Green\nLike grass"]
    assert for_courier(stored) == [
        "Yes",
        {"type": "url", "text": "Visit", "extra": "https://x.test"},
        {"type": "text", "text": "Green", "extra": "Like grass"},
    ]
