"""Errors raised when a flow definition can't be read or is invalid."""


class FlowValidationError(ValueError):
    """Base class: the message says which node/action/router and what is wrong."""


class FlowReadError(FlowValidationError):
    """The JSON is structurally invalid (missing fields, unknown types, bad references)."""


class FlowMigrationError(FlowValidationError):
    """The definition could not be migrated to the current spec version."""
