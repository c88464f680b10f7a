"""`upesi import FILE --workspace NAME [--dry-run]`: a RapidPro definitions export, imported as RapidPro does
(upesi.domain.imports); --dry-run prints what would be created, updated and skipped and writes nothing."""

import argparse
import asyncio
import json

from upesi_cli.errors import CommandError


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "import", help="import a RapidPro export (flows, campaigns, triggers, fields, groups)"
    )
    p.add_argument("file")
    p.add_argument("--workspace", required=True)
    p.add_argument("--dry-run", action="store_true", help="print what the import would do; write nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from upesi.db.engine import dispose_engine, transaction
    from upesi.db.ops.orgs import find_workspace
    from upesi.domain.imports import (
        ImportRefused,
        import_definitions,
        preview_import,
        queue_campaign_scheduling,
    )
    from upesi.queues.redis import close_redis

    try:
        with open(args.file, encoding="utf-8") as f:
            export = json.load(f)
    except OSError as e:
        raise CommandError(f"cannot read {args.file}: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise CommandError(f"{args.file} is not JSON (is it a fragment of an export?): {e}") from e
    if not isinstance(export, dict):
        raise CommandError(f"{args.file} is not a RapidPro export: expected a JSON object")

    async def go() -> str:
        try:
            async with transaction() as session:
                try:
                    org = await find_workspace(session, args.workspace)
                    do = preview_import if args.dry_run else import_definitions
                    report = await do(session, org_id=org.id, export=export)
                except (LookupError, ImportRefused) as e:
                    raise CommandError(f"{args.file}: {e}") from e
            await queue_campaign_scheduling(org_id=org.id, event_ids=report.event_ids)
            return "\n".join([*report.lines(), f"  into workspace {org.name}"])
        finally:
            await close_redis()
            await dispose_engine()

    print(asyncio.run(go()))
    return 0
