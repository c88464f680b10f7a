"""All models, imported here so Alembic and callers see one metadata."""

from upesi.db.base import Base
from upesi.db.models.asset_versions import OrgAssetVersion
from upesi.db.models.auth import FailedLogin, UserSession
from upesi.db.models.batches import TaskBatch
from upesi.db.models.calls import Call
from upesi.db.models.campaigns import Campaign, CampaignEvent
from upesi.db.models.channels import Channel, ChannelEvent, ChannelLog
from upesi.db.models.contact_notes import ContactNote
from upesi.db.models.contacts import (
    Contact,
    ContactField,
    ContactFire,
    ContactGroup,
    ContactURN,
    contact_group_contacts,
)
from upesi.db.models.exports import Export
from upesi.db.models.flows import Flow, FlowRevision, FlowRun, FlowSession, FlowStart
from upesi.db.models.globals import Global
from upesi.db.models.http_logs import HTTPLog
from upesi.db.models.labels import Label, msg_labels
from upesi.db.models.media import Archive, Media, OptIn, Topic
from upesi.db.models.msgs import Broadcast, Msg
from upesi.db.models.orgs import APIToken, Invitation, Membership, Org, User
from upesi.db.models.resthooks import Resthook, ResthookSubscriber, WebhookEvent
from upesi.db.models.tickets import AirtimeTransfer, Ticket, TicketEvent
from upesi.db.models.triggers import Trigger

__all__ = [
    "APIToken",
    "AirtimeTransfer",
    "Archive",
    "Base",
    "Broadcast",
    "Call",
    "Campaign",
    "CampaignEvent",
    "Channel",
    "ChannelEvent",
    "ChannelLog",
    "Contact",
    "ContactField",
    "ContactFire",
    "ContactGroup",
    "ContactNote",
    "ContactURN",
    "Export",
    "FailedLogin",
    "Flow",
    "FlowRevision",
    "FlowRun",
    "FlowSession",
    "FlowStart",
    "Global",
    "HTTPLog",
    "Invitation",
    "Label",
    "Media",
    "Membership",
    "Msg",
    "OptIn",
    "Org",
    "OrgAssetVersion",
    "Resthook",
    "ResthookSubscriber",
    "TaskBatch",
    "Ticket",
    "TicketEvent",
    "Topic",
    "Trigger",
    "User",
    "UserSession",
    "WebhookEvent",
    "contact_group_contacts",
    "msg_labels",
]
