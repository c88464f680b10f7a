"""The USSD handler reading requests (in process): Africa's Talking's fixed fields, External USSD's configured
ones, inputs joined or single, and what is refused. Whole sessions over HTTP are in tests/courier/ussd/."""

from typing import Any
from urllib.parse import urlencode

import pytest

from courier.channels import ChannelRec
from courier.handlers.base import HandlerError, Request, parse_form_body
from courier.handlers.ussd import UssdHandler, answer_seconds, parse

EXU_CONFIG = {"session_id_field": "sid", "from_field": "msisdn", "text_field": "ussd_string",
              "service_code_field": "code"}  # fmt: skip


def channel(code: str, config: dict[str, Any] | None = None) -> ChannelRec:
    return ChannelRec(1, "U", 1, code, "*384*12#", "KE", ["tel"], config or {}, 10, "U")


def request(form: dict[str, str]) -> Request:
    body = urlencode(form).encode()
    ctype = "application/x-www-form-urlencoded"
    return Request("POST", "https://x/c/at/U/ussd", "/c/at/U/ussd", {"content-type": ctype}, {}, body,
                   parse_form_body(ctype, body))  # fmt: skip


@pytest.mark.parametrize(
    ("ch", "form", "expected"),
    [
        (channel("ATU"), {"sessionId": "A1", "serviceCode": "*384*12#", "phoneNumber": "+254711000111", "text": ""},
         ("A1", "tel:+254711000111", "*384*12#", [], "", 0)),
        (channel("ATU"), {"sessionId": "A1", "serviceCode": "*384*12#", "phoneNumber": "0711000111", "text": "1*Ana"},
         ("A1", "tel:+254711000111", "*384*12#", ["1", "Ana"], "Ana", 2)),
        (channel("ATU"), {"sessionId": "A1", "phoneNumber": "+254711000111", "text": "1**"},
         ("A1", "tel:+254711000111", "*384*12#", ["1", "", ""], "", 3)),  # no serviceCode: the channel's
        (channel("EXU", EXU_CONFIG), {"sid": "E1", "msisdn": "254711000111", "ussd_string": "1*2", "code": "*500#"},
         ("E1", "tel:+254711000111", "*500#", ["1", "2"], "2", 2)),
        (channel("EXU", {**EXU_CONFIG, "text_mode": "last"}), {"sid": "E1", "msisdn": "254711000111", "ussd_string": "1*2"},
         ("E1", "tel:+254711000111", "*384*12#", ["1*2"], "1*2", None)),
    ],
)  # fmt: skip
def test_parse(ch: ChannelRec, form: dict[str, str], expected: tuple) -> None:
    u = parse(request(form), ch)
    assert (u.session_id, u.urn, u.service_code, u.inputs, u.input, u.hops) == expected


@pytest.mark.parametrize(
    ("ch", "form", "error"),
    [
        (channel("ATU"), {"phoneNumber": "+254711000111", "text": ""}, "field 'sessionId' required"),
        (channel("ATU"), {"sessionId": "A1", "text": ""}, "field 'phoneNumber' required"),
        (channel("EXU", EXU_CONFIG), {"sessionId": "A1", "phoneNumber": "+254711000111"}, "field 'sid' required"),
        (channel("ATU"), {"sessionId": "A1", "phoneNumber": "hello"}, "'hello' is not a possible number"),
    ],
)  # fmt: skip
def test_refused(ch: ChannelRec, form: dict[str, str], error: str) -> None:
    with pytest.raises(HandlerError, match=error):
        parse(request(form), ch)


@pytest.mark.parametrize(
    ("status", "ok"), [("Success", True), ("Incomplete", True), ("Failed", True), ("Gone", False)]
)
async def test_session_end_statuses(status: str, ok: bool) -> None:
    handler = UssdHandler()
    req = request({"sessionId": "A1", "status": status})
    if ok:
        [item] = await handler.session_end(req, channel("ATU"), None)  # type: ignore[arg-type]
        assert item.reason == f"session A1 ended: {status}"  # type: ignore[union-attr]
    else:
        with pytest.raises(HandlerError, match="unknown status 'Gone'"):
            await handler.session_end(req, channel("ATU"), None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("config", "seconds"), [({}, 4.0), ({"answer_seconds": "1.5"}, 1.5), ({"answer_seconds": "x"}, 4.0)]
)
def test_answer_seconds(config: dict[str, str], seconds: float) -> None:
    assert answer_seconds(channel("ATU", config)) == seconds


async def test_a_ussd_channel_never_sends() -> None:
    from courier.handlers.base import MsgOut, SendError, SendResult

    with pytest.raises(SendError) as refused:
        await UssdHandler().send(MsgOut({"text": "Hi"}), channel("ATU"), None, SendResult())  # type: ignore[arg-type]
    assert refused.value.code == "channel_config" and "only within a USSD session" in refused.value.message
