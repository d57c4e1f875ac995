"""Texts are never fixed-width arrays: one very long text does not multiply an import's memory."""

from __future__ import annotations

import csv
import tracemalloc

import numpy as np
import pytest

from explorer.actions import importer
from explorer.actions.importer import ImportOptions, import_job
from explorer.core import run_to_end
from explorer.core.embedding_set import EmbeddingSet, text_array
from explorer.io.project_file import load_project, save_project
from explorer.io.readers import read_table
from tests.doubles import FakeEmbedder

MB = 1 << 20


@pytest.fixture
def fake_model(monkeypatch):
    monkeypatch.setattr(importer, "make_embedder", lambda model_id, device=None: FakeEmbedder(16))


def _table(path, texts):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows([t, "long" if len(t) > 1000 else "short"] for t in texts)
    return path


def _import_peak(path) -> tuple[int, EmbeddingSet]:
    tracemalloc.start()
    try:
        result = run_to_end(import_job(ImportOptions(str(path), first_map="pca")))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result.project.embeddings


def test_one_long_text_among_short_ones_adds_little_to_the_import_peak(tmp_path, fake_model):
    short = [f"review number {i}: a fine film, well acted" for i in range(20_000)]
    long = "a very long review " * 2_700  # 51,300 characters
    base, _ = _import_peak(_table(tmp_path / "short.csv", short))
    peak, emb = _import_peak(_table(tmp_path / "long.csv", short[:10_000] + [long] + short[10_000:]))
    # fixed-width texts would take 20,001 x 51,300 x 4 bytes = 4 GB, twice
    assert peak - base < 150 * MB, f"the long text added {(peak - base) / MB:.0f} MB"
    assert emb.texts.dtype == object and emb.texts[10_000] == long and len(emb) == 20_001
    assert emb.metadata["label"].dtype == object


def test_a_10_mb_row_is_imported_with_little_memory(tmp_path, fake_model):
    short = [f"snippet {i}" for i in range(200)]
    huge = "word " * 2_000_000  # 10 MB
    base, _ = _import_peak(_table(tmp_path / "short.csv", short))
    peak, emb = _import_peak(_table(tmp_path / "huge.csv", short + [huge]))
    assert peak - base < 500 * MB, f"the 10 MB row added {(peak - base) / MB:.0f} MB"
    assert len(emb) == 201 and len(emb.texts[-1]) == len(huge)


def test_texts_stay_object_arrays_through_reading_and_saving(tmp_path):
    table = read_table(_table(tmp_path / "t.csv", ["short", "x" * 5000]))
    assert table.columns["text"].dtype == object
    emb = EmbeddingSet(np.eye(3, dtype=np.float32), ["a", "b", "c"], np.array(["one", "two", "three"]))
    assert emb.texts.dtype == object and emb.texts.tolist() == ["one", "two", "three"]
    assert all(type(t) is str for t in emb.texts)
    from explorer.core.project import Project

    path = tmp_path / "p.eexp"
    save_project(Project(emb), str(path))
    assert load_project(str(path)).embeddings.texts.dtype == object
    assert text_array(["a", None, 3]).tolist() == ["a", "", "3"]
