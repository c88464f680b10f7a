"""RapidPro API v2, served at /api/v2/. One module per endpoint; each registers itself on `router` when
imported below."""

from web.api.v2.routing import router

# endpoint modules register their routes on import
from web.api.v2 import (  # noqa: E402, F401, I001
    contacts,
    groups,
    fields,
    messages,
    broadcasts,
    flows,
    runs,
    flow_starts,
)

__all__ = ["router"]
