"""Small controllers beside the main window: each owns one concern's dialogs, jobs and messages,
so the window only lays out and wires."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMainWindow

from explorer.actions import ActionError
from explorer.ui.workers import JobRunner


def start_job(window: QMainWindow, runner: JobRunner, make_job: Callable, label: str, error_title: str) -> bool:
    """Build a job here, on the GUI thread (its inputs are a snapshot taken now), and run it in
    ``runner``; a request the action refuses is shown at once (``window.show_error``)."""
    try:
        job = make_job()
    except ActionError as err:
        window.show_error(error_title, str(err))
        return False
    runner.start(job, label)
    return True
