"""What the domain layer raises when a rule is broken. The API turns these into its error bodies in one place
(web.api.v2.errors.V2Route); the UI shows the message."""


class DomainError(Exception):
    """A rule was broken; the message is for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidField(DomainError):
    """A value given for a field breaks a rule: API 400 {field: [message]}."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LimitReached(DomainError):
    """The workspace has as many of these as it may have: API 409."""

    def __init__(self, kind: str) -> None:
        super().__init__("Cannot create object because workspace has reached limit.")
        self.kind = kind
