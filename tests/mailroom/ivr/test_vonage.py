"""Vonage's NCCO answers, mailroom's URL signatures, Vonage's signed webhooks, and reading callbacks: the cases
of mailroom's services/ivr/vonage tests where they apply (its app id and URLs give the same signatures)."""

import json
from typing import Any

import httpx
import jwt
import pytest

from mailroom.ivr.base import ChannelInfo, ServiceError
from mailroom.ivr.clogs import ChannelLog
from mailroom.ivr.services import service_for
from mailroom.ivr.twiml import CallStatus, DialResume, InputResume, TwiMLError
from mailroom.ivr.vonage import VonageService, calculate_signature, go_json, parse_body
from tests.mailroom.ivr.fake_vonage import APP_ID, PRIVATE_KEY, PUBLIC_KEY, SIGNATURE_SECRET, webhook_jwt
from upesi.channeltypes import CHANNEL_TYPES

MAILROOM_APP_ID = "appid_123456789"  # mailroom's test database's Vonage channel
URN = "tel:+12067799294"
RESUME = "http://temba.io/resume?session=1"
CH = {"uuid": "19012bfd-3ce3-4cae-9bb9-76cf92c73d49", "name": "Vonage"}


def channel(**config: Any) -> ChannelInfo:
    base = {"nexmo_app_id": MAILROOM_APP_ID, "nexmo_app_private_key": PRIVATE_KEY, **config}
    return ChannelInfo(1, CH["uuid"], 1, "NX", "Vonage", "+12065550100", base, "SRCA", "US")


def ivr(text: str, audio: str = "") -> dict[str, Any]:
    msg: dict[str, Any] = {"urn": URN, "channel": CH, "text": text}
    if audio:
        msg["attachments"] = [f"audio:{audio}"]
    return {"type": "ivr_created", "msg": msg}


WAIT = {"type": "msg_wait", "expires_on": "2026-12-07T13:00:00Z"}
GATHER_SIG = "4Yil1wUntXd%2F7AQx%2Bt0rkwihx%2Fg%3D"  # mailroom's test: the resume URL with wait_type=gather
CASES = [
    ([ivr("hello world")], '[{"action":"talk","text":"hello world"}]'),
    ([ivr("hello world", "/recordings/foo.wav")], '[{"action":"stream","streamUrl":["/recordings/foo.wav"]}]'),
    ([ivr("hello world", "https://temba.io/recordings/foo.wav")],
     '[{"action":"stream","streamUrl":["https://temba.io/recordings/foo.wav"]}]'),
    ([ivr("hello world"), ivr("goodbye")],
     '[{"action":"talk","text":"hello world"},{"action":"talk","text":"goodbye"}]'),
    ([ivr("enter a number"), {**WAIT, "hint": {"type": "digits", "count": 1}}],
     '[{"action":"talk","text":"enter a number","bargeIn":true},{"action":"input","maxDigits":1,"submitOnHash":true,'
     '"timeOut":30,"eventUrl":["http://temba.io/resume?session=1\\u0026wait_type=gather\\u0026sig=' + GATHER_SIG
     + '"],"eventMethod":"POST"}]'),
    ([ivr("enter a number, then press #"), {**WAIT, "hint": {"type": "digits", "terminated_by": "#"}}],
     '[{"action":"talk","text":"enter a number, then press #","bargeIn":true},{"action":"input","maxDigits":20,'
     '"submitOnHash":true,"timeOut":30,"eventUrl":["http://temba.io/resume?session=1\\u0026wait_type=gather'
     '\\u0026sig=' + GATHER_SIG + '"],"eventMethod":"POST"}]'),
]  # fmt: skip


@pytest.mark.parametrize(("events", "expected"), CASES)
async def test_response_for_sprint(events: list[dict[str, Any]], expected: str) -> None:
    svc = service_for(channel())
    async with httpx.AsyncClient() as client:
        answer = await svc.response_for_events(client, events, RESUME, "eng-US", "", ChannelLog("t", 1, []))
    assert answer == expected


