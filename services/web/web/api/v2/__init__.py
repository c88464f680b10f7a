"""RapidPro API v2, served at /api/v2/. One module per endpoint; each registers itself on `router` when
imported below."""

# endpoint modules register their routes on import
from web.api.v2 import (  # noqa: F401
    broadcasts,
    contacts,
    fields,
    flow_starts,
    flows,
    groups,
    messages,
    runs,
)
from web.api.v2.routing import router

__all__ = ["router"]
