"""Services the engine calls out to: an LLM, an airtime provider, an email sender.

The engine stays a library: the host (mailroom, or a test) hands it implementations of these
interfaces when it builds the Engine; an action whose service is missing logs an error and goes on.
"""

from upesi.flows.services.airtime import AirtimeService, AirtimeTransfer
from upesi.flows.services.base import HTTPLog, ServiceError
from upesi.flows.services.email import EmailService
from upesi.flows.services.llm import LLMResponse, LLMService

__all__ = [
    "AirtimeService",
    "AirtimeTransfer",
    "EmailService",
    "HTTPLog",
    "LLMResponse",
    "LLMService",
    "ServiceError",
]
