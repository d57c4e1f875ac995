from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from explorer.core import EmbeddingSet, Project, Projection, ViewState
from explorer.io import project_file
from explorer.io.project_file import FORMAT_VERSION, ProjectFileError, load_project, save_project


def small_project(n: int = 30, dim: int = 8) -> Project:
    rng = np.random.default_rng(1)
    emb = EmbeddingSet(
        vectors=rng.standard_normal((n, dim)).astype(np.float32),
        ids=[f"id{i}" for i in range(n)],
        texts=[f"tëxt {i} — ünïcode ✓" for i in range(n)],
        modality="text",
        model_id="fake-8d",
        metadata={
            "label": np.array(["a", "b", "c"] * (n // 3)),
            "score": rng.random(n),
            "count": np.arange(n),
        },
    )
    proj = Projection("PCA", "pca", rng.standard_normal((n, 2)), {"components": [0, 1]})
    return Project(emb, {"PCA": proj}, ViewState("PCA", "label", [2, 5]), title="small")


def test_round_trip_keeps_everything(tmp_path):
    original = small_project()
    path = save_project(original, tmp_path / "p.eexp")
    loaded = load_project(path)
    a, b = original.embeddings, loaded.embeddings
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert b.vectors.dtype == np.float32
    assert list(a.ids) == list(b.ids)
    assert list(a.texts) == list(b.texts)
    assert b.model_id == "fake-8d" and b.modality == "text"
    np.testing.assert_array_equal(a.metadata["score"], b.metadata["score"])
    np.testing.assert_array_equal(a.metadata["count"], b.metadata["count"])
    assert list(b.metadata["label"]) == list(a.metadata["label"])
    np.testing.assert_array_equal(original.projections["PCA"].coords, loaded.projections["PCA"].coords)
    assert loaded.projections["PCA"].params == {"components": [0, 1]}
    assert loaded.view == ViewState("PCA", "label", [2, 5])
    assert loaded.title == "small"


def test_manifest_is_versioned_json_with_checksums(tmp_path):
    path = save_project(small_project(), tmp_path / "p.eexp")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["format"] == "embedding-explorer-project"
    arrays = [n for n in names if n.endswith(".npy")]
    assert set(arrays) == set(manifest["arrays"])
    assert all(len(entry["sha256"]) == 64 for entry in manifest["arrays"].values())


def test_back_compat_fixture_v1_opens(v1_project_path):
    project = load_project(v1_project_path)
    emb = project.embeddings
    assert len(emb) == 400 and emb.dim == 50 and emb.modality == "word"
    assert emb.texts[:5].tolist() == ["the", ",", ".", "of", "to"]
    assert set(project.projections) == {"PCA", "PCA 2-3"}
    assert project.view.projection == "PCA" and project.view.color_by == "band"
    assert project.view.selected == [0]
    # The vectors are GloVe's, to the bit.
    from explorer.embedders.word_vectors import load_bundled_glove

    _, glove = load_bundled_glove(400)
    np.testing.assert_array_equal(emb.vectors, glove)


def test_save_replaces_atomically_and_failure_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "p.eexp"
    save_project(small_project(), path)
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file, "_write_archive", explode)
    with pytest.raises(ProjectFileError, match="No space left"):
        save_project(small_project(60), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.eexp"]  # no temporary file left behind


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "notes.eexp"
    path.write_text("hello, I am not a project")
    with pytest.raises(ProjectFileError, match="not an Embedding Explorer project"):
        load_project(path)


def test_zip_without_manifest_is_refused(tmp_path):
    path = tmp_path / "other.eexp"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(ProjectFileError, match="no manifest"):
        load_project(path)


def test_missing_file_and_folder_are_refused(tmp_path):
    with pytest.raises(ProjectFileError, match="does not exist"):
        load_project(tmp_path / "nope.eexp")
    with pytest.raises(ProjectFileError, match="folder"):
        load_project(tmp_path)


def _rewrite(path, change_manifest=None, change_member=None):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    if change_manifest:
        change_manifest(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    if change_member:
        change_member(members)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_newer_format_is_refused_with_clear_message(tmp_path):
    path = save_project(small_project(), tmp_path / "future.eexp")
    _rewrite(path, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ProjectFileError, match=rf"newer Embedding Explorer .*format {FORMAT_VERSION + 1}.*Update"):
        load_project(path)


def test_corrupted_array_is_caught_by_checksum(tmp_path):
    path = save_project(small_project(), tmp_path / "bad.eexp")

    def flip(members):
        data = bytearray(members["arrays/vectors.npy"])
        data[-5] ^= 0xFF
        members["arrays/vectors.npy"] = bytes(data)

    _rewrite(path, change_member=flip)
    with pytest.raises(ProjectFileError, match="checksum"):
        load_project(path)


def test_truncated_file_is_refused(tmp_path):
    path = save_project(small_project(300, 64), tmp_path / "cut.eexp")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ProjectFileError):
        load_project(path)


def test_pickled_array_is_never_loaded(tmp_path):
    """A crafted file with an object (pickle) array is refused, even with a matching checksum."""
    path = save_project(small_project(), tmp_path / "evil.eexp")
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}] * 30, dtype=object), allow_pickle=True)
    evil = buffer.getvalue()
    import hashlib

    def swap_members(members):
        members["arrays/vectors.npy"] = evil

    def swap_checksum(manifest):
        manifest["arrays"]["arrays/vectors.npy"]["sha256"] = hashlib.sha256(evil).hexdigest()

    _rewrite(path, swap_checksum, swap_members)
    with pytest.raises(ProjectFileError, match="not a plain numeric array"):
        load_project(path)


