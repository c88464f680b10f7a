"""The services an engine is given (LLM, airtime, email) and what actions do with and without them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from upesi.flows.engine import Engine
from upesi.flows.services import AirtimeTransfer, LLMResponse, ServiceError
from upesi.flows.services.base import HTTPLogger

FLOW = "f0000000-0000-4000-8000-000000000001"
LLM = {"uuid": "14115c03-b4c5-49e2-b9ac-390c43e9d7ce", "name": "GPT", "type": "openai"}
CHANNEL = {"uuid": "57f1078f-88aa-46f4-a59a-948a5739c03d", "name": "Phone", "address": "+250788000001",
           "schemes": ["tel"], "roles": ["send", "receive"]}  # fmt: skip
CONTACT = {
    "uuid": "5d76d86b-3bb9-4d5a-b822-c9d86f5d8e4f",
    "name": "Ana",
    "status": "active",
    "created_on": "2024-01-01T00:00:00Z",
    "urns": [f"tel:+250788123123?channel={CHANNEL['uuid']}"],
}
TRIGGER = {"type": "manual", "flow": {"uuid": FLOW, "name": "T"}, "triggered_on": "2024-01-01T00:00:00Z"}


def _run(engine: Engine, *actions: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    flow = {
        "uuid": FLOW,
        "name": "T",
        "spec_version": "14.4.2",
        "language": "eng",
        "type": "messaging",
        "nodes": [
            {
                "uuid": "a0000000-0000-4000-8000-000000000001",
                "actions": [
                    {"uuid": f"b0000000-0000-4000-8000-00000000000{i}", **a} for i, a in enumerate(actions)
                ],
                "exits": [{"uuid": "e0000000-0000-4000-8000-000000000001"}],
            }
        ],
    }
    assets = {"flows": [flow], "llms": [LLM], "channels": [CHANNEL]}
    session, sprint = engine.new_session(assets, CONTACT, TRIGGER)
    return session, [e for e in sprint.events if e["type"] not in ("run_started", "run_ended")]


CALL_LLM = {"type": "call_llm", "llm": {"uuid": LLM["uuid"], "name": "GPT"}, "instructions": "Summarize",
            "input": "@contact.name", "output_local": "summary"}  # fmt: skip


class Echo:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def response(self, llm: dict[str, Any], instructions: str, input: str, max_tokens: int) -> LLMResponse:
        self.asked.append((llm["name"], instructions, input))
        if input == "fail":
            raise ServiceError("model overloaded")
        return LLMResponse(f"{instructions}: {input}", tokens_input=3, tokens_output=4)


def test_call_llm_puts_the_answer_in_the_local_and_logs_the_call() -> None:
    llm = Echo()
    session, events = _run(Engine(llm=llm), CALL_LLM)
    assert llm.asked == [("GPT", "Summarize", "Ana")]
    assert session.runs[0].locals["summary"] == "Summarize: Ana"
    assert [e["type"] for e in events] == ["llm_called"]
    assert events[0]["tokens"] == {"input": 3, "output": 4}
    assert events[0]["llm"] == {"uuid": LLM["uuid"], "name": "GPT"}


def test_call_llm_failure_or_missing_service_is_an_error_and_the_error_output() -> None:
    session, events = _run(Engine(llm=Echo()), {**CALL_LLM, "input": "fail"})
    assert [(e["type"], e["text"]) for e in events] == [("error", "model overloaded")]
    assert session.runs[0].locals["summary"] == "<ERROR>"

    session, events = _run(Engine(), CALL_LLM)
    assert [(e["type"], e["text"]) for e in events] == [("error", "no LLM service available")]
    assert session.runs[0].locals["summary"] == "<ERROR>"


class Airtime:
    def __init__(self) -> None:
        self.created: list[tuple[str, str, str, dict[str, Decimal]]] = []

    def create(
        self,
        transfer_uuid: str,
        sender: str,
        recipient: str,
        amounts: dict[str, Decimal],
        log_http: HTTPLogger,
    ) -> AirtimeTransfer:
        self.created.append((transfer_uuid, sender, recipient, amounts))
        log_http({"url": "https://provider.example/transfer", "status_code": 200, "status": "success"})
        return AirtimeTransfer("T-1", sender, recipient, "RWF", amounts["RWF"])


def test_transfer_airtime_goes_through_the_service_from_the_contacts_channel() -> None:
    airtime = Airtime()
    session, events = _run(
        Engine(airtime=airtime), {"type": "transfer_airtime", "amounts": {"RWF": 500, "USD": 0.5}}
    )
    (uuid, sender, recipient, amounts) = airtime.created[0]
    assert (sender, recipient) == ("tel:+250788000001", "tel:+250788123123")
    assert amounts == {"RWF": Decimal("500"), "USD": Decimal("0.5")}
    assert [e["type"] for e in events] == ["airtime_created"]
    created = events[0]
    assert created["uuid"] == uuid == session.runs[0].locals["_new_transfer"]
    assert (created["external_id"], created["amount"], created["currency"]) == ("T-1", 500, "RWF")
    assert created["http_logs"][0]["url"] == "https://provider.example/transfer"


def test_transfer_airtime_without_a_service_is_an_error() -> None:
    session, events = _run(Engine(), {"type": "transfer_airtime", "amounts": {"RWF": 500}})
    assert [(e["type"], e["text"]) for e in events] == [("error", "no airtime service available")]
    assert session.runs[0].locals["_new_transfer"] == ""


class Mailer:
    def __init__(self, error: str = "") -> None:
        self.error = error
        self.sent: list[tuple[list[str], str, str]] = []

    def send(self, addresses: list[str], subject: str, body: str) -> None:
        if self.error:
            raise ServiceError(self.error)
        self.sent.append((addresses, subject, body))


SEND_EMAIL = {
    "type": "send_email",
    "addresses": ["ana@example.com"],
    "subject": "Hi @contact.name",
    "body": "Hello",
}


def test_send_email_uses_the_email_service_and_reports_its_failure() -> None:
    mailer = Mailer()
    _, events = _run(Engine(email=mailer), SEND_EMAIL)
    assert mailer.sent == [(["ana@example.com"], "Hi Ana", "Hello")]
    assert [e["type"] for e in events] == ["email_sent"]

    _, events = _run(Engine(email=Mailer("SMTP down")), SEND_EMAIL)
    assert [(e["type"], e["text"]) for e in events] == [("error", "Unable to send email: SMTP down")]


def test_send_email_without_a_service_leaves_sending_to_the_host() -> None:
    _, events = _run(Engine(), SEND_EMAIL)
    assert [(e["type"], e["to"]) for e in events] == [("email_sent", ["ana@example.com"])]


def test_check_sendable_marks_messages_the_host_would_refuse() -> None:
    def refuse_links(contact: dict[str, Any], msg: dict[str, Any]) -> str:
        return "forbidden_content" if "http" in msg["text"] else ""

    engine = Engine(check_sendable=refuse_links)
    _, events = _run(
        engine, {"type": "send_msg", "text": "see http://x.example"}, {"type": "send_msg", "text": "ok"}
    )
    assert [e["msg"].get("unsendable_reason") for e in events] == ["forbidden_content", None]


def test_llm_prompts_configured_on_the_engine_are_available_to_prompt() -> None:
    engine = Engine(llm=Echo(), llm_prompts={"cats": "Pick one of {{ .arg1 }}"})
    session, _ = _run(engine, {**CALL_LLM, "instructions": '@(prompt("cats", array("A", "B")))'})
    assert session.runs[0].locals["summary"] == "Pick one of [A, B]: Ana"
