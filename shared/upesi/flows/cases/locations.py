"""Location case tests (filled out later)."""
