"""Every kind of project the importer makes can be saved and reopened with the same contents, and
saved again (a project that opens can always be saved): texts from every table format, image
folders (with file and folder names that are not UTF-8), image tables, .npy / .npz, Projector
TSV, word2vec text and binary, and the bundled GloVe."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

from explorer.actions import importer
from explorer.actions.importer import ImportOptions, import_job
from explorer.core import run_to_end
from explorer.io.project_file import load_project, save_project
from tests.doubles import FakeEmbedder


@pytest.fixture(autouse=True)
def fake_model(monkeypatch):
    monkeypatch.setattr(importer, "make_embedder", lambda model_id, device=None: FakeEmbedder(8))


def make_texts(folder, kind: str):
    rows = [("the cat sat", "a"), ("a dog ran", "b"), ("naïve café ✓", "a"), ("fourth", "b"), ("fifth", "a")]
    path = folder / f"data.{kind}"
    if kind == "txt":
        path.write_text("\n".join(t for t, _ in rows) + "\n", encoding="utf-8")
    elif kind == "csv":
        path.write_text("text,label,n\n" + "".join(f'"{t}",{lab},{i}\n' for i, (t, lab) in enumerate(rows)))
    elif kind == "jsonl":
        path.write_text("".join(json.dumps({"text": t, "label": lab, "x": [i]}) + "\n" for i, (t, lab) in enumerate(rows)))
    elif kind == "json":
        path.write_text(json.dumps([{"text": t, "label": lab} for t, lab in rows]))
    elif kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"text": [t for t, _ in rows], "label": [lab for _, lab in rows],
                                 "score": [0.5, None, 1.5, 2.0, 3.0]}), path)
    elif kind == "txt.gz":
        import gzip

        path.write_bytes(gzip.compress("\n".join(t for t, _ in rows).encode()))
    return path


def image_folder(folder):
    """Two labelled subfolders, one of them and one file named with bytes that are not UTF-8,
    and a pipe named like an image (skipped)."""
    raw = os.fsencode(folder)
    for sub in (b"red", b"bl\xe9u"):
        os.makedirs(raw + b"/" + sub)
        for name in (b"a.png", b"caf\xe9.png", b"c.png"):
            colour = (200, len(sub) * 30, len(name) * 10)
            with open(raw + b"/" + sub + b"/" + name, "wb") as handle:
                Image.new("RGB", (12, 10), colour).save(handle, format="PNG")
    os.mkfifo(raw + b"/red/pipe.png")
    return folder


def sources(tmp_path):
    """(label, ImportOptions) for each kind of project the importer makes."""
    cases = [(f"texts .{kind}", ImportOptions(str(make_texts(tmp_path, kind)), first_map="pca"))
             for kind in ("txt", "csv", "jsonl", "json", "parquet", "txt.gz")]
    cases.append(("images", ImportOptions(str(image_folder(tmp_path / "imgs")), first_map="pca",
                                          conse_text_model=None)))
    Image.new("RGB", (8, 8), (1, 2, 3)).save(tmp_path / "one.png")
    Image.new("RGB", (8, 8), (9, 8, 7)).save(tmp_path / "two.png")
    (tmp_path / "images.csv").write_text("path,label\none.png,x\ntwo.png,y\nmissing.png,z\n")
    cases.append(("image table", ImportOptions(str(tmp_path / "images.csv"), kind="image-table", image_column="path",
                                               first_map="pca", conse_text_model=None)))
    rng = np.random.default_rng(0)
    np.save(tmp_path / "vectors.npy", rng.standard_normal((6, 5)).astype(np.float32))
    (tmp_path / "meta.csv").write_text("word,label\n" + "".join(f"w{i},{i % 2}\n" for i in range(6)))
    cases.append(("npy + metadata", ImportOptions(str(tmp_path / "vectors.npy"), metadata=str(tmp_path / "meta.csv"),
                                                  first_map="pca")))
    np.savez(tmp_path / "set.npz", vectors=rng.standard_normal((6, 3)), tag=np.arange(6))
    cases.append(("npz", ImportOptions(str(tmp_path / "set.npz"), first_map="pca")))
    projector = tmp_path / "proj"
    projector.mkdir()
    (projector / "vectors.tsv").write_text("".join("\t".join(f"{v:.3f}" for v in row) + "\n"
                                                   for row in rng.standard_normal((5, 4))))
    (projector / "metadata.tsv").write_text("word\tkind\n" + "".join(f"p{i}\tk{i % 2}\n" for i in range(5)))
    cases.append(("projector", ImportOptions(str(projector / "vectors.tsv"), metadata=str(projector / "metadata.tsv"),
                                             first_map="pca")))
    (tmp_path / "words.vec").write_text("4 3\nthe 1 2 3\nof 4 5 6.5\nand -1 0 1\nto 0.5 0.25 2\n")
    cases.append(("word2vec text", ImportOptions(str(tmp_path / "words.vec"), first_map="pca")))
    with open(tmp_path / "words.bin", "wb") as handle:
        handle.write(b"3 2\n")
        for word, values in ((b"the", (1, 2)), (b"of", (3, 4)), (b"and", (-1, 5))):
            handle.write(word + b" " + np.asarray(values, np.float32).tobytes() + b"\n")
    cases.append(("word2vec binary", ImportOptions(str(tmp_path / "words.bin"), first_map="pca")))
    cases.append(("glove", ImportOptions("glove-6B-50d", limit=50, first_map="pca")))
    return cases


def same_project(a, b) -> None:
    ea, eb = a.embeddings, b.embeddings
    np.testing.assert_array_equal(ea.vectors, eb.vectors)
    assert ea.ids.tolist() == eb.ids.tolist() and ea.texts.tolist() == eb.texts.tolist()
    assert list(ea.metadata) == list(eb.metadata)
    for name in ea.metadata:
        assert np.asarray(ea.metadata[name]).tolist() == np.asarray(eb.metadata[name]).tolist() or (
            np.asarray(ea.metadata[name]).dtype.kind == "f"
            and np.array_equal(ea.metadata[name], eb.metadata[name], equal_nan=True)), name
    if ea.image_paths is None:
        assert eb.image_paths is None
    else:
        assert ea.image_paths.tolist() == eb.image_paths.tolist()
    assert set(a.projections) == set(b.projections) and a.title == b.title


def test_every_kind_of_imported_project_saves_and_reopens(tmp_path):
    for label, options in sources(tmp_path):
        result = run_to_end(import_job(options))
        path = save_project(result.project, tmp_path / f"{label.replace(' ', '_')}.eexp")
        reopened = load_project(path, [tmp_path])
        same_project(result.project, reopened)
        save_project(reopened, path)  # whatever opens can be saved again, and opens again
        same_project(reopened, load_project(path, [tmp_path]))


def test_image_names_that_are_not_utf8_are_kept_and_found_again(tmp_path):
    result = run_to_end(import_job(ImportOptions(str(image_folder(tmp_path / "imgs")), first_map="pca",
                                                 conse_text_model=None)))
    project = result.project
    assert len(project.embeddings) == 6 and "not a regular file" in result.report.summary()
    assert "caf\ufffd.png" in project.embeddings.texts.tolist()  # shown as valid text
    assert sorted(set(project.embeddings.metadata["label"].tolist())) == ["bl\ufffdu", "red"]
    path = save_project(project, tmp_path / "imgs.eexp")
    reopened = load_project(path, [tmp_path])
    files = [reopened.image_file(i) for i in range(len(reopened.embeddings))]
    assert all(f is not None and f.is_file() for f in files)  # the exact bytes of each name
    assert {os.fsencode(f.name) for f in files} == {b"a.png", b"caf\xe9.png", b"c.png"}
    json.dumps(reopened.embeddings.texts.tolist()).encode("utf-8")  # exports never meet a surrogate
