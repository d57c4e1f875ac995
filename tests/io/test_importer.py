from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets
from PIL import Image, ImageOps

from explorer.actions import importer
from explorer.actions.importer import ImportOptions, import_job
from explorer.core import run_to_end
from explorer.core.neighbors import nearest
from explorer.core.project import Projection
from explorer.embedders.query import query_vector, search_space
from explorer.embedders.registry import make_embedder
from explorer.io.readers import ReadError
from tests.doubles import FakeEmbedder

PHOTOS = Path(sklearn.datasets.__file__).parent / "images"  # china.jpg (a palace), flower.jpg


@pytest.fixture(autouse=True)
def conse_cache(tmp_path_factory, monkeypatch):
    """Image imports embed the ImageNet class names once: cache them in a test folder."""
    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "conse-cache"))


@pytest.fixture
def fake_model(monkeypatch):
    """The deterministic fake embedder stands in for MiniLM where the model is not the point."""
    monkeypatch.setattr(importer, "make_embedder", lambda model_id, device=None: FakeEmbedder(16))


def run(**kwargs):
    kwargs.setdefault("first_map", "pca")
    return run_to_end(import_job(ImportOptions(**kwargs)))


def test_csv_texts_with_labels_and_bad_rows(tmp_path, fake_model):
    path = tmp_path / "r.csv"
    path.write_bytes(b"text,label,stars\nI loved it,pos,5\n,neg,1\nawful,neg,1\nfine,pos,4,extra\n"
                     b"caf\xe9,pos,3\ngreat,pos,5\n")
    result = run(source=str(path), label_column="label")
    emb = result.project.embeddings
    assert emb.texts.tolist() == ["I loved it", "awful", "great"]
    assert emb.metadata["stars"].tolist() == [5, 1, 5]
    summary = result.report.summary()
    assert result.report.rows_skipped == 3
    assert "empty text" in summary and "not valid UTF-8" in summary and "line 5" in summary
    assert result.project.view.color_by == "label"
    np.testing.assert_allclose(emb.vectors[0], FakeEmbedder(16).vector(emb.texts[0]))
    assert "PCA" in result.project.projections


def test_limit_and_dedupe(tmp_path, fake_model):
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"line {i % 30}\n" for i in range(100)))
    result = run(source=str(path), dedupe=True)
    assert len(result.project.embeddings) == 30
    assert "duplicate" in result.report.summary()
    limited = run(source=str(path), limit=10, sample_seed=1)
    assert len(limited.project.embeddings) == 10


def test_reuse_never_embeds_an_item_twice(tmp_path, fake_model):
    path = tmp_path / "a.txt"
    path.write_text("one\ntwo\nthree\n")
    first = run(source=str(path))
    path.write_text("one\ntwo\nthree\nfour\n")
    second = run_to_end(import_job(ImportOptions(str(path), first_map="pca"), reuse=first.project))
    assert (second.embedded, second.reused) == (1, 3)


def test_word_look_up_reports_out_of_vocabulary(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("king\nqueen\nzzqqxxyy\nman\nwoman\n")
    result = run(source=str(path), model="glove-6B-50d")
    emb = result.project.embeddings
    assert emb.texts.tolist() == ["king", "queen", "man", "woman"]
    assert emb.modality == "word"
    assert "not in the vocabulary" in result.report.summary()


def test_image_folder_with_labels_thumbnails_and_bad_images(tmp_path):
    for label, colour in (("red", (230, 20, 20)), ("blue", (20, 20, 230))):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (40 + i, 30), colour).save(tmp_path / "imgs" / label / f"{i}.png")
    (tmp_path / "imgs" / "red" / "broken.png").write_bytes(b"\x89PNG nope")
    result = run(source=str(tmp_path / "imgs"))
    emb = result.project.embeddings
    assert len(emb) == 6 and emb.dim == 1280 and emb.modality == "image"
    assert sorted(set(emb.metadata["label"].tolist())) == ["blue", "red"]
    assert result.project.view.color_by == "label"
    assert emb.thumbnail(0).startswith(b"\x89PNG")
    assert "broken.png" in result.report.summary()
    assert emb.extra_vectors["conse/all-MiniLM-L6-v2"].shape == (6, 384)
    assert "ConSE approximation" in result.report.summary()


