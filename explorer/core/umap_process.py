"""UMAP in a child process: Cancel can stop it at once, and numba's compile can happen early.

umap-learn compiles its numba code in every new process (15-45 s on 2 cores, before any work), and
its ``fit`` is one long call that cannot stop half-way. So UMAP runs in a long-lived child process
(``python -m explorer.core.umap_process``):
- ``prewarm()`` starts that process in the background, where it fits a small random set of a size
  that takes the same code paths as real data, so the first real UMAP of a session finds the code
  compiled;
- a job sends its data to the process and polls for the result, yielding Progress meanwhile; Cancel
  (closing the job) kills the process at once and the next job starts a fresh one;
- the job may send each row's nearest neighbours too (explorer.core.projections finds them with
  the exact search or the project's approximate index): umap-learn then skips its own search:
  pynndescent from 4,096 rows, whose numba code cannot be kept in numba's disk cache and took
  about a minute to compile in every new process, and below that every distance computed through
  one Python call per pair (18 s at 2,000 rows).
The pipe protocol is a JSON header line followed by a .npy array (``allow_pickle=False``): no
pickle, and no re-import of the caller's main module (which multiprocessing's spawn would need).
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import IO, Any

import numpy as np

from explorer.core.cache import cache_dir
from explorer.core.progress import Job, Progress, run_to_end
from explorer.core.quality import knn_graph

# With the neighbours given (umap_neighbours), umap-learn takes the same code paths at every size:
# a small random set compiles them all.
WARMUP_POINTS = 1_000
POLL_SECONDS = 0.2


def _send(stream: IO[bytes], header: dict[str, Any], array: np.ndarray | None = None) -> None:
    blob = b""
    if array is not None:
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        blob = buffer.getvalue()
    stream.write((json.dumps({**header, "nbytes": len(blob)}) + "\n").encode() + blob)
    stream.flush()


def _receive(stream: IO[bytes]) -> tuple[dict[str, Any], np.ndarray | None]:
    line = stream.readline()
    if not line:
        raise EOFError
    header = json.loads(line)
    size = int(header.get("nbytes", 0))
    if not size:
        return header, None
    blob = stream.read(size)
    if len(blob) != size:
        raise EOFError
    return header, np.load(io.BytesIO(blob), allow_pickle=False)


def serve() -> None:
    """The child's loop. Its stdout is the protocol; anything else printed goes to stderr."""
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    protocol_in = sys.stdin.buffer
    warm = os.environ.get("EXPLORER_UMAP_WARM") == "1"
    _exit_with_parent()
    cache_numba_code()
    import umap  # noqa: PLC0415 - the whole point of this process

    if warm:
        data = np.random.default_rng(0).standard_normal((WARMUP_POINTS, 16)).astype(np.float32)
        umap.UMAP(n_neighbors=15, metric="cosine", random_state=0, n_epochs=10,
                  precomputed_knn=(*run_to_end(umap_neighbours(data, 15, "cosine")), None)).fit(data)
        _send(protocol_out, {"kind": "warm"})
    # only now: a job waiting for the warm-up must not be sent the warm-up's random layouts
    _report_layouts_while_optimising(protocol_out)
    while True:
        try:
            header, data = _receive(protocol_in)
            knn = (_receive(protocol_in)[1], _receive(protocol_in)[1]) if header.get("knn") else None
        except (EOFError, ValueError):
            return
        try:
            params = dict(header["params"])
            if knn is not None:
                params["precomputed_knn"] = (*knn, None)
            with warnings.catch_warnings():
                # no search index comes with our neighbours: transform() is not used here
                warnings.filterwarnings("ignore", message=".*knn_search_index.*")
                warnings.filterwarnings("ignore", message=".*overridden to 1 by setting random_state.*")
                coords = umap.UMAP(n_components=2, **params).fit_transform(data)
            _send(protocol_out, {"kind": "ok"}, np.asarray(coords, dtype=np.float32))
        except Exception as err:  # noqa: BLE001 - sent back as one line
            _send(protocol_out, {"kind": "error", "message": f"{type(err).__name__}: {err}"})


