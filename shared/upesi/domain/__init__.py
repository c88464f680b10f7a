"""The rules, one module per concept, shared by the API, the UI, the CLI and mailroom. Functions take the
session and the workspace as keyword arguments and never commit: the caller owns the transaction."""