def test_text_search_over_real_photos_through_imagenet_classes(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("china.jpg", "flower.jpg"):
        shutil.copy(PHOTOS / name, folder / name)
    ImageOps.mirror(Image.open(PHOTOS / "china.jpg")).save(folder / "china_mirrored.jpg")
    flower = Image.open(PHOTOS / "flower.jpg")
    width, height = flower.size
    flower.crop((width // 4, height // 4, 3 * width // 4, 3 * height // 4)).save(folder / "flower_crop.jpg")
    emb = run(source=str(folder)).project.embeddings
    assert emb.extra_vectors["conse/all-MiniLM-L6-v2"].shape == (4, 384)

    def ranked(text):
        query = run_to_end(query_vector(emb, text))
        assert query.space == "conse/all-MiniLM-L6-v2" and "ConSE approximation" in query.description
        return [emb.texts[i] for i in nearest(search_space(emb, query), query.vector, k=4).indices]

    assert ranked("flower")[0] == "flower.jpg"
    assert set(ranked("flower")[:2]) == {"flower.jpg", "flower_crop.jpg"}
    assert set(ranked("palace")[:2]) == {"china.jpg", "china_mirrored.jpg"}
    assert set(ranked("building")[:2]) == {"china.jpg", "china_mirrored.jpg"}


def colour_squares(folder: Path) -> Path:
    folder.mkdir()
    for i, colour in enumerate([(230, 20, 20), (20, 20, 230), (20, 230, 20)]):
        Image.new("RGB", (40, 30 + i), colour).save(folder / f"{i}.png")
    return folder


def test_image_import_goes_on_without_text_search_when_the_text_model_is_missing(tmp_path):
    (tmp_path / "not_a_model").mkdir()
    result = run(source=str(colour_squares(tmp_path / "imgs")), conse_text_model=str(tmp_path / "not_a_model"))
    assert len(result.project.embeddings) == 3 and result.project.embeddings.extra_vectors == {}
    assert "No text search over these images" in result.report.summary()
    none = run(source=str(tmp_path / "imgs"), conse_text_model=None)
    assert none.project.embeddings.extra_vectors == {} and "ConSE" not in none.report.summary()


def test_reuse_keeps_conse_vectors_and_fills_in_missing_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "make_embedder", lambda model_id, device=None: FakeEmbedder(8)
                        if model_id == "fake-text" else make_embedder(model_id, device))
    source = str(colour_squares(tmp_path / "imgs"))
    plain = run(source=source, conse_text_model=None)
    # The first project has no ConSE vectors: its images go through the model again to get them.
    second = run_to_end(import_job(ImportOptions(source, first_map="pca", conse_text_model="fake-text"),
                                   reuse=plain.project))
    assert (second.embedded, second.reused) == (3, 0)
    conse = second.project.embeddings.extra_vectors["conse/fake-text"]
    assert conse.shape == (3, 8) and np.isfinite(conse).all()
    third = run_to_end(import_job(ImportOptions(source, first_map="pca", conse_text_model="fake-text"),
                                  reuse=second.project))
    assert (third.embedded, third.reused) == (0, 3)
    np.testing.assert_array_equal(third.project.embeddings.extra_vectors["conse/fake-text"], conse)


def test_projector_tsv_and_word2vec_and_npy(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((6, 4)).astype(np.float32)
    tsv = tmp_path / "vectors.tsv"
    tsv.write_text("".join("\t".join(f"{v:.6f}" for v in row) + "\n" for row in vectors))
    meta = tmp_path / "metadata.tsv"
    meta.write_text("word\tlabel\n" + "".join(f"w{i}\t{'ab'[i % 2]}\n" for i in range(6)))
    result = run(source=str(tsv), metadata=str(meta))
    assert result.project.embeddings.texts.tolist() == [f"w{i}" for i in range(6)]
    assert result.project.view.color_by == "label"
    np.testing.assert_allclose(result.project.embeddings.vectors, vectors, atol=1e-6)
    # --text-column picks the texts among the metadata (it was ignored for vectors given as they are)
    chosen = run(source=str(tsv), metadata=str(meta), text_column="label").project.embeddings
    assert chosen.texts.tolist() == ["a", "b"] * 3 and chosen.metadata["word"].tolist() == [f"w{i}" for i in range(6)]
    with pytest.raises(ReadError, match="no column 'nope'"):
        run(source=str(tsv), metadata=str(meta), text_column="nope")

    w2v = tmp_path / "tiny.vec"
    w2v.write_text("6 4\n" + "".join(f"w{i} " + " ".join(map(str, row)) + "\n" for i, row in enumerate(vectors)))
    result = run(source=str(w2v))
    assert result.project.embeddings.modality == "word" and len(result.project.embeddings) == 6

    npy = tmp_path / "v.npy"
    np.save(npy, np.vstack([vectors, [[np.nan] * 4]]))
    result = run(source=str(npy))
    assert len(result.project.embeddings) == 6
    assert "NaN" in result.report.summary() or result.report.rows_skipped == 1


def test_mismatched_projector_counts_and_empty_file_are_refused(tmp_path):
    tsv = tmp_path / "vectors.tsv"
    tsv.write_text("1\t2\n3\t4\n5\t6\n")
    meta = tmp_path / "metadata.tsv"
    meta.write_text("a\nb\n")
    with pytest.raises(ReadError, match="3"):
        run(source=str(tsv), metadata=str(meta))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ReadError):
        run(source=str(empty))


def test_a_folder_that_is_not_a_model_is_reported(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("a\nb\nc\n")
    (tmp_path / "not_a_model").mkdir()
    with pytest.raises(ReadError, match="not a sentence-transformers model folder"):
        run(source=str(path), model=str(tmp_path / "not_a_model"))


def test_texts_are_embedded_in_batches_of_a_fixed_size(tmp_path, monkeypatch):
    """However slow each model call is (a busy machine), texts go to the model 32 at a time: the
    batches once shrank to 8 under load, which costs a text model twice the CPU per item."""
    calls: list[int] = []

    class SlowFake(FakeEmbedder):
        def embed(self, items, batch_size=64):
            calls.append(len(items))
            clock[0] += 5.0 * len(items)  # seconds per item, as a loaded machine would see it
            yield from super().embed(items, batch_size)

    clock = [0.0]
    monkeypatch.setattr(importer.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(importer, "make_embedder", lambda model_id, device=None: SlowFake(16))
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"review number {i} " + "x" * (i % 50) + "\n" for i in range(100)))
    result = run(source=str(path))
    assert calls == [32, 32, 32, 4]
    emb = result.project.embeddings
    # the rows come back in file order although the longest texts went first
    np.testing.assert_allclose(emb.vectors[7], FakeEmbedder(16).vector(emb.texts[7]))


def test_umap_process_starts_before_the_embedding(tmp_path, monkeypatch):
    """umap-learn takes seconds to import in its process: a text import with a UMAP map starts that
    process before embedding, so the import happens meanwhile; a PCA-only import never starts it."""
    events = []

    class RecordingEmbedder(FakeEmbedder):
        def embed(self, items, batch_size=64):
            events.append("embed")
            yield from super().embed(items, batch_size)

    monkeypatch.setattr(importer, "make_embedder", lambda model_id, device=None: RecordingEmbedder(16))
    monkeypatch.setattr(importer, "start_umap_process",
                        lambda warm=False: events.append("umap process" + (" warm" if warm else "")))

    def flat_map(vectors, method):  # the maps are not the point: no umap-learn here
        return Projection(method, method, np.zeros((len(vectors), 2), np.float32), {})
        yield

    monkeypatch.setattr(importer, "compute_projection", flat_map)
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"line {i}\n" for i in range(40)))
    run(source=str(path), first_map="umap")
    assert events[:2] == ["umap process warm", "embed"]
    events.clear()
    run(source=str(path), first_map="pca")
    assert not any(event.startswith("umap process") for event in events)


def test_the_datas_own_id_column_names_the_items(tmp_path, fake_model):
    """A table's "id" column that names every row once becomes the items' ids (exports and look-ups
    then speak the user's ids); one with repeats or gaps stays an ordinary column."""
    path = tmp_path / "reviews.csv"
    path.write_text("id,text,verdict\nr10,I loved it,pos\nr11,awful,neg\nr12,,neg\nr13,fine,pos\n")
    emb = run(source=str(path)).project.embeddings
    assert emb.ids.tolist() == ["r10", "r11", "r13"] and "id" not in emb.metadata  # r12 had no text
    assert emb.key_to_index["r13"] == 2
    path.write_text("id,text\n1,one\n1,two\n2,three\n")
    emb = run(source=str(path)).project.embeddings
    assert emb.ids.tolist() == ["i0", "i1", "i2"] and emb.metadata["id"].tolist() == [1, 1, 2]
