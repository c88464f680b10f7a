"""What every endpoint answers, declared once as pydantic models: the routes name them (`routing.endpoint(...,
response=...)`), the OpenAPI document is generated from them (so a fuzzer can check every response), the browsable
docs list their fields, and the API tests validate every answer they get against them.

The serializers build plain dicts (orjson writes a page of 250 several times faster than pydantic would build it);
these models are the contract those dicts keep. `extra="forbid"`: a key a serializer adds without declaring it here
fails the tests. Values the API passes through as the client or the engine gave them (a start's params, a
resthook's payload, a flow definition) are `FreeJSON`, the only place a schema is left open on purpose."""

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel

FREE_FORM = "x-free-form"
# any JSON object, on purpose (the OpenAPI typing test accepts an untyped object only with this mark)
FreeJSON = Annotated[dict[str, Any], Field(json_schema_extra={FREE_FORM: True})]


class APIObject(BaseModel):
    model_config = ConfigDict(extra="forbid")


# references embedded in many objects


class Ref(APIObject):
    uuid: str
    name: str


class ContactRef(APIObject):
    """A contact may have no name."""

    uuid: str
    name: str | None


class UserRef(APIObject):
    email: str
    name: str


class ContactSummary(APIObject):
    """Runs' contact: the URN masked and urn_display null for an anonymous workspace, which also gets ref."""

    uuid: str
    name: str | None
    urn: str | None
    urn_display: str | None
    ref: str | None = None
    anon_display: str | None = Field(None, deprecated=True)


class QuickReply(APIObject):
    type: str
    text: str | None = None
    extra: str | None = None


class Attachment(APIObject):
    content_type: str
    url: str


class Progress(APIObject):
    total: int = Field(description="-1 until the recipients are counted")
    started: int


# one model per endpoint's object


class Archive(APIObject):
    type: str
    start_date: date
    period: str
    record_count: int
    size: int
    hash: str | None
    download_url: str | None
    archive_type: str = Field(deprecated=True)


class BoundaryParent(APIObject):
    osm_id: str
    name: str


class Boundary(APIObject):
    osm_id: str
    name: str
    parent: BoundaryParent | None
    level: int
    aliases: list[str]
    geometry: FreeJSON | None = None


class Broadcast(APIObject):
    id: int
    uuid: str
    status: str
    progress: Progress
    urns: list[str] | None = Field(description="null for an anonymous workspace")
    contacts: list[ContactRef]
    groups: list[Ref]
    text: dict[str, str | None]
    attachments: dict[str, list[str]]
    quick_replies: dict[str, list[QuickReply]]
    base_language: str | None
    created_on: datetime


class Campaign(APIObject):
    uuid: str
    name: str
    archived: bool
    group: Ref | None
    created_on: datetime


class RelativeTo(APIObject):
    key: str
    name: str
    label: str = Field(deprecated=True)


class CampaignEvent(APIObject):
    uuid: str
    campaign: Ref | None
    relative_to: RelativeTo
    offset: int
    unit: str
    delivery_hour: int
    flow: Ref | None
    message: dict[str, str] | None
    created_on: datetime


class Device(APIObject):
    name: str | None
    power_level: int | str | None
    power_status: str | None
    power_source: str | None
    network_type: str | None


class Channel(APIObject):
    uuid: str
    name: str | None
    address: str | None
    type: str
    country: str | None
    device: Device | None
    last_seen: datetime | None
    created_on: datetime


class ChannelEvent(APIObject):
    id: int
    type: str
    contact: ContactRef | None
    channel: Ref | None
    extra: FreeJSON
    occurred_on: datetime | None
    created_on: datetime


class Intent(APIObject):
    name: str
    external_id: str


class Classifier(APIObject):
    uuid: str
    name: str
    type: str
    intents: list[Intent]
    created_on: datetime


class ExpandedURN(APIObject):
    channel: Ref | None
    scheme: str
    path: str
    display: str | None


class Note(APIObject):
    text: str
    created_on: datetime
    created_by: UserRef | None


class Contact(APIObject):
    """A deleted contact (?deleted=true) keeps uuid and dates, everything else null or empty."""

    uuid: str
    name: str | None
    status: str | None
    language: str | None
    urns: list[str] | list[ExpandedURN] = Field(
        description="{channel, scheme, path, display} with ?expand_urns"
    )
    groups: list[Ref]
    notes: list[Note]
    fields: dict[str, str | None]
    flow: Ref | None
    created_on: datetime
    modified_on: datetime
    last_seen_on: datetime | None
    blocked: bool | None = Field(deprecated=True)
    stopped: bool | None = Field(deprecated=True)
    ref: str | None = Field(None, description="anonymous workspaces only")
    anon_display: str | None = Field(None, deprecated=True)


class Definitions(APIObject):
    version: str
    site: str | None
    flows: list[FreeJSON]
    campaigns: list[FreeJSON]
    triggers: list[FreeJSON]
    fields: list[FreeJSON]
    groups: list[FreeJSON]


class FieldUsages(APIObject):
    flows: int
    groups: int
    campaign_events: int


class ContactField(APIObject):
    key: str
    name: str
    type: str
    featured: bool
    priority: int
    usages: FieldUsages
    agent_access: str
    label: str = Field(deprecated=True)
    value_type: str = Field(deprecated=True)


class FlowResult(APIObject):
    key: str
    name: str
    categories: list[str]
    node_uuids: list[str | None]


