"""`upesi migrate`: create the database if missing and apply every migration."""

import argparse


def register(commands: argparse._SubParsersAction) -> None:

    p = commands.add_parser(
        "migrate", help="create the database if missing and migrate it to the newest schema"
    )
    p.add_argument("--no-create", action="store_true", help="fail instead of creating a missing database")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from upesi.db.migrate import migrate

    migrate(create=not args.no_create)
    print("database migrated")
    return 0
