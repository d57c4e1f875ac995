"""A save killed part-way leaves the previous file openable (the save is temp file + rename)."""

from __future__ import annotations

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
