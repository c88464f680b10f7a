"""Messenger (FBA) message attachments, as courier's handlers/meta reads them: the like sticker in each of its
three sizes is 👍 (the big one was read as ❤️ here), a like_heart attachment is ❤️, a fallback attachment's URL is
not an attachment, a story mention is ignored saying so, and a sticker keeps its image."""

from datetime import UTC, datetime

import pytest

from courier.handlers import get_handler
from courier.handlers.base import Ignored, Item, MsgIn
from tests.courier.handlertest import channel

FBA = channel("FBA", {"auth_token": "x"}, address="1234567890", country=None)
WHEN = datetime.fromtimestamp(1459991487.970, UTC)
STICKER_URL = "https://scontent.xx.fbcdn.net/v/sticker.png"


def entries(message: dict) -> list[dict]:
    return [{"id": "1234567890", "time": 1459991487970, "messaging": [{
        "sender": {"id": "5678"}, "recipient": {"id": "1234567890"}, "timestamp": 1459991487970,
        "message": {"mid": "external_id", **message},
    }]}]  # fmt: skip


def msg(text: str, attachments: list[str] | None = None) -> MsgIn:
    return MsgIn(urn="facebook:5678", text=text, external_id="external_id", received_on=WHEN,
                 attachments=attachments or [])  # fmt: skip


def sticker(sticker_id: int) -> dict:
    return {"attachments": [{"type": "image", "payload": {"sticker_id": sticker_id, "url": STICKER_URL}}]}


CASES: list[tuple[str, dict, list[Item]]] = [
    ("small like", sticker(369239263222822), [msg("👍", [STICKER_URL])]),
    ("medium like", sticker(369239343222814), [msg("👍", [STICKER_URL])]),
    ("big like", sticker(369239383222810), [msg("👍", [STICKER_URL])]),
    ("another sticker", sticker(1), [msg("", [STICKER_URL])]),
    ("like heart", {"attachments": [{"type": "like_heart"}]}, [msg("❤️")]),
    ("fallback with a URL", {"text": "see", "attachments": [{"type": "fallback", "payload": {"url": "https://x.io/a"}}]},
     [msg("see")]),
    ("story mention", {"attachments": [{"type": "story_mention", "payload": {"url": "https://x.io/story"}}]},
     [Ignored("ignoring story_mention"), Ignored("ignoring unsupported message")]),
    ("story mention with text", {"text": "hi", "attachments": [{"type": "story_mention",
                                                                "payload": {"url": "https://x.io/story"}}]},
     [Ignored("ignoring story_mention"), msg("hi")]),
    ("location", {"attachments": [{"type": "location", "payload": {"coordinates": {"lat": 1.2, "long": -3.4}}}]},
     [msg("", ["geo:1.200000,-3.400000"])]),
]  # fmt: skip


@pytest.mark.parametrize(("label", "message", "items"), CASES, ids=[c[0] for c in CASES])
def test_fba_attachments(label: str, message: dict, items: list[Item]) -> None:
    handler = get_handler("FBA")
    got = handler._fba_items(entries(message), FBA)  # type: ignore[attr-defined]
    assert got == items, label
