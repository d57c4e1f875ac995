"""``explorer index``: build the approximate neighbour index and keep it in the project; ``explorer
neighbors`` then says which search answered."""

from __future__ import annotations

import json

import numpy as np

from explorer.core.neighbors import nearest
from explorer.io.project_file import load_project
from tests.test_cli import explorer


def test_index_builds_saves_and_is_used_by_neighbors(project_copy):
    result = explorer("index", str(project_copy), "--metric", "cosine")
    assert result.returncode == 0, result.stderr
    assert "stored a neighbour index for cosine over 400 x 50" in result.stderr
    assert "approximate (faiss IVF, recall@10 = " in result.stderr
    assert "Measuring recall against exact search" in result.stderr  # terminal progress
    project = load_project(project_copy)
    assert len(project.embeddings) == 400  # the project is intact
    index = project.neighbor_index
    near = explorer("neighbors", str(project_copy), "government", "-k", "5", "--format", "json")
    assert near.returncode == 0, near.stderr
    data = json.loads(near.stdout)
    if index is None:  # the project file does not keep indexes (yet): exact search
        assert data["search"] == "exact"
        return
    emb = project.embeddings
    assert index.metric == "cosine" and index.n == 400 and 0.9 <= index.recall <= 1.0
    hits = 0
    for row in range(0, 400, 20):
        got = index.search(emb.vectors[row], 10, exclude=[row]).indices
        want = nearest(emb.vectors, emb.vectors[row], 10, exclude=[row]).indices
        hits += len(set(got.tolist()) & set(want.tolist()))
    assert hits / (10 * 20) >= 0.9
    assert data["search"].startswith("approximate (faiss IVF, recall@10 = ")
    assert "search: approximate" in near.stderr
    me = emb.key_to_index["government"]
    expected = index.search(emb.vectors[me], 5, exclude=[me])
    assert [row["text"] for row in data["rows"]] == [emb.texts[i] for i in expected.indices]
    np.testing.assert_allclose([row["cosine"] for row in data["rows"]], expected.scores, rtol=1e-5)
    # another metric has no index: exact
    other = json.loads(explorer("neighbors", str(project_copy), "government", "--metric", "dot",
                                "--format", "json").stdout)
    assert other["search"] == "exact"


def test_index_bad_input_is_one_line(tmp_path):
    result = explorer("index", str(tmp_path / "missing.eexp"))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "does not exist" in result.stderr
    result = explorer("index", str(tmp_path / "missing.eexp"), "--metric", "manhattan")
    assert result.returncode == 2 and "invalid choice" in result.stderr
