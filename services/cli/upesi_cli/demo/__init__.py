"""The demo workspace `make run` seeds: an External API channel pointed at the fake provider, and a
"join" keyword trigger for a flow that asks for a name."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.channeltypes import callback_urls
from upesi.config import get_settings
from upesi.db.models import APIToken, Channel, Flow, Membership, Org, User
from upesi.db.ops.channels import add_channel
from upesi.db.ops.flows import add_keyword_trigger, save_flow
from upesi.db.ops.orgs import create_workspace

DEMO_WORKSPACE = "Upesi Demo"
DEMO_EMAIL = "admin@upesi.local"
DEMO_PASSWORD = "upesi-demo"
DEMO_CHANNEL_UUID = "0c6a5b7e-8f2d-4a3b-9c1e-5d7f9a2b4c60"
JOIN_FLOW = json.loads((Path(__file__).parent / "join_flow.json").read_text())


async def seed_demo(session: AsyncSession) -> Org:
    """Create the demo workspace if it is missing; leave it alone if it exists."""
    org = (await session.execute(select(Org).where(Org.name == DEMO_WORKSPACE))).scalar_one_or_none()
    if org is not None:
        return org
    ws = await create_workspace(
        session, DEMO_WORKSPACE, DEMO_EMAIL, DEMO_PASSWORD, country="US", languages=["eng"]
    )
    # the password is kept only so demo-info can print it: this workspace is a local demo by definition
    ws.org.config = {"demo": {"admin_email": DEMO_EMAIL, "admin_password": DEMO_PASSWORD}}
    settings = get_settings()
    channel = await add_channel(
        session,
        ws.org.id,
        "EX",
        "+15550001234",
        {
            "send_url": settings.fake_provider_url.rstrip("/") + "/send",
            "send_method": "POST",
            "content_type": "urlencoded",
        },
        uuid=DEMO_CHANNEL_UUID,
        name="Demo External API",
        country="US",
    )
    flow = await save_flow(session, ws.org.id, JOIN_FLOW, user_id=ws.user.id)
    await add_keyword_trigger(session, ws.org.id, flow.id, ["join"], channel_id=None)
    assert channel.id
    return ws.org


async def demo_info(session: AsyncSession) -> dict[str, Any]:
    settings = get_settings()
    org = (await session.execute(select(Org).where(Org.name == DEMO_WORKSPACE))).scalar_one_or_none()
    if org is None:
        raise LookupError("no demo workspace: run `make run` (or `upesi demo seed`) first")
    token = (
        await session.execute(
            select(APIToken.key)
            .join(User, User.id == APIToken.user_id)
            .join(Membership, (Membership.user_id == User.id) & (Membership.org_id == org.id))
            .where(APIToken.org_id == org.id, APIToken.is_active, Membership.role == "administrator")
            .order_by(APIToken.id)
            .limit(1)
        )
    ).scalar_one()
    channels = (
        await session.execute(select(Channel).where(Channel.org_id == org.id, Channel.is_active))
    ).scalars()
    flows = (
        await session.execute(select(Flow).where(Flow.org_id == org.id, Flow.is_active).order_by(Flow.id))
    ).scalars()
    demo = org.config.get("demo", {})
    return {
        "web_url": settings.web_url,
        "admin_email": demo.get("admin_email", DEMO_EMAIL),
        "admin_password": demo.get("admin_password", ""),
        "api_token": token,
        "workspace_id": org.id,
        "mailroom_url": settings.mailroom_url,
        "mailroom_auth_token": settings.mailroom_auth_token,
        "fake_provider_url": settings.fake_provider_url,
        "channels": [
            {
                "uuid": c.uuid,
                "type": c.channel_type,
                "address": c.address,
                "receive_url": callback_urls(c.channel_type, c.uuid)["receive"],
            }
            for c in channels
        ],
        "flows": [{"uuid": f.uuid, "name": f.name} for f in flows],
    }
