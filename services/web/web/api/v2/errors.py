"""API errors in DRF's body shapes, and the route class that turns them into responses.

FastAPI wraps HTTPException details in {"detail": ...}, but DRF answers validation failures with a bare
field dict ({"name": ["This field is required."]}); clients such as rapidpro-python read that dict, so
every error is raised as APIError and rendered here verbatim.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError

from upesi.domain.errors import DomainError, LimitReached

UNIQUE_VIOLATION = "23505"


class APIError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def detail(status: int, message: str, headers: dict[str, str] | None = None) -> APIError:
    return APIError(status, {"detail": message}, headers)


def not_found() -> APIError:
    return detail(404, "Not found.")


def invalid(message: str) -> APIError:
    """A 400 that is not about one field (bad query parameters and the like)."""
    return detail(400, message)


def field_error(field: str, message: str) -> APIError:
    return APIError(400, {field: [message]})


class Errors:
    """Collects field errors while a body is validated, so one response names every problem."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def nested(self, field: str, by_key: dict[str, list[str]]) -> None:
        """Errors of a list's items by index, DRF's ListField shape: {"urns": {"0": ["..."]}}."""
        self.fields[field] = by_key

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            raise APIError(400, self.fields)


class V2Route(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except APIError as e:
                return JSONResponse(e.body, status_code=e.status, headers=e.headers)
            except LimitReached as e:
                return JSONResponse({"detail": e.message}, status_code=409)
            except DomainError as e:  # a domain rule broken: DRF's field error body
                return JSONResponse({e.field: [e.message]}, status_code=400)
            except RequestValidationError as e:
                return JSONResponse({"detail": str(e)}, status_code=400)
            except IntegrityError as e:
                # two requests raced past validation (same group name, same field key...): the loser's
                # transaction is rolled back; 409 tells clients such as CHT to retry rather than give up
                if getattr(e.orig, "sqlstate", None) == UNIQUE_VIOLATION or "unique" in str(e.orig).lower():
                    return JSONResponse(
                        {"detail": "Conflict with a concurrent request, try again."}, status_code=409
                    )
                raise

        return route
