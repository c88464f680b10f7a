"""Telegram (TG), in process: updates the webhook receives, including the secret token check."""

import json
from datetime import UTC, datetime

import pytest

from courier.handlers.base import EventIn, Ignored, MsgIn
from tests.courier.handlertest import ReceiveCase, channel, run_receive

TG = channel("TG", {"auth_token": "a123", "webhook_secret": "s3cret"}, address="upesi_bot", country=None)
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
WHEN = datetime.fromtimestamp(1454119029, UTC)


def update(message: dict) -> str:
    sender = {"id": 3527065, "first_name": "Nic", "last_name": "Pottier", "username": "nicpottier"}
    return json.dumps({"update_id": 174114370, "message": {"message_id": 41, "from": sender, "date": 1454119029,
                                                           **message}})  # fmt: skip


RECEIVE = [
    ReceiveCase(
        "text", "receive", body=update({"text": "Hello World"}), headers=SECRET,
        items=[MsgIn(urn="telegram:3527065#nicpottier", text="Hello World", external_id="41", received_on=WHEN,
                     contact_name="Nic Pottier")],
    ),
    ReceiveCase(
        "/start is a new conversation", "receive", body=update({"text": "/start"}), headers=SECRET,
        items=[EventIn("new_conversation", "telegram:3527065#nicpottier", {}, WHEN, contact_name="Nic Pottier")],
    ),
    ReceiveCase(
        "location", "receive", body=update({"location": {"latitude": -2.890287, "longitude": -79.004333}}),
        headers=SECRET,
        items=[MsgIn(urn="telegram:3527065#nicpottier", text="", external_id="41", received_on=WHEN,
                     attachments=["geo:-2.890287,-79.004333"], contact_name="Nic Pottier")],
    ),
    ReceiveCase("no message", "receive", body='{"update_id": 1}', headers=SECRET,
                items=[Ignored("Ignoring request, no message")]),
    ReceiveCase("wrong secret", "receive", body=update({"text": "Hi"}),
                headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}, error="invalid secret token"),
    ReceiveCase("no secret", "receive", body=update({"text": "Hi"}), error="invalid secret token"),
]  # fmt: skip


@pytest.mark.parametrize("case", RECEIVE, ids=lambda c: c.label)
async def test_receive(case: ReceiveCase) -> None:
    await run_receive(TG, case)
