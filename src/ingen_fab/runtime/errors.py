"""The root of every error a user can act on: the CLI prints its message as one line and exits 1.

Runtime code (which runs inside Fabric notebooks and never imports the rest of ingen_fab)
raises subclasses of UserError, and so does the rest of the project (ingen_fab.errors), so the
CLI tells a user error from a bug (exit 2) by one isinstance check.
"""

from __future__ import annotations


class UserError(Exception):
    """A user-facing error: printed as one line, the CLI exits 1 (anything else is a bug)."""
