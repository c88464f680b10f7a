"""`upesi import FILE --workspace NAME`: a RapidPro definitions export (flows, triggers, fields, groups)."""

import argparse
import asyncio
import json

from upesi.db.engine import dispose_engine, transaction
from upesi.db.ops.imports import ImportError_, import_export
from upesi.db.ops.orgs import find_workspace
from upesi_cli.errors import CommandError


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("import", help="import a RapidPro export (flows, triggers, fields, groups)")
    p.add_argument("file")
    p.add_argument("--workspace", required=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        with open(args.file, encoding="utf-8") as f:
            export = json.load(f)
    except OSError as e:
        raise CommandError(f"cannot read {args.file}: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise CommandError(f"{args.file} is not JSON: {e}") from e
    if not isinstance(export, dict):
        raise CommandError(f"{args.file} is not a RapidPro export: expected a JSON object")

    async def go() -> str:
        try:
            async with transaction() as session:
                try:
                    org = await find_workspace(session, args.workspace)
                    summary = await import_export(session, org.id, export)
                except (LookupError, ImportError_) as e:
                    raise CommandError(f"{args.file}: {e}") from e
                lines = [f"imported {len(summary.flows)} flow(s), {summary.fields} new field(s), "
                         f"{summary.groups} new group(s), {summary.triggers} trigger(s) into {org.name}"]  # fmt: skip
                lines += [f"  flow {f['uuid']} {f['name']}" for f in summary.flows]
                lines += [f"  skipped: {s}" for s in summary.skipped]
                return "\n".join(lines)
        finally:
            await dispose_engine()

    print(asyncio.run(go()))
    return 0
