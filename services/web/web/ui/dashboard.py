"""The dashboard: messages in and out by day, delivery success, active contacts, flow completion."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import Response

from web.ui.auth import CtxDep
from web.ui.render import render

router = APIRouter()
DAYS = 30
BY_DAY = text(
    """SELECT date_trunc('day', created_on AT TIME ZONE 'UTC')::date AS day, direction, count(*) AS n
       FROM msgs WHERE org_id = :org AND created_on >= :since GROUP BY 1, 2"""
)
DELIVERY = text(
    """SELECT count(*) FILTER (WHERE status IN ('W', 'S', 'D', 'R')) AS ok, count(*) FILTER (WHERE status IN ('E', 'F')) AS bad
       FROM msgs WHERE org_id = :org AND direction = 'O' AND created_on >= :since"""
)
ACTIVE = text("SELECT count(*) FROM contacts WHERE org_id = :org AND is_active AND last_seen_on >= :since")
COMPLETION = text(
    """SELECT f.uuid::text AS uuid, f.name, count(r.id) AS runs, count(r.id) FILTER (WHERE r.status = 'C') AS completed
       FROM flows f JOIN flow_runs r ON r.flow_id = f.id
       WHERE f.org_id = :org AND f.is_active GROUP BY f.id ORDER BY runs DESC LIMIT 10"""
)

# what a new workspace has done of its first steps, for the guide on an empty dashboard
FIRST_STEPS = text(
    """SELECT EXISTS (SELECT 1 FROM channels WHERE org_id = :org AND is_active) AS channel,
              EXISTS (SELECT 1 FROM flows WHERE org_id = :org AND is_active AND NOT is_system) AS flow,
              EXISTS (SELECT 1 FROM contacts WHERE org_id = :org AND is_active) AS contact"""
)
GUIDE = [
    (
        "channel",
        "Add a channel",
        "so contacts can reach you by SMS, WhatsApp, Telegram…",
        "/channels/channel/claim/",
    ),
    (
        "flow",
        "Create or import a flow",
        "draw a conversation in the editor, or import a RapidPro export",
        "/flow/",
    ),
    ("contact", "Add contacts", "one by one, or import a spreadsheet", "/contact/import/"),
]


def first_run_guide(done: dict[str, bool]) -> list[dict[str, Any]]:
    """The first steps, each marked done or not; empty once all are done (the guide then disappears)."""
    if all(done.get(key) for key, *_ in GUIDE):
        return []
    return [{"done": bool(done.get(key)), "title": t, "hint": h, "href": href} for key, t, h, href in GUIDE]


def bar_chart(days: list[date], series: dict[str, dict[date, int]]) -> dict[str, Any]:
    """Grouped bars as plain numbers the template draws in SVG (no chart library, nothing from a CDN)."""
    peak = max([1, *(v for s in series.values() for v in s.values())])
    return {
        "days": [d.isoformat() for d in days],
        "series": {name: [s.get(d, 0) for d in days] for name, s in series.items()},
        "peak": peak,
    }


@router.get("/dashboard/")
async def dashboard(request: Request, ctx: CtxDep) -> Response:
    ctx.require("flow_read")
    now = datetime.now(UTC)
    since = now - timedelta(days=DAYS)
    params = {"org": ctx.org.id, "since": since}
    incoming: dict[date, int] = {}
    outgoing: dict[date, int] = {}
    for row in await ctx.db.execute(BY_DAY, params):
        (incoming if row.direction == "I" else outgoing)[row.day] = row.n
    days = [(since + timedelta(days=i + 1)).date() for i in range(DAYS)]
    delivery = (await ctx.db.execute(DELIVERY, params)).one()
    attempted = delivery.ok + delivery.bad
    flows = [
        {
            "uuid": r.uuid,
            "name": r.name,
            "runs": r.runs,
            "completed": r.completed,
            "pct": round(100 * r.completed / r.runs) if r.runs else 0,
        }
        for r in await ctx.db.execute(COMPLETION, params)
    ]
    return render(
        request,
        "dashboard.html",
        {
            "ctx": ctx,
            "chart": bar_chart(days, {"Incoming": incoming, "Outgoing": outgoing}),
            "totals": {"in": sum(incoming.values()), "out": sum(outgoing.values())},
            "delivery": round(100 * delivery.ok / attempted) if attempted else None,
            "active": (await ctx.db.execute(ACTIVE, params)).scalar_one(),
            "flows": flows,
            "days": DAYS,
            "guide": first_run_guide(dict((await ctx.db.execute(FIRST_STEPS, params)).one()._mapping)),
        },
    )
