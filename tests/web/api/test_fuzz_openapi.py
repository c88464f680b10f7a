"""Issue #18 and #22 points 11-12: schemathesis over the whole OpenAPI document, against a real `upesi web` on
this test's own database (seeded with one of every kind of object, so reads answer real objects), bounded in
time. Every answer must be something other than a 5xx and conform to the schema the document declares for it
(status code, content type, body)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import processes
from tests.web.api import factories
from tests.web.api.conftest import make_workspace

# the whole run's budget: the suite runs in CI on 2 cores, so this is the time the fuzzer may spend in total
MAX_SECONDS = 60
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


async def seed() -> str:
    """A workspace with one of each object the API lists; the token of its administrator."""
    ws = await make_workspace("Fuzzed", "admin@fuzzed.com")
    org = ws.org_id
    channel = await factories.channel(org)
    bob = await factories.contact(org, "Bob", ["tel:+250788000111"], language="eng")
    ann = await factories.contact(org, "Ann", ["tel:+250788000222", "twitter:ann"])
    await factories.group(org, "Testers", [bob, ann])
    await factories.field(org, "age", "Age", "N")
    await factories.field(org, "joined", "Joined", "D")
    flow = await factories.flow(org)
    await factories.run(org, flow, bob)
    await factories.msg(org, bob, "hello", channel_id=channel.id)
    await factories.msg(org, ann, "hi there", direction="O", status="S", channel_id=channel.id)
    return ws.token


def run_schemathesis(url: str, token: str, report: Path) -> subprocess.CompletedProcess[str]:
    args = [
        str(Path(sys.executable).parent / "schemathesis"), "run", url,
        "--checks", CHECKS,
        "--header", f"Authorization: Token {token}",
        "--max-time", str(MAX_SECONDS),
        "--workers", "1",
        "--seed", "18",
        "--request-timeout", "20",
        "--suppress-health-check", "all",
        "--report", "junit", "--report-dir", str(report),
        "--no-color",
    ]  # fmt: skip
    # in the report's directory: schemathesis keeps a cache (.schemathesis/) where it runs
    return subprocess.run(
        args, capture_output=True, text=True, timeout=MAX_SECONDS * 5, env=os.environ, cwd=report.parent
    )


@pytest.mark.timeout(MAX_SECONDS * 8)
async def test_schemathesis_finds_no_server_error_and_no_answer_off_schema(
    db: None, env: dict[str, str], tmp_path: Path
) -> None:
    token = await seed()
    port = processes.free_port()
    # the fuzzer sends thousands of requests: RapidPro's 3,600 an hour would turn most of them into 429s
    rates = json.dumps({scope: "1000000/hour" for scope in ("v2", "v2.contacts", "v2.messages", "v2.runs")})
    log = tmp_path / "web.log"
    with processes.service("web", port, env={"API_THROTTLE_RATES": rates}, log=log):
        result = run_schemathesis(f"http://127.0.0.1:{port}/api/v2/openapi.json", token, tmp_path / "report")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:] + "\n--- web log ---\n" + log.read_text()[-5000:]
    # the run happened: a budget spent before the first case would pass with nothing tested
    generated = re.search(r"(\d+) generated", output)
    assert generated is not None and int(generated.group(1)) >= 100, output[-3000:]
