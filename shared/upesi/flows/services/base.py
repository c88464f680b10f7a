"""What every service shares: the error it raises and the HTTP log it may record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ServiceError(Exception):
    """A service couldn't do what was asked; the message becomes the error event's text."""


# an HTTP call a service made, as goflow's HTTPLog: url, status_code, request, response, elapsed_ms,
# retries, sizes, status, created_on
HTTPLog = dict[str, Any]
HTTPLogger = Callable[[HTTPLog], None]
