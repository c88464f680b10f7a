"""RapidPro's name rule (NameValidator), decided once for every surface that names a workspace object."""

import pytest

from upesi.domain.errors import DomainError
from upesi.domain.names import clean_name


@pytest.mark.parametrize(
    "given, expected",
    [
        ("Spam", "Spam"),
        ("  Spam  ", "Spam"),  # both of RapidPro's surfaces strip before judging
        ("x" * 64, "x" * 64),
        ("Won't work", "Won't work"),
    ],
)
def test_valid_names_are_kept_stripped(given: str, expected: str) -> None:
    assert clean_name(given) == expected


@pytest.mark.parametrize(
    "given, message",
    [
        ("", "This field may not be blank."),
        ("   ", "This field may not be blank."),
        ("x" * 65, "Ensure this field has no more than 64 characters."),
        ('""', 'Cannot contain the character: "'),
        ("a\\b", "Cannot contain the character: \\"),
        ("a\0b", "Cannot contain null characters."),
    ],
)
def test_invalid_names_name_the_field_and_the_rule(given: str, message: str) -> None:
    with pytest.raises(DomainError) as e:
        clean_name(given)
    assert (e.value.field, e.value.message) == ("name", message)
