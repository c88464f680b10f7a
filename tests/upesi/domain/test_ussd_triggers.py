"""USSD triggers: the keyword is a service code, one active trigger per code, and a flow with a message longer
than a USSD screen is refused naming the flow and the node (flow inspection's ussd_screen issue)."""

import copy

import pytest
from sqlalchemy import select

from tests.courier.ussd.flows import LONG_TEXT, menu_flow
from upesi.db.engine import transaction
from upesi.db.models import Trigger
from upesi.db.ops.flows import save_flow
from upesi.domain.errors import DomainError
from upesi.domain.ussd import add_ussd_trigger
from upesi_cli.demo import seed_demo


def short_flow() -> dict:
    flow = copy.deepcopy(menu_flow())
    flow["uuid"] = "0d7c3c43-1d4f-4f3b-9a53-6a1f1f1f1f1f"
    for node in flow["nodes"]:
        for action in node["actions"]:
            if action.get("text") == LONG_TEXT:
                action["text"] = "All up to date."
    return flow


@pytest.mark.parametrize(
    ("code", "long_flow", "error"),
    [
        ("*384*12#", False, None),
        ("384", False, "keyword: A USSD trigger's keyword is a service code such as *384*12# (at most 16 characters)"),
        ("*384*12345678901#", False, "keyword: A USSD trigger's keyword is a service code"),
        ("*384*12#", True, "flow: Flow 'USSD menu' cannot answer USSD: node {node}: message of {n} characters does not fit a USSD screen (182)"),
    ],
)  # fmt: skip
async def test_add_ussd_trigger(db: None, code: str, long_flow: bool, error: str | None) -> None:
    async with transaction() as s:
        org = await seed_demo(s)
        flow = await save_flow(s, org.id, menu_flow() if long_flow else short_flow())
        if error is None:
            await add_ussd_trigger(s, org.id, flow.id, code)
            [stored] = (await s.execute(select(Trigger).where(Trigger.trigger_type == "U"))).scalars().all()
            assert stored.keywords == [code] and stored.flow_id == flow.id
            with pytest.raises(DomainError, match="already exists a trigger"):
                await add_ussd_trigger(s, org.id, flow.id, code)
            return
        with pytest.raises(DomainError) as refused:
            await add_ussd_trigger(s, org.id, flow.id, code)
        node = next(
            n["uuid"] for n in menu_flow()["nodes"] if n["actions"] and n["actions"][0]["text"] == LONG_TEXT
        )
        assert str(refused.value).startswith(error.format(node=node, n=len(LONG_TEXT)))