async def test_record_wait_answers_record_then_a_polling_input() -> None:
    svc = service_for(channel())
    events = [ivr("say something"), {**WAIT, "hint": {"type": "audio"}}]
    async with httpx.AsyncClient() as client:
        ncco = json.loads(
            await svc.response_for_events(client, events, RESUME, "", "", ChannelLog("t", 1, []))
        )
    assert [a["action"] for a in ncco] == ["talk", "record", "input"]
    assert "bargeIn" not in ncco[0]  # the wait starts with a record, which a key press would not end
    record, poll = ncco[1], ncco[2]
    assert (record["endOnKey"], record["timeOut"], record["endOnSilence"]) == ("#", 600, 5)
    assert (poll["timeOut"], poll["submitOnHash"], "maxDigits" in poll) == (1, True, False)
    recording = record["eventUrl"][0].split("recording_uuid=")[1].split("&")[0]
    for url, wait_type in ((record["eventUrl"][0], "recording_url"), (poll["eventUrl"][0], "record")):
        unsigned, sig = url.rsplit("&sig=", 1)
        assert unsigned == f"{RESUME}&wait_type={wait_type}&recording_uuid={recording}"
        assert httpx.QueryParams(f"sig={sig}")["sig"] == calculate_signature(unsigned, MAILROOM_APP_ID)


def test_signatures_are_mailrooms() -> None:
    # mailroom's web/public/testdata/ivr_vonage.json: the first answer's resume URL and its sig
    url = ("https://localhost:8190/mr/ivr/c/19012bfd-3ce3-4cae-9bb9-76cf92c73d49/handle?action=resume"
           "&call=01969b47-190b-76f8-92ed-42cbd11a03fd&wait_type=gather")  # fmt: skip
    assert calculate_signature(url, MAILROOM_APP_ID) == "bJLkVdZNP8uCSejfEofYcamPlNo="
    assert calculate_signature(url + "&sig=anything", MAILROOM_APP_ID) == "bJLkVdZNP8uCSejfEofYcamPlNo="
    svc = service_for(channel())
    signed = url + "&sig=bJLkVdZNP8uCSejfEofYcamPlNo%3D"
    assert svc.check_signature(signed, "{}", [], {}) == ""
    assert svc.check_signature(url, "{}", [], {}) == "missing request sig"
    assert "mismatch" in svc.check_signature(signed.replace("gather", "record"), "{}", [], {})
    # /incoming and /status carry no sig of ours (Vonage's application calls them)
    assert svc.check_signature("https://x/mr/ivr/c/u/incoming", "{}", [], {}) == ""


def test_signed_webhooks_checked_with_the_signature_secret() -> None:
    svc = service_for(channel(nexmo_signature_secret=SIGNATURE_SECRET))
    url, body = "https://x/mr/ivr/c/u/incoming", b'{"from":"16055741111","uuid":"u1"}'
    auth = "x-provider-authorization"
    assert svc.check_signature(url, body.decode(), [], {auth: f"Bearer {webhook_jwt(body)}"}) == ""
    assert "missing" in svc.check_signature(url, body.decode(), [], {})
    assert "invalid" in svc.check_signature(
        url, body.decode(), [], {auth: f"Bearer {webhook_jwt(body, 'another-signature-secret-of-32-bytes')}"}
    )
    tampered = body.replace(b"u1", b"u2").decode()
    assert "payload_hash" in svc.check_signature(url, tampered, [], {auth: f"Bearer {webhook_jwt(body)}"})
    # without a signature secret Vonage's JWT is not asked for (mailroom's behaviour)
    assert service_for(channel()).check_signature(url, body.decode(), [], {}) == ""


def test_api_token_is_rs256_with_the_application_id() -> None:
    svc = service_for(channel(nexmo_app_id=APP_ID))
    assert isinstance(svc, VonageService)
    claims = jwt.decode(svc.token(), PUBLIC_KEY, algorithms=["RS256"])
    assert claims["application_id"] == APP_ID and claims["jti"] and claims["exp"] - claims["iat"] == 900
    assert svc.secrets() == [PRIVATE_KEY]


@pytest.mark.parametrize(
    ("config", "error"),
    [({"nexmo_app_id": ""}, "missing nexmo_app_id or nexmo_app_private_key"),
     ({"nexmo_app_private_key": "not a key"}, "error parsing private key")],
)  # fmt: skip
def test_channel_without_a_usable_application_is_refused(config: dict[str, str], error: str) -> None:
    with pytest.raises(ServiceError, match=error):
        service_for(channel(**config))


