"""The provider's callbacks for calls, at RapidPro's paths; courier proxies them here from its public port
(with the mailroom token and the public URL in X-Forwarded-* headers, which the signature is checked
against):

    POST /mr/ivr/c/{channel uuid}/incoming                        an incoming call
    POST /mr/ivr/c/{channel uuid}/handle?action=start&call={uuid}  our outgoing call was answered
    POST /mr/ivr/c/{channel uuid}/handle?action=resume&call={uuid}&wait_type=gather|record|dial
    POST /mr/ivr/c/{channel uuid}/status                          the call's status changed

Every exchange is kept as a channel log (attached to its call). A callback we cannot act on answers in the
provider's language (TwiML, Vonage's NCCO) saying so and hanging up, never a server error."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mailroom.ivr import calls, incoming, sessions
from mailroom.ivr.clogs import ChannelLog, trace_request, trace_response
from mailroom.ivr.recordings import store_recording
from mailroom.ivr.services import ChannelInfo, IVRService, ServiceError, service_for
from mailroom.ivr.twiml import TwiMLError
from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing
from mailroom.web.auth import require_token
from upesi.config import get_settings
from upesi.db.engine import transaction

log = logging.getLogger(__name__)
router = APIRouter(prefix="/mr/ivr/c", dependencies=[Depends(require_token)])
UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
LOG_TYPES = {"incoming": "ivr_incoming", "handle": "ivr_callback", "status": "ivr_status"}


@dataclass
class Callback:
    """One provider request as a handler needs it."""

    channel: ChannelInfo
    svc: IVRService
    form: dict[str, str]
    query: dict[str, str]
    request: Request
    clog: ChannelLog
    call_id: int | None = None  # the call the exchange belongs to, once known (its log is attached)
    outgoing: list[Outgoing] | None = None
    missed: incoming.Answered | None = None
    url: str = ""  # the public URL the provider requested


Handler = Callable[[AsyncSession, Callback], Awaitable[tuple[str, int]]]


def public_url(request: Request) -> str:
    """The URL the provider requested (and signed), as courier saw it."""
    h = request.headers
    proto = h.get("x-forwarded-proto") or request.url.scheme
    host = h.get("x-forwarded-host") or h.get("host", "")
    path = h.get("x-forwarded-path") or (
        request.url.path + (f"?{request.url.query}" if request.url.query else "")
    )
    return f"{proto}://{host}{path}"


def callback_base(channel: ChannelInfo) -> str:
    """Where providers reach us: the channel's callback_domain (https) or COURIER_URL."""
    domain = channel.config.get("callback_domain")
    return f"https://{domain}" if domain else get_settings().courier_url.rstrip("/")


def resume_url(channel: ChannelInfo, call_uuid: str) -> str:
    return f"{callback_base(channel)}/mr/ivr/c/{channel.uuid}/handle?action=resume&call={call_uuid}"


async def load_channel(db: AsyncSession, uuid: str) -> ChannelInfo | None:
    row = (
        await db.execute(
            text(
                """SELECT id, uuid::text AS uuid, org_id, channel_type, name, address, config, role, country
                   FROM channels WHERE uuid = CAST(:u AS uuid) AND is_active"""
            ),
            {"u": uuid},
        )
    ).first()
    return ChannelInfo(**row._mapping) if row else None


