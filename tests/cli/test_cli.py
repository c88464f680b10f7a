"""The operator commands, run as the operator runs them: the installed `upesi` script in a subprocess."""

import json
import subprocess

from tests.support.processes import UPESI


def upesi(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([UPESI, *args], capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"upesi {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def test_create_workspace_prints_token_last_and_api_token_finds_it(env: dict[str, str]) -> None:
    out = upesi("create-workspace", "Clinic", "--email", "Nurse@Example.com", "--password", "s3cret").stdout
    token = out.strip().splitlines()[-1]
    assert len(token) == 40 and int(token, 16) >= 0
    assert upesi("api-token", "--email", "nurse@example.com").stdout.strip() == token

    missing = upesi("api-token", "--email", "nobody@example.com", check=False)
    assert missing.returncode == 2 and "no user nobody@example.com" in missing.stderr


def test_channel_add_prints_callback_urls(env: dict[str, str]) -> None:
    upesi("create-workspace", "Clinic", "--email", "a@example.com", "--password", "pw")
    out = upesi(
        "channel", "add", "EX", "--workspace", "Clinic", "--uuid", "8e3d2a41-6b8c-4c6f-9d77-0b1c2d3e4f50",
        "--country", "rw", "--tps", "5", "--address", "+250788000000", "--config", '{"send_url": "http://x/send"}',
    ).stdout  # fmt: skip
    channel = json.loads(out)
    assert channel["uuid"] == "8e3d2a41-6b8c-4c6f-9d77-0b1c2d3e4f50"
    assert channel["type"] == "EX" and channel["address"] == "+250788000000"
    assert channel["urls"]["receive"].endswith("/c/ex/8e3d2a41-6b8c-4c6f-9d77-0b1c2d3e4f50/receive")

    bad = upesi(
        "channel", "add", "EX", "--workspace", "Clinic", "--address", "1", "--config", "{nope", check=False
    )
    assert bad.returncode == 2 and "--config is not valid JSON" in bad.stderr
    unknown = upesi("channel", "add", "EX", "--workspace", "Nowhere", "--address", "1", check=False)
    assert unknown.returncode == 2 and "no workspace named 'Nowhere'" in unknown.stderr


def test_demo_seed_is_idempotent_and_demo_info_describes_it(env: dict[str, str]) -> None:
    missing = upesi("demo-info", "--json", check=False)
    assert missing.returncode == 2 and "no demo workspace" in missing.stderr
    upesi("demo", "seed")
    upesi("demo", "seed")
    info = json.loads(upesi("demo-info", "--json").stdout)
    assert set(info) >= {
        "web_url", "admin_email", "admin_password", "api_token", "workspace_id", "mailroom_url",
        "mailroom_auth_token", "fake_provider_url", "channels", "flows",
    }  # fmt: skip
    assert info["admin_password"] == "upesi-demo"
    assert [c["type"] for c in info["channels"]] == ["EX"]
    assert info["channels"][0]["receive_url"].endswith(f"/c/ex/{info['channels'][0]['uuid']}/receive")
    assert [f["name"] for f in info["flows"]] == ["Join"]
    assert len(info["api_token"]) == 40
