"""Each channel type is declared once (upesi.channeltypes) and courier's handlers register against those
declarations: every declared type has one handler and every handler type is declared, every callback URL we
give a provider is a route of the handler, and every config field the claim form asks for is one the handler
reads."""

import inspect
import re
import sys
from pathlib import Path

import pytest

from courier.handlers import registry
from courier.handlers.base import Handler
from upesi.channeltypes import CHANNEL_TYPES, TYPE_NAMES, ChannelType, callback_urls

ROOT = Path(__file__).resolve().parents[2]


def test_every_declared_type_has_one_handler_and_back() -> None:
    assert sorted(registry()) == sorted(CHANNEL_TYPES)
    assert sorted(TYPE_NAMES) == sorted(CHANNEL_TYPES)


def _source_of_family(handler: Handler) -> str:
    """The handler's module and the courier.handlers modules it imports from (e.g. meta -> wac_send)."""
    module = sys.modules[type(handler).__module__]
    src = inspect.getsource(module)
    for name in re.findall(r"^from courier\.handlers\.(\w+) import", src, re.M):
        src += inspect.getsource(sys.modules[f"courier.handlers.{name}"])
    return src


@pytest.mark.parametrize("code", sorted(CHANNEL_TYPES))
def test_declaration_matches_its_handler(code: str) -> None:
    declared: ChannelType = CHANNEL_TYPES[code]
    handler = registry()[code]
    routes = {(r.action, r.needs_channel) for r in handler.routes()}
    if declared.webhook:
        assert ("receive", False) in routes  # found from the payload: /c/{webhook}/receive
        assert registry()[declared.webhook.upper()] is handler
    for action in declared.callbacks:
        assert (action, True) in routes, f"{code}: callback {action!r} is not a route of its handler"
    source = _source_of_family(handler)
    if declared.ivr:  # voice config (max_concurrent_calls...) is read by mailroom's IVR services
        source += "".join(p.read_text() for p in (ROOT / "services/mailroom/mailroom/ivr").glob("*.py"))
    for field in declared.config:
        assert f'"{field.key}"' in source, f"{code}: config field {field.key!r} is never read by its handler"
    assert declared.schemes and all(s == s.lower() for s in declared.schemes)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "EX",
            {
                a: f"https://c.example/c/ex/U/{a}"
                for a in ("receive", "sent", "delivered", "failed", "stopped")
            },
        ),
        (
            "T",
            {
                "receive": "https://c.example/c/t/U/receive",
                "status": "https://c.example/c/t/U/status",
                "voice_incoming": "https://c.example/mr/ivr/c/U/incoming",
                "voice_status": "https://c.example/mr/ivr/c/U/status",
            },
        ),
        ("TG", {"receive": "https://c.example/c/tg/U/receive"}),
        # USSD: Africa's Talking's callback at the contract's /c/at/, not /c/atu/
        ("ATU", {"ussd": "https://c.example/c/at/U/ussd", "ussd_end": "https://c.example/c/at/U/ussd_end"}),
        ("EXU", {"ussd": "https://c.example/c/exu/U/ussd"}),
        ("WAC", {"receive": "https://c.example/c/wac/receive"}),
        ("fba", {"receive": "https://c.example/c/fba/receive"}),
        ("XX", {"receive": "https://c.example/c/xx/U/receive"}),  # unknown: the receive URL only
    ],
)
def test_callback_urls(code: str, expected: dict[str, str]) -> None:
    assert callback_urls(code, "U", "https://c.example/") == expected


# RapidPro's API slugs for every channel type code it has, most of which we do not implement (shown for stored
# channels of those types): a table of RapidPro's, not a second declaration of ours
OTHER_TABLES = {"services/web/web/api/v2/channels.py"}


def test_no_other_table_of_channel_types() -> None:
    """The facts live in upesi/channeltypes only: no table keyed by channel type codes elsewhere."""
    table = re.compile(r'^\s*"(EX|TWA|WAC|FBA|NX|KN)":\s', re.M)
    offenders = [
        rel
        for folder in ("shared", "services")
        for p in (ROOT / folder).rglob("*.py")
        if "channeltypes" not in p.parts
        and "node_modules" not in p.parts
        and (rel := p.relative_to(ROOT).as_posix()) not in OTHER_TABLES
        and table.search(p.read_text())
    ]
    assert offenders == []
