"""Shared set-up for UI and editor tests: a workspace with one user per role (real passwords, since these
tests sign in through the form), a second workspace to prove isolation, and signed-in clients."""

import copy
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from upesi.db.engine import transaction
from upesi.db.models import Membership, User
from upesi.db.ops.flows import save_flow
from upesi.db.ops.orgs import create_workspace, hash_password
from web.app import create_app

PASSWORD = "Qwerty123!"
ROLES = ("administrator", "editor", "agent", "viewer")
JOIN_FLOW = json.loads(
    (Path(__file__).resolve().parents[3] / "services/cli/upesi_cli/demo/join_flow.json").read_text()
)


@dataclass
class Site:
    org_id: int
    flow_uuid: str
    other_flow_uuid: str  # a flow in another workspace
    emails: dict[str, str] = field(default_factory=dict)
    transport: Any = None

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.transport, base_url="http://testserver", follow_redirects=False
        )

    @asynccontextmanager
    async def signed_in(self, role: str = "administrator") -> AsyncIterator[httpx.AsyncClient]:
        async with self.client() as client:
            await sign_in(client, self.emails[role])
            yield client


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/users/login/")
    token = csrf_from(page.text)
    response = await client.post(
        "/users/login/", data={"username": email, "password": password, "csrf_token": token, "next": "/flow/"}
    )
    assert response.status_code == 303, response.text
    return response


def fresh_flow(name: str = "Join") -> dict[str, Any]:
    definition = copy.deepcopy(JOIN_FLOW)
    definition["uuid"] = str(uuid.uuid4())
    definition["name"] = name
    return definition


@lru_cache
def password_hash() -> str:
    """argon2 takes half a second a hash: one real hash, shared by every test user."""
    return hash_password(PASSWORD)


async def _user(s: AsyncSession, email: str) -> User:
    user = User(uuid=str(uuid.uuid4()), email=email, password_hash=password_hash())
    s.add(user)
    await s.flush()
    return user


async def make_site() -> Site:
    async with transaction() as s:
        await _user(s, "admin@nyaruka.com")
        ws = await create_workspace(
            s, "Nyaruka", "admin@nyaruka.com", None, country="RW", languages=["eng", "kin"]
        )
        emails = {"administrator": "admin@nyaruka.com"}
        for role in ROLES[1:]:
            user = await _user(s, f"{role}@nyaruka.com")
            s.add(Membership(org_id=ws.org.id, user_id=user.id, role=role))
            emails[role] = user.email
        flow = await save_flow(s, ws.org.id, fresh_flow(), user_id=ws.user.id)
        await _user(s, "admin@other.com")
        other = await create_workspace(s, "Other", "admin@other.com", None)
        other_flow = await save_flow(s, other.org.id, fresh_flow("Other's flow"), user_id=other.user.id)
        return Site(ws.org.id, flow.uuid, other_flow.uuid, emails, httpx.ASGITransport(app=create_app()))


@pytest.fixture
async def site(db: None) -> AsyncIterator[Site]:
    yield await make_site()


@pytest.fixture
async def admin(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with site.signed_in("administrator") as client:
        yield client
