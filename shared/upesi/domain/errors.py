"""What a domain rule raises: which field is wrong and why, for the API (a 400 naming the field, rendered in
one place: web.api.v2.errors.V2Route) and the UI (the form again with the message beside the field)."""


class DomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class LimitReached(DomainError):
    """The workspace has as many of these as it may have (RapidPro's org limits): API 409."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind, "Cannot create object because workspace has reached limit.")
        self.kind = kind
