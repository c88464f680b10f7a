"""Every mailroom task type declared in upesi.queues.tasks has one consumer, which reads the same fields; and
tasks are produced only through that module."""

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from mailroom.tasks import MODULES, TASKS
from upesi.queues.tasks import TASK_TYPES, MailroomTask, TaskError

ROOT = Path(__file__).resolve().parents[2]


def sample(cls: type[MailroomTask]) -> dict[str, Any]:
    values = {"int": 7, "str": "abc", "list[int]": [1, 2]}
    return {f.name: values[str(f.type).replace("builtins.", "")] for f in dataclasses.fields(cls)}


def test_every_task_type_has_one_consumer_reading_its_dataclass() -> None:
    consumed = [m.TASK for m in MODULES]
    assert len(consumed) == len(set(consumed)), "a task type with two consumers"
    assert {c.TYPE for c in consumed} == set(TASK_TYPES), "a produced task type without a consumer (or back)"
    for m in MODULES:
        assert TASK_TYPES[m.TASK.TYPE] is m.TASK
        assert TASKS[m.TASK.TYPE] is m.handle


@pytest.mark.parametrize("task_type", sorted(TASK_TYPES))
async def test_consumer_decodes_the_producers_fields(task_type: str) -> None:
    """The handler reads the body through the dataclass before touching anything: a body without a field
    of the dataclass, or with one it does not declare, is refused naming that field."""
    cls = TASK_TYPES[task_type]
    body = sample(cls)
    assert cls.decode(cls.decode(body).body()).body() == body  # round trip
    for missing in body:
        with pytest.raises(TaskError, match=f"missing field '{missing}'"):
            await TASKS[task_type](1, {k: v for k, v in body.items() if k != missing})
    with pytest.raises(TaskError, match="unknown field 'surplus'"):
        await TASKS[task_type](1, {**body, "surplus": 1})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"start_id": "12"}, "field 'start_id' must be int"),
        ({"start_id": True}, "field 'start_id' must be int"),
        ({"start_id": None}, "field 'start_id' must be int"),
        ([], "body must be an object"),
    ],
)
def test_decode_refuses_mistyped_fields(body: Any, error: str) -> None:
    with pytest.raises(TaskError, match=error):
        TASK_TYPES["start_flow"].decode(body)


# modules that may use the fair queue directly: the queue itself, the one producer module, and mailroom's
# consumers of the queue (workers, queue depth metrics, the throttle that pauses owners)
QUEUE_USERS = {
    "shared/upesi/queues/fair.py",
    "shared/upesi/queues/tasks.py",
    "services/mailroom/mailroom/foreman.py",
    "services/mailroom/mailroom/app.py",
    "services/mailroom/mailroom/crons/throttle_queue.py",
}


def test_tasks_are_produced_only_through_the_tasks_module() -> None:
    offenders = []
    for folder in ("shared", "services", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "node_modules" in rel or rel in QUEUE_USERS:
                continue
            src = path.read_text()
            if "FairQueue" in src or re.search(r"\.push(_many|_raw)?\(\s*[\w.]+,\s*[\"']", src):
                offenders.append(rel)
    assert offenders == []
