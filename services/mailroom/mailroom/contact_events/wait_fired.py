"""ctasks `wait_timeout` and `wait_expired`: a contact's wait timed out or expired (queued by the
fire_contacts cron from contact_fires). Resumes the waiting session with a wait_timeout or
wait_expiration resume, unless the fire is stale: the session is no longer waiting, or has moved on to
another sprint since the fire was set.

    {"type": "wait_timeout", "task": {"contact_id": 42, "session_uuid": "…", "sprint_uuid": "…"}}
"""

import logging
from typing import Any

from sqlalchemy import text

from mailroom import runner
from mailroom.contacts import load_contacts
from mailroom.outbox import queue_outgoing
from mailroom.persist import Outgoing, commit_sprints
from mailroom.scene import load_org_scene
from upesi.db.engine import transaction
from upesi.flows.resumes import ResumeError

log = logging.getLogger(__name__)


async def handle_timeout(org_id: int, contact_id: int, task: dict[str, Any]) -> None:
    await _resume(org_id, contact_id, task, "wait_timeout")


async def handle_expired(org_id: int, contact_id: int, task: dict[str, Any]) -> None:
    await _resume(org_id, contact_id, task, "wait_expiration")


async def _resume(org_id: int, contact_id: int, task: dict[str, Any], resume_type: str) -> None:
    outgoing: list[Outgoing] = []
    async with transaction() as db:
        session = (
            await db.execute(
                text(
                    """
                    SELECT s.uuid::text, s.output, s.last_sprint_uuid::text AS sprint_uuid
                    FROM flow_sessions s JOIN contacts c ON c.id = s.contact_id
                    WHERE s.contact_id = :c AND s.org_id = :org AND s.status = 'W'
                      AND c.current_session_uuid = s.uuid AND s.uuid = CAST(:s AS uuid)
                    """
                ),
                {"c": contact_id, "org": org_id, "s": task.get("session_uuid")},
            )
        ).first()
        if session is None or (task.get("sprint_uuid") and session.sprint_uuid != task["sprint_uuid"]):
            log.info("stale fire ignored", extra={"contact_id": contact_id, "type": resume_type})
            return
        scene = await load_org_scene(db, org_id)
        contacts = await load_contacts(db, org_id, [contact_id], scene.field_keys)
        if contact_id not in contacts:
            return
        resume = runner.wait_resume(resume_type)
        try:
            sprint = await runner.resume_session(
                scene.assets,
                scene.environment,
                contact_id,
                dict(session.output, contact=contacts[contact_id]),
                resume,
            )
        except ResumeError as e:  # e.g. a timeout for a wait whose flow was edited to have none
            log.warning(
                "wait fire could not resume the session", extra={"contact_id": contact_id, "error": str(e)}
            )
            return
        outgoing = await commit_sprints(db, org_id, [sprint], scene=scene)
    await queue_outgoing(outgoing)
