"""The one error a domain rule raises: which field is wrong and why, for the API (a 400 naming the field)
and the UI (the form again with the message beside the field)."""


class DomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
