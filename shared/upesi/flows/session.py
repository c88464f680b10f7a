"""Session state: the contact, the stack of runs, the wait, the input; plus the Sprint of one start/resume."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from upesi.excellent.env import Environment
from upesi.flows.assets import Assets
from upesi.flows.clock import iso
from upesi.flows.envmerge import merged_env
from upesi.flows.events.types import check_event_type
from upesi.flows.runs import ReadTime, Run, read_time, write_time

if TYPE_CHECKING:
    from upesi.flows.engine import Engine


# values orjson must refuse rather than turn into JSON text (their copy keeps them as they are)
_EXACT_JSON = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
)


def copy_json(v: Any) -> Any:
    """A deep copy of JSON data such as the contact, which is copied on every session read and write:
    through orjson (several times cheaper than copy.deepcopy), or by walking it when it holds values
    JSON doesn't (Decimal, datetime, big integers...)."""
    try:
        return orjson.loads(orjson.dumps(v, option=_EXACT_JSON))
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _copy_walk(v)


def _copy_walk(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _copy_walk(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy_walk(x) for x in v]
    return copy.deepcopy(v) if isinstance(v, tuple | set) else v


@dataclass
class Sprint:
    events: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)


class Session:
    def __init__(
        self,
        engine: Engine,
        assets: Assets,
        env: Environment,
        env_json: dict[str, Any] | None,
        contact: dict[str, Any],
        trigger: dict[str, Any],
        uuid: str,
        created_on: dt.datetime,
        call: dict[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self.assets = assets
        self.base_env = env
        self._merged: tuple[tuple[Any, ...], Environment] | None = None
        self.env_json = env_json
        self.contact = contact
        self.trigger = trigger
        self.uuid = uuid
        self.created_on = created_on
        self.created_on_read: ReadTime | None = None
        self.call = call
        self.type = "messaging"
        self.runs: list[Run] = []
        self.status = "active"
        self.input: dict[str, Any] | None = None
        self.wait: dict[str, Any] | None = None
        self.sprints = 0
        self.sprint = Sprint()
        self.steps_this_sprint = 0
        self.resume: dict[str, Any] | None = None
        self.last_node_uuid: str | None = None
        self.last_operand: str | None = None  # the switch operand, for the segment leaving the node
        self.pending_trigger_input = False

    @property
    def env(self) -> Environment:
        """The environment merged with the contact: their timezone, and a default country taken
        from their phone number when the environment has none (as goflow's merged environment)."""
        key = (
            self.contact.get("timezone"),
            tuple(self.contact.get("urns") or ()),
            self.contact.get("language"),
        )
        if self._merged is None or self._merged[0] != key:
            merged = merged_env(self.base_env, self.contact)
            merged.extra.setdefault("locations", self.assets.locations)
            self._merged = (key, merged)
        return self._merged[1]

    # -- infrastructure used by actions and routers --
    def now(self) -> dt.datetime:
        return self.engine.clock()

    def new_uuid(self) -> str:
        return self.engine.uuids()

    def log(self, event: dict[str, Any]) -> dict[str, Any]:
        """Stamp an event with uuid and created_on and add it to the current sprint."""
        check_event_type(event["type"])  # every type a host must handle is declared in one place
        full = {"uuid": self.new_uuid(), "type": event["type"], "created_on": iso(self.now())}
        full.update(event)  # "type" keeps its place after uuid
        self.sprint.events.append(full)
        return full

    def run_by_uuid(self, uuid: str) -> Run | None:
        for r in self.runs:
            if r.uuid == uuid:
                return r
        return None

    def active_run(self) -> Run | None:
        for r in reversed(self.runs):
            if r.status in ("active", "waiting"):
                return r
        return None

    def parent_of(self, run: Run) -> Run | None:
        return self.run_by_uuid(run.parent_uuid) if run.parent_uuid else None

    def child_of(self, run: Run) -> Run | None:
        for r in reversed(self.runs):
            if r.parent_uuid == run.uuid:
                return r
        return None

    # -- serialisation --
    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "uuid": self.uuid,
            "type": self.type,
            "created_on": write_time(self.created_on, self.created_on_read),
            "environment": self.base_env.to_json(),
            "trigger": self.trigger,
            "contact": copy_json(self.contact),
            "contact_uuid": self.contact.get("uuid"),
            "runs": [r.to_json() for r in self.runs],
            "status": self.status,
            "sprints": self.sprints,
        }
        if self.call:
            d["call"] = self.call
            if self.call.get("uuid"):
                d["call_uuid"] = self.call["uuid"]
        if self.input is not None:
            d["input"] = self.input
        if self.wait is not None:
            d["wait"] = self.wait
        return d

    @classmethod
    def from_json(
        cls, engine: Engine, assets: Assets, d: dict[str, Any], env_json: dict[str, Any] | None
    ) -> Session:
        env_src = env_json if env_json is not None else d.get("environment")
        env = Environment.from_json(env_src, now_fn=engine.clock)
        created_on, created_on_read = read_time(d.get("created_on"))
        s = cls(
            engine,
            assets,
            env,
            env_src,
            copy_json(d.get("contact") or {"uuid": d.get("contact_uuid")}),
            d.get("trigger") or {},
            d.get("uuid") or engine.uuids(),
            created_on or engine.clock(),
            call=d.get("call"),
        )
        s.created_on_read = created_on_read
        s.type = d.get("type") or "messaging"
        s.status = d.get("status") or "active"
        s.input = d.get("input")
        s.wait = d.get("wait")
        s.sprints = int(d.get("sprints") or 0)
        for rd in d.get("runs") or []:
            flow = None
            fu = (rd.get("flow") or {}).get("uuid")
            if fu and assets.has_flow(fu):
                flow = assets.flow(fu)
            s.runs.append(Run.from_json(rd, flow))
        return s
