"""Forgotten passwords: ask for a link by email, then choose a new password (upesi.domain.passwords)."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from upesi.domain.errors import DomainError
from upesi.domain.mails import deliver, email_configured
from upesi.domain.passwords import request_reset, reset_password, user_of_token
from web.ui.auth import Csrf, get_db
from web.ui.render import render

router = APIRouter()
DbDep = Annotated[AsyncSession, Depends(get_db)]
NO_EMAIL = "This server cannot send email yet (no SMTP_URL is set): ask its operator to reset your password."


@router.get("/user/forget/")
async def forget_page(request: Request) -> Response:
    return render(request, "org/forget.html", {"sent": False, "error": None})


@router.post("/user/forget/", dependencies=[Csrf])
async def forget(
    request: Request, db: DbDep, background: BackgroundTasks, email: Annotated[str, Form()] = ""
) -> Response:
    if not email_configured():
        return render(request, "org/forget.html", {"sent": False, "error": NO_EMAIL}, status_code=503)
    mail = await request_reset(db, email=email)
    await db.rollback()  # nothing written
    if mail is not None:
        background.add_task(deliver, mail)  # after the answer: known and unknown emails answer alike
    return render(request, "org/forget.html", {"sent": True, "error": None})


@router.get("/user/recover/{token}/")
async def recover_page(request: Request, db: DbDep, token: str) -> Response:
    try:
        user = await user_of_token(db, token=token)
    except DomainError as error:
        return render(request, "org/recover.html", {"email": None, "error": error}, status_code=400)
    return render(request, "org/recover.html", {"email": user.email, "error": None})


@router.post("/user/recover/{token}/", dependencies=[Csrf])
async def recover(
    request: Request,
    db: DbDep,
    token: str,
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    try:
        user = await reset_password(db, token=token, password=password, confirm=confirm)
    except DomainError as error:
        await db.rollback()
        email = None if error.field == "token" else (await user_of_token(db, token=token)).email
        return render(request, "org/recover.html", {"email": email, "error": error}, status_code=400)
    await db.commit()
    return RedirectResponse(f"/users/login/?reset={user.email}", status_code=303)
