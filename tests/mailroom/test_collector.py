"""mailroom.collector: start-up's heap frozen out of collections, fewer young collections, pauses measured."""

import gc
from collections.abc import Iterator

import pytest

from mailroom import collector
from upesi.metrics import REGISTRY


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    if collector._observe in gc.callbacks:
        gc.callbacks.remove(collector._observe)


def _pauses(generation: str) -> float:
    return REGISTRY.get_sample_value("upesi_gc_pause_seconds_count", {"generation": generation}) or 0.0


def test_tune_freezes_the_heap_sets_thresholds_and_observes_every_pause(restore_gc: None) -> None:
    collector.tune()
    collector.tune()  # idempotent: one observer
    assert gc.get_freeze_count() > 10_000  # the modules and objects built so far
    assert gc.get_threshold() == collector.THRESHOLDS
    assert gc.callbacks.count(collector._observe) == 1
    before = _pauses("2")
    gc.collect()
    assert _pauses("2") == before + 1
