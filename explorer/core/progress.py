"""Progress reporting for long jobs written as generators.

A job is a generator that yields ``Progress`` between steps and ``return``s its result. The caller
(a CLI progress bar, or the UI worker) decides whether to go on; stopping is simply not asking for
the next step, or calling ``generator.close()``, so a job can only stop between steps.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

Job = Generator["Progress", None, T]


class Cancelled(Exception):
    """Raised by ``run_to_end`` when the caller asked a job to stop."""


@dataclass(frozen=True)
class Progress:
    done: float
    total: float | None = None
    message: str = ""
    partial: Any = None  # e.g. an intermediate 2-D layout while t-SNE / UMAP optimise

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


def run_to_end(
    job: Job[T],
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> T:
    """Drive a job generator to completion and return its result.

    ``should_stop`` is polled between steps; when it says so the job is closed (its ``finally``
    blocks run) and ``Cancelled`` is raised.
    """
    try:
        while True:
            if should_stop is not None and should_stop():
                job.close()
                raise Cancelled()
            step = next(job)
            if on_progress is not None:
                on_progress(step)
    except StopIteration as stop:
        return stop.value
