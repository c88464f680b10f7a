"""Where the shared folder (conformance data, reference notes) is: beside the repository in CI and in a
plain checkout, and some levels up from a git worktree (/work/wt/<name>); the first folder upwards that holds
shared/conformance wins."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _find_shared() -> Path:
    for folder in ROOT.parents:
        if (folder / "shared" / "conformance").is_dir():
            return folder / "shared"
    return ROOT.parent / "shared"  # missing: the tests that read it say so


SHARED = _find_shared()
CONFORMANCE = SHARED / "conformance"
