"""The domain layer: one module per concept, holding every rule (validation, limits, side effects) that the API
and the UI both apply. Functions are keyword-only, take the session and the workspace, and never commit: the
caller owns the transaction. A rule broken raises a DomainError that each surface renders in its own way (the
API as a 400 naming the field or a 409, the UI as a message on the form)."""
