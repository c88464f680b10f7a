"""Value conversions and environments on the evaluation hot path behave as their general forms."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from upesi.excellent.env import Environment
from upesi.excellent.types.convert import to_text
from upesi.excellent.types.values import Deferred, Lazy, XObject


class _Text(str):
    pass


class _Flag(enum.IntEnum):
    ON = 3


class _Moment(dt.datetime):
    pass


def test_to_text_of_exact_types_and_subclasses() -> None:
    when = dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    assert to_text(True) == "true" and to_text(False) == "false"
    assert to_text(Decimal("1.500")) == "1.5" and to_text(7) == "7"
    assert to_text(when) == "2025-01-02T03:04:05.000006Z"
    assert to_text(dt.date(2025, 1, 2)) == "2025-01-02" and to_text(dt.time(3, 4)) == "03:04:00.000000"
    assert to_text(None) == "" and to_text([Decimal(1), "a"]) == "[1, a]"
    # subclasses take the general path: str subclasses verbatim, int subclasses as numbers
    assert to_text(_Text("x")) == "x" and to_text(_Flag.ON) == "3"
    assert to_text(_Moment(2025, 1, 2, tzinfo=dt.UTC)) == "2025-01-02T00:00:00.000000Z"
    assert to_text(XObject({"a": 1}, default=Decimal(2))) == "2"


def test_deferred_properties_are_computed_once_from_their_owner_and_key() -> None:
    calls: list[str] = []

    class Owner(XObject):
        __slots__ = ("base",)

    def compute(owner: Owner, key: str) -> str:
        calls.append(key)
        return f"{owner.base}-{key}"

    table = {"Alpha": Deferred(compute), "beta": Lazy(lambda: "lazy")}
    o = Owner(table, default=Deferred(lambda owner, key: f"default:{key!r}"))
    o.base = "b"
    assert o.get("alpha") == "b-Alpha" and o.get("ALPHA") == "b-Alpha" and calls == ["Alpha"]
    assert o.get("beta") == "lazy" and o.default == "default:''"
    assert table["Alpha"].__class__ is Deferred  # the shared table itself is left alone


def test_environment_reads_are_independent_and_follow_changes_to_the_dict() -> None:
    d = {"timezone": "Africa/Kigali", "allowed_languages": ["eng"], "number_format": {"decimal_symbol": ","}}
    a, b = Environment.from_json(d), Environment.from_json(d)
    assert a == b and a is not b
    a.extra["rng"] = 1
    a.allowed_languages.append("fra")
    assert b.extra == {} and b.allowed_languages == ["eng"]
    assert Environment.from_json(d).allowed_languages == ["eng"]
    d["number_format"]["decimal_symbol"] = "."
    d["allowed_languages"].append("kin")
    c = Environment.from_json(d)
    assert c.decimal_symbol == "." and c.allowed_languages == ["eng", "kin"]
    clock = lambda: dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # noqa: E731
    assert Environment.from_json(d, now_fn=clock).now_fn is clock
    assert Environment.from_json(None) == Environment()
