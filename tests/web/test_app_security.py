"""Issue #22, security: web refuses to start with a SECRET_KEY anyone could know (point 5), and the compose
file has no default for it."""

from pathlib import Path

import pytest
import yaml

from upesi.config import InsecureSettings, reset_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "key",
    ["", "   ", "change-me-in-production", "change-me", "test-secret", "short-but-random-1234", "a" * 40],
)
def test_web_refuses_to_start_without_a_real_secret_key(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    from web.app import create_app

    monkeypatch.setenv("SECRET_KEY", key)
    reset_settings()
    with pytest.raises(InsecureSettings, match="SECRET_KEY"):
        create_app()


def test_web_refuses_to_start_with_secret_key_unset(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.app import create_app

    monkeypatch.delenv("SECRET_KEY")
    reset_settings()
    with pytest.raises(InsecureSettings, match="SECRET_KEY is not set"):
        create_app()


def test_compose_file_has_no_default_secrets() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["x-upesi-env"]
    for name in ("SECRET_KEY", "MAILROOM_AUTH_TOKEN"):
        assert env[name].startswith("${" + name + ":?"), f"{name} must have no default: {env[name]}"


def test_make_run_generates_and_reuses_a_secret_key() -> None:
    script = (ROOT / "deploy/run-local.sh").read_text()
    assert "var/secret_key" in script and "token_urlsafe" in script
