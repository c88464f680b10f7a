"""TwiML (Twilio, TwiML API, SignalWire): the answer to a callback built from a sprint's events, the request
signature, and reading a callback's input and call status. Facts from mailroom's services/ivr/twiml.

A sprint that says something and waits for one digit answers:

    <?xml version="1.0" encoding="UTF-8"?>
    <Response>
      <Gather numDigits="1" timeout="30" action="https://…/handle?action=resume&amp;call=…&amp;wait_type=gather">
        <Say language="en-US">Press one or two</Say>
      </Gather>
      <Redirect>https://…/handle?action=resume&amp;call=…&amp;wait_type=gather&amp;timeout=true</Redirect>
    </Response>
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mailroom.ivr.locales import say_language

GATHER_TIMEOUT = 30  # seconds Twilio waits for the first digit
RECORD_MAX_LENGTH = 600  # seconds of a recording
ERROR_MESSAGE = "An error has occurred, please try again later."
XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Twilio's DialCallStatus -> the engine's dial status
DIAL_STATUSES = {
    "completed": "answered",
    "answered": "answered",
    "busy": "busy",
    "no-answer": "no_answer",
    "failed": "failed",
    "canceled": "failed",
}


class TwiMLError(ValueError):
    """A callback we cannot use (an unknown wait type or dial status, a hint we cannot gather)."""


# --- the engine events a voice answer (TwiML here, Vonage's NCCO) renders

# said or played, and the waits that end the answer with a gather, record or dial
SPOKEN_EVENTS = frozenset({"ivr_created", "msg_wait", "dial_wait"})
# the handlers' alone (written, sent as SMS, started elsewhere): nothing to say on the call
SILENT_EVENTS = frozenset({
    "airtime_created", "broadcast_created", "contact_field_changed", "contact_groups_changed",
    "contact_language_changed", "contact_last_seen_changed", "contact_name_changed", "contact_status_changed",
    "contact_timezone_changed", "contact_urns_changed", "email_sent", "error", "failure", "input_labels_added",
    "llm_called", "msg_created", "resthook_called", "run_ended", "run_result_changed", "run_started",
    "session_triggered", "ticket_assignee_changed", "ticket_closed", "ticket_note_added", "ticket_opened",
    "ticket_reopened", "ticket_topic_changed", "warning", "webhook_called",
})  # fmt: skip


def spoken_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sprint's events an answer renders, in order. An event type in neither list is one nobody decided
    about for a call: the answer fails (the callback answers the provider's error and logs it) instead of
    leaving it out."""
    spoken = []
    for event in events:
        etype = event.get("type")
        if etype in SPOKEN_EVENTS:
            spoken.append(event)
        elif etype not in SILENT_EVENTS:
            raise TwiMLError(f"unable to answer an IVR call with an event of type: {etype}")
    return spoken


# --- the request signature (https://www.twilio.com/docs/usage/security#validating-requests)


def signature(url: str, form: Iterable[tuple[str, str]], auth_token: str) -> str:
    """Base64 of HMAC-SHA1 over the full URL followed by each POST parameter's name and value, sorted by name."""
    pairs = sorted(form, key=lambda kv: kv[0])
    data = url + "".join(k + v for k, v in pairs)
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(url: str, form: Iterable[tuple[str, str]], auth_token: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(signature(url, form, auth_token), given)


# --- reading callbacks


@dataclass(frozen=True)
class InputResume:
    """Digits typed, a recording made, or nothing (a timeout: the engine gets an empty message)."""

    text: str = ""
    attachment: str = ""


@dataclass(frozen=True)
class DialResume:
    status: str  # answered, no_answer, busy, failed
    duration: int


def resume_for(form: Mapping[str, str], query: Mapping[str, str]) -> InputResume | DialResume:
    """What a resume callback carries: our own query parameters say which wait it answers."""
    if query.get("timeout") == "true" or query.get("empty") == "true":
        return InputResume()
    wait_type = query.get("wait_type", "")
    if wait_type == "gather":
        return InputResume(text=form.get("Digits", ""))
    if wait_type == "record":
        url = form.get("RecordingUrl", "")
        return InputResume(attachment=f"audio/mp3:{url}.mp3") if url else InputResume()
    if wait_type == "dial":
        status = DIAL_STATUSES.get(form.get("DialCallStatus", ""))
        if status is None:
            raise TwiMLError(f"unknown Twilio DialCallStatus in callback: {form.get('DialCallStatus', '')}")
        duration = form.get("DialCallDuration", "") or "0"
        if not duration.isdigit():
            raise TwiMLError(f"invalid value for DialCallDuration: {duration}")
        return DialResume(status, int(duration))
    raise TwiMLError(f"unknown wait_type: {wait_type}")


@dataclass(frozen=True)
class CallStatus:
    status: str  # our calls.status: W wired, I in progress, D completed, E errored, F failed
    error_reason: str | None = None  # B busy, N no answer, P provider
    duration: int = 0


def status_for(form: Mapping[str, str]) -> CallStatus:
    """A callback's CallStatus as ours; an unknown one fails the call (provider error), as mailroom does."""
    status = form.get("CallStatus", "")
    if status in ("queued", "ringing"):
        return CallStatus("W")
    if status in ("in-progress", "initiated"):
        return CallStatus("I")
    if status == "completed":
        duration = form.get("CallDuration", "")
        return CallStatus("D", duration=int(duration) if duration.isdigit() else 0)
    if status == "busy":
        return CallStatus("E", "B")
    if status == "no-answer":
        return CallStatus("E", "N")
    if status in ("canceled", "failed"):
        return CallStatus("E", "P")
    return CallStatus("F", "P")


def machine_answered(form: Mapping[str, str]) -> bool:
    return form.get("AnsweredBy", "") in ("machine_start", "fax")


# --- writing answers, escaped and laid out as Go's encoding/xml does (mailroom's answers, byte for byte)

_GO_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;", "\t": "&#x9;",
               "\n": "&#xA;", "\r": "&#xD;"}  # fmt: skip