STATUSES = [
    ("started", CallStatus("W")), ("ringing", CallStatus("W")), ("answered", CallStatus("I")), ("", CallStatus("I")),
    ("completed", CallStatus("D", duration=34)), ("busy", CallStatus("E", "B")), ("rejected", CallStatus("E", "N")),
    ("unanswered", CallStatus("E", "N")), ("timeout", CallStatus("E", "N")), ("machine", CallStatus("E", "M")),
    ("failed", CallStatus("E", "P")), ("what", CallStatus("F", "P")),
]  # fmt: skip


@pytest.mark.parametrize(("status", "expected"), STATUSES)
def test_status_for(status: str, expected: CallStatus) -> None:
    form = dict(parse_body(json.dumps({"uuid": "u", "status": status, "duration": "34"})))
    assert service_for(channel()).status_for(form) == expected


RESUMES = [
    ({"dtmf": "12", "timed_out": False}, {"wait_type": "gather"}, InputResume(text="12")),
    ({"dtmf": "", "timed_out": True}, {"wait_type": "gather"}, InputResume()),
    # Vonage's current input event nests them (mailroom's NCCO asks for the legacy flat one)
    ({"dtmf": {"digits": "7", "timed_out": False}}, {"wait_type": "gather"}, InputResume(text="7")),
    ({"dtmf": {"digits": "", "timed_out": True}}, {"wait_type": "gather"}, InputResume()),
    ({}, {"wait_type": "record", "recording_url": "https://api.nexmo.com/v1/files/r1"},
     InputResume(attachment="audio/mp3:https://api.nexmo.com/v1/files/r1")),
    ({}, {"wait_type": "record"}, InputResume()),
    ({}, {"wait_type": "dial", "dial_status": "answered", "dial_duration": "20"}, DialResume("answered", 20)),
    ({}, {"wait_type": "dial", "dial_status": "busy", "dial_duration": ""}, DialResume("busy", 0)),
    ({}, {"wait_type": "gather", "empty": "true"}, InputResume()),
]  # fmt: skip


@pytest.mark.parametrize(("body", "query", "expected"), RESUMES)
def test_resume_for(body: dict[str, Any], query: dict[str, str], expected: Any) -> None:
    form = dict(parse_body(json.dumps(body)))
    assert service_for(channel()).resume_for(form, query) == expected


@pytest.mark.parametrize(
    ("query", "error"),
    [({"wait_type": "dial"}, "unable to find dial_status"), ({"wait_type": "dial", "dial_status": "x"}, "unknown"),
     ({"wait_type": "dial", "dial_status": "busy", "dial_duration": "a"}, "non-integer"),
     ({"wait_type": "what"}, "unknown wait_type")],
)  # fmt: skip
def test_resume_for_refuses(query: dict[str, str], error: str) -> None:
    with pytest.raises(TwiMLError, match=error):
        service_for(channel()).resume_for({}, query)


def test_answers_and_bodies() -> None:
    svc = service_for(channel())
    assert svc.error_response("boom") == (
        '[{"action":"talk","text":"An error has occurred, please try again later.","_error":"boom"}]'
    )
    assert svc.empty_response("missed call handled") == '{"_message":"missed call handled"}'
    assert svc.reject_response() == '[{"action":"talk","text":"This number is not accepting calls"}]'
    assert go_json({"u": "a&b<c>"}) == '{"u":"a\\u0026b\\u003cc\\u003e"}'
    with pytest.raises(TwiMLError, match="invalid json body"):
        parse_body("action=start")
    form = dict(
        parse_body('{"from": "16055741111", "to": "12065550100", "uuid": "u1", "direction": "inbound"}')
    )
    assert (svc.caller(form), svc.call_id(form)) == ("+16055741111", "u1")


def test_vonage_channels_carry_calls_only_with_their_application() -> None:
    nx = CHANNEL_TYPES["NX"]
    assert nx.roles_for({"nexmo_api_key": "k", "nexmo_api_secret": "s"}) == "SR"
    assert nx.roles_for({"nexmo_app_id": APP_ID, "nexmo_app_private_key": PRIVATE_KEY}) == "SRCA"
