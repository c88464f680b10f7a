"""`upesi channel add TYPE ...`: prints the channel and the callback URLs to give the provider."""

import argparse
import asyncio
import json
import uuid as uuidlib

from upesi_cli.errors import CommandError


def register(commands: argparse._SubParsersAction) -> None:
    ch = commands.add_parser("channel", help="manage channels")
    sub = ch.add_subparsers(dest="channel_command", required=True)
    p = sub.add_parser("add", help="add a channel; prints {uuid, type, address, urls} as JSON")
    p.add_argument(
        "type", help="courier channel type: EX, T, TMS, TW, TWA, SW, NX, TG, WAC, FBA, AT, KN; USSD: ATU, EXU"
    )
    p.add_argument("--workspace", required=True)
    p.add_argument("--uuid", default=None)
    p.add_argument("--country", default=None)
    p.add_argument("--tps", type=int, default=10)
    p.add_argument("--name", default=None)
    p.add_argument("--address", required=True, help="the number, or for a USSD channel its service code")
    p.add_argument("--config", default="{}", help="channel config as a JSON object")
    p.set_defaults(func=run_add)


def run_add(args: argparse.Namespace) -> int:
    from upesi.channeltypes import callback_urls
    from upesi.db.engine import dispose_engine, transaction
    from upesi.db.ops.channels import add_channel
    from upesi.db.ops.orgs import find_workspace

    try:
        config = json.loads(args.config)
    except json.JSONDecodeError as e:
        raise CommandError(f"--config is not valid JSON: {e}") from e
    if not isinstance(config, dict):
        raise CommandError("--config must be a JSON object")
    if args.uuid:
        try:
            args.uuid = str(uuidlib.UUID(args.uuid))
        except ValueError as e:
            raise CommandError(f"--uuid is not a UUID: {args.uuid}") from e

    async def go() -> dict:
        try:
            async with transaction() as session:
                try:
                    org = await find_workspace(session, args.workspace)
                except LookupError as e:
                    raise CommandError(str(e)) from e
                channel = await add_channel(
                    session, org.id, args.type, args.address, config,
                    uuid=args.uuid, name=args.name, country=args.country, tps=args.tps,
                )  # fmt: skip
                return {
                    "uuid": channel.uuid,
                    "type": channel.channel_type,
                    "address": channel.address,
                    "urls": callback_urls(channel.channel_type, channel.uuid),
                }
        finally:
            await dispose_engine()

    print(json.dumps(asyncio.run(go())))
    return 0
