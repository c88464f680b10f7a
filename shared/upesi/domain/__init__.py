"""The domain layer: one module per concept holding its rules, shared by API v2, the UI, the CLI and mailroom.

Functions are keyword-only, take the session and the workspace, and never commit: the caller owns the
transaction."""
