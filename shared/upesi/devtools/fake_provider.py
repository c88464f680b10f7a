"""A fake channel provider for the demo and tests: records every request it is sent and lists them as JSON
at GET /sent (their number at GET /sent/count). Answers 200 {"id": "<external id>"} unless a scripted answer for the path is queued with
POST /_script {"path": "/send", "status": 500, "body": "...", "content_type": "..."}. GET /phone is a phone in
the browser: what was sent to a number, and a form to reply from it (upesi.devtools.fake_phone).

Run: python -m upesi.devtools.fake_provider --port 8070
"""

import argparse
import itertools
import json
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

from upesi.devtools.fake_phone import add_phone


def create_app() -> FastAPI:
    app = FastAPI(title="Upesi fake provider", docs_url=None, redoc_url=None)
    sent: list[dict[str, Any]] = []
    scripts: dict[str, list[dict[str, Any]]] = {}
    ids = itertools.count(1)

    @app.get("/sent")
    async def list_sent() -> list[dict[str, Any]]:
        return sent

    @app.get("/sent/count")
    async def count_sent() -> dict[str, int]:
        """How many requests arrived (cheap to poll while thousands of sends come in)."""
        return {"count": len(sent)}

    @app.delete("/sent")
    async def clear_sent() -> dict[str, int]:
        count = len(sent)
        sent.clear()
        scripts.clear()
        return {"cleared": count}

    @app.post("/_script")
    async def script(request: Request) -> dict[str, Any]:
        body = await request.json()
        scripts.setdefault(body.get("path", "/send"), []).append(body)
        return {"queued": len(scripts[body.get("path", "/send")])}

    add_phone(app, sent)

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def record(path: str, request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", errors="replace")
        entry: dict[str, Any] = {
            "method": request.method,
            "path": "/" + path,
            "query": dict(request.query_params),
            "headers": dict(request.headers),
            "body": raw,
            "received_at": time.time(),
        }
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            try:
                entry["json"] = json.loads(raw)
            except ValueError:
                pass
        elif "form" in content_type:
            entry["form"] = dict((await request.form()).items())
        sent.append(entry)
        queued = scripts.get("/" + path)
        if queued:
            answer = queued.pop(0)
            return Response(
                answer.get("body", ""),
                status_code=answer.get("status", 200),
                media_type=answer.get("content_type", "text/plain"),
            )
        external_id = f"ext-{next(ids)}"
        return Response(json.dumps({"id": external_id, "status": "queued"}), media_type="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
