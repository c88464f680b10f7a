"""Tickets (RapidPro's tickets.Ticket and TicketEvent) and airtime transfers (airtime.AirtimeTransfer).

A ticket is opened by a flow's open_ticket action (mailroom) or through the API, belongs to one topic
and one contact, and is open (O) or closed (C). Every change is a ticket event, which the contact's
history and the API read."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from upesi.db.base import Base, Created, IntPK, Modified, UUIDStr

# status
TICKET_OPEN = "O"
TICKET_CLOSED = "C"

# ticket event types, RapidPro's letters
TICKET_EVENT_OPENED = "O"
TICKET_EVENT_ASSIGNED = "A"
TICKET_EVENT_NOTE_ADDED = "N"
TICKET_EVENT_TOPIC_CHANGED = "T"
TICKET_EVENT_CLOSED = "C"
TICKET_EVENT_REOPENED = "R"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_org_status_activity", "org_id", "status", "last_activity_on"),
        Index("ix_tickets_contact_status", "contact_id", "status"),
    )

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(1), default=TICKET_OPEN, server_default=TICKET_OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str | None] = mapped_column(Text)  # deprecated in RapidPro; kept for old flows' tickets
    opened_on: Mapped[Created]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_in_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    closed_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    modified_on: Mapped[Modified]
    last_activity_on: Mapped[Created]


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(Text)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_on: Mapped[Created]


# airtime transfer status
TRANSFER_SUCCESS = "S"
TRANSFER_FAILED = "F"


class AirtimeTransfer(Base):
    __tablename__ = "airtime_transfers"

    id: Mapped[IntPK]
    uuid: Mapped[UUIDStr]
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(1))
    external_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    sender: Mapped[str] = mapped_column(String(255), default="", server_default="")
    recipient: Mapped[str] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(32), default="", server_default="")
    desired_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    actual_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=0, server_default="0")
    created_on: Mapped[Created]
