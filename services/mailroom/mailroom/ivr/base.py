"""What every IVR provider service is and gives: the channel it serves, and the one interface (TwiML and
Vonage so far) the callbacks, the call placing and the recording download use."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from mailroom.ivr.clogs import ChannelLog
from mailroom.ivr.twiml import CallStatus, DialResume, InputResume


class ServiceError(ValueError):
    """The channel cannot be used for calls (a missing config value, a type without a service)."""


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    uuid: str
    org_id: int
    channel_type: str
    name: str
    address: str
    config: dict[str, Any]
    role: str
    country: str | None


class IVRService(Protocol):
    channel: ChannelInfo
    content_type: str

    def secrets(self) -> list[str]: ...  # what channel logs must never show

    def auth_headers(self) -> dict[str, str]: ...  # to download a recording

    def parse(self, body: str) -> list[tuple[str, str]]: ...  # a callback's body as name/value pairs

    def check_signature(
        self, url: str, body: str, form: list[tuple[str, str]], headers: Mapping[str, str]
    ) -> str: ...  # "" if the request is the provider's, else why not

    async def request_call(
        self, client: httpx.AsyncClient, to: str, callback_url: str, status_url: str, clog: ChannelLog
    ) -> str: ...

    async def hangup(self, client: httpx.AsyncClient, call_id: str, clog: ChannelLog) -> None: ...

    def call_id(self, form: Mapping[str, str]) -> str: ...

    def caller(self, form: Mapping[str, str]) -> str: ...

    def machine_answered(self, form: Mapping[str, str]) -> bool: ...

    def resume_for(self, form: Mapping[str, str], query: Mapping[str, str]) -> InputResume | DialResume: ...

    def status_for(self, form: Mapping[str, str]) -> CallStatus: ...

    # an answer of its own to a resume callback (None: go on and resume); may add to query
    async def preprocess_resume(
        self, query: dict[str, str], form: Mapping[str, str], url: str
    ) -> str | None: ...

    # an answer of its own to a status callback (None: go on and update the call)
    async def preprocess_status(
        self, client: httpx.AsyncClient, form: Mapping[str, str], clog: ChannelLog
    ) -> str | None: ...

    async def response_for_events(
        self,
        client: httpx.AsyncClient,
        events: Iterable[dict[str, Any]],
        resume_url: str,
        default_locale: str,
        call_external_id: str,
        clog: ChannelLog,
    ) -> str: ...

    def error_response(self, message: str) -> str: ...

    def empty_response(self, message: str) -> str: ...

    def reject_response(self) -> str: ...
