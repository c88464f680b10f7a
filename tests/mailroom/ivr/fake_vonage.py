"""A fake Vonage Voice: a real HTTP server (in a thread) that takes Voice API requests as Vonage does
(POST /v1/calls and PUT /v1/calls/{uuid} with JSON bodies and a JWT signed RS256 by the application's private
key, checked here with its public key; GET of a recording with the same JWT), and a phone that plays the
callee's part by requesting our callback URLs with Vonage's JSON bodies, each signed as Vonage's signed
webhooks are (a JWT, HS256 with the signature secret, carrying the body's SHA-256 as payload_hash). It follows
the NCCO we answer with: an input's eventUrl for digits or a timeout, a record's eventUrl for the recording's
URL then the polling input, and a conversation (a dial) through the second call's events and the transfer
we ask for."""

import hashlib
import json
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.mailroom.ivr.fake_provider import FakeProviderServer, ProviderHandler

APP_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
SIGNATURE_SECRET = "vonage-signature-secret-for-tests"
RECORDING = b"ID3\x03fake mp3 from Vonage"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_KEY = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC_KEY = _KEY.public_key()


def webhook_jwt(body: bytes, secret: str = SIGNATURE_SECRET) -> str:
    now = int(time.time())
    claims = {"iat": now, "exp": now + 300, "jti": str(uuidlib.uuid4()), "iss": "Vonage", "api_key": "abcd1234",
              "application_id": APP_ID, "payload_hash": hashlib.sha256(body).hexdigest()}  # fmt: skip
    return jwt.encode(claims, secret, algorithm="HS256")


@dataclass
class VonageCall:
    uuid: str
    to: str
    from_: str
    answer_url: str
    event_url: str
    body: dict[str, Any] = field(default_factory=dict)
    conversation: str = ""
    ncco: list[dict[str, Any]] = field(default_factory=list)  # the last answer
    answers: list[Any] = field(default_factory=list)


class _VonageHandler(ProviderHandler):
    fake: "FakeVonage"

    def _authorized(self) -> bool:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        try:
            claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return scheme == "Bearer" and claims.get("application_id") == APP_ID and bool(claims.get("jti"))

    def _body(self) -> dict[str, Any]:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        data = json.loads(raw) if raw else {}
        with self.fake.lock:
            self.fake.requests.append(
                {"method": self.command, "path": self.path, "body": data, "headers": dict(self.headers)}
            )
        return data

    def do_POST(self) -> None:
        fake = self.fake
        body = self._body()
        if not self._authorized():
            return self._reply(401, {"title": "Unauthorized", "type": "https://developer.nexmo.com/api-errors#unauthorized"})  # fmt: skip
        if self.path != "/v1/calls":
            return self._reply(404, {"title": "Not found"})
        with fake.lock:
            if fake.refuse_next > 0:
                fake.refuse_next -= 1
                return self._reply(400, {"title": "Bad Request", "invalid_parameters": [{"name": "to"}]})
            call = VonageCall(
                str(uuidlib.uuid4()),
                body["to"][0]["number"],
                body["from"]["number"],
                (body.get("answer_url") or [""])[0],
                (body.get("event_url") or [""])[0],
                body,
                "CON-" + str(uuidlib.uuid4()),
            )
            fake.created(call)
        self._reply(201, {"uuid": call.uuid, "status": "started", "direction": "outbound",
                          "conversation_uuid": call.conversation})  # fmt: skip

    def do_PUT(self) -> None:
        fake = self.fake
        body = self._body()
        if not self._authorized():
            return self._reply(401, {"title": "Unauthorized"})
        call_uuid = self.path.removeprefix("/v1/calls/")
        with fake.lock:
            if body.get("action") == "hangup":
                fake.hangups.append(call_uuid)
            elif body.get("action") == "transfer":
                fake.transfers.append((call_uuid, body["destination"]["url"][0]))
            else:
                return self._reply(400, {"title": "Bad Request"})
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        """A recording, as Vonage serves it at its recording_url (to the application's JWT)."""
        with self.fake.lock:
            self.fake.requests.append(
                {"method": "GET", "path": self.path, "body": {}, "headers": dict(self.headers)}
            )
        if not self._authorized():
            return self._reply(401, {"title": "Unauthorized"})
        if not self.path.startswith("/v1/files/"):
            return self._reply(404, {"title": "Not found"})
        self._recording()


