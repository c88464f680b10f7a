"""Reading and validating flow definitions (any supported spec version; older ones are migrated first)."""

from __future__ import annotations

from typing import Any

from upesi.flows.definition.errors import FlowReadError
from upesi.flows.definition.model import Case, Category, Exit, Flow, Node, Router, Timeout, Wait

CURRENT_SPEC_VERSION = "14.4.2"
FLOW_TYPES = ("messaging", "messaging_background", "messaging_offline", "voice")

MAX_NODES = 1000
MAX_ACTIONS = 100
MAX_EXITS = 100
MAX_CATEGORIES = 100
MAX_CASES = 100
MAX_CASE_ARGS = 10


def _req(d: Any, key: str, where: str) -> Any:
    if not isinstance(d, dict):
        raise FlowReadError(f"{where}: expected an object, got {type(d).__name__}")
    if key not in d or d[key] is None:
        raise FlowReadError(f"{where}: field '{key}' is required")
    return d[key]


def read_flow(d: dict[str, Any], validate_types: bool = True) -> Flow:
    """Read a flow definition dict into a Flow, migrating it to the current spec first.

    Raises a FlowValidationError subclass naming the node/action/router at fault.
    """
    from upesi.flows.definition.migrate import migrate_flow

    if not isinstance(d, dict):
        raise FlowReadError("flow definition must be an object")
    d = migrate_flow(d)
    where = f"flow[uuid={d.get('uuid')}]"
    uuid = _req(d, "uuid", where)
    name = d.get("name") or ""
    if not isinstance(name, str) or not name.strip():
        raise FlowReadError(f"{where}: field 'name' is required")
    if len(name) > 64:
        raise FlowReadError(f"{where}: field 'name' must be less than or equal to 64 characters")
    ftype = d.get("type") or "messaging"
    if ftype not in FLOW_TYPES:
        raise FlowReadError(f"{where}: field 'type' is not a valid flow type: {ftype}")
    raw_nodes = d.get("nodes") or []
    if not isinstance(raw_nodes, list):
        raise FlowReadError(f"{where}: field 'nodes' must be a list")
    if len(raw_nodes) > MAX_NODES:
        raise FlowReadError(f"{where}: field 'nodes' must have at most {MAX_NODES} items")
    nodes = [_read_node(n, i) for i, n in enumerate(raw_nodes)]
    localization = d.get("localization") or {}
    if not isinstance(localization, dict):
        raise FlowReadError(f"{where}: field 'localization' must be an object")
    flow = Flow(
        uuid=uuid,
        name=name,
        spec_version=d.get("spec_version", CURRENT_SPEC_VERSION),
        language=d.get("language") or "und",
        type=ftype,
        revision=int(d.get("revision") or 0),
        expire_after_minutes=int(d.get("expire_after_minutes") or 0),
        localization=localization,
        nodes=nodes,
        definition=d,
    )
    from upesi.flows.definition.validate import validate_flow

    validate_flow(flow, check_types=validate_types)
    return flow


def _read_node(n: Any, i: int) -> Node:
    if n is None:
        raise FlowReadError(f"node[{i}] is null")
    where = f"node[uuid={n.get('uuid') if isinstance(n, dict) else None}]"
    uuid = _req(n, "uuid", where)
    actions = n.get("actions") or []
    if not isinstance(actions, list):
        raise FlowReadError(f"{where}: field 'actions' must be a list")
    if len(actions) > MAX_ACTIONS:
        raise FlowReadError(f"{where}: field 'actions' must have at most {MAX_ACTIONS} items")
    for j, a in enumerate(actions):
        if not isinstance(a, dict):
            raise FlowReadError(f"{where}: action[{j}] is null")
        _req(a, "uuid", f"{where} action[{j}]")
        _req(a, "type", f"{where} action[{j}]")
    raw_exits = n.get("exits")
    if not isinstance(raw_exits, list) or not raw_exits:
        raise FlowReadError(f"{where}: field 'exits' must have at least 1 item")
    if len(raw_exits) > MAX_EXITS:
        raise FlowReadError(f"{where}: field 'exits' must have at most {MAX_EXITS} items")
    exits: list[Exit] = []
    for j, e in enumerate(raw_exits):
        if not isinstance(e, dict):
            raise FlowReadError(f"{where}: exit[{j}] is null")
        exits.append(Exit(_req(e, "uuid", f"{where} exit[{j}]"), e.get("destination_uuid") or None))
    router = _read_router(n["router"], where) if n.get("router") else None
    return Node(uuid=uuid, actions=actions, router=router, exits=exits)


def _read_router(r: dict[str, Any], where: str) -> Router:
    where = f"{where} router"
    rtype = _req(r, "type", where)
    if rtype not in ("switch", "random"):
        raise FlowReadError(f"{where}: unknown router type '{rtype}'")
    raw_cats = r.get("categories") or []
    if not raw_cats:
        raise FlowReadError(f"{where}: field 'categories' must have at least 1 item")
    if len(raw_cats) > MAX_CATEGORIES:
        raise FlowReadError(f"{where}: field 'categories' must have at most {MAX_CATEGORIES} items")
    cats = []
    for j, c in enumerate(raw_cats):
        cw = f"{where} category[{j}]"
        cats.append(Category(_req(c, "uuid", cw), c.get("name") or "", _req(c, "exit_uuid", cw)))
    wait = None
    if r.get("wait"):
        w = r["wait"]
        timeout = None
        if w.get("timeout"):
            t = w["timeout"]
            timeout = Timeout(int(t.get("seconds") or 0), t.get("category_uuid") or "")
        wait = Wait(
            type=_req(w, "type", f"{where} wait"),
            timeout=timeout,
            hint=w.get("hint"),
            phone=w.get("phone") or "",
            dial_limit_seconds=int(w.get("dial_limit_seconds") or 0),
            call_limit_seconds=int(w.get("call_limit_seconds") or 0),
        )
    cases: list[Case] = []
    raw_cases = r.get("cases") or []
    if len(raw_cases) > MAX_CASES:
        raise FlowReadError(f"{where}: field 'cases' must have at most {MAX_CASES} items")
    for j, c in enumerate(raw_cases):
        cw = f"{where} case[{j}]"
        args = c.get("arguments") or []
        if len(args) > MAX_CASE_ARGS:
            raise FlowReadError(f"{cw}: field 'arguments' must have at most {MAX_CASE_ARGS} items")
        cases.append(Case(_req(c, "uuid", cw), _req(c, "type", cw), list(args), _req(c, "category_uuid", cw)))
    if rtype == "switch" and not r.get("operand"):
        raise FlowReadError(f"{where}: field 'operand' is required")
    return Router(
        type=rtype,
        categories=cats,
        wait=wait,
        result_name=r.get("result_name") or "",
        operand=r.get("operand") or "",
        cases=cases,
        default_category_uuid=r.get("default_category_uuid") or "",
    )
