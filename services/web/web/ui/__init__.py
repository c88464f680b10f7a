"""The web UI (pages, sessions, the flow editor's endpoints). `install(app)` mounts it."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the UI's routers, static files and middleware on the app."""
    from web.ui import (
        account,
        auth,
        broadcasts,
        campaigns,
        channel_edit,
        channel_forms,
        channels,
        contact_bulk,
        contact_edit,
        contact_import,
        contacts,
        dashboard,
        errors,
        export_pages,
        groups,
        invitations,
        labels,
        msgs,
        org,
        passwords,
        static,
        table_exports,
        tickets,
        tokens,
        triggers,
        two_factor,
        workspace,
    )
    from web.ui.editor import router as editor_router
    from web.ui.flows import router as flows_router
    from web.ui.session import add_session_middleware

    add_session_middleware(app)
    errors.install(app)
    static.mount(app)
    for router in (
        auth.router,
        flows_router,
        editor_router,
        groups.router,
        table_exports.router,
        export_pages.router,
        contact_bulk.router,
        contact_edit.router,
        contact_import.router,
        contacts.router,
        broadcasts.router,
        labels.router,
        msgs.router,
        tickets.router,
        tokens.router,
        org.router,
        channel_edit.router,
        channel_forms.router,
        channels.router,
        triggers.router,
        campaigns.router,
        dashboard.router,
        workspace.router,
        account.router,
        passwords.router,
        invitations.router,
        two_factor.router,
    ):
        app.include_router(router)
