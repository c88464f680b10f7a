"""The operator's command line: `upesi <command>`. Each command lives in its own module, which imports what its
command runs inside the function that runs it: `upesi web` must not load alembic, openpyxl or the database
layer for commands it is not running (on a loaded machine that cost a service 20 s of its start-up)."""

import argparse
import sys

from upesi_cli import channels, demo_cmd, imports, serve, workspaces
from upesi_cli import migrate as migrate_cmd
from upesi_cli.errors import CommandError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="upesi", description="Upesi: RapidPro you can run.")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (migrate_cmd, serve, workspaces, channels, demo_cmd, imports):
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
