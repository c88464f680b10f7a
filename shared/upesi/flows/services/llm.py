"""The LLM service: instructions + input in, text out (call_llm action)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class LLMResponse:
    output: str
    tokens_input: int
    tokens_output: int


class LLMService(Protocol):
    def response(self, llm: dict[str, Any], instructions: str, input: str, max_tokens: int) -> LLMResponse:
        """Ask the LLM asset `llm`; raise ServiceError if it fails."""
        ...
