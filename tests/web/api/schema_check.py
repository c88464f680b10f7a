"""Checking an API answer against what its operation declares (web.api.v2.objects through routing.ENDPOINTS):
used by the `api` fixture on every answer and by the schemathesis run."""

from pydantic import BaseModel, ValidationError

from web.api.v2.docs import ERRORS
from web.api.v2.routing import ENDPOINTS, EndpointDoc

PREFIX = "/api/v2/"


def declared_endpoint(path: str) -> EndpointDoc | None:
    if not path.startswith(PREFIX) or not path.endswith(".json"):
        return None
    return ENDPOINTS.get(path.removeprefix(PREFIX).removesuffix(".json"))


def declared_model(method: str, path: str, status: int) -> type[BaseModel] | None:
    """The model a JSON answer of this status must match, None when nothing is declared for it (not an
    endpoint's .json URL)."""
    doc = declared_endpoint(path)
    if doc is None:
        return None
    if status >= 400:
        return ERRORS[str(status)][1] if str(status) in ERRORS else None
    op = next((op for op in doc.operations if op.method == method), None)
    return op.response if op is not None else None


def schema_problem(method: str, path: str, status: int, content_type: str, body: bytes) -> str | None:
    """What is wrong with this answer against the declared models, None when it conforms."""
    if declared_endpoint(path) is None or status == 204:
        return None
    if not content_type.startswith("application/json"):
        if 200 <= status < 300 or status in (400, 403, 404, 405, 429):
            return f"{method} {path} answered {status} with {content_type!r}, not JSON"
        return None
    declared = str(status) in ERRORS or 200 <= status < 300
    if not declared:
        return f"{method} {path} answered {status}, which the OpenAPI document does not declare"
    model = declared_model(method, path, status)
    if model is None:
        if 200 <= status < 300:
            return f"{method} {path} answered {status} with a body where no response model is declared"
        return None
    try:
        model.model_validate_json(body, strict=True)
    except ValidationError as e:
        return f"{method} {path} {status} does not match {model.__name__}: {e}"
    return None
