"""The engine's HTTP client for call_webhook and call_resthook: time-out, response size limit, retries as the
reference makes them, every attempt logged, and no calls into private networks unless allowed.

Retries follow the reference (gocommon httpx as mailroom configures it: 2 retries, backoffs of 5 s then 10 s,
each moved by up to a quarter either way by jitter 0.5). After an attempt, another is made when:

- the response has a Retry-After no longer than the backoff about to be waited (any method, any status);
- or the request is idempotent (GET, HEAD, OPTIONS, TRACE, or it carries an Idempotency-Key or
  X-Idempotency-Key header) and there was no response (connection error, time-out) or its status is above 501
  (502, 503, 504, ...).

So a POST is retried only when the target asks with Retry-After or declares idempotency: retrying it otherwise
could do its side effect twice. A 429 is retried only with a Retry-After. A refused (private) address, and a
response too big, are never retried. The call's result is the last attempt's.
"""

import logging
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from upesi.netguard import DisallowedAddress, check_url, guarded_transport

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
IDEMPOTENCY_HEADERS = ("idempotency-key", "x-idempotency-key")


class WebhookSettings(BaseSettings):
    """Read from the environment at each call, so an operator's (or a test's) change takes effect at once."""

    model_config = SettingsConfigDict(env_prefix="WEBHOOKS_", case_sensitive=False, extra="ignore")

    timeout_ms: int = 15_000
    max_body_bytes: int = 256 * 1024
    max_retries: int = 2
    initial_backoff_ms: int = 5_000
    backoff_jitter: float = 0.5


class ResponseTooLarge(ValueError):
    pass


@dataclass
class Attempt:
    """One try of a call, as logged."""

    number: int  # 1 for the first try
    status: int | None  # None when there was no response
    elapsed_ms: int
    error: str = ""
    waited_ms: int = 0  # the backoff slept before this attempt


@dataclass
class HTTPResponse:
    """What the engine gets back. retries and attempts are extra to the engine's interface: the engine reads
    status, headers and body, and reports retries in its webhook_called event (so in http_logs.num_retries);
    an error raised after retries carries `.retries` too."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    retries: int = 0
    attempts: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True)
class RetryPolicy:
    backoffs_ms: tuple[int, ...]
    jitter: float

    @classmethod
    def exponential(cls, initial_ms: int, count: int, jitter: float) -> "RetryPolicy":
        if count <= 0 or initial_ms <= 0:
            return cls((), jitter)
        return cls(tuple(initial_ms * 2**i for i in range(count)), jitter)

    @property
    def max_retries(self) -> int:
        return len(self.backoffs_ms)

    def backoff_seconds(self, retry: int) -> float:
        """The wait before retry number `retry` (0-based): the base moved by up to jitter/2 of it either way."""
        base = self.backoffs_ms[retry]
        return (base + self.jitter * (random.randrange(base) - base // 2)) / 1000


def parse_retry_after(value: str) -> float:
    """Seconds the target asked us to wait: a number of seconds or an HTTP date; 0 if unusable or past."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def is_idempotent(method: str, headers: dict[str, str]) -> bool:
    if method.upper() in IDEMPOTENT_METHODS:
        return True
    return any(k.lower() in IDEMPOTENCY_HEADERS and v for k, v in headers.items())


def should_retry(
    method: str, headers: dict[str, str], status: int | None, retry_after: str | None, backoff: float
) -> bool:
    if retry_after:
        asked = parse_retry_after(retry_after)
        if 0 < asked <= backoff:
            return True
    return is_idempotent(method, headers) and (status is None or status > 501)


class EngineHTTPClient:
    def __init__(self) -> None:
        self.client = httpx.Client(
            transport=guarded_transport(),
            follow_redirects=False,
            headers={"User-Agent": "Upesi/0.1 (webhook)"},
        )

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: str | None,
        timeout: float | None = None,
    ) -> HTTPResponse:
        """The last attempt's response. Raises ConnectionError for a refused address, ResponseTooLarge for a
        body over the limit, and httpx's error when the last attempt got no response."""
        settings = WebhookSettings()
        try:
            check_url(url)
        except DisallowedAddress as e:
            raise _refused(url, e) from e
        policy = RetryPolicy.exponential(
            settings.initial_backoff_ms, settings.max_retries, settings.backoff_jitter
        )
        limit = settings.timeout_ms / 1000
        timeout = min(timeout, limit) if timeout else limit
        attempts: list[Attempt] = []
        waited = 0.0
        resp: HTTPResponse | None = None
        error: httpx.HTTPError | None = None
        while True:
            number = len(attempts) + 1
            started = time.monotonic()
            try:
                resp = self._attempt(method, url, headers, body, timeout, settings.max_body_bytes)
            except DisallowedAddress as e:  # the name resolved to a private address when connecting
                raise _refused(url, e) from e
            except ResponseTooLarge as e:
                attempts.append(Attempt(number, None, _ms_since(started), str(e), int(waited * 1000)))
                _log_attempt(method, url, attempts[-1])
                raise
            except httpx.HTTPError as e:
                attempts.append(Attempt(number, None, _ms_since(started), _describe(e), int(waited * 1000)))
                _log_attempt(method, url, attempts[-1])
                resp, error, status, retry_after = None, e, None, None
            else:
                attempts.append(
                    Attempt(number, resp.status, _ms_since(started), waited_ms=int(waited * 1000))
                )
                _log_attempt(method, url, attempts[-1])
                error, status, retry_after = None, resp.status, _header(resp.headers, "retry-after")
            retry = number - 1
            if retry >= policy.max_retries:
                break
            backoff = policy.backoff_seconds(retry)
            if not should_retry(method, headers, status, retry_after, backoff):
                break
            time.sleep(backoff)
            waited = backoff
        if resp is None:
            assert error is not None
            error.add_note(f"after {len(attempts)} attempt(s)")
            error.retries = len(attempts) - 1  # type: ignore[attr-defined]  # for the engine to report
            raise error
        resp.retries = len(attempts) - 1
        resp.attempts = attempts
        return resp

    def _attempt(
        self, method: str, url: str, headers: dict[str, str], body: str | None, timeout: float, limit: int
    ) -> HTTPResponse:
        # httpx's timeout bounds each read; the deadline bounds the whole exchange, so a target that drips its
        # body slowly still ends at the time-out, as the reference's client time-out does
        deadline = time.monotonic() + timeout
        with self.client.stream(method, url, headers=headers, content=body, timeout=timeout) as r:
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ResponseTooLarge(f"webhook response body exceeds {limit} bytes")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(f"webhook response took longer than {timeout:g}s")
                chunks.append(chunk)
            return HTTPResponse(r.status_code, dict(r.headers), b"".join(chunks))


def _refused(url: str, e: DisallowedAddress) -> ConnectionError:
    log.warning("webhook refused", extra={"url": url, "reason": str(e)})
    return ConnectionError(str(e))


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe(e: httpx.HTTPError) -> str:
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _log_attempt(method: str, url: str, a: Attempt) -> None:
    log.info(
        "webhook attempt",
        extra={
            "method": method,
            "url": url,
            "attempt": a.number,
            "status_code": a.status,
            "elapsed_ms": a.elapsed_ms,
            "waited_ms": a.waited_ms,
            "error": a.error,
        },
    )
