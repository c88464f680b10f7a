"""TwiML answers, signatures and callback parsing: the cases of mailroom's services/ivr/twiml tests."""

import pytest

from mailroom.ivr import twiml
from mailroom.ivr.locales import say_language

URN = "tel:+12067799294"
CH = {"uuid": "5a4f7b2c-0000-4000-8000-000000000001", "name": "Twilio Channel"}
RESUME = "http://temba.io/resume?session=1"
ENV_LOCALE = "eng-US"  # allowed languages eng, spa; default country US


def ivr(text: str, audio: str = "", locale: str = "") -> dict:
    msg: dict = {"urn": URN, "channel": CH, "text": text}
    if audio:
        msg["attachments"] = [f"audio:{audio}"]
    if locale:
        msg["locale"] = locale
    return {"type": "ivr_created", "msg": msg}


WAIT = {"type": "msg_wait", "expires_on": "2026-12-07T13:00:00Z"}
CASES = [
    ([ivr("Hi there")], '<Response><Say language="en-US">Hi there</Say><Hangup></Hangup></Response>'),
    ([ivr("Hi there", locale="eng-GB")], '<Response><Say language="en-GB">Hi there</Say><Hangup></Hangup></Response>'),
    ([ivr("Amakuru", locale="kin")], '<Response><Say language="en-US">Amakuru</Say><Hangup></Hangup></Response>'),
    ([ivr("Hola", locale="spa-MX")], '<Response><Say language="es-MX">Hola</Say><Hangup></Hangup></Response>'),
    ([ivr("Hi there", "https://mailroom.io/recordings/foo.wav", "eng-US")],
     "<Response><Play>https://mailroom.io/recordings/foo.wav</Play><Hangup></Hangup></Response>"),
    ([ivr("hello world"), ivr("goodbye")],
     '<Response><Say language="en-US">hello world</Say><Say language="en-US">goodbye</Say><Hangup></Hangup></Response>'),
    ([ivr("enter a number"), {**WAIT, "hint": {"type": "digits", "count": 1}}],
     '<Response><Gather numDigits="1" timeout="30" action="http://temba.io/resume?session=1&amp;wait_type=gather">'
     '<Say language="en-US">enter a number</Say></Gather>'
     "<Redirect>http://temba.io/resume?session=1&amp;wait_type=gather&amp;timeout=true</Redirect></Response>"),
    ([ivr("enter a number, then press #"), {**WAIT, "hint": {"type": "digits", "terminated_by": "#"}}],
     '<Response><Gather finishOnKey="#" timeout="30" action="http://temba.io/resume?session=1&amp;wait_type=gather">'
     '<Say language="en-US">enter a number, then press #</Say></Gather>'
     "<Redirect>http://temba.io/resume?session=1&amp;wait_type=gather&amp;timeout=true</Redirect></Response>"),
    ([ivr("say something"), {**WAIT, "hint": {"type": "audio"}}],
     '<Response><Say language="en-US">say something</Say>'
     '<Record action="http://temba.io/resume?session=1&amp;wait_type=record" maxLength="600"></Record>'
     "<Redirect>http://temba.io/resume?session=1&amp;wait_type=record&amp;empty=true</Redirect></Response>"),
    ([{"type": "dial_wait", "urn": "tel:+1234567890", "dial_limit_seconds": 60, "call_limit_seconds": 7200}],
     '<Response><Dial action="http://temba.io/resume?session=1&amp;wait_type=dial" timeout="60" timeLimit="7200">'
     "+1234567890</Dial></Response>"),
    ([ivr("It's <5> & \"so\"")],
     '<Response><Say language="en-US">It&#39;s &lt;5&gt; &amp; &#34;so&#34;</Say><Hangup></Hangup></Response>'),
]  # fmt: skip


@pytest.mark.parametrize(("events", "expected"), CASES)
def test_response_for_events(events: list[dict], expected: str) -> None:
    assert twiml.response_for_events(events, RESUME, ENV_LOCALE) == twiml.XML_HEADER + expected


def test_a_hint_we_cannot_gather_is_refused() -> None:
    with pytest.raises(twiml.TwiMLError, match="unknown type: image"):
        twiml.response_for_events([{**WAIT, "hint": {"type": "image"}}], RESUME, ENV_LOCALE)


