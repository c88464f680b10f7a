"""Which channel a contact is reached on, as goflow's ChannelAssets.GetForURN (core/channel.go): a tel
channel of another country is skipped unless it allows international, the best prefix match wins, and
the airtime sender is the same preferred channel."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

from upesi.flows.contact import channel_for_urn
from upesi.flows.engine import Engine
from upesi.flows.services.airtime import AirtimeTransfer
from upesi.urns import split_urn as parse_urn

US = {"uuid": "c0000000-0000-4000-8000-000000000001", "name": "US", "address": "+12065550000",
      "schemes": ["tel"], "roles": ["send", "receive"], "country": "US"}  # fmt: skip
RW = {"uuid": "c0000000-0000-4000-8000-000000000002", "name": "RW", "address": "+250788000000",
      "schemes": ["tel"], "roles": ["send", "receive"], "country": "RW"}  # fmt: skip
RW2 = {"uuid": "c0000000-0000-4000-8000-000000000003", "name": "RW2", "address": "+250722000000",
       "schemes": ["tel"], "roles": ["send", "receive"], "country": "RW"}  # fmt: skip
TG = {"uuid": "c0000000-0000-4000-8000-000000000004", "name": "TG", "address": "mybot",
      "schemes": ["telegram"], "roles": ["send", "receive"]}  # fmt: skip
RECEIVE_ONLY = {**RW, "uuid": "c0000000-0000-4000-8000-000000000005", "name": "RX", "roles": ["receive"]}


def _pick(urn: str, *channels: dict[str, Any]) -> str | None:
    u = parse_urn(urn)
    assert u is not None
    ch = channel_for_urn(u, {c["uuid"]: c for c in channels})
    return ch["name"] if ch else None


@pytest.mark.parametrize(
    ("urn", "channels", "expected"),
    [
        # a US channel does not send to Rwanda...
        ("tel:+250788123456", [US, RW], "RW"),
        ("tel:+250788123456", [US], None),
        # ...unless it allows international
        ("tel:+250788123456", [{**US, "allow_international": True}], "US"),
        # the best prefix overlap wins among candidates
        ("tel:+250788123456", [{**US, "allow_international": True}, RW], "RW"),
        ("tel:+250722123456", [RW2, RW], "RW2"),
        ("tel:+250722123456", [RW, RW2], "RW2"),
        # match prefixes instead of the address
        (
            "tel:+250722123456",
            [{**RW, "match_prefixes": ["25072"]}, {**RW2, "match_prefixes": ["25078"]}],
            "RW",
        ),
        # with no overlap at all goflow keeps the last candidate
        ("tel:+250733123456", [{**RW, "address": "1234"}, {**RW2, "address": "5678"}], "RW2"),
        # a channel without a country takes any number
        ("tel:+250788123456", [{**US, "country": ""}], "US"),
        # a number of no country (non-geographic) goes anywhere
        ("tel:+80012345678", [US], "US"),
        # roles and schemes
        ("tel:+250788123456", [RECEIVE_ONLY], None),
        ("telegram:1234", [RW, TG], "TG"),
        # an affinity channel wins if it can still send on the scheme
        ("tel:+250788123456?channel=c0000000-0000-4000-8000-000000000001", [US, RW], "US"),
        ("tel:+250788123456?channel=c0000000-0000-4000-8000-000000000004", [TG, US, RW], "RW"),
    ],
)
def test_channel_for_urn(urn: str, channels: list[dict[str, Any]], expected: str | None) -> None:
    assert _pick(urn, *channels) == expected


FLOW = "f0000000-0000-4000-8000-000000000001"


class _Airtime:
    def __init__(self) -> None:
        self.senders: list[str] = []

    def create(self, transfer_uuid: str, sender: str, recipient: str, amounts: dict, log_http: Any) -> Any:
        self.senders.append(sender)
        return AirtimeTransfer("ext1", sender, recipient, "RWF", Decimal(100))


def _session(actions: list[dict[str, Any]], airtime: Any = None) -> list[dict[str, Any]]:
    flow = {
        "uuid": FLOW,
        "name": "Routing",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [{"uuid": "a0000000-0000-4000-8000-000000000001", "actions": actions,
                   "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}]}],
    }  # fmt: skip
    n = itertools.count(1)
    start = dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC)
    engine = Engine(
        clock=lambda: start, uuids=lambda: f"00000000-0000-4000-8000-{next(n):012d}", airtime=airtime
    )
    contact = {"uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f", "name": "Ana", "status": "active",
               "created_on": "2024-01-01T00:00:00Z", "urns": ["tel:+250788123456"]}  # fmt: skip
    trigger = {
        "type": "manual",
        "flow": {"uuid": FLOW, "name": "Routing"},
        "triggered_on": "2025-05-04T12:00:00Z",
    }
    _, sprint = engine.new_session({"flows": [flow], "channels": [US, RW]}, contact, trigger)
    return sprint.events


def test_send_msg_goes_out_on_the_rwandan_channel() -> None:
    events = _session([{"uuid": "b0000000-0000-4000-8000-000000000001", "type": "send_msg", "text": "Hi"}])
    msg = next(e for e in events if e["type"] == "msg_created")["msg"]
    assert msg["channel"]["uuid"] == RW["uuid"]


def test_airtime_sender_is_the_preferred_channel() -> None:
    airtime = _Airtime()
    _session(
        [
            {
                "uuid": "b0000000-0000-4000-8000-000000000002",
                "type": "transfer_airtime",
                "amounts": {"RWF": 100},
            }
        ],
        airtime,
    )
    assert airtime.senders == ["tel:+250788000000"]
