"""The web UI (pages, sessions, the flow editor's endpoints). `install(app)` mounts it."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the UI's routers, static files and middleware on the app."""
