"""Fixtures for API tests: the real app over the test's own Postgres database and Redis, two workspaces
(to prove isolation), and tokens for each role."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.web.api.schema_check import schema_problem
from upesi.db.engine import transaction
from upesi.db.models import Membership, User
from upesi.db.ops.orgs import create_api_token, create_workspace
from web.app import create_app


@dataclass
class Workspace:
    org_id: int
    org_uuid: str
    user_id: int
    token: str
    tokens: dict[str, str] = field(default_factory=dict)  # role -> token


@dataclass
class API:
    client: httpx.AsyncClient
    ws: Workspace
    other: Workspace

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Token {token or self.ws.token}"}

    async def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(f"/api/v2/{path}", params=params or None, headers=self.headers(token))

    async def post(
        self, path: str, body: Any = None, token: str | None = None, **params: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v2/{path}",
            json=body if body is not None else {},
            params=params or None,
            headers=self.headers(token),
        )

    async def delete(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        return await self.client.delete(f"/api/v2/{path}", params=params or None, headers=self.headers(token))


async def _user(s: AsyncSession, email: str) -> User:
    # a placeholder hash: API tests never log in, and argon2 hashing would dominate their set-up time
    user = User(uuid=str(uuid.uuid4()), email=email, password_hash="unusable")
    s.add(user)
    await s.flush()
    return user


async def make_workspace(name: str, email: str) -> Workspace:
    async with transaction() as s:
        await _user(s, email)
        new = await create_workspace(s, name, email, None, country="RW", languages=["eng", "kin"])
        ws = Workspace(new.org.id, str(new.org.uuid), new.user.id, new.token, {"administrator": new.token})
        for role in ("editor", "agent", "viewer"):
            user = await _user(s, f"{role}.{email}")
            s.add(Membership(org_id=new.org.id, user_id=user.id, role=role))
            await s.flush()
            ws.tokens[role] = await create_api_token(s, new.org.id, user.id)
    return ws


async def check_against_schema(response: httpx.Response) -> None:
    """Every answer an API test gets is checked against the model its operation declares (objects.py), so a
    serializer cannot drift from the OpenAPI document without a test failing."""
    await response.aread()
    problem = schema_problem(response.request.method, response.request.url.path, response.status_code,
                             response.headers.get("content-type", ""), response.content)  # fmt: skip
    if problem:
        raise AssertionError(problem)


@pytest.fixture
async def api(db: None) -> AsyncIterator[API]:
    ws = await make_workspace("Nyaruka", "admin@nyaruka.com")
    other = await make_workspace("Other", "admin@other.com")
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks={"response": [check_against_schema]}
    ) as client:
        yield API(client, ws, other)
