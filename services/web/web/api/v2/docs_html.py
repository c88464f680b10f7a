"""The browsable docs RapidPro serves to anyone at /api/v2/ and /api/v2/<endpoint> (without .json): one HTML page
per endpoint, built from the same declarations as the routes and the OpenAPI document (routing.ENDPOINTS and
the response models of objects.py), so a page can never describe an endpoint that is not served."""

from html import escape

from fastapi.responses import HTMLResponse

from web.api.v2.routing import ENDPOINTS, EndpointDoc

ROOT_INTRO = (
    "We provide a RESTful JSON API for you to interact with your data from outside applications. "
    "The following endpoints are available:"
)
# the first line of each RapidPro endpoint's docstring (temba/api/v2/views.py)
INTROS = {
    "archives": "This endpoint allows you to list the data archives associated with your account.",
    "boundaries": "Unpublicized endpoint to list administrative boundaries.",
    "broadcasts": "This endpoint allows you to send new message broadcasts and list existing broadcasts in your "
    "account.",
    "campaigns": "This endpoint allows you to list campaigns in your account.",
    "campaign_events": "This endpoint allows you to list campaign events in your account.",
    "channels": "This endpoint allows you to list channels in your account.",
    "channel_events": "Deprecated endpoint for listing channel events on your account.",
    "contacts": "This endpoint allows you to list, create, update and delete contacts in your account.",
    "contact_actions": "Bulk Contact Updating: a POST can add or remove up to 100 contacts to or from a group, "
    "block, unblock, interrupt, archive their messages or delete them.",
    "definitions": "Deprecated endpoint for exporting definitions of flows, campaigns and triggers in your "
    "account.",
    "fields": "This endpoint allows you to list custom contact fields in your account.",
    "flows": "This endpoint allows you to list flows in your account.",
    "flow_starts": "This endpoint allows you to list manual flow starts in your account, and add or start "
    "contacts in a flow.",
    "globals": "This endpoint allows you to list, create, and update active globals on your account.",
    "groups": "This endpoint allows you to list, create, update and delete contact groups in your account.",
    "labels": "This endpoint allows you to list, create, update and delete message labels in your account.",
    "media": "This endpoint allows you to upload new media objects for use as attachments on messages.",
    "messages": "This endpoint allows you to list messages in your account.",
    "message_actions": "Bulk Message Updating: a POST can label, unlabel, archive, restore or delete up to 100 "
    "messages.",
    "resthooks": "This endpoint allows you to list configured resthooks in your account.",
    "resthook_events": "This endpoint lists recent events for the passed in Resthook.",
    "resthook_subscribers": "This endpoint allows you to list, add or remove subscribers to resthooks.",
    "runs": "This endpoint allows you to fetch flow runs. A run represents a single contact's path through a flow "
    "and is created each time a contact is started in a flow.",
    "statistics": "Unpublicized endpoint for daily statistics including per-channel message counts.",
    "tickets": "This endpoint allows you to list the tickets opened on your account.",
    "ticket_actions": "Bulk Ticket Updating: a POST can assign, note, change the topic of, close or reopen up to "
    "100 tickets.",
    "topics": "This endpoint allows you to list the topics in your workspace.",
    "users": "This endpoint allows you to list the user logins in your workspace.",
    "workspace": "This endpoint allows you to view details about your workspace.",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


def intro(name: str) -> str:
    return INTROS.get(name, f"The {name} endpoint.")


def root_page(status: int = 200) -> HTMLResponse:
    items = "".join(
        f'<li><a href="/api/v2/{name}">/api/v2/{name}</a> - {escape(intro(name))}</li>'
        for name, doc in sorted(ENDPOINTS.items())
        if doc.listed
    )
    body = (
        f"<p>{escape(ROOT_INTRO)}</p><ul>{items}</ul>"
        '<p>To use an endpoint simply append <i>.json</i> to its URL: <a href="/api/v2/flows">/api/v2/flows</a> '
        'is the documentation of that endpoint, <a href="/api/v2/flows.json">/api/v2/flows.json</a> a JSON list '
        "of flows. Authenticate with <code>Authorization: Token &lt;key&gt;</code>. The "
        '<a href="/api/v2/explorer/">explorer</a> lets you try every endpoint; '
        '<a href="/api/v2/openapi.json">/api/v2/openapi.json</a> describes them all.</p>'
    )
    return HTMLResponse(PAGE.format(title="API v2", body=body), status_code=status)


def endpoint_page(doc: EndpointDoc, fields: list[tuple[str, str]], status: int = 200) -> HTMLResponse:
    sections = []
    for op in doc.operations:
        params = "".join(f"<li><code>{escape(p)}</code></li>" for p in op.params) or "<li>none</li>"
        body = "".join(f"<li><code>{escape(b)}</code></li>" for b in op.body)
        sections.append(
            f"<h2>{op.method} /api/v2/{doc.name}.json</h2><p>{escape(op.summary)}</p>"
            f"<p>Requires permission <code>{escape(op.permission)}</code>.</p>"
            f"<h3>Query parameters</h3><ul>{params}</ul>" + (f"<h3>Body</h3><ul>{body}</ul>" if body else "")
        )
    shape = "".join(
        f"<li><code>{escape(f)}</code>" + (f" - {escape(text)}" if text else "") + "</li>"
        for f, text in fields
    )
    html = f"<p>{escape(intro(doc.name))}</p>" + "".join(sections)
    if shape:
        html += f"<h2>Fields of each object</h2><ul>{shape}</ul>"
    return HTMLResponse(PAGE.format(title=f"/api/v2/{doc.name}", body=html), status_code=status)
