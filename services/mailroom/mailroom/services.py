"""The outside services mailroom gives the engine (upesi.flows.services), each behind a setting: with none
configured, the action fails with an error event saying so (the engine logs it), never silently."""

from upesi.config import get_settings
from upesi.flows.services import ServiceError
from upesi.mail import MailError, send_mail


class SMTPEmailService:
    """send_email through the SMTP server of the SMTP_URL setting (read at each send)."""

    def send(self, addresses: list[str], subject: str, body: str) -> None:
        try:
            send_mail(get_settings().smtp_url, addresses, subject, body)
        except MailError as e:
            raise ServiceError(str(e)) from e
