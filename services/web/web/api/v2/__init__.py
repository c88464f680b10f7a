"""RapidPro API v2, served at /api/v2/. One module per endpoint; each registers itself on `router` when
imported below."""

# endpoint modules register their routes on import
from web.api.v2 import (  # noqa: F401
    archives,
    boundaries,
    broadcasts,
    campaign_events,
    campaigns,
    channel_events,
    channels,
    classifiers,
    contact_actions,
    contacts,
    definitions,
    docs,
    fields,
    flow_starts,
    flows,
    globals,
    groups,
    labels,
    media,
    message_actions,
    messages,
    optins,
    resthook_events,
    resthook_subscribers,
    resthooks,
    runs,
    statistics,
    ticket_actions,
    tickets,
    topics,
    users,
    workspace,
)
from web.api.v2.routing import add_method_fallbacks, router

add_method_fallbacks()

__all__ = ["router"]
