"""IVR provider services, one per channel type that can carry calls, found by the channel's type code:
TwiML (Twilio, TwiML API, SignalWire) here, Vonage in mailroom.ivr.vonage. A channel of a type without a
service cannot place or answer calls, and callbacks for it are refused naming the type (never ignored)."""

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from mailroom.ivr import twiml
from mailroom.ivr.base import ChannelInfo, IVRService, ServiceError
from mailroom.ivr.clogs import ChannelLog, basic_auth, trace_request, trace_response

TWILIO_BASE_URL = "https://api.twilio.com"
CALL_PATH = "/2010-04-01/Accounts/{sid}/Calls.json"
HANGUP_PATH = "/2010-04-01/Accounts/{sid}/Calls/{call}.json"
SIGNATURE_HEADER = "X-Twilio-Signature"


__all__ = ["SERVICES", "ChannelInfo", "IVRService", "ServiceError", "TwiMLService", "service_for"]


@dataclass
class TwiMLService:
    """Twilio (T), TwiML API (TW) and SignalWire (SW): the same TwiML and Calls API, a different base URL.
    SignalWire does not sign its requests as Twilio does, so its signatures are not checked (as mailroom)."""

    channel: ChannelInfo
    account_sid: str
    auth_token: str
    base_url: str
    validate_signatures: bool

    @classmethod
    def for_channel(cls, channel: ChannelInfo) -> "TwiMLService":
        sid, token = channel.config.get("account_sid", ""), channel.config.get("auth_token", "")
        if not sid or not token:
            raise ServiceError(f"channel {channel.uuid} has no account_sid or auth_token in its config")
        base = channel.config.get("base_url") or channel.config.get("send_url") or TWILIO_BASE_URL
        return cls(channel, sid, token, str(base).rstrip("/"), channel.channel_type != "SW")

    # what channel logs must never show
    def secrets(self) -> list[str]:
        return [self.auth_token, basic_auth(self.account_sid, self.auth_token)]

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": "Basic " + basic_auth(self.account_sid, self.auth_token)}

    def parse(self, body: str) -> list[tuple[str, str]]:
        return parse_qsl(body, keep_blank_values=True)

    def check_signature(
        self, url: str, body: str, form: list[tuple[str, str]], headers: Mapping[str, str]
    ) -> str:
        """ "" if the request is Twilio's, else why not."""
        if not self.validate_signatures:
            return ""
        given = headers.get(SIGNATURE_HEADER, "")
        if not given:
            return "missing request signature header"
        if not twiml.signature_valid(url, form, self.auth_token, given):
            return "invalid request signature"
        return ""

    async def request_call(
        self, client: httpx.AsyncClient, to: str, callback_url: str, status_url: str, clog: ChannelLog
    ) -> str:
        """Ask the provider to place a call; returns its call id, raises ServiceError (logged) if it can't."""
        form = {"To": to, "From": self.channel.address, "Url": callback_url, "StatusCallback": status_url}
        if self.channel.config.get("machine_detection"):
            form["MachineDetection"] = "Enable"
        url = self.base_url + CALL_PATH.format(sid=self.account_sid)
        body = await self._post(client, url, form, clog)
        if body is None:
            raise ServiceError("error trying to start call")
        status, data = body
        if status != 201:
            raise ServiceError(f"received non 201 status for call start: {status}")
        if not isinstance(data, dict) or not data.get("sid"):
            raise ServiceError("unable to parse Twilio response: no sid")
        if data.get("status") == "failed":
            raise ServiceError("call status returned as failed")
        return str(data["sid"])

    async def hangup(self, client: httpx.AsyncClient, call_id: str, clog: ChannelLog) -> None:
        url = self.base_url + HANGUP_PATH.format(sid=self.account_sid, call=call_id)
        body = await self._post(client, url, {"Status": "completed"}, clog)
        if body is None or body[0] != 200:
            raise ServiceError(f"received non 200 trying to hang up call: {body[0] if body else 'no answer'}")

    async def _post(
        self, client: httpx.AsyncClient, url: str, form: dict[str, str], clog: ChannelLog
    ) -> tuple[int, Any] | None:
        headers = {
            "Authorization": "Basic " + basic_auth(self.account_sid, self.auth_token),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        encoded = urlencode(form)
        started = time.monotonic()
        try:
            r = await client.post(url, content=encoded, headers=headers, timeout=30)
        except httpx.HTTPError as e:
            clog.http(url, 0, trace_request("POST", url, headers, encoded), "", _ms(started))
            clog.error(f"connection error: {e}", "connection")
            return None
        clog.http(
            url,
            r.status_code,
            trace_request("POST", url, headers, encoded),
            trace_response(r.status_code, dict(r.headers), r.text),
            _ms(started),
        )
        try:
            data = r.json()
        except ValueError:
            data = None
        if r.status_code not in (200, 201):
            clog.error(f"unexpected response status {r.status_code}", "response_status")
        return r.status_code, data

    # reading callbacks and writing answers: TwiML
    def call_id(self, form: Mapping[str, str]) -> str:
        return form.get("CallSid", "")

    def caller(self, form: Mapping[str, str]) -> str:
        return form.get("Caller") or form.get("From") or ""

    resume_for = staticmethod(twiml.resume_for)
    status_for = staticmethod(twiml.status_for)
    machine_answered = staticmethod(twiml.machine_answered)

    async def preprocess_resume(self, query: dict[str, str], form: Mapping[str, str], url: str) -> str | None:
        return None  # Twilio's callbacks carry all a resume needs

    async def preprocess_status(
        self, client: httpx.AsyncClient, form: Mapping[str, str], clog: ChannelLog
    ) -> str | None:
        return None

    async def response_for_events(
        self,
        client: httpx.AsyncClient,
        events: Iterable[dict[str, Any]],
        resume_url: str,
        default_locale: str,
        call_external_id: str,
        clog: ChannelLog,
    ) -> str:
        return twiml.response_for_events(events, resume_url, default_locale)

    error_response = staticmethod(twiml.error_response)
    empty_response = staticmethod(twiml.empty_response)
    reject_response = staticmethod(twiml.reject_response)
    content_type = "text/xml"


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


from mailroom.ivr.vonage import VonageService  # noqa: E402  (it needs ChannelInfo, ServiceError from base)

# channel type code -> its service; a type not here cannot carry calls
SERVICES: dict[str, type[TwiMLService] | type[VonageService]] = {
    "T": TwiMLService, "TW": TwiMLService, "SW": TwiMLService, "NX": VonageService,
}  # fmt: skip


def service_for(channel: ChannelInfo) -> IVRService:
    cls = SERVICES.get(channel.channel_type)
    if cls is None:
        raise ServiceError(f"channel type {channel.channel_type} cannot carry calls (no IVR service for it)")
    return cls.for_channel(channel)