def test_array_name_cannot_escape(tmp_path):
    path = save_project(small_project(), tmp_path / "escape.eexp")
    _rewrite(path, lambda m: m["embeddings"].update(vectors="../../etc/passwd"))
    with pytest.raises(ProjectFileError, match="bad array name"):
        load_project(path)


def test_inconsistent_row_counts_are_refused(tmp_path):
    path = save_project(small_project(), tmp_path / "rows.eexp")
    other = save_project(small_project(33), tmp_path / "other.eexp")
    with zipfile.ZipFile(other) as archive:
        coords = archive.read("arrays/proj/000.npy")
        checksum = json.loads(archive.read("manifest.json"))["arrays"]["arrays/proj/000.npy"]

    def swap(members):
        members["arrays/proj/000.npy"] = coords

    _rewrite(path, lambda m: m["arrays"].update({"arrays/proj/000.npy": checksum}), swap)
    with pytest.raises(ProjectFileError, match="33 points but the project has 30"):
        load_project(path)


def test_back_compat_fixture_v2_opens_with_its_session():
    from explorer.core.analogy import AnalogyResult
    from explorer.core.bias import Direction
    from explorer.core.clusters import ClusterLabel, ClusterResult
    from tests.conftest import FIXTURES

    project = load_project(FIXTURES / "projects" / "v2" / "glove_400_session.eexp")
    key = project.embeddings.key_to_index
    view = project.view
    assert project.bookmarks == {"pronouns": [key["he"], key["she"], key["it"]]}
    assert (view.focus, view.hidden_categories, view.search, view.search_regex) == (key["she"], ["other"], "^s", True)
    assert (view.point_size, view.opacity, view.view_range) == (3.5, 0.7, [-2.0, 2.0, -1.5, 1.5])
    assert view.arrows == [(key["she"], key["he"])]
    analogy = view.analogy.result
    assert isinstance(analogy, AnalogyResult) and analogy.positive == ["he", "her"] and len(analogy.words) == 5
    assert analogy.scores.dtype == np.float32 or analogy.scores.dtype == np.float64
    # format 2 kept the inputs under the widgets' names; they arrive in the typed records
    assert (view.analogy.positive, view.analogy.negative, view.analogy.k) == ("he her", "she", 5)
    assert view.analogy.method is None  # not saved then: the panel's default
    clusters = view.clusters
    assert isinstance(clusters.result, ClusterResult) and len(clusters.result.labels) == 400
    assert clusters.n_clusters == 4
    assert all(isinstance(k, int) and isinstance(v, ClusterLabel) for k, v in clusters.names.items())
    direction = view.bias.direction
    assert isinstance(direction, Direction) and direction.pairs[0] == ("she", "he")
    assert view.bias.pairs == "she-he, her-his" and view.bias.direction_scores is not None
    assert project.source.kind == "glove"


