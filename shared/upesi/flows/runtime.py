"""Helpers actions and routers share: template evaluation with error events, localization, results."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from upesi.excellent.template import evaluate_template, evaluate_template_value
from upesi.excellent.types.convert import to_text
from upesi.excellent.types.values import XObject
from upesi.flows.clock import iso
from upesi.flows.context import build_context
from upesi.flows.events import expression_error
from upesi.flows.runs import MAX_RESULT_CHARS, result_key

if TYPE_CHECKING:
    from upesi.flows.runs import Run
    from upesi.flows.session import Session


def context_for(session: Session, run: Run) -> XObject:
    return build_context(session, run)


def evaluate_text(
    session: Session,
    run: Run,
    template: str,
    escape: Callable[[str], str] | None = None,
    log: bool = True,
    truncate: bool = True,
) -> str:
    if "@" not in template:
        return template
    warnings: list[str] = []
    text, errors = evaluate_template(
        template, context_for(session, run), session.env, escape=escape, warnings=warnings, truncate=truncate
    )
    if log:
        # as goflow: the template's errors, then its deprecation warnings
        for e in errors:
            session.log(expression_error(e.expression, e.message))
        _log_warnings(session, warnings)
    return text


def evaluate_or_skip(session: Session, run: Run, template: str) -> str | None:
    """Evaluate a template whose errors mean the action must not happen (errors are logged): None then."""
    if "@" not in template:
        return template
    warnings: list[str] = []
    text, errors = evaluate_template(template, context_for(session, run), session.env, warnings=warnings)
    for e in errors:
        session.log(expression_error(e.expression, e.message))
    _log_warnings(session, warnings)
    return None if errors else text


def _log_warnings(session: Session, warnings: list[str]) -> None:
    for w in warnings:
        session.log({"type": "warning", "text": w, "code": "context:deprecated"})


def evaluate_value(session: Session, run: Run, template: str) -> Any:
    """As goflow's EvaluateTemplateValue: a single item gives its value, an error as its XError (no
    event: the caller decides); a longer template gives text, its errors logged (before warnings)."""
    warnings: list[str] = []
    errors: list[Any] = []
    v = evaluate_template_value(
        template, context_for(session, run), session.env, warnings=warnings, errors=errors
    )
    for e in errors:
        session.log(expression_error(e.expression, e.message))
    _log_warnings(session, warnings)
    return v


def run_languages(session: Session, run: Run) -> list[str]:
    """Languages to try for translations: contact language (if allowed), env default, flow base."""
    langs: list[str] = []
    env = session.env
    allowed = env.allowed_languages
    cl = session.contact.get("language") or ""
    if cl and cl in allowed:
        langs.append(cl)
    default = env.default_language
    if default and default not in langs:
        langs.append(default)
    base = run.flow.language if run.flow else ""
    if base and base not in langs:
        langs.append(base)
    return langs


def localize(
    session: Session, run: Run, item_uuid: str, prop: str, default: list[str]
) -> tuple[list[str], str]:
    """The values of a localizable property and the language they came from."""
    flow = run.flow
    base = flow.language if flow else ""
    if flow is None or not flow.localization:
        # nothing translated: every language falls back to the flow's own text
        return default, base
    for lang in run_languages(session, run):
        if lang == base:
            return default, base
        vals = flow.localized(lang, item_uuid, prop)
        if vals is not None and any(v for v in vals):
            return vals, lang
    return default, base


def localize_one(session: Session, run: Run, item_uuid: str, prop: str, default: str) -> tuple[str, str]:
    vals, lang = localize(session, run, item_uuid, prop, [default])
    return (vals[0] if vals else default), lang


def set_result(
    session: Session,
    run: Run,
    node_uuid: str,
    name: str,
    value: str,
    category: str,
    category_localized: str = "",
    input_: str | None = None,
    extra: Any = None,
) -> None:
    key = result_key(name)
    run.raw_extras.pop(key, None)
    if len(value) > MAX_RESULT_CHARS:
        value = value[:MAX_RESULT_CHARS]
    prev = run.results.get(key)
    now = session.now()
    result: dict[str, Any] = {"name": name, "value": value, "category": category}
    if category_localized and category_localized != category:
        result["category_localized"] = category_localized
    result["node_uuid"] = node_uuid
    if input_:
        result["input"] = input_
    if extra is not None:
        result["extra"] = extra
    result["created_on"] = iso(now)
    run.results[key] = result
    run.modified_on = now
    # as goflow's Results.Save: the result is always stored, the event only says it changed
    if prev is not None and prev.get("value") == value and prev.get("category") == category:
        return
    event: dict[str, Any] = {"type": "run_result_changed", "name": name, "value": value, "category": category}
    if category_localized and category_localized != category:
        event["category_localized"] = category_localized
    if extra is not None:
        event["extra"] = extra
    if prev is not None:
        event["previous"] = {"value": prev.get("value"), "category": prev.get("category")}
    session.log(event)


def text_of(v: Any) -> str:
    return to_text(v)
