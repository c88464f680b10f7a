"""`upesi courier`: the courier service in the foreground."""

import uvicorn


def serve(host: str = "0.0.0.0", port: int = 8080) -> None:
    uvicorn.run(
        "courier.app:create_app", factory=True, host=host, port=port, log_config=None, access_log=False
    )
