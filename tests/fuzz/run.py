"""Run the fuzz suite and print a table of outcomes (``make fuzz``).

    python -m tests.fuzz.run --projects 1000 --data 500 --jobs 2 --seed 0

Each case runs in a worker process limited to 1 GiB of address space (RLIMIT_AS) and is given
``--timeout`` seconds; a worker that does not answer in time is killed and the case counts as a
hang, one that dies counts its case as over-memory (MemoryError) or uncaught. The exit status is
non-zero when any case is uncaught, hangs, runs out of memory or loses a project.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from tests.fuzz.generate import Case, data_cases, project_cases

ROOT = Path(__file__).resolve().parent.parent.parent
OUTCOMES = ("ok-loaded", "refused-cleanly", "uncaught", "hang", "over-memory", "lost")
BAD = ("uncaught", "hang", "over-memory", "lost")


class Worker:
    def __init__(self, memory_limit: int, warm: bool = True) -> None:
        env = dict(os.environ, FUZZ_MEMORY_LIMIT=str(memory_limit), FUZZ_WARM="1" if warm else "0",
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1", PYTHONPATH=str(ROOT), EXPLORER_OFFLINE="1")
        self.process = subprocess.Popen([sys.executable, "-m", "tests.fuzz.worker"], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, bufsize=1)
        self.stderr: list[str] = []
        self.pending = b""
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)
            del self.stderr[:-40]

    def readline(self, timeout: float) -> str | None:
        """The next line from the worker, "" at its end, None when none came within ``timeout``
        (read from the descriptor itself: a buffered reader would hide lines from select)."""
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while b"\n" not in self.pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return ""
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode() + "\n"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


def run_cases(cases: list[Case], jobs: int = 2, timeout: float = 30.0, memory_limit: int = 1 << 30,
              progress: bool = False, warm: bool = True) -> list[dict]:
    """Each case's outcome: {"name", "kind", "outcome", "detail", "seconds"}, in the order given."""
    results: list[dict | None] = [None] * len(cases)
    queues = [list(range(j, len(cases), jobs)) for j in range(jobs)]
    done = [0]
    lock = threading.Lock()

    def drive(queue: list[int]) -> None:
        worker: Worker | None = None
        position = 0
        while position < len(queue):
            if worker is None or worker.process.poll() is not None:
                worker = Worker(memory_limit, warm)
                if worker.readline(0) is None and worker.process.poll() is not None:
                    raise RuntimeError("the fuzz worker does not start: " + "".join(worker.stderr))
            index = queue[position]
            case = cases[index]
            worker.process.stdin.write(json.dumps({"i": index, **asdict(case)}) + "\n")
            worker.process.stdin.flush()
            started = time.monotonic()
            answer = None
            allowed = timeout + 120  # a new worker imports numpy, scikit-learn... first
            while True:
                line = worker.readline(max(0.0, allowed - (time.monotonic() - started)))
                if line == "":  # the worker's output ended: it died (or is dying) on this case
                    try:
                        worker.process.wait(10)
                    except subprocess.TimeoutExpired:
                        pass
                if line is None or line == "":
                    break
                message = json.loads(line)
                if "start" in message:
                    started, allowed = time.monotonic(), timeout  # the case itself starts now
                    continue
                answer = message
                break
            seconds = time.monotonic() - started
            if answer is None:
                if worker.process.poll() is None:
                    worker.kill()
                    outcome, detail = "hang", f"no answer in {timeout:.0f} s"
                else:
                    tail = "".join(worker.stderr[-5:])
                    outcome = "over-memory" if "MemoryError" in tail or "std::bad_alloc" in tail else "uncaught"
                    detail = f"worker died ({worker.process.returncode}): {tail.strip()[-200:]}"
                worker = None
            elif seconds > timeout:
                outcome, detail = "hang", f"answered after {seconds:.0f} s"
            else:
                outcome, detail = answer["outcome"], answer["detail"]
            results[index] = {"name": case.name, "kind": case.kind, "outcome": outcome, "detail": detail,
                              "seconds": round(seconds, 3)}
            position += 1
            with lock:
                done[0] += 1
                if progress and done[0] % 100 == 0:
                    print(f"  {done[0]:,} of {len(cases):,} cases", file=sys.stderr, flush=True)
        if worker is not None:
            worker.process.stdin.close()
            worker.process.wait(30)

    threads = [threading.Thread(target=drive, args=(queue,)) for queue in queues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


def table(results: list[dict]) -> str:
    groups = {"project files": [r for r in results if r["kind"] == "project"],
              "data files": [r for r in results if r["kind"] != "project"]}
    groups["all"] = results
    width = max(len(o) for o in OUTCOMES)
    lines = [f"| {'outcome':<{width}} | " + " | ".join(f"{g:>13}" for g in groups) + " |",
             f"|{'-' * (width + 2)}|" + "|".join("-" * 15 for _ in groups) + "|"]
    for outcome in OUTCOMES:
        lines.append(f"| {outcome:<{width}} | " + " | ".join(
            f"{sum(r['outcome'] == outcome for r in rows):>13,}" for rows in groups.values()) + " |")
    lines.append(f"| {'total':<{width}} | " + " | ".join(f"{len(rows):>13,}" for rows in groups.values()) + " |")
    slowest = max(results, key=lambda r: r["seconds"], default=None)
    if slowest is not None:
        lines.append(f"slowest case: {slowest['seconds']:.1f} s ({slowest['name']})")
    return "\n".join(lines)


def make_cases(folder: Path, projects: int, data: int, seed: int) -> list[Case]:
    return project_cases(folder / "projects", projects, seed) + data_cases(folder / "data", data, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--data", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a case may take")
    parser.add_argument("--memory", type=int, default=1024, help="MiB of address space per worker")
    parser.add_argument("--json", help="also write every case's outcome to this file")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="explorer-fuzz-") as scratch:
        cases = make_cases(Path(scratch), args.projects, args.data, args.seed)
        print(f"{len(cases):,} cases made in {time.monotonic() - started:.0f} s (seed {args.seed}); running "
              f"with {args.jobs} workers, {args.timeout:.0f} s and {args.memory} MiB per case", file=sys.stderr)
        results = run_cases(cases, args.jobs, args.timeout, args.memory << 20, progress=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print(table(results))
    print(f"{len(results):,} cases in {time.monotonic() - started:.0f} s")
    bad = [r for r in results if r["outcome"] in BAD]
    for result in bad[:30]:
        print(f"  {result['outcome']}: {result['name']}: {result['detail']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
