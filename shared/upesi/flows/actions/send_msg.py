"""send_msg: a message to the contact on their preferred sendable URN."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.contact import sendable_destination, urn_text
from upesi.flows.events import error_event
from upesi.flows.locale import msg_locale
from upesi.flows.runtime import evaluate_text, localize

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

# background flows may message the contact too (RapidPro's own exports do); they just can't wait
FLOW_TYPES = ALL_TYPES
REQUIRED = ("text",)


def validate(action: dict[str, Any], where: str) -> None:
    from upesi.flows.definition.errors import FlowReadError

    if not (action.get("text") or "").strip():
        raise FlowReadError(f"{where}: field 'text' is required")


MAX_QUICK_REPLIES = 10
MAX_QUICK_REPLY_CHARS = 64  # what a channel can show on a button
MAX_QUICK_REPLY_EXTRA_CHARS = 1000
MAX_ATTACHMENT_CHARS = 2048


def _ellipsize(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: limit - 3] + "..."


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    uuid = action["uuid"]
    texts, lang = localize(session, run, uuid, "text", [action.get("text") or ""])
    text = evaluate_text(session, run, texts[0] if texts else "")
    atts_src, _ = localize(session, run, uuid, "attachments", list(action.get("attachments") or []))
    attachments = []
    for a in atts_src:
        v = evaluate_text(session, run, a).strip()
        ctype, _, url = v.partition(":")
        if not ctype or not url.strip():
            session.log(error_event("Attachment evaluated to invalid value and will be ignored"))
        elif len(v) > MAX_ATTACHMENT_CHARS:
            session.log(
                error_event(
                    f"Evaluated attachment is longer than the {MAX_ATTACHMENT_CHARS} limit and will be ignored"
                )
            )
        else:
            attachments.append(v)
    qr_src, _ = localize(session, run, uuid, "quick_replies", list(action.get("quick_replies") or []))
    quick_replies = []
    for q in qr_src[:MAX_QUICK_REPLIES]:
        v = evaluate_text(session, run, q).strip()
        if not v:
            session.log(error_event("Quick reply evaluated to empty string and will be ignored"))
            continue
        qr_text, sep, extra = v.partition("<extra>")
        qr: dict[str, Any] = {"type": "text", "text": _ellipsize(qr_text, MAX_QUICK_REPLY_CHARS)}
        if sep and extra:
            qr["extra"] = _ellipsize(extra, MAX_QUICK_REPLY_EXTRA_CHARS)
        quick_replies.append(qr)
    msg: dict[str, Any] = {}
    urn, channel = sendable_destination(session.contact, session.assets.channels)
    if urn is not None and channel is not None:
        msg["urn"] = urn_text(urn)
        msg["channel"] = {"uuid": channel["uuid"], "name": channel.get("name", "")}
    msg["text"] = text
    if attachments:
        msg["attachments"] = attachments
    if quick_replies:
        msg["quick_replies"] = quick_replies
    locale = msg_locale(session, lang, channel, urn)
    if locale:
        msg["locale"] = locale
    if action.get("template") and channel is not None:
        from upesi.flows.actions.templating import apply_template
        from upesi.flows.runtime import run_languages

        # as goflow: the contact's locale, then the environment's (language + the contact's country)
        langs = run_languages(session, run)
        country = session.env.default_country
        tried = [f"{lang}-{country}" for lang in langs if country] + langs
        apply_template(session, run, action, msg, channel, tried)
    if urn is None or channel is None:
        msg["unsendable_reason"] = "no_route"
    elif (session.contact.get("status") or "active") != "active":
        msg["unsendable_reason"] = "contact_status"
    elif session.engine.check_sendable is not None:
        reason = session.engine.check_sendable(session.contact, msg)
        if reason:
            msg["unsendable_reason"] = reason
    session.log({"type": "msg_created", "msg": msg})