def umap_neighbours(data: np.ndarray, n_neighbors: int, metric: str) -> Job[tuple[np.ndarray, np.ndarray]]:
    """Each row's ``n_neighbors`` nearest rows, itself first at distance 0, and their distances, as
    umap-learn's ``precomputed_knn`` takes them: explorer.core.quality's search (exact, or the
    approximate index on large sets) instead of pynndescent's."""
    graph = yield from knn_graph(data, n_neighbors - 1, metric)
    itself = np.arange(len(data))[:, None]
    return (np.hstack([itself, graph.indices]),
            np.hstack([np.zeros((len(data), 1)), graph.distances]).astype(np.float32))


def cache_numba_code() -> Path | None:
    """Keep numba's compiled code on disk between processes, in ``<cache folder>/numba`` (the rule
    of explorer.core.cache; none when the disk cache is off). umap-learn and pynndescent compile most
    of their functions without numba's ``cache=True``; this makes ``cache=True`` the default for the
    ``numba.njit`` / ``numba.jit`` decorators of modules imported afterwards, so call it before
    ``import umap``, in this child process only. Functions numba cannot cache (closures, dynamic
    globals) are compiled as before; their warnings are silenced."""
    folder = cache_dir()
    if folder is None:
        return None
    folder = folder / "numba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    os.environ.setdefault("NUMBA_CACHE_DIR", str(folder))

    import numba  # noqa: PLC0415
    from numba.core.errors import NumbaWarning  # noqa: PLC0415

    if numba.config.CACHE_DIR != os.environ["NUMBA_CACHE_DIR"]:
        numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
    warnings.filterwarnings("ignore", category=NumbaWarning, message=".*[Cc]annot cache.*")
    if not getattr(numba, "_explorer_cache", False):
        for name in ("njit", "jit"):
            setattr(numba, name, _caching(getattr(numba, name)))
        numba._explorer_cache = True
    return folder


