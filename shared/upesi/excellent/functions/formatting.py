"""Formatting builtins (filled out in a later step)."""
