"""Prometheus metrics, one registry per process, named the same in every service."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

HTTP_LATENCY = Histogram(
    "upesi_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
    registry=REGISTRY,
)
MSGS_IN = Counter(
    "upesi_msgs_in_total", "Incoming messages stored", ["channel_type", "channel_uuid"], registry=REGISTRY
)
MSGS_OUT = Counter(
    "upesi_msgs_out_total",
    "Outgoing message send results",
    ["channel_type", "channel_uuid", "status"],
    registry=REGISTRY,
)
STATUSES_IN = Counter(
    "upesi_statuses_in_total", "Status callbacks applied", ["channel_type", "status"], registry=REGISTRY
)
QUEUE_DEPTH = Gauge("upesi_queue_depth", "Items waiting in a queue", ["queue"], registry=REGISTRY)
TASK_DURATION = Histogram(
    "upesi_task_duration_seconds",
    "Mailroom task durations",
    ["queue", "task_type", "outcome"],
    registry=REGISTRY,
)
SPOOL_CORRUPT = Counter(
    "upesi_spool_corrupt_total",
    "Courier spool files that could not be parsed, set aside",
    ["kind"],
    registry=REGISTRY,
)
SPOOL_REFUSED = Counter(
    "upesi_spool_refused_total",
    "Courier spool replays the database refused (kept, retried)",
    ["kind"],
    registry=REGISTRY,
)
UNKNOWN_FIRES = Counter(
    "upesi_fires_unknown_total",
    "Due contact fires of a type no handler owns (left in place, logged)",
    registry=REGISTRY,
)
POST_COMMIT_PUSH_DEFERRED = Counter(
    "upesi_post_commit_push_deferred_total",
    "Tasks of committed writes Redis did not take, left to mailroom's recovery crons",
    ["task_type"],
    registry=REGISTRY,
)
