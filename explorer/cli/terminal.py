"""A terminal progress bar for the headless commands (stderr, so stdout stays machine-readable)."""

from __future__ import annotations

import re
import sys
import time

from explorer.core.progress import Progress


class ProgressPrinter:
    def __init__(self, stream=None, width: int = 30, min_interval: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.min_interval = min_interval
        self.started = time.monotonic()
        self.last = 0.0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_message = ""

    def __call__(self, step: Progress) -> None:
        now = time.monotonic()
        fraction = step.fraction
        final = fraction is not None and fraction >= 1.0
        # Messages that differ only in their numbers ("12 s", "13 s") are the same step.
        kind = re.sub(r"[\d,.]+", "#", step.message)
        if not final and now - self.last < (self.min_interval if self.tty else 5.0) and kind == self.last_message:
            return
        self.last, self.last_message = now, kind
        elapsed = now - self.started
        if fraction is None:
            line = f"{step.message} ({elapsed:.0f} s)"
        else:
            filled = int(fraction * self.width)
            rate = ""
            if step.total and step.total > 10 and elapsed > 0:
                per_second = step.done / elapsed
                left = (step.total - step.done) / per_second if per_second else 0
                rate = f" {per_second:,.0f}/s, {left:.0f} s left"
            line = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {step.message}{rate}"
        if self.tty:
            self.stream.write("\r" + line[:110].ljust(110))
            if final:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