async def _serve(channel_uuid: str, action: str, request: Request, handler: Handler) -> Response:
    body = (await request.body()).decode("utf-8", "replace")
    async with transaction() as db:
        channel = await load_channel(db, channel_uuid)
        if channel is None:
            return JSONResponse({"error": f"no active channel with uuid: {channel_uuid}"}, 400)
        try:
            svc = service_for(channel)
        except ServiceError as e:
            return JSONResponse({"error": str(e)}, 400)
        clog = ChannelLog(LOG_TYPES[action], channel.id, svc.secrets())
        url = public_url(request)
        try:
            pairs = svc.parse(body)
        except TwiMLError as e:
            pairs, problem = [], str(e)
        else:
            problem = ""
        cb = Callback(channel, svc, dict(pairs), dict(request.query_params), request, clog=clog, url=url)
        if problem:
            answer, status = svc.error_response(problem), 400
            clog.error(problem)
        elif problem := svc.check_signature(url, body, pairs, request.headers):
            answer, status = svc.error_response(f"request failed signature validation: {problem}"), 403
            clog.error(problem, "signature")
        else:
            try:
                answer, status = await handler(db, cb)
            except (TwiMLError, ServiceError) as e:
                answer, status = svc.error_response(str(e)), 200
                clog.error(str(e))
        headers = {"Content-Type": request.headers.get("content-type", "")}
        clog.http(
            url,
            status,
            trace_request("POST", url, headers, body),
            trace_response(status, {"Content-Type": svc.content_type}, answer),
            0,
        )
        await clog.write(db)
        if cb.call_id is not None:
            await calls.attach_log(db, cb.call_id, clog.uuid)
    await queue_outgoing(cb.outgoing or [])
    if cb.missed is not None:
        await incoming.queue_missed(cb.missed)
    return Response(answer, status, media_type=svc.content_type)


@router.post("/{channel_uuid}/incoming")
async def incoming_call(channel_uuid: str, request: Request) -> Response:
    return await _serve(channel_uuid, "incoming", request, _incoming)


@router.post("/{channel_uuid}/handle")
async def handle_call(channel_uuid: str, request: Request) -> Response:
    return await _serve(channel_uuid, "handle", request, _handle)


@router.post("/{channel_uuid}/status")
async def call_status(channel_uuid: str, request: Request) -> Response:
    return await _serve(channel_uuid, "status", request, _status)


async def _incoming(db: AsyncSession, cb: Callback) -> tuple[str, int]:
    result = await incoming.answer(db, cb.channel, cb.svc, cb.form)
    cb.call_id, cb.outgoing, cb.missed = result.call_id, result.outgoing, result
    if result.ran is None:
        return cb.svc.empty_response(result.note), 200
    if result.ran.sprint.session.get("type") != "voice":
        return cb.svc.reject_response(), 200
    return await _answer(cb, result.ran, result.call_uuid, cb.svc.call_id(cb.form)), 200


@asynccontextmanager
async def _client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def _answer(cb: Callback, ran: sessions.Ran, call_uuid: str, external_id: str) -> str:
    if ran.sprint.status == "failed":
        return cb.svc.error_response("cannot write IVR response for failed session")
    async with _client() as client:  # Vonage places a dial's second call while answering
        return await cb.svc.response_for_events(
            client,
            ran.sprint.events,
            resume_url(cb.channel, call_uuid),
            ran.default_locale,
            external_id,
            cb.clog,
        )


async def _handle(db: AsyncSession, cb: Callback) -> tuple[str, int]:
    action, call_uuid = cb.query.get("action", ""), cb.query.get("call", "")
    call = await calls.get_by_uuid(db, cb.channel.org_id, call_uuid) if call_uuid else None
    if call is None or call.channel_id != cb.channel.id:
        return cb.svc.error_response(f"no call with uuid {call_uuid!r} on this channel"), 404
    cb.call_id = call.id
    contact = await _contact(db, call)
    if contact is None:
        await calls.set_failed(db, call.id)
        return cb.svc.error_response(f"no active contact with id: {call.contact_id}"), 200
    urn = contact.identity
    if action == "start":
        return await _start(db, cb, call, urn), 200
    if action == "resume":
        return await _resume(db, cb, call, urn), 200
    if action == "status":
        return await _update_status(db, cb, call), 200
    return cb.svc.error_response(f"unknown action: {action}"), 400


async def _contact(db: AsyncSession, call: calls.CallRow) -> Any:
    return (
        await db.execute(
            text(
                """SELECT c.id, u.identity FROM contacts c JOIN contact_urns u ON u.id = :urn AND u.contact_id = c.id
                   WHERE c.id = :c AND c.is_active AND c.status = 'A'"""
            ),
            {"c": call.contact_id, "urn": call.contact_urn_id},
        )
    ).first()


