"""Date case tests (filled out later)."""
