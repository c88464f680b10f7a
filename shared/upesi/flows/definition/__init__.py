"""Flow definitions: reading, validation and migration."""

from upesi.flows.definition.errors import FlowMigrationError, FlowReadError, FlowValidationError
from upesi.flows.definition.migrate import migrate_flow
from upesi.flows.definition.model import Case, Category, Exit, Flow, Node, Router, Timeout, Wait
from upesi.flows.definition.reader import CURRENT_SPEC_VERSION, read_flow

__all__ = [
    "CURRENT_SPEC_VERSION",
    "Case",
    "Category",
    "Exit",
    "Flow",
    "FlowMigrationError",
    "FlowReadError",
    "FlowValidationError",
    "Node",
    "Router",
    "Timeout",
    "Wait",
    "migrate_flow",
    "read_flow",
]
