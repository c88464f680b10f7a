"""Python's cyclic garbage collector, tuned for a long-running service whose work allocates many short-lived
objects (engine sessions, events, rows) over a large, stable heap (modules, the ORM's mappers, FastAPI).

With the defaults, a full (generation 2) collection walks every object the process holds, about 150,000
after start-up, and stops every worker while it does: tens of milliseconds on a quiet machine, seen
as the tail of reply latency, and more on a loaded one. So, once at start-up:
- gc.freeze() moves what start-up built into the permanent generation, which collections never walk;
- a larger first threshold lets the objects of a task in flight die by reference counting before a
  collection sees them, so fewer of them are promoted to the older generations (whose collections cost
  more) only to be freed there.

Each collection's pause is observed in upesi_gc_pause_seconds (by generation), so /metrics shows what the
collector costs."""

import gc
import time
from typing import Any

from prometheus_client import Histogram

from upesi.metrics import REGISTRY

# gen0 every 50,000 net allocations (default 700); gen1 every 20 gen0 runs; gen2 as the default (10 gen1
# runs, and only once the objects pending promotion are a quarter of the long-lived ones)
THRESHOLDS = (50_000, 20, 10)

GC_PAUSE = Histogram(
    "upesi_gc_pause_seconds",
    "Pauses of Python's cyclic garbage collector",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
    registry=REGISTRY,
)

_started = 0.0


def _observe(phase: str, info: dict[str, Any]) -> None:
    global _started
    if phase == "start":
        _started = time.perf_counter()
    else:
        GC_PAUSE.labels(str(info["generation"])).observe(time.perf_counter() - _started)


def tune() -> None:
    """Once, when start-up is done and before work begins (idempotent)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    if _observe not in gc.callbacks:
        gc.callbacks.append(_observe)
