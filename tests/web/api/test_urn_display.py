"""urn_display (a run's contact's `urn_display`) is cached per identity; its answers must stay those of
phonenumbers' parse and national format, as RapidPro's get_urn_display gives, for numbers of every region:
example numbers of each type, the same cut short and made long, random digits after each country code, and
other schemes."""

import random

import phonenumbers

from web.api.v2.shapes import urn_display


def formatted(identity: str) -> str:
    """urn_display as it was before it was cached (the reference)."""
    scheme, _, path = identity.partition(":")
    if scheme == "tel":
        try:
            number = phonenumbers.parse(path, None)
        except phonenumbers.NumberParseException:
            return path
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return path


def identities() -> list[str]:
    rng = random.Random(5)
    out = ["tel:", "tel:+", "tel:12345", "tel:0788123123", "tel:+250 788 123 123", "tel:abc", "telegram:12345",
           "whatsapp:250788123123", "mailto:a@b.c", "twitter:bob", "ext:+250788123123", "tel:+2507881231239999"]  # fmt: skip
    types = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
             phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.VOIP]  # fmt: skip
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        code = phonenumbers.country_code_for_region(region)
        for kind in types:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            out += [f"tel:{e164}", f"tel:{e164[:-1]}", f"tel:{e164[:-3]}", f"tel:{e164}7", f"tel:{e164}123"]
        for length in (4, 7, 9, 10, 12):
            out.append(f"tel:+{code}" + "".join(rng.choice("0123456789") for _ in range(length)))
    return out


def test_urn_display_answers_what_phonenumbers_gives() -> None:
    every = identities()
    assert len(every) > 2000
    for identity in every + every:  # the second time from the cache
        assert urn_display(identity) == formatted(identity), identity