def test_session_records_refuse_unknown_types(tmp_path):
    path = save_project(small_project(), tmp_path / "p.eexp")
    _rewrite(path, lambda m: m["session"]["fields"]["neighbors"]["fields"].update(
        result={"__type__": "os.system", "fields": {}}))
    with pytest.raises(ProjectFileError, match="unknown result type"):
        load_project(path)


def test_session_records_from_a_newer_version_are_refused(tmp_path):
    path = save_project(small_project(), tmp_path / "p.eexp")
    _rewrite(path, lambda m: m["session"]["fields"]["neighbors"].update({"__version__": 99}))
    with pytest.raises(ProjectFileError, match="newer version"):
        load_project(path)


def test_format_1_image_paths_are_migrated_to_a_data_folder(tmp_path):
    """Format 1 kept absolute image paths; format 2 keeps them relative to a data folder, which is
    used only where the user allows it (here: inside the project's folder)."""
    data = tmp_path / "images" / "cats"
    data.mkdir(parents=True)
    (data / "a.png").write_bytes(b"png")
    project = small_project(n=3)
    project.embeddings.image_paths = np.array(["cats/a.png", "cats/b.png", "cats/c.png"])
    path = save_project(project, tmp_path / "old.eexp")

    def as_format_1(manifest):
        manifest["format_version"] = 1
        manifest.pop("source", None)

    absolute = np.array([str(tmp_path / "images" / p) for p in project.embeddings.image_paths])
    _rewrite(path, as_format_1)
    _replace_strings(path, "image_paths", absolute)
    loaded = load_project(path)
    assert loaded.embeddings.image_paths.tolist() == ["a.png", "b.png", "c.png"]
    assert loaded.source.root == data.resolve()
    assert loaded.image_file(0) == (data / "a.png").resolve()


def _replace_strings(path, name, values):
    """Put another text column in place of arrays/<name>.utf8/.offsets, with fresh checksums."""
    import hashlib

    blob, offsets = project_file._encode_strings(values)
    arrays = {}
    for suffix, array in (("utf8", blob), ("offsets", offsets)):
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        arrays[f"arrays/{name}.{suffix}.npy"] = (buffer.getvalue(), array)

    def change(manifest):
        for member, (data, array) in arrays.items():
            manifest["arrays"][member] = {"sha256": hashlib.sha256(data).hexdigest(),
                                          "shape": list(array.shape), "dtype": array.dtype.str}

    def members(files):
        for member, (data, _) in arrays.items():
            files[member] = data

    _rewrite(path, change, members)


def test_neighbour_index_is_kept_as_plain_arrays(tmp_path):
    from explorer.core import run_to_end
    from explorer.core.ann_index import ApproximateIndex, build_index_job

    project = small_project(n=600, dim=16)
    project.neighbor_index = run_to_end(build_index_job(project.embeddings.vectors, "cosine"))
    path = save_project(project, tmp_path / "p.eexp")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["neighbor_index"]["params"]["metric"] == "cosine"
    assert all(m.startswith("arrays/index/") for m in manifest["neighbor_index"]["arrays"].values())
    loaded = load_project(path)
    assert isinstance(loaded.neighbor_index, ApproximateIndex)
    query = project.embeddings.vectors[7]
    before, after = project.neighbor_index.search(query, k=5), loaded.neighbor_index.search(query, k=5)
    assert before.indices.tolist() == after.indices.tolist()
    np.testing.assert_allclose(before.scores, after.scores, rtol=0, atol=1e-6)