class RunCounts(APIObject):
    active: int
    waiting: int
    completed: int
    interrupted: int
    expired: int
    failed: int


class Flow(APIObject):
    uuid: str
    name: str
    type: str
    archived: bool
    labels: list[Ref]
    expires: int
    runs: RunCounts
    results: list[FlowResult]
    parent_refs: list[Ref]
    created_on: datetime
    modified_on: datetime


class FlowStart(APIObject):
    id: int
    uuid: str
    flow: Ref | None
    status: str
    progress: Progress
    groups: list[Ref]
    contacts: list[ContactRef]
    restart_participants: bool
    exclude_active: bool
    params: FreeJSON
    extra: FreeJSON = Field(deprecated=True)
    created_on: datetime
    modified_on: datetime


class Global(APIObject):
    key: str
    name: str
    value: str
    modified_on: datetime


class Group(APIObject):
    uuid: str
    name: str
    query: str | None
    status: str
    system: bool
    count: int


class Label(APIObject):
    uuid: str
    name: str
    count: int


class Media(APIObject):
    uuid: str
    content_type: str
    url: str
    filename: str
    size: int


class Message(APIObject):
    id: int
    uuid: str
    broadcast: int | None
    contact: ContactRef | None
    urn: str | None
    channel: Ref | None
    direction: str
    type: str
    status: str
    archived: bool = Field(deprecated=True)
    visibility: str
    text: str | None
    labels: list[Ref]
    flow: Ref | None
    attachments: list[Attachment]
    quick_replies: list[QuickReply]
    created_on: datetime
    sent_on: datetime | None
    modified_on: datetime | None
    media: str | None = Field(deprecated=True)


class OptIn(APIObject):
    uuid: str
    name: str
    created_on: datetime


class ResthookEvent(APIObject):
    resthook: str
    data: FreeJSON
    created_on: datetime


class ResthookSubscriber(APIObject):
    id: int
    resthook: str
    target_url: str
    created_on: datetime


class Resthook(APIObject):
    resthook: str
    created_on: datetime
    modified_on: datetime


class RunValue(APIObject):
    name: str | None
    value: str | None
    category: str | None
    node: str | None
    time: str | None


class PathStep(APIObject):
    node: str
    time: datetime | None


class StartRef(APIObject):
    uuid: str


class Run(APIObject):
    id: int
    uuid: str
    flow: Ref | None
    contact: ContactSummary | None
    start: StartRef | None
    responded: bool
    path: list[PathStep] | None = Field(description="null with ?paths=false")
    values: dict[str, RunValue]
    created_on: datetime
    modified_on: datetime
    exited_on: datetime | None
    exit_type: str | None


class ChannelCounts(APIObject):
    """A channel's messages on one day, by RapidPro's ChannelCount scope (absent when none)."""

    model_config = ConfigDict(populate_by_name=True)
    type: str
    text_in: int | None = Field(None, alias="text:in")
    text_out: int | None = Field(None, alias="text:out")
    voice_in: int | None = Field(None, alias="voice:in")
    voice_out: int | None = Field(None, alias="voice:out")


class DayStatistics(APIObject):
    date: date
    channels: dict[str, ChannelCounts] = Field(description="keyed by channel UUID")


class Statistics(APIObject):
    results: list[DayStatistics]


class Ticket(APIObject):
    uuid: str
    contact: ContactRef | None
    status: str | None
    topic: Ref | None
    body: None = Field(description="deprecated, always null")
    assignee: UserRef | None
    opened_on: datetime
    opened_by: UserRef | None
    opened_in: Ref | None
    modified_on: datetime
    closed_on: datetime | None


class TopicCounts(APIObject):
    open: int
    closed: int


class Topic(APIObject):
    uuid: str
    name: str
    counts: TopicCounts
    system: bool
    created_on: datetime


class User(APIObject):
    uuid: str
    name: str = Field(deprecated=True)
    email: str
    first_name: str | None
    last_name: str | None
    role: str
    team: Ref | None
    avatar: str | None
    created_on: datetime


class Credits(APIObject):
    used: int
    remaining: int


class Workspace(APIObject):
    uuid: str
    name: str
    country: str | None
    languages: list[str]
    primary_language: str | None
    timezone: str
    date_style: str
    credits: Credits = Field(deprecated=True)
    anon: bool


# envelopes

Item = TypeVar("Item", bound=BaseModel)


class Page(APIObject, Generic[Item]):
    """DRF's CursorPagination: 250 a page, opaque cursors in absolute URLs."""

    next: str | None
    previous: str | None
    results: list[Item]


class MessageFailures(APIObject):
    """message_actions: the ids that could not take the action (200; 204 when there are none)."""

    failures: list[int]


class TicketFailures(APIObject):
    """ticket_actions: the uuids that could not take the action (200; 204 when there are none)."""

    failures: list[str]


class Detail(APIObject):
    """403, 404, 405, 409, 413, 429 and 503 bodies, and a 400 not about one field."""

    detail: str


# a list of messages, a dict of them by index or language (nested as deep as the body), or {detail}'s text
ErrorMessages = Annotated[list[str] | dict[str, Any] | str, Field(json_schema_extra={FREE_FORM: True})]


class FieldErrors(RootModel[dict[str, ErrorMessages]]):
    """400: DRF's field errors, {field: [message]}, nested by index or language ({"urns": {"0": [...]}}), or
    {detail} for a request not about one field."""
