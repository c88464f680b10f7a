"""Reading and validating JSON request bodies with DRF's error messages."""

import json
from typing import Any

import pycountry
from fastapi import Request

from web.api.v2.errors import APIError, Errors, invalid
from web.api.v2.values import parse_bool

REQUIRED = "This field is required."
MAX_TRANSLATIONS = 50
NULL = "This field may not be null."
BLANK = "This field may not be blank."


async def read_body(request: Request) -> dict[str, Any]:
    """The JSON object of a write. Form-encoded bodies are taken too, as DRF's FormParser does (a key
    given more than once becomes a list)."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        return {k: (vs if len(vs := form.getlist(k)) > 1 else vs[0]) for k in form}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise invalid(f"JSON parse error - {e}") from e
    if not isinstance(data, dict):
        raise APIError(400, {"non_field_errors": ["Request body should be a single JSON object"]})
    return data


def string(
    data: dict[str, Any], name: str, errors: Errors, *, required: bool = False, max_length: int | None = None,
    allow_blank: bool = False, allow_null: bool = False,
) -> str | None:  # fmt: skip
    if name not in data:
        if required:
            errors.add(name, REQUIRED)
        return None
    value = data[name]
    if value is None:
        if not allow_null:
            errors.add(name, NULL)
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.add(name, "Not a valid string.")
        return None
    value = value.strip()
    if not value and not allow_blank:
        errors.add(name, BLANK)
        return None
    if max_length is not None and len(value) > max_length:
        errors.add(name, f"Ensure this field has no more than {max_length} characters.")
        return None
    return value


def raw_name(data: dict[str, Any]) -> str:
    """The body's required `name` as given, for upesi.domain.names to judge (blank and length included)."""
    errors = Errors()
    name = string(data, "name", errors, required=True, allow_blank=True)
    errors.raise_if_any()
    assert name is not None
    return name


def boolean(data: dict[str, Any], name: str, errors: Errors, default: bool | None = None) -> bool | None:
    if name not in data or data[name] is None:
        return default
    value = parse_bool(data[name])
    if value is None:
        errors.add(name, "Must be a valid boolean.")
        return default
    return value


def integer(data: dict[str, Any], name: str, errors: Errors, *, required: bool = False) -> int | None:
    if name not in data or data[name] is None:
        if required:
            errors.add(name, REQUIRED)
        return None
    value = data[name]
    if isinstance(value, bool):
        errors.add(name, "A valid integer is required.")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.add(name, "A valid integer is required.")
        return None


def string_list(
    data: dict[str, Any], name: str, errors: Errors, *, max_items: int = 100, required: bool = False
) -> list[str] | None:
    """A list of strings; a single string is taken as a one-item list (DRF's ListField does not, but
    form-style clients send it and it is unambiguous)."""
    if name not in data or data[name] is None:
        if required:
            errors.add(name, REQUIRED)
        return None
    value = data[name]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in value
    ):
        errors.add(name, "Not a valid list.")
        return None
    if len(value) > max_items:
        errors.add(name, f"Ensure this field has no more than {max_items} elements.")
        return None
    return [str(v).strip() for v in value]


def translations(
    data: dict[str, Any], name: str, errors: Errors, default_lang: str, *, max_length: int | None = None,
    required: bool = False,
) -> dict[str, str] | None:  # fmt: skip
    """Translatable text as RapidPro's TranslatedTextField takes it: {"eng": "...", "fra": "..."}, or a plain
    string taken as the default language. Keys must be ISO 639-3 codes (at most 50); a blank or too long
    text is named by its language: {"message": {"eng": ["This field may not be blank."]}}."""
    if name not in data or data[name] is None:
        if required:
            errors.add(name, REQUIRED)
        elif name in data:
            errors.add(name, NULL)
        return None
    value = data[name]
    if isinstance(value, str):
        value = {default_lang: value}
    if not isinstance(value, dict):
        errors.add(name, f'Expected a dictionary of items but got type "{type(value).__name__}".')
        return None
    if not value:
        errors.add(name, "This dictionary may not be empty.")
        return None
    if len(value) > MAX_TRANSLATIONS:
        errors.add(name, f"Ensure this field has no more than {MAX_TRANSLATIONS} elements.")
        return None
    by_lang: dict[str, list[str]] = {}
    result: dict[str, str] = {}
    for lang, text in value.items():
        if not is_language(lang):
            by_lang[str(lang)] = ["Not an allowed ISO 639-3 language code."]
        elif text is None:
            by_lang[lang] = [NULL]
        elif not isinstance(text, (str, int, float)) or isinstance(text, bool):
            by_lang[lang] = ["Not a valid string."]
        elif not str(text).strip():
            by_lang[lang] = [BLANK]
        elif max_length is not None and len(str(text)) > max_length:
            by_lang[lang] = [f"Ensure this field has no more than {max_length} characters."]
        else:
            result[lang] = str(text).strip()
    if by_lang:
        errors.nested(name, by_lang)
        return None
    return result


def is_language(code: Any) -> bool:
    """An ISO 639-3 code (RapidPro's validate_language)."""
    return isinstance(code, str) and len(code) == 3 and pycountry.languages.get(alpha_3=code) is not None
