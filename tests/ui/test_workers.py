"""The job worker when its owner goes away mid-job (a window closed while a job runs)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject
from shiboken6 import Shiboken

from explorer.core.progress import Progress
from explorer.ui.workers import JobRunner


def test_a_job_whose_runner_is_deleted_stops_quietly(qtbot, monkeypatch):
    raised: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    owner = QObject()
    runner = JobRunner(owner, min_interval=0)
    steps_taken = []
    release = threading.Event()

    def job():
        for step in range(1000):
            steps_taken.append(step)
            if step == 1:
                release.wait(5)  # the runner is deleted while the job is here
            yield Progress(step, 1000, "working")
        return "done"

    runner.start(job(), "labels")
    thread = runner._thread
    qtbot.waitUntil(lambda: len(steps_taken) >= 2)
    Shiboken.delete(owner)  # deletes the runner with it, as closing the window does
    release.set()
    thread.join(5)
    assert not thread.is_alive()
    assert raised == []
    assert len(steps_taken) < 1000  # it stopped at the next step instead of running to the end
