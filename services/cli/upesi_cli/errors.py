class CommandError(Exception):
    """A failure to report to the operator in one line, with exit code 2."""
