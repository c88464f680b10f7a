"""A flow run: one contact's pass through one flow (path, results, locals, status)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import regex

from upesi.flows.clock import iso, parse_iso
from upesi.flows.definition import Flow

# goflow utils.Snakify: anything but letters, ASCII digits and _ becomes one _ (marks too)
_SNAKE_RE = regex.compile(r"[^\p{L}0-9_]+")
MAX_RESULT_CHARS = 640
MAX_RESULT_NAME = 64


# a timestamp as read from session JSON and the text it was read from: written back verbatim while unchanged
ReadTime = tuple[dt.datetime, str]


def read_time(s: Any) -> tuple[dt.datetime | None, ReadTime | None]:
    """Parse a session timestamp. Text already in the form iso() writes (UTC, microseconds) is kept with
    the value, so an unchanged time (most of a long path) is neither re-parsed by regex nor re-formatted."""
    if (
        isinstance(s, str)
        and len(s) == 27
        and s[26] == "Z"
        and s[19] == "."
        and s[10] == "T"
        and s[4] == "-"
        and s[0] != "0"  # iso() doesn't zero-pad years before 1000
    ):
        try:
            v = dt.datetime.fromisoformat(s)
        except ValueError:
            pass
        else:
            return v, (v, s)
    return parse_iso(s), None


def write_time(v: dt.datetime, read: ReadTime | None) -> str:
    if read is not None and read[0] is v:
        return read[1]
    return iso(v)


@lru_cache(maxsize=4096)  # a flow's few result names, keyed again for every result saved
def result_key(name: str) -> str:
    """Snake-case a result name as goflow's Snakify: `Favorite Color` -> `favorite_color`; leading and
    trailing underscores stay (`Age?` -> `age_`)."""
    return _SNAKE_RE.sub("_", name.strip()).lower()


def raw_extras_json(results: dict[str, dict[str, Any]], raw_extras: dict[str, str]) -> dict[str, str]:
    """The extras' texts as a session write leaves them (compacted, as Go writes a json.RawMessage), for
    the results that still have that extra; only where the text is not what the parsed extra gives anyway
    (extra_text: compact, sorted keys), so most sessions keep goflow's shape exactly."""
    from upesi.flows.legacy_extra import extra_text, go_compact

    out = {}
    for key, text in raw_extras.items():
        extra = (results.get(key) or {}).get("extra")
        if extra is None:
            continue
        compact = go_compact(text)
        if compact != extra_text(extra):
            out[key] = compact
    return out


@dataclass
class Step:
    uuid: str
    node_uuid: str
    arrived_on: dt.datetime
    exit_uuid: str = ""
    read: ReadTime | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "uuid": self.uuid,
            "node_uuid": self.node_uuid,
            "arrived_on": write_time(self.arrived_on, self.read),
        }
        if self.exit_uuid:
            d["exit_uuid"] = self.exit_uuid
        return d

    @classmethod
    def from_json(cls, s: dict[str, Any]) -> Step:
        arrived_on, read = read_time(s.get("arrived_on"))
        return cls(
            s.get("uuid", ""),
            s["node_uuid"],
            arrived_on or dt.datetime.now(dt.UTC),
            s.get("exit_uuid", ""),
            read,
        )


@dataclass
class Run:
    uuid: str
    flow: Flow | None
    flow_ref: dict[str, str]
    status: str
    created_on: dt.datetime
    modified_on: dt.datetime
    exited_on: dt.datetime | None = None
    path: list[Step] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    parent_uuid: str = ""
    had_input: bool = False
    webhook: dict[str, Any] | None = None  # the last webhook call, for @webhook
    webhook_persist: bool = True
    # result extras kept as text, by result key (a webhook body: goflow keeps the bytes, so @legacy_extra
    # shows it as received, and after a session write compact in its received key order). Session JSON
    # is stored as JSONB, which reorders an object's keys, so the text is written beside the results
    # (see raw_extras_json) and read back from there.
    raw_extras: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    expires_on: dt.datetime | None = None
    # the times read from session JSON (see read_time), by field name
    read_times: dict[str, ReadTime] = field(default_factory=dict, compare=False, repr=False)

    @property
    def current_step(self) -> Step | None:
        return self.path[-1] if self.path else None

    def node_visits(self, node_uuid: str) -> int:
        return sum(1 for s in self.path if s.node_uuid == node_uuid)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "uuid": self.uuid,
            "flow": dict(self.flow_ref),
            "path": [s.to_json() for s in self.path],
            "status": self.status,
            "created_on": self._time("created_on", self.created_on),
            "modified_on": self._time("modified_on", self.modified_on),
            "exited_on": self._time("exited_on", self.exited_on) if self.exited_on else None,
        }
        if self.results:
            d["results"] = self.results
            if self.raw_extras:
                raw = raw_extras_json(self.results, self.raw_extras)
                if raw:
                    d["raw_extras"] = raw
        # locals named with a leading underscore are action outputs used within the sprint only
        kept = {k: v for k, v in self.locals.items() if not k.startswith("_")}
        if kept:
            d["locals"] = kept
        if self.parent_uuid:
            d["parent_uuid"] = self.parent_uuid
        if self.had_input:
            d["had_input"] = True
        if self.webhook is not None and self.webhook_persist:
            d["webhook"] = self.webhook
        if self.expires_on is not None:
            d["expires_on"] = self._time("expires_on", self.expires_on)
        return d

    def _time(self, name: str, v: dt.datetime) -> str:
        return write_time(v, self.read_times.get(name))

    @classmethod
    def from_json(cls, d: dict[str, Any], flow: Flow | None) -> Run:
        read_times: dict[str, ReadTime] = {}

        def time_of(name: str) -> dt.datetime | None:
            v, read = read_time(d.get(name))
            if read is not None:
                read_times[name] = read
            return v

        return cls(
            uuid=d["uuid"],
            flow=flow,
            flow_ref=dict(d.get("flow") or {}),
            status=d.get("status") or "active",
            created_on=time_of("created_on") or dt.datetime.now(dt.UTC),
            modified_on=time_of("modified_on") or dt.datetime.now(dt.UTC),
            exited_on=time_of("exited_on"),
            path=[Step.from_json(s) for s in d.get("path") or []],
            results=dict(d.get("results") or {}),
            raw_extras={k: v for k, v in (d.get("raw_extras") or {}).items() if isinstance(v, str)},
            locals=dict(d.get("locals") or {}),
            parent_uuid=d.get("parent_uuid") or "",
            had_input=bool(d.get("had_input")),
            webhook=d.get("webhook"),
            expires_on=time_of("expires_on"),
            read_times=read_times,
        )
