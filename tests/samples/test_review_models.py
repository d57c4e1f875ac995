"""The review_models sample: 1,000 snippets in several embedding sets of one project, each with
its maps, and each set's agreement with MiniLM fp32 as a column; int8 agrees far more with fp32
than mpnet does."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.compare import compare
from explorer.core.progress import run_to_end
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "review_models.eexp"


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample not built (make samples)")
def test_the_sample_holds_the_sets_their_maps_and_their_agreement():
    from explorer.io.project_file import load_project

    project = load_project(SAMPLE)
    emb = project.embeddings
    assert len(emb) == 1_000 and project.active_set == "all-MiniLM-L6-v2"
    assert project.set_names()[:2] == ["all-MiniLM-L6-v2", "MiniLM int8"]
    assert set(project.set_names()) <= {"all-MiniLM-L6-v2", "MiniLM int8", "mpnet"}
    fp32 = project.set_vectors("all-MiniLM-L6-v2")
    for name in project.set_names():
        assert set(project.set_projections(name)) == {"PCA", "UMAP"}
        if name == project.active_set:
            continue
        column = f"kNN agreement all-MiniLM-L6-v2 vs {name} (Jaccard@10)"
        expected = run_to_end(compare(fp32, project.set_vectors(name), k=10))
        np.testing.assert_allclose(emb.metadata[column], expected.jaccard, atol=1e-6)
    int8 = project.set_vectors("MiniLM int8")
    cosine = (fp32 * int8).sum(axis=1) / np.linalg.norm(fp32, axis=1) / np.linalg.norm(int8, axis=1)
    assert cosine.mean() > 0.97
    if "mpnet" in project.sets:
        assert project.set_vectors("mpnet").shape == (1_000, 768)
        int8_agreement = emb.metadata["kNN agreement all-MiniLM-L6-v2 vs MiniLM int8 (Jaccard@10)"].mean()
        mpnet_agreement = emb.metadata["kNN agreement all-MiniLM-L6-v2 vs mpnet (Jaccard@10)"].mean()
        assert int8_agreement > mpnet_agreement