@pytest.mark.parametrize(
    ("locales", "expected"),
    [(["eng-US"], "en-US"), (["eng-GB"], "en-GB"), (["und-US"], "en-US"), (["fra"], "fr-FR"),
     (["por-BR"], "pt-BR"), (["kin", "eng-US"], "en-US"), (["kin"], ""), (["", "spa"], "es-ES")],
)  # fmt: skip
def test_say_language(locales: list[str], expected: str) -> None:
    assert say_language(locales) == expected


def test_signature_as_twilio_documents() -> None:
    # Twilio's worked example (https://www.twilio.com/docs/usage/security#validating-requests)
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
              "From": "+12349013030", "To": "+18005551212"}  # fmt: skip
    expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert twiml.signature(url, list(params.items()), "12345") == expected
    assert twiml.signature_valid(url, list(params.items()), "12345", expected)
    assert not twiml.signature_valid(url, [*params.items(), ("Digits", "9")], "12345", expected)
    assert not twiml.signature_valid(url, list(params.items()), "54321", expected)
    assert not twiml.signature_valid(url, list(params.items()), "12345", "")


RESUMES = [
    ({}, {"wait_type": "gather", "timeout": "true"}, twiml.InputResume()),
    ({}, {"wait_type": "record", "empty": "true"}, twiml.InputResume()),
    ({"Digits": "42"}, {"wait_type": "gather"}, twiml.InputResume(text="42")),
    ({"RecordingUrl": "https://api.twilio.com/rec/RE1"}, {"wait_type": "record"},
     twiml.InputResume(attachment="audio/mp3:https://api.twilio.com/rec/RE1.mp3")),
    ({"DialCallStatus": "completed", "DialCallDuration": "15"}, {"wait_type": "dial"}, twiml.DialResume("answered", 15)),
    ({"DialCallStatus": "no-answer"}, {"wait_type": "dial"}, twiml.DialResume("no_answer", 0)),
    ({"DialCallStatus": "busy"}, {"wait_type": "dial"}, twiml.DialResume("busy", 0)),
    ({"DialCallStatus": "canceled"}, {"wait_type": "dial"}, twiml.DialResume("failed", 0)),
]  # fmt: skip


@pytest.mark.parametrize(("form", "query", "expected"), RESUMES)
def test_resume_for(form: dict, query: dict, expected: object) -> None:
    assert twiml.resume_for(form, query) == expected


@pytest.mark.parametrize(
    ("form", "query", "error"),
    [({"DialCallStatus": "exploded"}, {"wait_type": "dial"}, "unknown Twilio DialCallStatus"),
     ({"DialCallStatus": "busy", "DialCallDuration": "x"}, {"wait_type": "dial"}, "invalid value for DialCallDuration"),
     ({}, {"wait_type": "fax"}, "unknown wait_type: fax")],
)  # fmt: skip
def test_resume_for_refuses(form: dict, query: dict, error: str) -> None:
    with pytest.raises(twiml.TwiMLError, match=error):
        twiml.resume_for(form, query)


@pytest.mark.parametrize(
    ("call_status", "expected"),
    [("queued", twiml.CallStatus("W")), ("ringing", twiml.CallStatus("W")), ("in-progress", twiml.CallStatus("I")),
     ("completed", twiml.CallStatus("D", duration=33)), ("busy", twiml.CallStatus("E", "B")),
     ("no-answer", twiml.CallStatus("E", "N")), ("failed", twiml.CallStatus("E", "P")),
     ("canceled", twiml.CallStatus("E", "P")), ("weird", twiml.CallStatus("F", "P"))],
)  # fmt: skip
def test_status_for(call_status: str, expected: twiml.CallStatus) -> None:
    assert twiml.status_for({"CallStatus": call_status, "CallDuration": "33"}) == expected


def test_every_voice_channel_type_has_a_service_and_back() -> None:
    from mailroom.ivr.services import SERVICES
    from upesi.channeltypes import CHANNEL_TYPES

    assert sorted(SERVICES) == sorted(code for code, t in CHANNEL_TYPES.items() if t.ivr)
    assert all(CHANNEL_TYPES[code].roles == "SRCA" for code in SERVICES)
