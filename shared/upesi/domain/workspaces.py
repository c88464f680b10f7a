"""A workspace's settings: name, country, timezone, date format and flow languages (RapidPro's org edit,
country and languages pages in one)."""

from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.models import Org
from upesi.domain.errors import DomainError

DATE_FORMATS = {"D": "DD-MM-YYYY", "M": "MM-DD-YYYY", "Y": "YYYY-MM-DD"}
MAX_NAME = 128
MAX_LANGUAGES = 10  # RapidPro's flow languages are few; the editor shows them all in its bar


@dataclass(frozen=True)
class WorkspaceSettings:
    name: str
    timezone: str
    country: str | None  # ISO 3166-1 alpha-2, for phone numbers written without a country code
    date_format: str
    languages: list[str]  # ISO 639-3; the first is the flows' base language


def settings_of(org: Org) -> WorkspaceSettings:
    return WorkspaceSettings(org.name, org.timezone, org.country, org.date_format, list(org.languages or []))


@lru_cache
def language_names() -> dict[str, str]:
    import pycountry  # read on first use: loading its tables takes a moment

    return {lang.alpha_3: lang.name for lang in pycountry.languages}


@lru_cache
def country_names() -> dict[str, str]:
    import pycountry

    return {c.alpha_2: c.name for c in pycountry.countries}


@lru_cache
def timezones() -> list[str]:
    return sorted(available_timezones())


def validate(settings: WorkspaceSettings) -> WorkspaceSettings:
    """The settings cleaned, or a DomainError naming the first field that is wrong."""
    name = settings.name.strip()
    if not name:
        raise DomainError("name", "This field is required.")
    if len(name) > MAX_NAME:
        raise DomainError("name", f"Ensure this field has no more than {MAX_NAME} characters.")
    if settings.timezone not in available_timezones():
        raise DomainError("timezone", f"{settings.timezone!r} is not a valid timezone.")
    country = (settings.country or "").strip().upper() or None
    if country is not None and country not in country_names():
        raise DomainError("country", f"{settings.country!r} is not a valid country code.")
    if settings.date_format not in DATE_FORMATS:
        raise DomainError("date_format", f"{settings.date_format!r} is not a valid choice.")
    languages: list[str] = []
    for code in (c.strip().lower() for c in settings.languages):
        if not code or code in languages:
            continue
        if code not in language_names():
            raise DomainError("languages", f"{code!r} is not a valid ISO 639-3 language code.")
        languages.append(code)
    if not languages:
        raise DomainError("languages", "A workspace needs at least one language.")
    if len(languages) > MAX_LANGUAGES:
        raise DomainError("languages", f"A workspace can have at most {MAX_LANGUAGES} languages.")
    return WorkspaceSettings(name, settings.timezone, country, settings.date_format, languages)


async def update_settings(session: AsyncSession, *, org: Org, settings: WorkspaceSettings) -> Org:
    """Apply valid settings to the workspace (the caller commits). Changing the languages changes what the
    editor offers to translate; flows keep the translations they have."""
    clean = validate(settings)
    org.name, org.timezone, org.country = clean.name, clean.timezone, clean.country
    org.date_format, org.languages = clean.date_format, clean.languages
    session.add(org)
    await session.flush()
    return org
