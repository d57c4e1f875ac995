"""The one error type of the use-case layer."""

from __future__ import annotations


class ActionError(Exception):
    """A use case that cannot run on this input: the message is one line, written for the user
    (the command line prints it after ``explorer: error:``, the window shows it)."""
