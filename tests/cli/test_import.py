"""`upesi import FILE --workspace NAME [--dry-run]` on real RapidPro exports: the preview, the import, a
second preview that now updates, and refusals naming the file (the rules are tested in
tests/upesi/domain/test_imports*.py)."""

import subprocess

from tests.support.processes import UPESI
from tests.upesi.domain.imports_support import EXPORTS
from tests.upesi.domain.test_imports_corpus import FRAGMENTS, INVALID_FILES


def test_upesi_import_command(env: dict[str, str]) -> None:
    subprocess.run(
        [UPESI, "create-workspace", "Clinic", "--email", "c@example.com", "--password", "pw"],
        check=True,
        capture_output=True,
    )
    dry = subprocess.run(
        [UPESI, "import", str(EXPORTS / "the_clinic.json"), "--workspace", "Clinic", "--dry-run"],
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0, dry.stderr
    assert (
        dry.stdout.startswith("would import ") and "would create campaign: Appointment Schedule" in dry.stdout
    )
    ok = subprocess.run(
        [UPESI, "import", str(EXPORTS / "the_clinic.json"), "--workspace", "Clinic"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("imported ") and "create campaign: Appointment Schedule" in ok.stdout
    again = subprocess.run(
        [UPESI, "import", str(EXPORTS / "the_clinic.json"), "--workspace", "Clinic", "--dry-run"],
        capture_output=True,
        text=True,
    )
    assert "would update campaign: Appointment Schedule" in again.stdout, again.stdout
    for refused in [INVALID_FILES[0], *FRAGMENTS]:
        bad = subprocess.run(
            [UPESI, "import", str(refused), "--workspace", "Clinic"], capture_output=True, text=True
        )
        assert bad.returncode == 2 and refused.name in bad.stderr, bad.stderr
