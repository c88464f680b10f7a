"""Vonage (NX), in process: the table of requests the handler receives and of sends it makes."""

import pytest

from courier.handlers.base import Ignored, MsgIn, StatusIn
from tests.courier.handlertest import (
    Provider,
    ReceiveCase,
    SendCase,
    channel,
    provider,
    run_receive,
    run_send,
)

__all__ = ["provider"]  # the fixture

NX = channel("NX", {"nexmo_api_key": "nexmo-key", "nexmo_api_secret": "nexmo-secret"})
CALLBACK = "https://courier.example/c/nx/8eb23e93-5ecb-45ba-b726-3b064e0c56ab/status"

RECEIVE = [
    ReceiveCase(
        "receive by GET", "receive", "GET", query={"to": "2020", "msisdn": "250788383383", "text": "Join", "messageId": "ext1"},
        items=[MsgIn(urn="tel:+250788383383", text="Join", external_id="ext1")],
    ),
    ReceiveCase(
        "receive by POST", "receive", form={"to": "2020", "msisdn": "0788383383", "text": "Hi", "messageId": "ext2"},
        items=[MsgIn(urn="tel:+250788383383", text="Hi", external_id="ext2")],
    ),
    ReceiveCase("no to", "receive", "GET", query={"msisdn": "250788383383", "text": "Hi"}, items=[Ignored("no to parameter, ignored")]),
    ReceiveCase("letters for a number", "receive", "GET", query={"to": "2020", "msisdn": "MTN", "text": "Hi"},
                error="'MTN' is not a possible number"),
    ReceiveCase("delivered", "status", "GET", query={"messageId": "ext1", "status": "delivered", "err-code": "0"},
                items=[StatusIn(status="D", external_id="ext1")]),
    ReceiveCase("failed with an error code", "status", form={"messageId": "ext1", "status": "failed", "err-code": "6"},
                items=[StatusIn(status="F", external_id="ext1")],
                log_errors=[{"code": "external", "ext_code": "dlr:6", "message": "Anti-Spam Rejection"}]),
    ReceiveCase("unknown status", "status", "GET", query={"messageId": "ext1", "status": "weird"},
                items=[Ignored("ignoring unknown status report")]),
    ReceiveCase("no message id", "status", "GET", query={"status": "delivered"}, items=[Ignored("no messageId parameter, ignored")]),
]  # fmt: skip


@pytest.mark.parametrize("case", RECEIVE, ids=lambda c: c.label)
async def test_receive(case: ReceiveCase) -> None:
    await run_receive(NX, case)


def _form(text: str, kind: str = "text") -> dict[str, str]:
    return {"api_key": "nexmo-key", "api_secret": "nexmo-secret", "from": "2020", "to": "250788383383", "text": text,
            "status-report-req": "1", "callback": CALLBACK, "type": kind}  # fmt: skip


OK = (200, '{"messages": [{"status": "0", "message-id": "1002"}]}')
SEND = [
    SendCase("plain", {"urn": "tel:+250788383383", "text": "Simple Message"}, [OK],
             [{"url": "https://rest.nexmo.com/sms/json", "form": _form("Simple Message")}], external_ids=["1002"]),
    SendCase("unicode", {"urn": "tel:+250788383383", "text": "Unicode ☺"}, [OK],
             [{"url": "https://rest.nexmo.com/sms/json", "form": _form("Unicode ☺", "unicode")}], external_ids=["1002"]),
    SendCase("rejected", {"urn": "tel:+250788383383", "text": "Error"}, [(200, '{"messages": [{"status": "6"}]}')],
             [{"url": "https://rest.nexmo.com/sms/json", "form": _form("Error")}], error="rejected_with_reason"),
    SendCase("throttled", {"urn": "tel:+250788383383", "text": "Slow"},
             [(200, '{"messages": [{"status": "1", "error-text": "Throughput Rate Exceeded - please wait"}]}')],
             [{"url": "https://rest.nexmo.com/sms/json", "form": _form("Slow")}], error="connection_throttled"),
    SendCase("server error", {"urn": "tel:+250788383383", "text": "Down"}, [(503, "")],
             [{"url": "https://rest.nexmo.com/sms/json", "form": _form("Down")}], error="connection_failed"),
]  # fmt: skip


@pytest.mark.parametrize("case", SEND, ids=lambda c: c.label)
async def test_send(case: SendCase, provider: Provider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURIER_URL", "https://courier.example")
    from upesi.config import reset_settings

    reset_settings()
    try:
        await run_send(NX, case, provider)
    finally:
        monkeypatch.delenv("COURIER_URL")
        reset_settings()