async def _start(db: AsyncSession, cb: Callback, call: calls.CallRow, urn: str) -> str:
    if call.status not in ("W", "I"):
        await calls.set_failed(db, call.id)
        return cb.svc.error_response(f"call in invalid state: {call.status}")
    if cb.svc.machine_answered(cb.form):
        status = await calls.set_errored(db, call, "M")
        return cb.svc.error_response(f"status updated: {status}")
    if not call.trigger:
        await calls.set_failed(db, call.id)
        return cb.svc.error_response("call has no flow to start")
    ran = await sessions.start(db, cb.channel.org_id, cb.channel, call, urn, call.trigger)
    cb.outgoing = ran.outgoing
    await calls.set_in_progress(db, call.id, ran.sprint.session["uuid"])
    return await _answer(cb, ran, call.uuid, call.external_id)


async def _resume(db: AsyncSession, cb: Callback, call: calls.CallRow, urn: str) -> str:
    if not call.session_uuid:
        await calls.set_failed(db, call.id)
        return cb.svc.error_response("can't resume call without session")
    session_row = await sessions.waiting_session(db, call.contact_id)
    if session_row is None or session_row.uuid != call.session_uuid or session_row.session_type != "V":
        await calls.set_failed(db, call.id)
        return cb.svc.error_response("no active IVR session for contact")
    if call.status in ("E", "F"):
        await sessions.end_session(db, call.session_uuid)
        return cb.svc.error_response("ending call due to previous status callback")
    if (own := await cb.svc.preprocess_resume(cb.query, cb.form, cb.url)) is not None:
        return own  # Vonage: a recording's URL arrived, or the recording is not there yet
    state = cb.svc.status_for(cb.form)
    if state.status != "I":
        await calls.update_status(db, call.id, state.status)
    given = cb.svc.resume_for(cb.form, cb.query)

    async def store(attachment: str) -> str:
        return await store_recording(db, cb.svc, cb.channel.org_id, attachment, cb.clog)

    ran = await sessions.resume(db, cb.channel.org_id, cb.channel, call, urn, session_row, given, store)
    cb.outgoing = ran.outgoing
    if state.status != "I":
        return cb.svc.error_response("call completed")
    return await _answer(cb, ran, call.uuid, call.external_id)


async def _status(db: AsyncSession, cb: Callback) -> tuple[str, int]:
    async with _client() as client:  # Vonage: a dialled leg's events, and the transfer back to the flow
        if (own := await cb.svc.preprocess_status(client, cb.form, cb.clog)) is not None:
            return own, 200
    external_id = cb.svc.call_id(cb.form)
    if not external_id:
        return cb.svc.error_response("no call id in the request"), 400
    call = await calls.get_by_external_id(db, cb.channel.id, external_id)
    if call is None:
        return cb.svc.empty_response("unknown call, ignoring"), 200
    cb.call_id = call.id
    return await _update_status(db, cb, call), 200


async def _update_status(db: AsyncSession, cb: Callback, call: calls.CallRow) -> str:
    """As mailroom's HandleStatus: an errored outgoing call is retried later (or fails once its retries are
    used), an errored incoming one fails. Departure: a call that ends while its session still waits ends
    the session at once (interrupted) rather than leaving it to expire."""
    state = cb.svc.status_for(cb.form)
    if call.status in ("E", "F"):
        return cb.svc.empty_response(f"status {state.status} ignored, already errored")
    if state.status == "E":
        if call.direction == "I":
            await calls.set_failed(db, call.id, state.error_reason)
            new_status = "F"
        else:
            new_status = await calls.set_errored(db, call, state.error_reason or "P")
    elif state.status == "F":
        await calls.set_failed(db, call.id, state.error_reason)
        new_status = "F"
    else:
        if state.status != call.status or state.duration > 0:
            await calls.update_status(db, call.id, state.status, state.duration)
        new_status = state.status
    if new_status in calls.ENDED:
        await sessions.end_session(db, call.session_uuid)
    return cb.svc.empty_response(f"status updated: {new_status}")
