"""The evaluation environment: date/time formats, timezone, country, languages and the clock."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Environment:
    date_format: str = "YYYY-MM-DD"
    time_format: str = "tt:mm"
    timezone: ZoneInfo | dt.tzinfo = field(default_factory=lambda: ZoneInfo("UTC"))
    default_country: str = ""
    allowed_languages: list[str] = field(default_factory=list)
    decimal_symbol: str = "."
    digit_grouping_symbol: str = ","
    redaction_policy: str = "none"
    input_collation: str = "default"
    prompts: dict[str, str] = field(default_factory=dict)
    now_fn: Callable[[], dt.datetime] = _utcnow
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(
        cls, d: dict[str, Any] | None, now_fn: Callable[[], dt.datetime] | None = None
    ) -> Environment:
        """Read an environment. The services pass the same workspace environment dict for every session they
        read, so the last few reads are remembered (by identity, checked against a copy of their content)."""
        if d is None:
            return cls._read(None, now_fn)
        cached = _read_cache.get(id(d))
        if cached is not None and cached[0] is d and cached[1] == d:
            env = copy.copy(cached[2])
            env.allowed_languages = list(env.allowed_languages)
            env.prompts = dict(env.prompts)
            env.extra = {}
            if now_fn is not None:
                env.now_fn = now_fn
            return env
        env = cls._read(d, None)
        if len(_read_cache) >= 64:
            _read_cache.clear()
        _read_cache[id(d)] = (d, copy.deepcopy(d), copy.copy(env))
        return cls.from_json(d, now_fn)

    @classmethod
    def _read(cls, d: dict[str, Any] | None, now_fn: Callable[[], dt.datetime] | None) -> Environment:
        d = d or {}
        nf = d.get("number_format") or {}
        tzname = d.get("timezone") or "UTC"
        try:
            tz: Any = ZoneInfo(tzname)
        except Exception:  # an unknown zone behaves as UTC rather than failing the session
            tz = ZoneInfo("UTC")
        env = cls(
            date_format=_clean_fmt(d.get("date_format")) or "YYYY-MM-DD",
            time_format=_clean_fmt(d.get("time_format")) or "tt:mm",
            timezone=tz,
            default_country=d.get("default_country") or "",
            allowed_languages=list(d.get("allowed_languages") or []),
            decimal_symbol=nf.get("decimal_symbol", ".") if nf.get("decimal_symbol") is not None else ".",
            digit_grouping_symbol=nf.get("digit_grouping_symbol", ",")
            if nf.get("digit_grouping_symbol") is not None
            else ",",
            redaction_policy=d.get("redaction_policy") or "none",
            input_collation=d.get("input_collation") or "default",
            prompts=dict(d.get("prompts") or {}),
        )
        if now_fn is not None:
            env.now_fn = now_fn
        return env

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date_format": self.date_format,
            "time_format": self.time_format,
            "timezone": getattr(self.timezone, "key", "UTC"),
            "number_format": {
                "decimal_symbol": self.decimal_symbol,
                "digit_grouping_symbol": self.digit_grouping_symbol,
            },
            "redaction_policy": self.redaction_policy,
        }
        if self.allowed_languages:
            out["allowed_languages"] = list(self.allowed_languages)
        if self.default_country:
            out["default_country"] = self.default_country
        if self.input_collation != "default":
            out["input_collation"] = self.input_collation
        return out

    def __copy__(self) -> Environment:
        # a session copies its environment to merge the contact in (envmerge): copying the instance dict
        # directly is several times cheaper than copy's generic reduce/reconstruct
        clone = object.__new__(Environment)
        clone.__dict__.update(self.__dict__)
        return clone

    @property
    def default_language(self) -> str:
        return self.allowed_languages[0] if self.allowed_languages else ""

    def now(self) -> dt.datetime:
        return self.now_fn().astimezone(self.timezone)


# id(environment dict) -> (the dict, a copy of its content then, the environment read from it)
_read_cache: dict[int, tuple[dict[str, Any], dict[str, Any], Environment]] = {}


def _clean_fmt(f: str | None) -> str:
    # the conformance files annotate defaults, e.g. "tt:mm (default)"
    if not f:
        return ""
    f = f.replace(" (default)", "")
    # goflow's 12-hour time format constant is "h:mm aa"; some serialisations show it as "h:mm tt"
    return "h:mm aa" if f == "h:mm tt" else f
