"""Vonage Voice (NX): answers as NCCO, the Voice API called with a JWT signed by the application's private key,
and callbacks checked. Facts from mailroom's services/ivr/vonage.

A sprint that says something and waits for one digit answers (mailroom's JSON, compact):

    [{"action":"talk","text":"Press one or two","bargeIn":true},
     {"action":"input","maxDigits":1,"submitOnHash":true,"timeOut":30,
      "eventUrl":["https://…/handle?action=resume\\u0026call=…\\u0026wait_type=gather\\u0026sig=…"],"eventMethod":"POST"}]

Two ways a callback is known to be Vonage's:
- mailroom's: every URL we give Vonage for a call's next step carries `sig`, an HMAC-SHA1 of the URL keyed
  with the application id; a /handle request without the right one is refused.
- Vonage's signed webhooks: with the account's signature secret in the channel config, every callback must
  carry Vonage's JWT (HS256 with that secret, `Authorization: Bearer`, which courier passes on as
  X-Provider-Authorization) whose payload_hash is the SHA-256 of the body. Mailroom does not check these.

Vonage's asynchronous parts, kept in Redis as mailroom keeps them: a recording's URL arrives on its own
callback while the call goes on to a 1-second input that polls until the URL is there; a dial is a second
call joined to the first in a named conversation, whose status callbacks we follow until it completes and
then transfer the first call back to the flow."""

import base64
import hashlib
import hmac
import json
import time
import uuid as uuidlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from mailroom.ivr.base import ChannelInfo, ServiceError
from mailroom.ivr.clogs import ChannelLog, trace_request, trace_response
from mailroom.ivr.twiml import ERROR_MESSAGE, CallStatus, DialResume, InputResume, TwiMLError, spoken_events
from upesi.queues.redis import get_redis

VONAGE_BASE_URL = "https://api.nexmo.com"
CALL_PATH = "/v1/calls"
# the config keys read here, as upesi.channeltypes.vonage declares them (tests/courier/test_channel_types.py)
APP_ID = "nexmo_app_id"
APP_PRIVATE_KEY = "nexmo_app_private_key"
SIGNATURE_SECRET = "nexmo_signature_secret"
PROVIDER_AUTH_HEADER = "x-provider-authorization"  # Vonage's Authorization, passed on by courier
GATHER_TIMEOUT = 30
RECORD_TIMEOUT = 600
MAX_DIGITS = 20  # an input without a digit count
KEY_TTL = 300  # a recording's URL, a dial's status
DIAL_TTL = 3600  # a dialled leg's link to its call
TOKEN_SECONDS = 900  # a JWT's life (Vonage's default when none is given)

# a dialled leg's status -> the engine's dial status (mailroom's callStatusMap)
DIAL_STATUSES = {
    "cancelled": "failed",
    "answered": "answered",
    "busy": "busy",
    "timeout": "no_answer",
    "failed": "failed",
    "rejected": "no_answer",
    "canceled": "failed",
}