def _caching(decorator):
    def cached(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return decorator(*args, **kwargs)

    cached.__wrapped__ = decorator
    return cached
def _exit_with_parent(poll_s: float = 1.0) -> None:
    """End this process when the app that started it is gone: a warm-up or a fit in progress
    would otherwise go on compiling for minutes as an orphan (its stdin only closes when it next
    reads)."""
    parent = int(os.environ.get("EXPLORER_UMAP_PARENT", "0")) or os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _send_quietly(stream: IO[bytes], params: dict[str, Any], data: np.ndarray,
                  knn: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    try:
        _send(stream, {"kind": "fit", "params": params, "knn": knn is not None}, data)
        if knn is not None:
            _send(stream, {"kind": "knn_indices"}, knn[0])
            _send(stream, {"kind": "knn_distances"}, knn[1])
    except (BrokenPipeError, ValueError, OSError):
        pass  # the process was stopped; the polling loop reports it


PARTIAL_LAYOUTS = 20  # intermediate layouts sent per fit, so the map moves while UMAP optimises


def _report_layouts_while_optimising(stream: IO[bytes]) -> None:
    """umap-learn runs its optimisation epochs in a Python loop over ``tqdm(range(n_epochs))`` in
    umap.layouts. In this child process only, that ``tqdm`` is replaced by a loop that, every few
    epochs, sends the layout being optimised (the caller's ``head_embedding``, updated in place)."""
    import umap.layouts  # noqa: PLC0415

    class LayoutReporter:
        def __init__(self, iterable, **_ignored) -> None:
            self.epochs = list(iterable)

        def __iter__(self):
            caller = sys._getframe(1)  # optimize_layout_*: the frame that iterates over us
            total = len(self.epochs)
            step = max(1, total // PARTIAL_LAYOUTS)
            for epoch in self.epochs:
                yield epoch
                layout = caller.f_locals.get("head_embedding")
                if layout is not None and (epoch + 1) % step == 0 and epoch + 1 < total:
                    _send(stream, {"kind": "partial", "done": epoch + 1, "total": total},
                          np.asarray(layout, dtype=np.float32))

    umap.layouts.tqdm = LayoutReporter


class UmapProcess:
    _shared: UmapProcess | None = None
    _lock = threading.Lock()

    def __init__(self, warm: bool) -> None:
        # the child's parent, named before it starts: it may be gone before the child looks
        env = dict(os.environ, EXPLORER_UMAP_WARM="1" if warm else "0", EXPLORER_UMAP_PARENT=str(os.getpid()))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "explorer.core.umap_process"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.warming = warm

    def alive(self) -> bool:
        return self.process.poll() is None

    @classmethod
    def shared(cls, warm: bool = False) -> UmapProcess:
        with cls._lock:
            if cls._shared is None or not cls._shared.alive():
                cls._shared = cls(warm)
            return cls._shared

    @classmethod
    def discard(cls, instance: UmapProcess) -> None:
        with cls._lock:
            instance.process.kill()
            instance.process.wait(5)
            if cls._shared is instance:
                cls._shared = None


def prewarm() -> bool:
    """Start the UMAP process and compile its code in the background (no-op if it runs already or
    $EXPLORER_UMAP_WARMUP is 0). Returns whether a new process was started."""
    if os.environ.get("EXPLORER_UMAP_WARMUP", "1") == "0":
        return False
    running = UmapProcess._shared is not None and UmapProcess._shared.alive()
    UmapProcess.shared(warm=True)
    return not running


def _read_messages(stream: IO[bytes], out: queue.Queue) -> None:
    """The process's messages, up to a fit's result, into ``out`` (None at the end of the stream).
    A thread rather than select() on the pipe: select cannot see messages already read into the
    pipe's buffer, and a fit's last layouts and its result often arrive in one read (the job then
    waited forever)."""
    while True:
        try:
            message = _receive(stream)
        except (EOFError, ValueError, OSError):
            out.put(None)
            return
        out.put(message)
        if message[0]["kind"] in ("ok", "error"):
            return


def umap_job(data: np.ndarray, params: dict[str, Any],
             knn: tuple[np.ndarray, np.ndarray] | None = None) -> Job[np.ndarray]:
    """Fit UMAP in the shared child process. ``knn``: each row's nearest rows (itself first) and
    their distances, which umap-learn then uses instead of its own search (pynndescent)."""
    worker = UmapProcess.shared()
    started = time.monotonic()
    finished = optimising = False
    try:
        # The child reads its input only once umap is imported (seconds): write from a thread, so
        # that a full pipe never keeps this job from polling, or from being cancelled.
        writer = threading.Thread(target=_send_quietly, args=(worker.process.stdin, params, data, knn),
                                  daemon=True)
        writer.start()
        messages: queue.Queue = queue.Queue()
        threading.Thread(target=_read_messages, args=(worker.process.stdout, messages), daemon=True).start()
        while True:
            try:
                message = messages.get(timeout=POLL_SECONDS)
            except queue.Empty:
                message = False
            if message is None:
                finished = True
                UmapProcess.discard(worker)
                raise RuntimeError("the UMAP process stopped unexpectedly")
            if message:
                header, coords = message
                if header["kind"] == "warm":
                    worker.warming = False
                    continue
                if header["kind"] == "partial":
                    optimising = True
                    yield Progress(header["done"], header["total"], "Optimising UMAP layout", partial=coords)
                    continue
                finished = True
                if header["kind"] == "error":
                    raise RuntimeError(f"UMAP failed: {header['message']}")
                return coords
            elapsed = time.monotonic() - started
            if worker.warming:
                what = "Compiling UMAP (first use this session)"
            elif optimising:
                what = "Optimising UMAP layout"
            else:  # importing umap-learn, the neighbour graph, and on a first run numba's compiling
                what = "Preparing UMAP" + (" (the first run after installing compiles for about a minute)"
                                           if elapsed > 10 else "")
            yield Progress(elapsed, None, f"{what}… {elapsed:.0f} s")
    finally:
        if not finished:  # cancelled, or the caller gave up: stop the work now
            UmapProcess.discard(worker)


if __name__ == "__main__":
    serve()
