"""The error a user can cause and fix: the command line shows it as one line, not a traceback."""


class UserError(Exception):
    """An error the user can cause and fix (bad option, missing file): shown as one line."""
