"""The one error type of the use-case layer."""

from __future__ import annotations


class ActionError(Exception):
    """A use case that cannot run on this input: the message is one line, written for the user
    (the command line prints it after ``explorer: error:``, the window shows it)."""


def reported(job, errors: tuple[type[Exception], ...] = (ValueError,)):
    """Run the job generator ``job``; the ``errors`` it raises on bad input become ActionErrors
    with the same message."""
    try:
        return (yield from job)
    except errors as err:
        raise ActionError(str(err)) from None