def escape(value: str) -> str:
    return "".join(_GO_ESCAPES.get(c, c) for c in value)


def quoteattr(value: str) -> str:
    return f'"{escape(value)}"'


def _say(text: str, language: str) -> str:
    lang = f" language={quoteattr(language)}" if language else ""
    return f"<Say{lang}>{escape(text)}</Say>"


def response_for_events(
    events: Iterable[dict[str, Any]], resume_url: str, default_locale: str, attachment_url: Any = None
) -> str:
    """The TwiML for a sprint: say and play its voice messages, then gather, record or dial for its wait;
    without a wait the call is over and we hang up. attachment_url makes a stored attachment's URL absolute."""
    commands: list[str] = []
    gather = ""
    tail: list[str] = []
    has_wait = False
    for event in spoken_events(events):
        etype = event["type"]
        if etype == "ivr_created":
            msg = event.get("msg") or {}
            attachments = msg.get("attachments") or []
            if not attachments:
                language = say_language([msg.get("locale") or "", default_locale])
                commands.append(_say(msg.get("text") or "", language))
            for a in attachments:
                # a recording's result reads "\n<url>" (the input's text, then its attachments): trimmed
                url = (a.split(":", 1)[1] if ":" in a else a).strip()
                commands.append(f"<Play>{escape(attachment_url(url) if attachment_url else url)}</Play>")
        elif etype == "msg_wait":
            has_wait = True
            hint = event.get("hint") or {}
            if hint.get("type") == "digits":
                action = resume_url + "&wait_type=gather"
                attrs = ""
                if hint.get("count"):
                    attrs += f' numDigits="{int(hint["count"])}"'
                if hint.get("terminated_by"):
                    attrs += f" finishOnKey={quoteattr(hint['terminated_by'])}"
                attrs += f' timeout="{GATHER_TIMEOUT}" action={quoteattr(action)}'
                gather = f"<Gather{attrs}>{''.join(commands)}</Gather>"
                commands = []
                tail.append(f"<Redirect>{escape(action + '&timeout=true')}</Redirect>")
            elif hint.get("type") == "audio":
                action = resume_url + "&wait_type=record"
                commands.append(
                    f'<Record action={quoteattr(action)} maxLength="{RECORD_MAX_LENGTH}"></Record>'
                )
                commands.append(f"<Redirect>{escape(action + '&empty=true')}</Redirect>")
            else:
                raise TwiMLError(f"unable to use hint in IVR call, unknown type: {hint.get('type', '')}")
        else:  # dial_wait
            has_wait = True
            action = resume_url + "&wait_type=dial"
            number = str(event.get("urn", "")).removeprefix("tel:")
            attrs = f" action={quoteattr(action)}"
            if event.get("dial_limit_seconds"):
                attrs += f' timeout="{int(event["dial_limit_seconds"])}"'
            if event.get("call_limit_seconds"):
                attrs += f' timeLimit="{int(event["call_limit_seconds"])}"'
            commands.append(f"<Dial{attrs}>{escape(number)}</Dial>")
    if not has_wait:
        commands.append("<Hangup></Hangup>")
    return _response(gather + "".join(commands) + "".join(tail))


def _response(body: str, comment: str = "") -> str:
    note = f"<!--{comment.replace('--', '__')}-->" if comment else ""
    return f"{XML_HEADER}<Response>{note}{body}</Response>"


def error_response(message: str) -> str:
    """Say we failed and hang up; the reason goes in a comment (channel logs show it)."""
    return _response(_say(ERROR_MESSAGE, "") + "<Hangup></Hangup>", message)


def empty_response(message: str) -> str:
    return _response("", message)


def reject_response() -> str:
    return _response("<Reject></Reject>")