def calculate_signature(url: str, app_id: str) -> str:
    """mailroom's: scheme://host/path, then each query parameter but sig by sorted name, name and values
    concatenated; HMAC-SHA1 keyed with the application id, base64."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    data = f"{parts.scheme}://{parts.netloc}{parts.path}" + "".join(
        k + "".join(query[k]) for k in sorted(query) if k != "sig"
    )
    return base64.b64encode(hmac.new(app_id.encode(), data.encode(), hashlib.sha1).digest()).decode()


def signed(url: str, app_id: str) -> str:
    return url + "&sig=" + quote_plus(calculate_signature(url, app_id), safe="")


def go_json(value: Any) -> str:
    """Compact JSON escaped as Go's encoding/json (mailroom's answers byte for byte)."""
    out = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for c, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                   ("\u2029", "\\u2029")):  # fmt: skip
        out = out.replace(c, esc)
    return out


def parse_body(body: str) -> list[tuple[str, str]]:
    """Vonage posts JSON: its top-level fields as strings (true/false, null as "")."""
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError as e:
        raise TwiMLError(f"invalid json body: {e}") from e
    if not isinstance(data, dict):
        raise TwiMLError("invalid json body: not an object")
    return [(k, _text(v)) for k, v in data.items()]


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else json.dumps(v)


def _input(event_url: str, timeout: int, max_digits: int = 0) -> dict[str, Any]:
    item: dict[str, Any] = {"action": "input"}
    if max_digits:
        item["maxDigits"] = max_digits
    item.update(submitOnHash=True, timeOut=timeout, eventUrl=[event_url], eventMethod="POST")
    return item


def _talk(text: str, error: str = "", barge_in: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {"action": "talk", "text": text}
    if barge_in:
        item["bargeIn"] = True
    if error:
        item["_error"] = error
    return item


@dataclass
class VonageService:
    channel: ChannelInfo
    app_id: str
    private_key: RSAPrivateKey
    private_key_pem: str
    base_url: str
    signature_secret: str

    content_type = "application/json"

    @classmethod
    def for_channel(cls, channel: ChannelInfo) -> "VonageService":
        app_id, pem = channel.config.get(APP_ID, ""), channel.config.get(APP_PRIVATE_KEY, "")
        if not app_id or not pem:
            raise ServiceError(f"missing {APP_ID} or {APP_PRIVATE_KEY} on channel config")
        try:
            key = load_pem_private_key(str(pem).encode(), password=None)
        except (ValueError, TypeError) as e:
            raise ServiceError(f"error parsing private key: {e}") from e
        if not isinstance(key, RSAPrivateKey):
            raise ServiceError("error parsing private key: not an RSA key")
        base = str(channel.config.get("base_url") or VONAGE_BASE_URL).rstrip("/")
        return cls(channel, str(app_id), key, str(pem), base, str(channel.config.get(SIGNATURE_SECRET) or ""))

    def secrets(self) -> list[str]:
        return [s for s in (self.private_key_pem, self.signature_secret) if s]

    # --- tokens and signatures

    def token(self) -> str:
        """The JWT for the Voice API: RS256 with the application's private key (mailroom's claims, and exp)."""
        now = int(time.time())
        claims = {"application_id": self.app_id, "iat": now, "exp": now + TOKEN_SECONDS,
                  "jti": str(uuidlib.uuid4())}  # fmt: skip
        return jwt.encode(claims, self.private_key, algorithm="RS256")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def parse(self, body: str) -> list[tuple[str, str]]:
        return parse_body(body)

    def check_signature(
        self, url: str, body: str, form: list[tuple[str, str]], headers: Mapping[str, str]
    ) -> str:
        """ "" if the request is Vonage's, else why not."""
        if self.signature_secret:
            if problem := self._check_jwt(body, headers.get(PROVIDER_AUTH_HEADER, "")):
                return problem
        if urlsplit(url).path.endswith("/handle"):  # only our own URLs carry sig (mailroom's rule)
            given = (parse_qs(urlsplit(url).query).get("sig") or [""])[0]
            if not given:
                return "missing request sig"
            if not hmac.compare_digest(calculate_signature(url, self.app_id), given):
                return f"mismatch in signatures for url: {url}"
        return ""

    def _check_jwt(self, body: str, authorization: str) -> str:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "missing Vonage's signed webhook JWT"
        try:
            claims = jwt.decode(token, self.signature_secret, algorithms=["HS256"])
        except jwt.PyJWTError as e:
            return f"invalid Vonage webhook JWT: {e}"
        given = claims.get("payload_hash")
        if given and not hmac.compare_digest(str(given), hashlib.sha256(body.encode()).hexdigest()):
            return "Vonage webhook JWT payload_hash does not match the body"
        return ""

    # --- the Voice API

    async def request_call(
        self, client: httpx.AsyncClient, to: str, callback_url: str, status_url: str, clog: ChannelLog
    ) -> str:
        body: dict[str, Any] = {
            "to": [{"type": "phone", "number": to.lstrip("+")}],
            "from": {"type": "phone", "number": self.channel.address.lstrip("+")},
            "answer_url": [signed(callback_url, self.app_id)],
            "answer_method": "POST",
            "event_url": [
                status_url + "?sig=" + quote_plus(calculate_signature(status_url, self.app_id), safe="")
            ],
            "event_method": "POST",
        }
        if self.channel.config.get("machine_detection"):
            body["machine_detection"] = "hangup"  # an answering machine: Vonage hangs up
        return await self._create(client, body, clog)

    async def _create(self, client: httpx.AsyncClient, body: dict[str, Any], clog: ChannelLog) -> str:
        answer = await self._request(client, "POST", self.base_url + CALL_PATH, body, clog)
        if answer is None:
            raise ServiceError("error trying to start call")
        status, data = answer
        if status != 201:
            raise ServiceError(f"received non 201 status for call start: {status}")
        if not isinstance(data, dict) or not data.get("uuid"):
            raise ServiceError("unable to read call uuid")
        if data.get("status") == "failed":
            raise ServiceError("call status returned as failed")
        return str(data["uuid"])

    async def hangup(self, client: httpx.AsyncClient, call_id: str, clog: ChannelLog) -> None:
        url = f"{self.base_url}{CALL_PATH}/{call_id}"
        answer = await self._request(client, "PUT", url, {"action": "hangup"}, clog)
        if answer is None or answer[0] != 204:
            raise ServiceError(
                f"received non 204 status for call hangup: {answer[0] if answer else 'no answer'}"
            )

    async def _request(
        self, client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any], clog: ChannelLog
    ) -> tuple[int, Any] | None:
        headers = {**self.auth_headers(), "Accept": "application/json", "Content-Type": "application/json"}
        encoded = go_json(body)
        started = time.monotonic()
        # the bearer token is not a config value: logged as "Bearer ****" (it is valid for minutes)
        shown = {**headers, "Authorization": "Bearer **********"}
        try:
            r = await client.request(method, url, content=encoded, headers=headers, timeout=30)
        except httpx.HTTPError as e:
            clog.http(url, 0, trace_request(method, url, shown, encoded), "", _ms(started))
            clog.error(f"connection error: {e}", "connection")
            return None
        clog.http(url, r.status_code, trace_request(method, url, shown, encoded),
                  trace_response(r.status_code, dict(r.headers), r.text), _ms(started))  # fmt: skip
        try:
            data = r.json() if r.content else None
        except ValueError:
            data = None
        if r.status_code not in (200, 201, 204):
            clog.error(f"unexpected response status {r.status_code}", "response_status")
        return r.status_code, data

    # --- reading callbacks

    def call_id(self, form: Mapping[str, str]) -> str:
        return form.get("uuid", "")

    def caller(self, form: Mapping[str, str]) -> str:
        direction = form.get("direction") or "inbound"
        number = form.get("from" if direction == "inbound" else "to", "")
        return "+" + number.lstrip("+") if number else ""

    def machine_answered(self, form: Mapping[str, str]) -> bool:
        return False  # Vonage hangs up on a machine itself (machine_detection=hangup) and says so in status

    def resume_for(self, form: Mapping[str, str], query: Mapping[str, str]) -> InputResume | DialResume:
        if query.get("empty") == "true":
            return InputResume()
        wait_type = query.get("wait_type", "")
        if wait_type == "gather":
            digits, timed_out = form.get("dtmf", ""), form.get("timed_out") == "true"
            if digits.startswith(
                "{"
            ):  # Vonage's current input event: "dtmf": {"digits": .., "timed_out": ..}
                given = json.loads(digits)
                digits, timed_out = str(given.get("digits") or ""), bool(given.get("timed_out"))
            return InputResume() if timed_out else InputResume(text=digits)
        if wait_type == "record":
            url = query.get("recording_url", "")
            return InputResume(attachment=f"audio/mp3:{url}") if url else InputResume()
        if wait_type == "dial":
            status = query.get("dial_status", "")
            if not status:
                raise TwiMLError("unable to find dial_status in query url")
            if status not in ("answered", "no_answer", "busy", "failed"):
                raise TwiMLError(f"unknown dial_status in query url: {status}")
            duration = query.get("dial_duration", "") or "0"
            if not duration.isdigit():
                raise TwiMLError("non-integer duration in query url")
            return DialResume(status, int(duration))
        raise TwiMLError(f"unknown wait_type: {wait_type}")

    def status_for(self, form: Mapping[str, str]) -> CallStatus:
        """An event's status as ours (mailroom's StatusForRequest); no status (an input's or a transfer's
        callback) means the call goes on."""
        status = form.get("status", "")
        if status in ("", "answered"):
            return CallStatus("I")
        if status in ("started", "ringing"):
            return CallStatus("W")
        if status == "completed":
            duration = form.get("duration", "")
            return CallStatus("D", duration=int(duration) if duration.isdigit() else 0)
        if status == "busy":
            return CallStatus("E", "B")
        if status in ("rejected", "unanswered", "timeout"):
            return CallStatus("E", "N")
        if status == "machine":
            return CallStatus("E", "M")
        if status == "failed":
            return CallStatus("E", "P")
        return CallStatus("F", "P")

    async def preprocess_resume(self, query: dict[str, str], form: Mapping[str, str], url: str) -> str | None:
        """A recording's two callbacks: its URL (stored, answered with a note) and the polling input (which
        waits another second until the URL is there, then resumes with it in query["recording_url"])."""
        wait_type = query.get("wait_type", "")
        if wait_type not in ("record", "recording_url"):
            return None
        recording_uuid = query.get("recording_uuid", "")
        if not recording_uuid:
            raise TwiMLError(f"{wait_type} resume without recording_uuid")
        key = f"vonage:recording:{recording_uuid}"
        redis = get_redis()
        if wait_type == "recording_url":
            recording_url = form.get("recording_url", "")
            if not recording_url:
                raise TwiMLError("no recording_url found in request")
            await redis.set(key, recording_url, ex=KEY_TTL)
            return go_json(
                {"_message": f"inserted recording url: {recording_url} for uuid: {recording_uuid}"}
            )
        stored = await redis.getdel(key)
        if stored:
            query["recording_url"] = str(stored)
            return None
        return go_json([_input(url, 1)])

    async def preprocess_status(
        self, client: httpx.AsyncClient, form: Mapping[str, str], clog: ChannelLog
    ) -> str | None:
        """A dialled leg's events (mailroom's PreprocessStatus): its outcome is kept until it completes, then
        the call it was dialled from is transferred back to the flow with the outcome."""
        if form.get("type") == "transfer":
            return self.empty_response("ignoring conversation callback")
        leg, status = form.get("uuid", ""), form.get("status", "")
        if not leg or not status:
            return None
        redis = get_redis()
        found = await redis.get(f"vonage:dial:{leg}")
        if found is None:
            return None
        call_id, _, resume = str(found).partition(":")
        if status == "completed":
            kept = await redis.get(f"vonage:dial_status:{call_id}")
            if kept is None:
                raise TwiMLError(f"unable to find call status for: {call_id}")
            dialled = str(kept)
            resume = signed(
                f"{resume}&dial_status={dialled}&dial_duration={form.get('duration', '')}", self.app_id
            )
            # signed() adds sig last: computed over the URL with both dial parameters, as mailroom does
            body = {"action": "transfer", "destination": {"type": "ncco", "url": [resume]}}
            answer = await self._request(client, "PUT", f"{self.base_url}{CALL_PATH}/{call_id}", body, clog)
            if answer is None or answer[0] != 204:
                code = answer[0] if answer else "no answer"
                raise ServiceError(
                    f"error reconnecting flow for call: {call_id}, received {code} from vonage"
                )
            return self.empty_response(f"reconnected call: {call_id} to flow with dial status: {dialled}")
        outcome = DIAL_STATUSES.get(status)
        if outcome:
            await redis.set(f"vonage:dial_status:{call_id}", outcome, ex=KEY_TTL)
            return self.empty_response(f"updated status for call: {call_id} to: {outcome}")
        return self.empty_response("ignoring non final status for tranfer leg")

    # --- writing answers

    async def response_for_events(
        self, client: httpx.AsyncClient, events: Iterable[dict[str, Any]], resume_url: str,
        default_locale: str, call_external_id: str, clog: ChannelLog,
    ) -> str:  # fmt: skip
        """The NCCO for a sprint: talk and stream its voice messages, then the wait's input, record or
        conversation (a dial places the second call here). Without a wait the NCCO ends and so does the call."""
        events = spoken_events(events)
        waits: list[dict[str, Any]] = []
        for event in events:
            if event["type"] == "msg_wait":
                waits = self._msg_wait(event, resume_url)
            elif event["type"] == "dial_wait":
                waits = await self._dial(client, event, resume_url, call_external_id, clog)
        barge_in = bool(waits) and waits[0]["action"] == "input"
        actions: list[dict[str, Any]] = []
        for event in events:
            if event["type"] != "ivr_created":  # the waits come after what is said
                continue
            msg = event.get("msg") or {}
            attachments = msg.get("attachments") or []
            if not attachments:
                actions.append(_talk(msg.get("text") or "", barge_in=barge_in))
            for a in attachments:
                url = (a.split(":", 1)[1] if ":" in a else a).strip()
                actions.append({"action": "stream", "streamUrl": [url]})
        return go_json(actions + waits)

    def _msg_wait(self, event: dict[str, Any], resume_url: str) -> list[dict[str, Any]]:
        hint = event.get("hint") or {}
        if hint.get("type") == "digits":
            # Vonage's input has no finishing key but # (submitOnHash): a terminated_by other than # is not kept
            count = int(hint.get("count") or 0)
            return [
                _input(
                    signed(resume_url + "&wait_type=gather", self.app_id), GATHER_TIMEOUT, count or MAX_DIGITS
                )
            ]
        if hint.get("type") == "audio":
            recording = str(uuidlib.uuid4())
            url_event = signed(
                f"{resume_url}&wait_type=recording_url&recording_uuid={recording}", self.app_id
            )
            record = {"action": "record", "endOnKey": "#", "timeOut": RECORD_TIMEOUT, "endOnSilence": 5,
                      "eventUrl": [url_event], "eventMethod": "POST"}  # fmt: skip
            poll = signed(f"{resume_url}&wait_type=record&recording_uuid={recording}", self.app_id)
            return [record, _input(poll, 1)]
        raise TwiMLError(f"unable to use wait in IVR call, unknow hint type: {hint.get('type', '')}")

    async def _dial(
        self, client: httpx.AsyncClient, event: dict[str, Any], resume_url: str, call_external_id: str,
        clog: ChannelLog,
    ) -> list[dict[str, Any]]:  # fmt: skip
        conversation = str(uuidlib.uuid4())
        body: dict[str, Any] = {
            "to": [{"type": "phone", "number": str(event.get("urn", "")).removeprefix("tel:").lstrip("+")}],
            "from": {"type": "phone", "number": self.channel.address.lstrip("+")},
            "answer_url": None,
            "answer_method": "",
            "event_url": None,
            "event_method": "",
            "ncco": [{"action": "conversation", "name": conversation}],
        }
        if event.get("call_limit_seconds"):
            body["length_timer"] = int(event["call_limit_seconds"])
        if event.get("dial_limit_seconds"):
            body["ringing_timer"] = int(event["dial_limit_seconds"])
        leg = await self._create(client, body, clog)
        await get_redis().set(
            f"vonage:dial:{leg}", f"{call_external_id}:{resume_url}&wait_type=dial", ex=DIAL_TTL
        )
        return [{"action": "conversation", "name": conversation}]

    def error_response(self, message: str) -> str:
        return go_json([_talk(ERROR_MESSAGE, error=message)])

    def empty_response(self, message: str) -> str:
        return go_json({"_message": message})

    def reject_response(self) -> str:
        return go_json([_talk("This number is not accepting calls")])


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
