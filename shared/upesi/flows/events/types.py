"""Every event type the engine can emit, declared once: Session.log (and the modifiers' log) refuse any
other, so this is the complete list a host (mailroom) must give an owner to, a handler or a no-op.

Names and payloads are goflow's (flows/events/*.go); a line says what each one reports."""

from __future__ import annotations

EVENT_TYPES: dict[str, str] = {
    "airtime_created": "an airtime transfer was made (external_id, sender, recipient, currency, amount, http_logs)",
    "broadcast_created": "a send_broadcast action: a broadcast to urns, contacts, groups or a query",
    "contact_field_changed": "a contact field was set or cleared (field {key, name}, value or null)",
    "contact_groups_changed": "the contact joined (groups_added) or left (groups_removed) groups",
    "contact_language_changed": "the contact's language changed",
    "contact_last_seen_changed": "the contact's last seen time changed (modifiers only)",
    "contact_name_changed": "the contact's name changed",
    "contact_status_changed": "the contact became active, blocked, stopped or archived",
    "contact_timezone_changed": "the contact's timezone changed",
    "contact_urns_changed": "the contact's URNs changed: the full new list, in priority order",
    "dial_wait": "a voice session waits for a dial to end (expires_on)",
    "email_sent": "an email was sent by the engine's email service",
    "error": "a non-fatal problem while running a flow",
    "failure": "the session failed",
    "input_labels_added": "labels were added to the session's input message (input_uuid, labels)",
    "ivr_created": "a voice message to say or play",
    "llm_called": "a large language model was called",
    "msg_created": "an outgoing message",
    "msg_wait": "the session waits for a message (expires_on, timeout_seconds)",
    "resthook_called": "a resthook was called with a payload (each subscriber's call is a webhook_called)",
    "run_ended": "a run ended (completed, expired, interrupted, failed)",
    "run_result_changed": "a run result was saved",
    "run_started": "a run started in a flow",
    "session_triggered": "a start_session action: a new session for other contacts",
    "ticket_assignee_changed": "a ticket was assigned (or unassigned)",
    "ticket_closed": "a ticket was closed",
    "ticket_note_added": "a note was added to a ticket",
    "ticket_opened": "a ticket was opened (ticket {uuid, topic, assignee}, note in a ticket_note_added)",
    "ticket_reopened": "a ticket was reopened",
    "ticket_topic_changed": "a ticket's topic changed",
    "warning": "a deprecation or other warning while running a flow",
    "webhook_called": "an HTTP call (webhook, or one resthook subscriber with resthook set)",
}


class UnknownEventType(ValueError):
    """An event type not declared above: declare it (and give it an owner in every host) first."""


def check_event_type(event_type: str) -> None:
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(
            f"engine event type {event_type!r} is not declared in upesi.flows.events.types"
        )
