"""The UMAP child process never outlives the app that started it (a warm-up left behind by a
closed window kept compiling for minutes, one per window)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie has exited


def test_the_warm_up_process_exits_when_its_parent_does():
    parent = subprocess.run(
        [sys.executable, "-c", "from explorer.core.umap_process import UmapProcess\n"
         "print(UmapProcess(warm=True).process.pid, flush=True)"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert parent.returncode == 0, parent.stderr
    child = int(parent.stdout.split()[-1])
    deadline = time.monotonic() + 60
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(child), "the UMAP child is still running after its parent exited"


def test_a_job_sent_during_the_warm_up_gets_only_its_own_layouts():
    """The warm-up fits random data in the same process: its intermediate layouts must not reach
    a job that is already waiting (they were shown as that job's map moving)."""
    import numpy as np

    from explorer.core.progress import Progress
    from explorer.core.umap_process import UmapProcess, umap_job

    if UmapProcess._shared is not None:
        UmapProcess.discard(UmapProcess._shared)
    UmapProcess.shared(warm=True)
    data = np.random.default_rng(1).standard_normal((300, 8)).astype(np.float32)
    job = umap_job(data, {"n_neighbors": 10, "random_state": 0, "n_epochs": 40})
    totals = []
    try:
        while True:
            step = next(job)
            if isinstance(step, Progress) and step.partial is not None:
                totals.append(step.total)
                assert step.partial.shape == (300, 2)
    except StopIteration as done:
        assert done.value.shape == (300, 2)
    finally:
        if UmapProcess._shared is not None:
            UmapProcess.discard(UmapProcess._shared)
    assert totals and set(totals) == {40}, totals


def test_the_wait_before_the_first_layout_is_called_preparing_not_optimising():
    """Before umap-learn has imported (and, on a first run, compiled) nothing is being optimised:
    a minute of "Optimising UMAP layout… 53 s" with no layout looked hung."""
    import numpy as np

    from explorer.core.progress import Progress
    from explorer.core.umap_process import UmapProcess, umap_job

    if UmapProcess._shared is not None:
        UmapProcess.discard(UmapProcess._shared)
    data = np.random.default_rng(2).standard_normal((200, 8)).astype(np.float32)
    messages, first_layout = [], None
    job = umap_job(data, {"n_neighbors": 10, "random_state": 0, "n_epochs": 40})
    try:
        while True:
            step = next(job)
            if isinstance(step, Progress):
                if step.partial is not None and first_layout is None:
                    first_layout = len(messages)
                messages.append(step.message)
    except StopIteration:
        pass
    finally:
        if UmapProcess._shared is not None:
            UmapProcess.discard(UmapProcess._shared)
    assert first_layout is not None
    waiting = messages[:first_layout]
    assert waiting and all(m.startswith("Preparing UMAP") for m in waiting), waiting[:3]


def test_a_result_that_arrives_with_the_last_layout_in_one_read_is_not_missed(monkeypatch):
    """The child often writes its last layouts and its result at once; select() on the pipe could
    not see what the first read had already buffered, and the job waited forever."""
    import io
    import threading

    import numpy as np

    from explorer.core import umap_process
    from explorer.core.progress import run_to_end

    read_end, write_end = os.pipe()
    chunk = io.BytesIO()
    layout = np.zeros((3, 2), np.float32)
    umap_process._send(chunk, {"kind": "partial", "done": 1, "total": 2}, layout)
    umap_process._send(chunk, {"kind": "ok"}, layout + 1)
    os.write(write_end, chunk.getvalue())  # both messages in the pipe before the job reads

    class FakeProcess:
        stdin = io.BytesIO()
        stdout = os.fdopen(read_end, "rb")

    class FakeWorker:
        process, warming = FakeProcess(), False

    monkeypatch.setattr(umap_process.UmapProcess, "shared", classmethod(lambda cls, warm=False: FakeWorker()))
    out = {}
    thread = threading.Thread(target=lambda: out.update(coords=run_to_end(
        umap_process.umap_job(layout, {"n_neighbors": 2}))), daemon=True)
    thread.start()
    thread.join(20)
    os.close(write_end)
    assert not thread.is_alive(), "the job missed a result already in the pipe's buffer"
    assert (out["coords"] == 1).all()
