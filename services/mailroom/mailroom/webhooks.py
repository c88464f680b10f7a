"""The engine's HTTP client for call_webhook and call_resthook: time-out, response size limit, and no
calls into private networks unless allowed."""

from dataclasses import dataclass, field

import httpx

from upesi.netguard import DisallowedAddress, check_url

MAX_RESPONSE_BYTES = 256 * 1024
TIMEOUT_SECONDS = 15.0


@dataclass
class HTTPResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class EngineHTTPClient:
    def __init__(self) -> None:
        self.client = httpx.Client(follow_redirects=False, headers={"User-Agent": "Upesi/0.1 (webhook)"})

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: str | None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> HTTPResponse:
        try:
            check_url(url)
        except DisallowedAddress as e:
            raise ConnectionError(str(e)) from e
        with self.client.stream(
            method, url, headers=headers, content=body, timeout=min(timeout, TIMEOUT_SECONDS)
        ) as r:
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise ValueError(f"webhook response body exceeds {MAX_RESPONSE_BYTES} bytes")
                chunks.append(chunk)
            return HTTPResponse(r.status_code, dict(r.headers), b"".join(chunks))
