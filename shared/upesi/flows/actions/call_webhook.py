"""call_webhook: an HTTP request; sets @webhook and an optional result (status, Success/Failure, JSON extra)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from upesi.flows.actions.base import ALL_TYPES
from upesi.flows.definition.errors import FlowReadError
from upesi.flows.runs import result_key
from upesi.flows.runtime import evaluate_text, set_result
from upesi.flows.webhooks import (
    MAX_EXTRA_CHARS,
    MAX_REQUEST_BYTES,
    WebhookCall,
    call,
    check_url,
    request_size,
)

if TYPE_CHECKING:
    from upesi.flows.definition import Node
    from upesi.flows.runs import Run
    from upesi.flows.session import Session

FLOW_TYPES = ALL_TYPES
REQUIRED = ("method", "url")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
_HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
MAX_URL = 8192
MAX_BODY = 20000


def validate(action: dict[str, Any], where: str) -> None:
    if len(action.get("url") or "") > MAX_URL:
        raise FlowReadError(f"{where}: field 'url' must be less than or equal to {MAX_URL}")
    if len(action.get("body") or "") > MAX_BODY:
        raise FlowReadError(f"{where}: field 'body' must be less than or equal to {MAX_BODY}")
    if action.get("method") not in METHODS:
        raise FlowReadError(f"{where}: field 'method' must be one of {' '.join(METHODS)}")
    for name in action.get("headers") or {}:
        if not _HEADER_NAME_RE.match(name):
            raise FlowReadError(f"{where}: header name '{name}' is not valid")


def save_webhook(session: Session, run: Run, node: Node, result_name: str, wc: WebhookCall) -> None:
    """@webhook for the rest of the sprint, and the result if the action names one."""
    found = wc.response_json()
    text, body = found if found is not None else (None, None)
    size = 0 if text is None else len(text.encode())
    # a bigger response is usable for the rest of this sprint but isn't kept on the run (goflow's
    # persistWebhookBytesLimit, measured on the JSON it keeps; a body that isn't JSON keeps nothing)
    run.webhook = {
        "method": wc.method,
        "url": wc.url,
        "status": wc.status_code,
        "headers": wc.headers,
        "json": body,
    }
    run.webhook_persist = size <= MAX_EXTRA_CHARS
    if result_name:
        # goflow's resultExtraMaxBytes: strictly smaller
        extra = body if text is not None and size < MAX_EXTRA_CHARS else None
        category = "Success" if wc.status == "success" else "Failure"
        set_result(
            session,
            run,
            node.uuid,
            result_name,
            str(wc.status_code),
            category,
            input_=f"{wc.method} {wc.url}",
            extra=extra,
        )
        if extra is not None and text is not None:
            # the text as received: goflow keeps the bytes, and @legacy_extra shows them
            run.raw_extras[result_key(result_name)] = text


def clear_webhook(run: Run) -> None:
    """@webhook always reflects the current action: cleared first, so that a call that never happens
    (empty or invalid URL, request too big, unknown resthook) is not read as the previous call's result."""
    run.webhook = None
    run.webhook_persist = True


def execute(session: Session, run: Run, node: Node, action: dict[str, Any]) -> None:
    from upesi.flows.events import error_event

    clear_webhook(run)
    method = action["method"]
    # expression output isn't escaped here: flows use url_encode() where they need it
    url = evaluate_text(session, run, action["url"]).strip()
    if not url:
        session.log(error_event("Webhook URL evaluated to empty string"))
        return
    problem = check_url(url)
    if problem is not None and problem.get("code") != "url:blocked":
        session.log(problem)
        return
    # headers and body only once the URL is known to be good, as goflow
    headers = {}
    for k, v in (action.get("headers") or {}).items():
        headers[k] = evaluate_text(session, run, v)
    # bodies may be longer than ordinary templates; the request size limit applies instead
    body = evaluate_text(session, run, action.get("body") or "", truncate=False)
    size = request_size(method, url, headers, body)
    if size > MAX_REQUEST_BYTES:
        session.log(
            error_event(
                f"Webhook request evaluated to {size} bytes, exceeding the limit of {MAX_REQUEST_BYTES}",
                "webhook:request_size",
                {"limit": str(MAX_REQUEST_BYTES), "size": str(size)},
            )
        )
        return
    if problem is not None:  # a blocked host is found when the call is made, as in goflow
        session.log(problem)
        return
    wc = call(session, method, url, headers, body)
    session.log(wc.event())
    save_webhook(session, run, node, action.get("result_name") or "", wc)
