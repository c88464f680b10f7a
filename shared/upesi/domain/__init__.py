"""The domain layer: one module per concept, holding every rule (validation, limits, side effects).

Functions are keyword-only, take the session and the workspace, and never commit: the caller (an API v2
handler, a UI page, the CLI, mailroom) owns the transaction. API and UI call the same function, so a rule
is decided and tested once. A rule broken raises a DomainError (upesi.domain.errors) that each surface
renders its own way: the API as a 400 naming the field (or a 409 for a limit), the UI beside the field."""
