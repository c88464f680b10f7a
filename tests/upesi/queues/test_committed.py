"""The post-commit push registry: every task type is classified once (a new type must say whether a cron
pushes it again), and an unclassified type is refused before anything is pushed."""

import pytest

from upesi.queues.committed import NOT_SWEPT, SWEPT_BY, push_committed
from upesi.queues.tasks import TASK_TYPES, MailroomTask


def test_every_task_type_is_classified_once() -> None:
    swept, not_swept = set(SWEPT_BY), set(NOT_SWEPT)
    assert swept & not_swept == set()
    assert {t.TYPE for t in swept | not_swept} == set(TASK_TYPES)


async def test_an_unclassified_type_is_refused() -> None:
    class Unclassified(MailroomTask):
        TYPE = "test_unclassified_push"
        QUEUE = "tasks:batch"

    try:
        with pytest.raises(TypeError, match="neither SWEPT_BY nor NOT_SWEPT"):
            await push_committed(1, Unclassified())
    finally:
        TASK_TYPES.pop(Unclassified.TYPE)
