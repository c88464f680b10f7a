"""Deterministic services like goflow's test/services, for the engine the conformance tests build."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from upesi.flows.services import AirtimeTransfer, LLMResponse, ServiceError
from upesi.flows.services.base import HTTPLogger

_LEET = str.maketrans("aAbBeEgGiIlLoOsStT", "448833991111005577")


def _translate(s: str) -> str:
    if s == "error":
        raise ServiceError("simulated LLM error")
    return "<CANT>" if s == "untranslatable" else s.translate(_LEET)


class MockLLM:
    """Answers from the input and instructions alone: "\\error x" fails with x, "\\return x" gives x,
    "Categorize ... A, B]" gives the last category, "Translate ..." leetifies, else it echoes."""

    def response(self, llm: dict[str, Any], instructions: str, input: str, max_tokens: int) -> LLMResponse:
        if input.startswith("\\error "):
            raise ServiceError(input[7:])
        if input.startswith("\\return "):
            output = input[8:]
        elif instructions.startswith("Categorize"):
            output = instructions.split()[-1].removesuffix("]")
        elif instructions.startswith("Translate"):
            if "JSON" in instructions:
                try:
                    obj = json.loads(input)
                except ValueError as e:
                    raise ServiceError(f"invalid JSON object input: {e}") from e
                output = json.dumps({k: [_translate(v) for v in vs] for k, vs in obj.items()})
            else:
                output = _translate(input)
        else:
            output = f"You asked:\n\n{instructions}\n\n{input}"
        return LLMResponse(output, tokens_input=45, tokens_output=78)


# the external id goflow's mock gets from its seeded random strings: the first one each test draws
EXTERNAL_ID = "4ZJR8BT9MF"


class MockAirtime:
    """Transfers in one fixed currency; refuses numbers containing 666."""

    def __init__(self, currency: str = "RWF") -> None:
        self.currency = currency

    def create(
        self,
        transfer_uuid: str,
        sender: str,
        recipient: str,
        amounts: dict[str, Decimal],
        log_http: HTTPLogger,
    ) -> AirtimeTransfer:
        if "666" in recipient:
            raise ServiceError("invalid recipient number")
        log_http(
            {
                "url": "http://send.airtime.com",
                "status_code": 200,
                "request": "GET / HTTP/1.1\r\nHost: send.airtime.com\r\nUser-Agent: Go-http-client/1.1\r\n"
                "Accept-Encoding: gzip\r\n\r\n",
                "response": 'HTTP/1.0 200 OK\r\nContent-Length: 15\r\n\r\n{"status":"ok"}',
                "elapsed_ms": 0,
                "retries": 0,
                "sizes": {"request": 0, "response": 0},
                "status": "success",
                "created_on": "2019-10-16T13:59:30.123456789Z",
            }
        )
        if self.currency not in amounts:
            raise ServiceError(f"no amount configured for transfers in {self.currency}")
        return AirtimeTransfer(EXTERNAL_ID, sender, recipient, self.currency, amounts[self.currency])


class MockEmail:
    """Records what it sends, or fails with the given error."""

    def __init__(self, error: str = "") -> None:
        self.error = error
        self.sent: list[tuple[list[str], str, str]] = []

    def send(self, addresses: list[str], subject: str, body: str) -> None:
        if self.error:
            raise ServiceError(self.error)
        self.sent.append((addresses, subject, body))
