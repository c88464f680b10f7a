"""All models, imported here so Alembic and callers see one metadata."""

from upesi.db.base import Base
from upesi.db.models.channels import Channel, ChannelEvent, ChannelLog
from upesi.db.models.contacts import (
    Contact,
    ContactField,
    ContactFire,
    ContactGroup,
    ContactURN,
    contact_group_contacts,
)
from upesi.db.models.flows import Flow, FlowRevision, FlowRun, FlowSession, FlowStart
from upesi.db.models.msgs import Broadcast, Msg
from upesi.db.models.orgs import APIToken, Membership, Org, User
from upesi.db.models.triggers import Trigger

# tables the API needs (issue 7)
from upesi.db.models.campaigns import Campaign, CampaignEvent  # noqa: E402
from upesi.db.models.globals import Global  # noqa: E402
from upesi.db.models.labels import Label, msg_labels  # noqa: E402
from upesi.db.models.media import Archive, Media, OptIn, Topic  # noqa: E402
from upesi.db.models.resthooks import Resthook, ResthookSubscriber, WebhookEvent  # noqa: E402

__all__ = [
    "Archive",
    "Campaign",
    "CampaignEvent",
    "Global",
    "Label",
    "Media",
    "OptIn",
    "Resthook",
    "ResthookSubscriber",
    "Topic",
    "WebhookEvent",
    "msg_labels",
    "APIToken",
    "Base",
    "Broadcast",
    "Channel",
    "ChannelEvent",
    "ChannelLog",
    "Contact",
    "ContactField",
    "ContactFire",
    "ContactGroup",
    "ContactURN",
    "Flow",
    "FlowRevision",
    "FlowRun",
    "FlowSession",
    "FlowStart",
    "Membership",
    "Msg",
    "Org",
    "Trigger",
    "User",
    "contact_group_contacts",
]
