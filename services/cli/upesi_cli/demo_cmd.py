"""`upesi demo seed` and `upesi demo-info --json`."""

import argparse
import asyncio
import json

from upesi_cli.errors import CommandError


def register(commands: argparse._SubParsersAction) -> None:
    seed = commands.add_parser("demo", help="the demo workspace")
    sub = seed.add_subparsers(dest="demo_command", required=True)
    sub.add_parser("seed", help="create the demo workspace if missing").set_defaults(func=run_seed)

    info = commands.add_parser("demo-info", help="print the demo workspace's URLs, login, token and channels")
    info.add_argument(
        "--json", action="store_true", help="print JSON (the only format; kept for the contract)"
    )
    info.set_defaults(func=run_info)


def run_seed(args: argparse.Namespace) -> int:
    from upesi.db.engine import dispose_engine, transaction
    from upesi_cli.demo import seed_demo

    async def go() -> str:
        try:
            async with transaction() as session:
                org = await seed_demo(session)
                return f"demo workspace {org.name} (id {org.id}) ready"
        finally:
            await dispose_engine()

    print(asyncio.run(go()))
    return 0


def run_info(args: argparse.Namespace) -> int:
    from upesi.db.engine import dispose_engine, transaction
    from upesi_cli.demo import demo_info

    async def go() -> dict:
        try:
            async with transaction() as session:
                try:
                    return await demo_info(session)
                except LookupError as e:
                    raise CommandError(str(e)) from e
        finally:
            await dispose_engine()

    print(json.dumps(asyncio.run(go()), indent=2))
    return 0
