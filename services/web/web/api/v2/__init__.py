"""RapidPro API v2, served at /api/v2/. One module per endpoint; each registers itself on `router` when
imported below."""

# endpoint modules register their routes on import
from web.api.v2 import (  # noqa: F401
    broadcasts,
    channels,
    contact_actions,
    contacts,
    fields,
    flow_starts,
    flows,
    globals,
    groups,
    labels,
    message_actions,
    messages,
    runs,
    workspace,
)
from web.api.v2.routing import router

__all__ = ["router"]
