"""A save killed part-way leaves the previous file openable (the save is temp file + rename)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np

from explorer.core import EmbeddingSet, Project, Projection
from explorer.io.project_file import load_project, save_project

SAVER = """
import sys, numpy as np
from explorer.core import EmbeddingSet, Project, Projection
from explorer.io.project_file import save_project
n, d = 400_000, 128
rng = np.random.default_rng(1)
emb = EmbeddingSet(rng.standard_normal((n, d), dtype=np.float32), [f"id{i}" for i in range(n)],
                   [f"new text {i}" for i in range(n)])
project = Project(emb, {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2)))})
print("saving", flush=True)
while True:
    save_project(project, sys.argv[1])
"""


def test_killing_a_save_leaves_the_previous_file_openable(tmp_path):
    path = tmp_path / "big.eexp"
    n = 1000
    rng = np.random.default_rng(0)
    old = Project(EmbeddingSet(rng.standard_normal((n, 16)).astype(np.float32), [f"o{i}" for i in range(n)],
                               [f"old {i}" for i in range(n)]),
                  {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2)))})
    save_project(old, path)
    saver = subprocess.Popen([sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert saver.stdout.readline().strip() == "saving"
        time.sleep(0.4)  # well inside the first save of ~200 MB
    finally:
        saver.kill()
        saver.wait(10)
    project = load_project(path)  # either the old project or a complete new one, never a broken one
    assert len(project.embeddings) in (1000, 400_000)
    if len(project.embeddings) == 1000:
        np.testing.assert_array_equal(project.embeddings.vectors, old.embeddings.vectors)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "big.eexp"]
    assert all(name.endswith(".saving") for name in leftovers)


def test_a_later_save_removes_stale_temporaries(tmp_path):
    import os

    path = tmp_path / "p.eexp"
    stale = tmp_path / ".p.eexp.abc123.saving"
    stale.write_bytes(b"half a project")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / ".p.eexp.def456.saving"  # maybe another save still running: left alone
    fresh.write_bytes(b"in progress")
    emb = EmbeddingSet(np.eye(3, dtype=np.float32), ["a", "b", "c"], ["a", "b", "c"])
    save_project(Project(emb), path)
    assert not stale.exists() and fresh.exists()


KILLED_SAVER = """
import sys, numpy as np
from explorer.core import EmbeddingSet, Project, Projection
from explorer.io.project_file import save_project
n, d = int(sys.argv[2]), 64
rng = np.random.default_rng(int(sys.argv[3]))
emb = EmbeddingSet(rng.standard_normal((n, d), dtype=np.float32), [f"id{i}" for i in range(n)],
                   [f"text {i} of {sys.argv[3]}" for i in range(n)])
project = Project(emb, {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2)))}, title=sys.argv[3])
print("saving", flush=True)
while True:
    save_project(project, sys.argv[1])
"""


def test_saves_killed_at_random_points_leave_a_whole_project_and_leftovers_are_reclaimed(tmp_path):
    """Crash consistency: kill -9 at seeded random moments; the file is always one complete
    project (the old or a new one); the temporaries the killed saves left are removed by the next
    clean-up (as at the next start or save), which reports the bytes it freed."""
    from explorer.io.project_file import (
        clean_interrupted_saves,
        interrupted_saves,
        recovered_message,
    )

    path = tmp_path / "p.eexp"
    rng = np.random.default_rng(14)
    first = Project(EmbeddingSet(np.eye(3, dtype=np.float32), ["a", "b", "c"], ["a", "b", "c"]), title="first")
    save_project(first, path)
    titles = {"first"}
    for round_ in range(6):
        seed = str(round_)
        titles.add(seed)
        saver = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(path), "60000", seed],
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert saver.stdout.readline().strip() == "saving"
            time.sleep(float(rng.uniform(0.0, 0.6)))
        finally:
            saver.kill()
            saver.wait(10)
        project = load_project(path)
        assert project.title in titles
        n = len(project.embeddings)
        assert (project.title, n) == ("first", 3) or n == 60000
    leftovers = interrupted_saves(tmp_path, path.name)
    assert {p.name for p in tmp_path.iterdir()} == {path.name, *(p.name for p in leftovers)}
    size = sum(p.stat().st_size for p in leftovers)
    freed = clean_interrupted_saves(path)
    assert freed == size and [p.name for p in tmp_path.iterdir()] == [path.name]
    assert (recovered_message(freed) != "") == (freed > 0)
    assert clean_interrupted_saves(path) == 0


def test_a_save_in_progress_elsewhere_is_never_cleaned(tmp_path):
    from explorer.io.project_file import clean_interrupted_saves

    path = tmp_path / "p.eexp"
    running = tmp_path / f".p.eexp.{os.getppid()}-abc.saving"  # a live process (our parent)
    running.write_bytes(b"in progress")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f".p.eexp.{int(dead.stdout)}-def.saving"
    gone.write_bytes(b"x" * 100)
    other = tmp_path / f".q.eexp.{int(dead.stdout)}-ghi.saving"  # another project's: left alone
    other.write_bytes(b"y")
    assert clean_interrupted_saves(path) == 100
    assert running.exists() and not gone.exists() and other.exists()
    assert clean_interrupted_saves(tmp_path, any_project=True) == 1 and not other.exists()


def test_recovery_folder_leftovers_are_cleaned_at_start(tmp_path):
    from explorer.io.recovery import Recovery

    recovery = Recovery(tmp_path / "recovery")
    emb = EmbeddingSet(np.eye(3, dtype=np.float32), ["a", "b", "c"], ["a", "b", "c"])
    recovery.save(Project(emb), None)
    stale = recovery.folder / f".{recovery.project_path.name}.999999999-x.saving"
    stale.write_bytes(b"z" * 10)
    assert recovery.clean_interrupted() == 10 and recovery.project_path.exists()
