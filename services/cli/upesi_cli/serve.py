"""`upesi web|mailroom|courier`: one service in the foreground."""

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    for name, default_port in (("web", 8000), ("mailroom", 8090), ("courier", 8080)):
        p = commands.add_parser(name, help=f"run {name} in the foreground")
        p.add_argument("--host", default="0.0.0.0")
        p.add_argument("--port", type=int, default=default_port)
        p.set_defaults(func=_runner(name))


def _runner(name: str):
    def run(args: argparse.Namespace) -> int:
        from upesi.logs import configure_logging

        configure_logging(name)
        if name == "web":
            from web.main import serve
        elif name == "mailroom":
            from mailroom.main import serve
        else:
            from courier.main import serve
        serve(args.host, args.port)
        return 0

    return run