class FakeVonage(FakeProviderServer[VonageCall]):
    """Its calls are every call created, the dialled legs too."""

    handler = _VonageHandler
    recording = RECORDING

    def __init__(self) -> None:
        super().__init__()
        self.transfers: list[tuple[str, str]] = []  # (call uuid, NCCO url)

    # --- the phone: Vonage's requests to our callbacks

    def request(
        self, call: VonageCall, url: str, body: dict[str, Any], secret: str | None = SIGNATURE_SECRET
    ) -> httpx.Response:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["Authorization"] = f"Bearer {webhook_jwt(raw, secret)}"
        r = httpx.post(url, content=raw, headers=headers, timeout=30)
        if r.headers.get("content-type", "").startswith("application/json"):
            answer = r.json()
            call.answers.append(answer)
            if isinstance(answer, list):
                call.ncco = answer
        return r

    def _base(self, call: VonageCall) -> dict[str, Any]:
        return {"uuid": call.uuid, "conversation_uuid": call.conversation,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}  # fmt: skip

    def answer(self, call: VonageCall) -> httpx.Response:
        return self.request(call, call.answer_url, {"from": call.from_, "to": call.to, **self._base(call)})

    def action(self, call: VonageCall, name: str, index: int = 0) -> dict[str, Any]:
        found = [a for a in call.ncco if a.get("action") == name]
        assert len(found) > index, f"no {name} in the last NCCO: {call.ncco}"
        return found[index]

    def press(self, call: VonageCall, digits: str) -> httpx.Response:
        url = self.action(call, "input")["eventUrl"][0]
        return self.request(call, url, {"dtmf": digits, "timed_out": False, **self._base(call)})

    def wait_out(self, call: VonageCall) -> httpx.Response:
        url = self.action(call, "input")["eventUrl"][0]
        return self.request(call, url, {"dtmf": "", "timed_out": True, **self._base(call)})

    def record(self, call: VonageCall, recording_id: str, polls_first: int = 1) -> httpx.Response:
        """Vonage goes on to the polling input at once (polls_first times before the recording's URL comes),
        then posts the URL to the record's eventUrl; the next poll resumes the flow."""
        record_url = self.action(call, "record")["eventUrl"][0]
        for _ in range(polls_first):
            r = self.request(call, self.action(call, "input")["eventUrl"][0], {"dtmf": "", "timed_out": True,
                                                                               **self._base(call)})  # fmt: skip
            assert self.action(call, "input")["timeOut"] == 1, call.ncco  # another second's wait
        recording = {"start_time": "2026-12-07T12:00:00Z", "recording_url": f"{self.url}/v1/files/{recording_id}",
                     "size": len(RECORDING), "recording_uuid": recording_id, "end_time": "2026-12-07T12:00:04Z",
                     **self._base(call)}  # fmt: skip
        r = self.request(call, record_url, recording)
        assert r.status_code == 200 and "inserted recording url" in r.text, r.text
        return self.request(call, self.action(call, "input")["eventUrl"][0], {"dtmf": "", "timed_out": True,
                                                                              **self._base(call)})  # fmt: skip

    def event(
        self, call: VonageCall, url: str, status: str, duration: int = 0, **extra: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {"status": status, "direction": "outbound", "from": call.from_, "to": call.to,
                                **self._base(call), **extra}  # fmt: skip
        if duration:
            body["duration"] = str(duration)
        return self.request(call, url, body)

    def status(self, call: VonageCall, status: str, duration: int = 0) -> httpx.Response:
        return self.event(call, call.event_url, status, duration)

    def follow_transfer(self, call: VonageCall) -> httpx.Response:
        """Vonage fetches the NCCO of a transfer we asked for."""
        [url] = [u for c, u in self.transfers if c == call.uuid][-1:]
        return self.request(call, url, self._base(call))

    def incoming(self, url: str, caller: str, to: str) -> tuple[VonageCall, httpx.Response]:
        call = VonageCall(
            str(uuidlib.uuid4()), to, caller, url, "", conversation="CON-" + str(uuidlib.uuid4())
        )
        return call, self.request(call, url, {"from": caller, "to": to, **self._base(call)})
