"""What a file holds, told by its content (explorer.io.formats), and the one registry everything reads."""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from pathlib import Path

import numpy as np
import pytest

from explorer.actions.importer import ImportFailed, ImportOptions, detect, detect_kind, import_job
from explorer.core import run_to_end
from explorer.io import formats
from explorer.io.readers import read_word2vec

ROOT = Path(__file__).resolve().parents[2]
WORDS = ["the", "cat", "sat", "on", "mat", "1990", "dog", "ran", "far", "away", "a", "big", "house"]


def _vectors(n: int = len(WORDS), dim: int = 5) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)


def _word_lines(dim: int = 5) -> list[str]:
    return [w + " " + " ".join(f"{x:.5f}" for x in v) for w, v in zip(WORDS, _vectors(dim=dim))]


def _write(path: Path, text: str) -> Path:
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    return path


@pytest.mark.parametrize("name", ["glove.6B.5d.txt", "glove.txt.gz", "glove.txt.bz2", "glove.txt.xz",
                                  "words.vec", "vectors", "glove.tsv"])
def test_glove_text_without_header_is_word_vectors_whatever_its_name(tmp_path, name):
    path = _write(tmp_path / name, "\n".join(_word_lines()) + "\n")
    found = detect(str(path))
    assert found.kind == "word2vec"
    assert "no header" in found.what and "5 numbers" in found.what


def test_word2vec_text_with_header_and_fasttext_vec(tmp_path):
    text = f"{len(WORDS)} 5\n" + "\n".join(_word_lines()) + "\n"
    w2v = detect(str(_write(tmp_path / "model.txt", text)))
    vec = detect(str(_write(tmp_path / "wiki.en.vec", text)))
    assert (w2v.kind, vec.kind) == ("word2vec", "word2vec")
    assert w2v.what.startswith("word2vec text") and "13 words, 5 dimensions" in w2v.what
    assert vec.what.startswith("fastText .vec")


def test_word2vec_binary(tmp_path):
    path = tmp_path / "model.bin"
    with open(path, "wb") as f:
        f.write(f"{len(WORDS)} 5\n".encode())
        for word, vector in zip(WORDS, _vectors()):
            f.write(word.encode() + b" " + vector.tobytes() + b"\n")
    found = detect(str(path))
    assert found.kind == "word2vec" and "binary" in found.what
    np.testing.assert_array_equal(read_word2vec(path).vectors, _vectors())


@pytest.mark.parametrize("label", [False, True])
def test_projector_tsv_under_any_name(tmp_path, label):
    rows = ["\t".join(([WORDS[i]] if label else []) + [f"{x:.4f}" for x in v]) for i, v in enumerate(_vectors())]
    for name in ("embeddings.tsv", "vectors.tsv.gz"):
        found = detect(str(_write(tmp_path / name, "\n".join(rows) + "\n")))
        assert found.kind == "projector", (name, found)
        assert "5 tab-separated numbers" in found.what


@pytest.mark.parametrize("name, text, kind", [
    ("reviews.txt", "A quiet, moving study of grief.\nNever again.\nThe plot is thin.\n", "texts"),
    # lines ending in numbers, but not all the same shape: still sentences
    ("scores.txt", "scored 10 20\nthe match ended 3 1 0\nno numbers here\n", "texts"),
    ("table.tsv", "text\tlabel\nA fine film\tpos\nAwful\tneg\n", "texts"),
    ("table.tsv.gz", "text\tscore\nA fine film\t0.5\nAwful\t0.1\n", "texts"),
    ("table.csv", "text,label\nA fine film,pos\n", "texts"),
    ("rows.jsonl", '{"text": "A fine film"}\n', "texts"),
])
def test_tables_of_texts_stay_texts(tmp_path, name, text, kind):
    assert detect_kind(str(_write(tmp_path / name, text))) == kind


def test_numpy_parquet_folder_and_bundled(tmp_path):
    np.save(tmp_path / "x.npy", _vectors())
    np.savez(tmp_path / "x.npz", vectors=_vectors())
    assert detect(str(tmp_path / "x.npy")).kind == "vectors"
    assert detect(str(tmp_path / "x.npz")).kind == "vectors"
    # a .npy under another name is still recognised by its magic bytes
    (tmp_path / "data.bin").write_bytes((tmp_path / "x.npy").read_bytes())
    assert detect(str(tmp_path / "data.bin")).kind == "vectors"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["a", "b"]}), tmp_path / "t.parquet")
    assert detect(str(tmp_path / "t.parquet")).what == "a Parquet table"
    (tmp_path / "pics").mkdir()
    assert detect(str(tmp_path / "pics")).kind == "images"
    assert detect("glove-6B-50d").kind == "glove"
    assert detect(str(_write(tmp_path / "t.csv", "path\na.png\n")), image_column="path").kind == "image-table"


def test_unknown_and_missing_files_are_one_line(tmp_path):
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ImportFailed, match=r"cannot tell what blob.dat holds; give --kind \(glove, images"):
        detect(str(tmp_path / "blob.dat"))
    with pytest.raises(ImportFailed, match="does not exist"):
        detect(str(tmp_path / "nothing.txt"))


def test_registry_is_what_the_importer_cli_and_readme_use():
    from explorer.actions import importer
    from explorer.cli.parser import build_parser

    assert importer.KINDS == formats.KINDS
    parser = build_parser()
    imp = next(a for a in parser._subparsers._group_actions[0].choices["import"]._actions if a.dest == "kind")
    assert tuple(imp.choices) == formats.KINDS
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- formats table[^>]*-->\n(.*?)\n<!-- end of formats table -->", readme, re.S)
    assert table is not None and table.group(1) == formats.markdown_table()
    assert all(f.description and (f.sniff or f.name in ("glove", "image-table")) for f in formats.FORMATS)


def test_glove_txt_imports_as_words_without_kind(tmp_path):
    """The GloVe file as people download it: a .txt without a header, read as vectors, no model."""
    path = _write(tmp_path / "glove.6B.5d.txt", "\n".join(_word_lines()) + "\n")
    result = run_to_end(import_job(ImportOptions(str(path), first_map="pca")))
    emb = result.project.embeddings
    assert result.kind == "word2vec" and emb.modality == "word" and result.embedded == 0
    assert emb.texts.tolist() == WORDS
    np.testing.assert_allclose(emb.vectors, np.round(_vectors(), 5), atol=1e-6)
    assert "no header" in result.notes[0]


def test_kind_overrides_detection(tmp_path, monkeypatch):
    from explorer.actions import importer
    from tests.doubles import FakeEmbedder

    monkeypatch.setattr(importer, "make_embedder", lambda model_id, device=None: FakeEmbedder(8))
    path = _write(tmp_path / "glove.txt", "\n".join(_word_lines()) + "\n")
    result = run_to_end(import_job(ImportOptions(str(path), kind="texts", first_map="pca")))
    assert result.kind == "texts" and result.embedded == len(WORDS) and result.notes == []


def test_the_command_line_says_what_it_detected(tmp_path):
    import os
    import subprocess
    import sys

    path = _write(tmp_path / "glove.6B.5d.txt", "\n".join(_word_lines()) + "\n")
    result = subprocess.run([sys.executable, "-m", "explorer", "import", str(path), "-o", str(tmp_path / "w.eexp"),
                             "--map", "pca"], capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(),
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert ("glove.6B.5d.txt: GloVe-style word vectors (no header line): a word and 5 numbers a line "
            "(--kind word2vec)") in result.stderr
    assert "13 items x 5" in result.stderr
