"""Run core job generators off the GUI thread.

A ``JobRunner`` owns one kind of job. Starting a job cancels the one before it (the newest request
wins), and a result that arrives from a cancelled or superseded job is dropped by generation number.
Progress, results and errors come back to the GUI thread through queued Qt signals. Once a job is
cancelled its progress is dropped too (``connect_current``), so a message it had already queued never
shows after "Cancelled".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from explorer.core.progress import Cancelled, Job, Progress, run_to_end


class JobRunner(QObject):
    progressed = Signal(int, object)  # generation, Progress
    finished = Signal(int, object)  # generation, result
    failed = Signal(int, str)  # generation, one-line message
    cancelled = Signal(int)  # generation

    def __init__(self, parent: QObject | None = None, min_interval: float = 0.05) -> None:
        super().__init__(parent)
        self.generation = 0
        self.min_interval = min_interval  # do not flood the GUI thread with progress events
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self.running = False
        self.description = ""
        self.cancelled_generation = 0  # the newest generation the user cancelled
        self.finished.connect(self._on_done)
        self.failed.connect(self._on_done)
        self.cancelled.connect(self._on_done)

    def start(self, job: Job[Any], description: str = "") -> int:
        self.cancel()
        self.generation += 1
        generation = self.generation
        stop = threading.Event()
        self._stop = stop
        self.running = True
        self.description = description
        self._thread = threading.Thread(
            target=self._run, args=(job, generation, stop), daemon=True, name=f"job-{description}"
        )
        self._thread.start()
        return generation

    def cancel(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self.cancelled_generation = self.generation

    def is_current(self, generation: int, progress: bool = False) -> bool:
        """Whether an emission of ``generation`` is for the newest job (and, for progress, one
        that has not been cancelled since)."""
        if generation != self.generation:
            return False
        return not (progress and generation == self.cancelled_generation)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker thread ends (for shutdown and tests)."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _on_done(self, generation: int, *_: Any) -> None:
        if generation == self.generation:
            self.running = False

    def _run(self, job: Job[Any], generation: int, stop: threading.Event) -> None:
        last = 0.0

        def emit(signal_name: str, *args: Any) -> None:
            # The runner goes with its window; a job still running then has no one to tell, so it
            # stops at its next step instead of raising "Signal source has been deleted".
            try:
                getattr(self, signal_name).emit(generation, *args)
            except RuntimeError:
                stop.set()

        def report(step: Progress) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= self.min_interval or step.partial is not None:
                last = now
                emit("progressed", step)

        try:
            result = run_to_end(job, report, stop.is_set)
        except Cancelled:
            emit("cancelled")
        except Exception as err:  # noqa: BLE001 - shown to the user as one line, never a traceback
            emit("failed", describe_error(err))
        else:
            if stop.is_set():
                emit("cancelled")
            else:
                emit("finished", result)


def describe_error(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def connect_current(runner: JobRunner, signal_name: str, slot: Callable[..., Any]) -> None:
    """Connect ``slot`` to a runner signal, calling it only for the newest job's emissions (and,
    for progress, only until that job is cancelled)."""
    progress = signal_name == "progressed"

    def forward(generation: int, *args: Any) -> None:
        if runner.is_current(generation, progress):
            slot(*args)

    getattr(runner, signal_name).connect(forward)
