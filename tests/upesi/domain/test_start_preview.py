"""The start preview's rules that need no database (the counts are in tests/web/ui/test_flow_start_dialog.py)."""

from upesi.db.models.flows import FLOW_TYPES
from upesi.domain.start_preview import NEEDS_CHANNEL


def test_every_flow_type_says_which_channel_it_needs() -> None:
    assert set(NEEDS_CHANNEL) == set(FLOW_TYPES)
