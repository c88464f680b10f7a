"""A fake Twilio Voice: a real HTTP server (in a thread) that takes Calls.json requests as Twilio's REST API
does (basic auth, form body, 201 with the call's sid), and a phone that plays the callee's part by requesting
our callback URLs as Twilio would: form bodies with CallSid and CallStatus, signed with X-Twilio-Signature
(HMAC-SHA1 of the URL and the sorted parameters, base64, with the auth token). It follows the TwiML we answer
with: a <Gather>'s action for digits, its <Redirect> on timeout, a <Record>'s action, a <Dial>'s action."""

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx

from tests.mailroom.ivr.fake_provider import FakeProviderServer, ProviderHandler

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "s3cr3t-auth-token-for-tests"
RECORDING = b"ID3\x03fake mp3 of a happy caller"
_BASIC = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


@dataclass
class PlacedCall:
    sid: str
    to: str
    from_: str
    url: str
    status_callback: str
    twiml: ET.Element | None = None  # the last answer
    answers: list[str] = field(default_factory=list)


class _TwilioHandler(ProviderHandler):
    fake: "FakeTwilio"

    def do_POST(self) -> None:
        fake = self.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = dict(parse_qsl(body))
        with fake.lock:
            fake.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
        if self.headers.get("Authorization") != f"Basic {_BASIC}":
            return self._reply(401, {"message": "Authenticate", "code": 20003})
        if self.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json":
            with fake.lock:
                if fake.refuse_next > 0:
                    fake.refuse_next -= 1
                    return self._reply(400, {"message": "The 'To' number is not valid", "code": 21211})
                sid = f"CA{len(fake.calls) + 1:032d}"
                fake.created(PlacedCall(sid, form["To"], form["From"], form["Url"], form["StatusCallback"]))
            return self._reply(201, {"sid": sid, "status": "queued"})
        if self.path.startswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/"):
            with fake.lock:
                fake.hangups.append(self.path.rsplit("/", 1)[1].removesuffix(".json"))
            return self._reply(200, {"status": "completed"})
        self._reply(404, {"message": "not found"})

    def do_GET(self) -> None:
        """A recording, as Twilio serves it at <RecordingUrl>.mp3 (to the account's credentials)."""
        with self.fake.lock:
            self.fake.requests.append({"path": self.path, "form": {}, "headers": dict(self.headers)})
        if self.headers.get("Authorization") != f"Basic {_BASIC}":
            return self._reply(401, {"message": "Authenticate", "code": 20003})
        if not self.path.startswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/"):
            return self._reply(404, {"message": "not found"})
        self._recording()


class FakeTwilio(FakeProviderServer[PlacedCall]):
    handler = _TwilioHandler
    recording = RECORDING

    # --- the phone: Twilio's requests to our callbacks

    def request(
        self, call: PlacedCall, url: str, params: dict[str, str], token: str = AUTH_TOKEN, signed: bool = True
    ) -> httpx.Response:
        form = {"AccountSid": ACCOUNT_SID, "CallSid": call.sid, "From": call.from_, "To": call.to, **params}
        headers = {"X-Twilio-Signature": sign(url, form, token)} if signed else {}
        r = httpx.post(url, data=form, headers=headers, timeout=30)
        if r.headers.get("content-type", "").startswith("text/xml"):
            call.twiml = ET.fromstring(r.text.split("?>", 1)[1])
            call.answers.append(r.text)
        return r

    def answer(self, call: PlacedCall, **extra: str) -> httpx.Response:
        return self.request(call, call.url, {"CallStatus": "in-progress", **extra})

    def _action(self, call: PlacedCall, tag: str) -> str:
        assert call.twiml is not None
        el = call.twiml.find(f".//{tag}")
        assert el is not None, f"no <{tag}> in the last answer: {call.answers[-1]}"
        return el.get("action") or ""

    def press(self, call: PlacedCall, digits: str) -> httpx.Response:
        return self.request(
            call, self._action(call, "Gather"), {"CallStatus": "in-progress", "Digits": digits}
        )

    def wait_out(self, call: PlacedCall) -> httpx.Response:
        """Let the <Gather> time out: Twilio follows the <Redirect> after it."""
        assert call.twiml is not None
        redirect = call.twiml.find("Redirect")
        assert redirect is not None and redirect.text
        return self.request(call, redirect.text, {"CallStatus": "in-progress"})

    def record(self, call: PlacedCall, recording_url: str) -> httpx.Response:
        params = {"CallStatus": "in-progress", "RecordingUrl": recording_url, "RecordingDuration": "4"}
        return self.request(call, self._action(call, "Record"), params)

    def dial_ends(self, call: PlacedCall, status: str, duration: int = 0) -> httpx.Response:
        params = {"CallStatus": "in-progress", "DialCallStatus": status, "DialCallDuration": str(duration)}
        return self.request(call, self._action(call, "Dial"), params)

    def status(self, call: PlacedCall, status: str, duration: int = 0) -> httpx.Response:
        params = {"CallStatus": status}
        if duration:
            params["CallDuration"] = str(duration)
        return self.request(call, call.status_callback, params)

    def incoming(self, url: str, caller: str, to: str, sid: str) -> tuple[PlacedCall, httpx.Response]:
        call = PlacedCall(sid, to, caller, url, "")
        return call, self.request(
            call, url, {"CallStatus": "ringing", "Caller": caller, "Direction": "inbound"}
        )
