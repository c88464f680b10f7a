"""The URNs people and API clients may give a contact: RapidPro's URN.normalize then URN.validate."""

import pytest

from upesi.domain.urns import CHECKS, UNCHECKED, InvalidURN, checked_urn, typed_urn
from upesi.urns import SCHEMES

# value, workspace country, normalised identity or None when refused (RapidPro's test_contacts / URN tests)
CASES = [
    ("tel:+250788383383", "RW", "tel:+250788383383"),
    ("tel:0788383383", "RW", "tel:+250788383383"),
    ("tel:+1 (202) 555-0143", None, "tel:+12025550143"),
    ("tel:250788383383", None, "tel:+250788383383"),
    ("tel:0788383383", None, None),  # no country and no country code
    ("tel:12ab", "RW", None),
    ("tel:+1202", "US", None),
    ("tel:notanumber", "RW", None),
    ("tel:1234556789", "RW", None),  # RapidPro's API test: too long for Rwanda
    ("tel:123", "RW", None),  # short codes are not a contact's phone number (URN.validate's parse_number)
    ("twitter:@NyaRuka", None, "twitter:nyaruka"),
    ("twitter:this_handle_is_far_too_long", None, None),
    ("twitterid:12345#bob", None, "twitterid:12345"),
    ("twitterid:bob", None, None),
    ("mailto:Bob@Example.COM", None, "mailto:bob@example.com"),
    ("mailto:bob", None, None),
    ("mailto:bob@localhost", None, None),
    ("facebook:12345", None, "facebook:12345"),
    ("facebook:ref:abc", None, "facebook:ref:abc"),
    ("facebook:abc", None, None),
    ("telegram:12345", None, "telegram:12345"),
    ("telegram:bob", None, None),
    ("instagram:x1", None, None),
    ("whatsapp:+250788383383", None, "whatsapp:250788383383"),
    ("whatsapp:us.1349120865", None, "whatsapp:US.1349120865"),
    ("whatsapp:hello", None, None),
    ("bsuid:US.abc", None, "bsuid:US.abc"),
    ("bsuid:abc", None, None),
    ("viber:abc=+/", None, "viber:abc=+/"),
    ("viber:a b", None, None),
    ("freshchat:0f6d8c6e-1c4a-4d0c-9f5c-1b2a3c4d5e6f/1f6d8c6e-1c4a-4d0c-9f5c-1b2a3c4d5e6f", None,
     "freshchat:0f6d8c6e-1c4a-4d0c-9f5c-1b2a3c4d5e6f/1f6d8c6e-1c4a-4d0c-9f5c-1b2a3c4d5e6f"),
    ("freshchat:abc", None, None),
    ("ext:anything goes", None, "ext:anything goes"),
    ("foo:bar", None, None),  # unknown scheme
    ("tel:", None, None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "country", "expected"), CASES)
def test_checked_urn(value: str, country: str | None, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InvalidURN) as e:
            checked_urn(value, country)
        assert e.value.value == value and e.value.reason
    else:
        assert checked_urn(value, country).identity == expected


def test_a_bare_number_in_a_form_is_a_phone_number() -> None:
    assert typed_urn(" 0788 383 383 ", "RW").identity == "tel:+250788383383"
    with pytest.raises(InvalidURN, match=r"^12ab is not valid: not a phone number$"):
        typed_urn("12ab", "RW")
    with pytest.raises(InvalidURN, match=r"^\+1202 is not valid: not a possible phone number in US"):
        typed_urn("+1202", "US")


def test_every_scheme_has_a_decision() -> None:
    """A scheme added to upesi.urns.SCHEMES must be given a check or listed as unchecked here."""
    assert set(CHECKS) | UNCHECKED == set(SCHEMES)
    assert not set(CHECKS) & UNCHECKED
