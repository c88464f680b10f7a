"""Who is where in a flow: active counts per node and visit counts per path segment, and the recent
contacts behind a segment (RapidPro's Activity and RecentContacts views).

    GET /flow/activity/{uuid}/?flow=…                      → {nodes: {node: n}, segments: {"exit:dest": n}}
    GET /flow/recent_contacts/{uuid}/{exit}/{dest}/        → [{contact: {uuid, name}, operand, time}]

Runs keep the nodes they passed through; a segment is a consecutive pair of nodes, mapped to the exit
of the first that leads to the second in the current definition."""

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text
from starlette.responses import JSONResponse

from upesi.db.ops.flows import latest_definition
from web.ui.auth import CtxDep
from web.ui.editor.common import get_flow

router = APIRouter()

ACTIVE_BY_NODE = text(
    """SELECT current_node_uuid::text AS node, count(*) AS n FROM flow_runs
       WHERE flow_id = :flow_id AND status IN ('A', 'W') AND current_node_uuid IS NOT NULL
       GROUP BY current_node_uuid"""
)
PAIRS = text(
    """SELECT path_nodes[i]::text AS src, path_nodes[i + 1]::text AS dst, count(*) AS n
       FROM flow_runs, generate_subscripts(path_nodes, 1) AS i
       WHERE flow_id = :flow_id AND i < array_length(path_nodes, 1)
       GROUP BY 1, 2"""
)
RECENT = text(
    """SELECT c.uuid::text AS uuid, c.name, r.path_times[i + 1] AS time
       FROM flow_runs r JOIN contacts c ON c.id = r.contact_id, generate_subscripts(r.path_nodes, 1) AS i
       WHERE r.flow_id = :flow_id AND i < array_length(r.path_nodes, 1)
         AND r.path_nodes[i] = CAST(:src AS uuid) AND r.path_nodes[i + 1] = CAST(:dst AS uuid)
       ORDER BY r.path_times[i + 1] DESC NULLS LAST LIMIT 10"""
)


def exit_destinations(definition: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(node, destination) → the exit joining them."""
    pairs: dict[tuple[str, str], str] = {}
    for node in definition.get("nodes") or []:
        for ex in node.get("exits") or []:
            if ex.get("destination_uuid"):
                pairs.setdefault((node["uuid"], ex["destination_uuid"]), ex["uuid"])
    return pairs


def exit_sources(definition: dict[str, Any]) -> dict[str, str]:
    """exit → the node it belongs to."""
    return {
        ex["uuid"]: node["uuid"] for node in definition.get("nodes") or [] for ex in node.get("exits") or []
    }


@router.get("/flow/activity/{flow_uuid}/")
async def activity(ctx: CtxDep, flow_uuid: str) -> JSONResponse:
    ctx.require("flow_read")
    flow = await get_flow(ctx, flow_uuid)
    nodes = {row.node: row.n for row in await ctx.db.execute(ACTIVE_BY_NODE, {"flow_id": flow.id})}
    exits = exit_destinations(await latest_definition(ctx.db, flow.id))
    segments: dict[str, int] = {}
    for row in await ctx.db.execute(PAIRS, {"flow_id": flow.id}):
        exit_uuid = exits.get((row.src, row.dst))
        if exit_uuid:
            key = f"{exit_uuid}:{row.dst}"
            segments[key] = segments.get(key, 0) + row.n
    return JSONResponse({"nodes": nodes, "segments": segments})


@router.get("/flow/recent_contacts/{flow_uuid}/{exit_uuid}/{dest_uuid}/")
async def recent_contacts(ctx: CtxDep, flow_uuid: str, exit_uuid: str, dest_uuid: str) -> JSONResponse:
    ctx.require("flow_read")
    flow = await get_flow(ctx, flow_uuid)
    src = exit_sources(await latest_definition(ctx.db, flow.id)).get(exit_uuid)
    if src is None:
        return JSONResponse([])
    rows = await ctx.db.execute(RECENT, {"flow_id": flow.id, "src": src, "dst": dest_uuid})
    return JSONResponse(
        [
            {
                "contact": {"uuid": r.uuid, "name": r.name or ""},
                "operand": "",
                "time": r.time.isoformat() if r.time else None,
            }
            for r in rows
        ]
    )
