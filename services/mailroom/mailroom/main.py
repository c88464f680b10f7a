"""`upesi mailroom`."""

import uvicorn


def serve(host: str, port: int) -> None:
    uvicorn.run(
        "mailroom.app:create_app", factory=True, host=host, port=port, log_config=None, access_log=False
    )
