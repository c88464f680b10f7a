"""Issue #22 point 3: each service SIGKILLed, and PostgreSQL and Redis stopped, in the middle of a flow start, a
broadcast and sending, then every message counted at the fake provider: none lost, none sent twice, none stuck
(a message a courier died sending ends failed, visibly, rather than risk a second send).

FAULT_CONTACTS sets the size (1,500 in the suite; run once with FAULT_CONTACTS=20000 --timeout 0 by hand)."""

import threading
import time

import httpx
import pytest

from tests.faults.stack import CONTACTS, Settled, Stack, count_outcome, sends_count, wait_until
from upesi_cli.demo import JOIN_FLOW

# the stack's start-up dominates on a loaded machine (a minute at a load of 20 on two cores)
pytestmark = pytest.mark.timeout(600 + CONTACTS // 20)

START_MSGS = "SELECT id, contact_id, status FROM msgs WHERE direction = 'O' AND flow_id = $1"
BROADCAST_MSGS = "SELECT id, contact_id, status FROM msgs WHERE direction = 'O' AND broadcast_id = $1"
SETTLE = (
    90 + CONTACTS / 50
)  # seconds: recovery waits are a few seconds each, sending about 100+/s when loaded


def _group_uuid(stack: Stack) -> str:
    return str(stack.value("SELECT uuid FROM contact_groups WHERE name = 'Faults'"))


def _kill_and_restart(stack: Stack, name: str, progress, at_least: int) -> int:  # type: ignore[no-untyped-def]
    """SIGKILL `name` once `progress()` reaches `at_least`, start it again; returns the progress at the kill."""
    wait_until(lambda: progress() >= at_least, timeout=120, interval=0.02, what=f"{name}: {at_least} done")
    stack.kill(name)
    done = progress()
    stack.start(name)
    return done


def test_flow_start_with_web_mailroom_and_courier_killed(stack: Stack) -> None:
    flow_id = stack.value("SELECT id FROM flows WHERE uuid = $1", JOIN_FLOW["uuid"])
    r = stack.api_post("flow_starts.json", {"flow": JOIN_FLOW["uuid"], "groups": [_group_uuid(stack)]})
    assert r.status_code == 201, r.text

    def sessions() -> int:
        return int(stack.value("SELECT count(*) FROM flow_sessions"))

    at_kill = _kill_and_restart(stack, "mailroom", sessions, CONTACTS // 10)
    assert at_kill < CONTACTS, "mailroom was killed after the start was done: it proves nothing"
    # courier next, while the restarted mailroom writes the rest: web's restart (slow on a loaded machine) came
    # first once, and a start fast enough was sent in full before courier's kill could catch it sending
    sent_at_kill = _kill_and_restart(
        stack, "courier", lambda: sends_count(stack), sends_count(stack) + CONTACTS // 10
    )
    assert sent_at_kill < CONTACTS, "courier was killed after sending everything: it proves nothing"
    stack.kill("web")  # once answered, nothing of the start lives in web
    stack.start("web")

    wait_until(
        Settled(stack, START_MSGS, flow_id, CONTACTS), timeout=SETTLE, interval=0.5, what="start settled"
    )
    outcome = count_outcome(stack, START_MSGS, flow_id, CONTACTS)
    print(
        f"flow start, mailroom killed at {at_kill} sessions, courier at {sent_at_kill} sends: {outcome.summary()}"
    )
    assert (outcome.lost, outcome.sent_twice, outcome.stuck) == ([], [], {}), outcome.summary()
    assert outcome.messages == CONTACTS  # one question each: a redone batch made no second session or message
    sessions_per_contact = stack.query(
        "SELECT contact_id, count(*) AS n FROM flow_sessions GROUP BY contact_id HAVING count(*) <> 1"
    )
    assert sessions_per_contact == []
    assert stack.value("SELECT status FROM flow_starts") == "C"


def test_broadcast_with_mailroom_courier_postgres_and_redis_down(stack: Stack) -> None:
    r = stack.api_post(
        "broadcasts.json", {"groups": [_group_uuid(stack)], "text": "Vaccination day is Saturday"}
    )
    assert r.status_code == 201, r.text
    broadcast_id = r.json()["id"]

    def made() -> int:
        return int(stack.value("SELECT count(*) FROM msgs WHERE broadcast_id = $1", broadcast_id))

    at_kill = _kill_and_restart(stack, "mailroom", made, CONTACTS // 10)
    assert at_kill < CONTACTS, "mailroom was killed after the broadcast was made: it proves nothing"

    stack.redis.shutdown()  # a Redis with persistence restarted: queues survive, every connection breaks
    time.sleep(2)
    stack.redis.start()
    stack.pg.stop("immediate")  # a crash: every backend aborted, WAL replayed at start
    time.sleep(2)
    stack.pg.start()

    sent_at_kill = _kill_and_restart(
        stack, "courier", lambda: sends_count(stack), sends_count(stack) + CONTACTS // 10
    )
    wait_until(
        Settled(stack, BROADCAST_MSGS, broadcast_id, CONTACTS),
        timeout=SETTLE,
        interval=0.5,
        what="broadcast settled",
    )
    outcome = count_outcome(stack, BROADCAST_MSGS, broadcast_id, CONTACTS)
    print(
        f"broadcast, mailroom killed at {at_kill} messages, courier at {sent_at_kill} sends: {outcome.summary()}"
    )
    assert (outcome.lost, outcome.sent_twice, outcome.stuck) == ([], [], {}), outcome.summary()
    assert outcome.messages == CONTACTS
    assert stack.value("SELECT status FROM broadcasts WHERE id = $1", broadcast_id) == "C"


def test_web_killed_in_a_burst_of_api_writes(stack: Stack) -> None:
    """A write is all or nothing: each broadcast web answered 201 for is sent to its three contacts once; one whose
    answer was cut off by the kill either does not exist or is sent like the others."""
    token = stack.token()
    answers: dict[int, int] = {}

    def post(i: int) -> None:
        urns = [f"tel:+1888{i:04d}{k}" for k in range(3)]
        try:
            r = httpx.post(
                f"{stack.url('web')}/api/v2/broadcasts.json", json={"urns": urns, "text": f"burst {i}"},
                headers={"Authorization": f"Token {token}"}, timeout=30,
            )  # fmt: skip
            answers[i] = r.status_code
        except httpx.HTTPError:
            answers[i] = 0  # cut off by the kill

    threads = [threading.Thread(target=post, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    wait_until(lambda: len(answers) >= 8, timeout=60, interval=0.01, what="a few answers")
    stack.kill("web")
    for t in threads:
        t.join()
    stack.start("web")
    assert 0 < sum(1 for code in answers.values() if code == 201) < 40, answers

    created = {int(r["text"].split()[1]): r["id"] for r in stack.query(
        "SELECT id, translations->'eng'->>'text' AS text FROM broadcasts WHERE translations->'eng'->>'text' LIKE 'burst %'"
    )}  # fmt: skip
    assert {i for i, code in answers.items() if code == 201} <= set(created)
    assert all(code in (201, 0) for code in answers.values()), answers  # never a 500

    def all_sent() -> bool:
        return stack.value("SELECT count(*) FROM msgs WHERE broadcast_id = ANY($1::bigint[]) AND status = 'W'",
                           list(created.values())) == 3 * len(created)  # fmt: skip

    wait_until(all_sent, timeout=SETTLE, interval=0.5, what="burst sent")
    texts = [form["text"] for form in stack.sends()]
    assert sorted(texts) == sorted(f"burst {i}" for i in created for _ in range(3))
