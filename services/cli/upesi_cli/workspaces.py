"""`upesi create-workspace` and `upesi api-token`."""

import argparse
import asyncio

from upesi_cli.errors import CommandError


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "create-workspace", help="create a workspace and its administrator; prints an API token"
    )
    p.add_argument("name")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--timezone", default="UTC")
    p.add_argument("--country", default=None)
    p.set_defaults(func=run_create)

    t = commands.add_parser("api-token", help="print an API token for a user (created if they have none)")
    t.add_argument("--email", required=True)
    t.add_argument("--workspace", default=None, help="workspace name, when the user belongs to several")
    t.set_defaults(func=run_token)


def run_create(args: argparse.Namespace) -> int:
    from upesi.db.engine import dispose_engine, transaction
    from upesi.db.ops.orgs import create_workspace

    async def go() -> str:
        try:
            async with transaction() as session:
                ws = await create_workspace(
                    session,
                    args.name,
                    args.email,
                    args.password,
                    timezone=args.timezone,
                    country=args.country,
                )
                return f"workspace {ws.org.name} (id {ws.org.id}, uuid {ws.org.uuid}) administered by {ws.user.email}\n{ws.token}"
        finally:
            await dispose_engine()

    print(asyncio.run(go()))
    return 0


def run_token(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from upesi.db.engine import dispose_engine, transaction
    from upesi.db.models import APIToken, Membership, Org, User
    from upesi.db.ops.orgs import create_api_token

    async def go() -> str:
        try:
            async with transaction() as session:
                query = (
                    select(User.id, Org.id.label("org_id"))
                    .join(Membership, Membership.user_id == User.id)
                    .join(Org, Org.id == Membership.org_id)
                    .where(User.email == args.email.lower(), Org.is_active)
                )
                if args.workspace:
                    query = query.where(Org.name == args.workspace)
                rows = (await session.execute(query)).all()
                if not rows:
                    raise CommandError(
                        f"no user {args.email} in {'workspace ' + args.workspace if args.workspace else 'any workspace'}"
                    )
                if len(rows) > 1:
                    raise CommandError(f"{args.email} belongs to {len(rows)} workspaces: pass --workspace")
                user_id, org_id = rows[0]
                key = (
                    await session.execute(
                        select(APIToken.key).where(
                            APIToken.user_id == user_id, APIToken.org_id == org_id, APIToken.is_active
                        )
                    )
                ).scalar()
                return key or await create_api_token(session, org_id, user_id)
        finally:
            await dispose_engine()

    print(asyncio.run(go()))
    return 0
