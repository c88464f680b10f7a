"""A flow's results: run counts, one chart per result with its categories, recent runs. The export of runs
as CSV or XLSX is built in the background (web/ui/table_exports.py, export_sources.py)."""

from fastapi import APIRouter, Request
from sqlalchemy import func, select, text
from starlette.responses import Response

from upesi.db.models import Contact, ContactGroup, FlowRun, FlowStart
from upesi.db.ops.flows import latest_definition
from upesi.db.scoping import in_workspace
from web.ui.auth import CtxDep
from web.ui.editor.common import get_flow
from web.ui.editor.info import flow_info
from web.ui.flows.starts import START_STATUSES
from web.ui.render import render

router = APIRouter()
RUN_STATUSES = {
    "A": "active",
    "W": "waiting",
    "C": "completed",
    "I": "interrupted",
    "X": "expired",
    "F": "failed",
}
CATEGORY_COUNTS = text(
    """SELECT results -> :key ->> 'category' AS category, count(*) AS n FROM flow_runs
       WHERE flow_id = :flow_id AND results ? :key GROUP BY 1 ORDER BY 2 DESC"""
)


@router.get("/flow/results/{flow_uuid}/")
async def results_page(request: Request, ctx: CtxDep, flow_uuid: str) -> Response:
    ctx.require("flow_read")
    flow = await get_flow(ctx, flow_uuid)
    info = flow_info(await latest_definition(ctx.db, flow.id))
    by_status: dict[str, int] = dict(
        (
            await ctx.db.execute(
                select(FlowRun.status, func.count())
                .where(FlowRun.flow_id == flow.id)
                .group_by(FlowRun.status)
            )
        ).all()
    )
    total = sum(by_status.values())
    charts = []
    for result in info["results"]:
        rows = (await ctx.db.execute(CATEGORY_COUNTS, {"key": result["key"], "flow_id": flow.id})).all()
        counted = {r.category or "Other": r.n for r in rows}
        names = list(dict.fromkeys([*result["categories"], *counted]))
        n = sum(counted.values())
        charts.append(
            {
                "key": result["key"],
                "name": result["name"],
                "total": n,
                "categories": [
                    {
                        "name": c,
                        "count": counted.get(c, 0),
                        "pct": round(100 * counted.get(c, 0) / n) if n else 0,
                    }
                    for c in names
                ],
            }
        )
    recent = (
        await ctx.db.execute(
            select(FlowRun, Contact)
            .join(Contact, Contact.id == FlowRun.contact_id)
            .where(FlowRun.flow_id == flow.id)
            .order_by(FlowRun.id.desc())
            .limit(50)
        )
    ).all()
    starts = (
        (
            await ctx.db.execute(
                select(FlowStart).where(FlowStart.flow_id == flow.id).order_by(FlowStart.id.desc()).limit(5)
            )
        )
        .scalars()
        .all()
    )
    groups = (
        (
            await ctx.db.execute(
                select(ContactGroup)
                .where(in_workspace(ContactGroup, ctx.org.id), ContactGroup.is_active)
                .order_by(ContactGroup.name)
            )
        )
        .scalars()
        .all()
    )
    return render(
        request,
        "flows/results.html",
        {
            "ctx": ctx,
            "flow": flow,
            "total": total,
            "by_status": {RUN_STATUSES.get(k, k): v for k, v in by_status.items()},
            "charts": charts,
            "results": info["results"],
            "recent": recent,
            "statuses": RUN_STATUSES,
            "starts": starts,
            "groups": groups,
            "start_statuses": START_STATUSES,
        },
    )
