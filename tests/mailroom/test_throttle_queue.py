"""The throttle_queue cron with real Postgres and Redis: a workspace with 10,000 messages in its outbox has its
bulk work paused on the throttled queue, another workspace's goes on, and it resumes once the outbox drains."""

from mailroom.crons import all_crons, throttle_queue
from tests.mailroom.test_support_batch import execute, workspace
from upesi.queues.fair import QUEUE_REALTIME, QUEUE_THROTTLED, FairQueue
from upesi.queues.redis import get_redis

OTHER_ORG = 987654  # a workspace with nothing in its outbox


async def fill_outbox(org_id: int, contact_id: int, n: int, status: str = "Q") -> None:
    await execute(
        """
        INSERT INTO msgs (uuid, org_id, channel_id, contact_id, contact_urn_id, text, direction, status)
        SELECT gen_random_uuid(), :o, u.channel_id, :c, u.id, 'bulk ' || i, 'O', :s
        FROM generate_series(1, :n) AS i,
             (SELECT id, (SELECT id FROM channels WHERE org_id = :o LIMIT 1) AS channel_id
              FROM contact_urns WHERE contact_id = :c LIMIT 1) AS u
        """,
        o=org_id,
        c=contact_id,
        n=n,
        s=status,
    )


async def test_full_outbox_pauses_bulk_work_until_it_drains(db: None) -> None:
    ws = await workspace(1)
    org, contact = ws["org_id"], ws["contact_ids"][0]
    await fill_outbox(org, contact, 9_999)
    await fill_outbox(org, contact, 5_000, status="W")  # already handed to the provider: not in the outbox
    throttled = FairQueue(get_redis(), QUEUE_THROTTLED)
    await throttled.push(org, "start_flow_batch", {"n": 1})
    await throttled.push(OTHER_ORG, "start_flow_batch", {"n": 2})

    # one short of the limit: nothing paused
    assert await throttle_queue.run() == ([], [])

    await fill_outbox(org, contact, 1)
    assert await throttle_queue.run() == ([str(org)], [])
    assert await throttle_queue.run() == ([], [])  # already paused
    assert await throttled.paused_owners() == {str(org)}

    # the other workspace's bulk work still goes; the throttled one's waits
    owner, _ = await throttled.pop()  # type: ignore[misc]
    assert owner == str(OTHER_ORG)
    await throttled.done(owner)
    assert await throttled.pop() is None
    # its realtime work is not throttled
    realtime = FairQueue(get_redis(), QUEUE_REALTIME)
    await realtime.push(org, "handle_contact_event", {"contact_id": contact}, priority=True)
    assert (await realtime.pop())[0] == str(org)  # type: ignore[index]

    # courier sends one: below the limit again, and the work resumes
    await execute(
        "UPDATE msgs SET status = 'W' WHERE id = (SELECT min(id) FROM msgs WHERE org_id = :o AND status = 'Q')",
        o=org,
    )
    assert await throttle_queue.run() == ([], [str(org)])
    owner, payload = await throttled.pop()  # type: ignore[misc]
    assert owner == str(org) and '"n":1' in payload


async def test_paused_workspace_with_nothing_queued_is_resumed_once_drained(db: None) -> None:
    ws = await workspace(1)
    throttled = FairQueue(get_redis(), QUEUE_THROTTLED)
    await throttled.pause(ws["org_id"])
    assert await throttle_queue.run() == ([], [str(ws["org_id"])])
    assert await throttled.paused_owners() == set()


async def test_outbox_counts_stop_at_the_limit(db: None) -> None:
    ws = await workspace(1)
    await fill_outbox(ws["org_id"], ws["contact_ids"][0], 30)
    await fill_outbox(
        ws["org_id"], ws["contact_ids"][0], 5, status="E"
    )  # errored, to be retried: still outbox
    assert await throttle_queue.outbox_counts([ws["org_id"], OTHER_ORG], limit=20) == {
        ws["org_id"]: 20,
        OTHER_ORG: 0,
    }
    assert await throttle_queue.outbox_counts([ws["org_id"]]) == {ws["org_id"]: 35}


def test_cron_runs_every_ten_seconds() -> None:
    [cron] = [c for c in all_crons() if c.name == "throttle_queue"]
    assert cron.interval == 10.0 and cron.run is throttle_queue.run
