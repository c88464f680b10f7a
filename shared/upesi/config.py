"""Settings: environment variables read once into one object (ARCHITECTURE.md, fixed contracts)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

# values that were defaults in this repository or its compose file: published, so never a secret
PUBLISHED_SECRET_KEYS = frozenset({"change-me-in-production", "change-me", "test-secret"})
MIN_SECRET_KEY_LENGTH = 32


class InsecureSettings(RuntimeError):
    """A setting that would let strangers in; the service refuses to start with it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = "postgresql://localhost/upesi"
    redis_url: str = "redis://localhost:6379/0"
    # signs session cookies: no default, web refuses to start without a real one (check_secret_key)
    secret_key: str = ""
    mailroom_url: str = "http://localhost:8090"
    mailroom_auth_token: str = "upesi-mailroom-token"
    courier_url: str = "http://localhost:8080"
    web_url: str = "http://localhost:8000"
    fake_provider_url: str = "http://localhost:8070"
    spool_dir: Path = Path("var/spool")
    # files of exports built in the background (web writes and serves them)
    exports_dir: Path = Path("var/exports")
    allow_private_networks: bool = False
    # Strict-Transport-Security max-age for web; 0 (the default) sends none. Set it once the site is https only.
    secure_hsts_seconds: int = 0
    # where email goes out (flows' send_email, password resets, invitations): smtp[s]://user:pass@host:port/?from=...
    # (see upesi.mail); empty: sending email fails with an error saying so
    smtp_url: str = ""

    # provider secrets, named as in the reference courier
    facebook_application_secret: str = ""
    facebook_webhook_secret: str = ""
    whatsapp_admin_system_user_token: str = ""
    # where web registers Telegram webhooks (tests point it at a local fake)
    telegram_api_url: str = "https://api.telegram.org"

    # worker sizing
    mailroom_workers: int = 8
    # how long a popped task stays leased without its worker extending it, and how long a contact lock
    # outlives a dead worker: the time a killed mailroom's work waits before another worker redoes it
    mailroom_task_lease_seconds: float = 60.0
    contact_lock_seconds: float = 300.0
    # mailroom's recovery crons (mailroom.crons.retry_msgs): how often they run, and how long handed-over work
    # waits before they redo it. The defaults are the reference's; the fault-injection tests shorten them.
    recovery_cron_seconds: float = 60.0
    stuck_msg_seconds: float = 60.0  # outgoing written but never queued to courier (I)
    queued_msg_seconds: float = 900.0  # outgoing queued to courier but never sent (Q)
    stalled_job_seconds: float = 300.0  # a start or broadcast unfinished since its last progress
    pending_incoming_seconds: float = 300.0  # incoming stored by courier but never handled (P)
    courier_senders: int = 16
    log_level: str = "INFO"

    def check_secret_key(self) -> None:
        """Refuse a SECRET_KEY anyone could know: a session cookie signed with it would sign anyone in.
        `make run` generates one into var/ (deploy/run-local.sh); tests generate one per session."""
        key = self.secret_key.strip()
        if not key:
            raise InsecureSettings("SECRET_KEY is not set: set it to a long random value (see README)")
        if key in PUBLISHED_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
            raise InsecureSettings(
                f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters, "
                "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )

    @property
    def async_database_url(self) -> str:
        """SQLAlchemy URL for asyncpg, whatever scheme the operator wrote."""
        url = self.database_url
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url

    @property
    def asyncpg_dsn(self) -> str:
        """Plain DSN for asyncpg.connect / create_pool."""
        return "postgresql://" + self.async_database_url[len("postgresql+asyncpg://") :]


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment before a service starts)."""
    get_settings.cache_clear()
