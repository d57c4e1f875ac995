"""Several embedding sets in one project file (format 4), and format-3 files migrating to it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from explorer.core import EmbeddingSet, Project, Projection, ViewState
from explorer.core.ann_index import ApproximateIndex, build_index_job
from explorer.core.neighbors import nearest
from explorer.core.progress import run_to_end
from explorer.core.project import VectorSet
from explorer.core.session import NeighborsSession
from explorer.io.project_file import ProjectFileError, load_project, save_project

V3_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "v3" / "glove_200_extra_vectors.eexp"


def two_set_project(n: int = 40) -> Project:
    rng = np.random.default_rng(7)
    emb = EmbeddingSet(vectors=rng.standard_normal((n, 8)).astype(np.float32), ids=[f"i{i}" for i in range(n)],
                       texts=[f"t{i}" for i in range(n)], model_id="model-a",
                       metadata={"label": np.array(["x", "y"] * (n // 2))})
    project = Project(emb, {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2)))},
                      ViewState("PCA", "label", [1, 2]), title="two sets")
    other = rng.standard_normal((n, 5)).astype(np.float32)
    project.add_set(VectorSet("B", "model-b", other, {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2))),
                                                       "UMAP": Projection("UMAP", "umap", rng.standard_normal((n, 2)))}))
    return project


def test_v3_file_opens_with_the_same_values_and_its_second_matrix_as_a_set():
    with zipfile.ZipFile(V3_FIXTURE) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        stored = {name: np.load(archive.open(f"arrays/extra/{i:03d}.npy"))
                  for i, name in enumerate(e["name"] for e in manifest["embeddings"]["extra_vectors"])}
        vectors = np.load(archive.open("arrays/vectors.npy"))
    assert manifest["format_version"] == 3
    project = load_project(V3_FIXTURE)
    emb = project.embeddings
    np.testing.assert_array_equal(emb.vectors, vectors)
    assert project.active_set == "glove-6B-50d" and project.set_names() == ["glove-6B-50d", "squared"]
    np.testing.assert_array_equal(project.set_vectors("squared"), stored["squared"])
    assert project.set_projections("squared") == {}
    # the ConSE space stays a matrix of the items (typed queries search it), not a set
    assert list(emb.extra_vectors) == ["conse/fake-text"]
    np.testing.assert_array_equal(emb.extra_vectors["conse/fake-text"], stored["conse/fake-text"])
    # the session came through: the neighbours found for "he" are those of the project's own vectors
    he = emb.key_to_index["he"]
    expected = nearest(vectors, vectors[he], k=5, metric="cosine", exclude=[he])
    np.testing.assert_array_equal(project.view.neighbors.result.indices, expected.indices)
    assert project.view.projection == "PCA" and project.view.selected == [he]


def test_v3_file_saved_again_keeps_its_sets(tmp_path):
    project = load_project(V3_FIXTURE)
    project.switch_set("squared")
    again = load_project(save_project(project, tmp_path / "again.eexp"))
    assert again.active_set == "squared" and again.set_names() == ["glove-6B-50d", "squared"]
    np.testing.assert_array_equal(again.embeddings.vectors, project.embeddings.vectors)
    again.switch_set("glove-6B-50d")
    assert again.view.projection == "PCA" and again.view.neighbors.result is not None


def test_round_trip_keeps_each_sets_maps_index_and_results(tmp_path):
    project = two_set_project()
    project.view.neighbors = NeighborsSession(k=3, result=nearest(project.embeddings.vectors,
                                                                   project.embeddings.vectors[0], k=3, exclude=[0]))
    project.switch_set("B")
    project.neighbor_index = run_to_end(build_index_job(project.embeddings.vectors, "cosine", queries=20))
    project.view.projection = "UMAP"
    project.view.view_range = [-1.0, 1.0, -2.0, 2.0]
    b_result = nearest(project.embeddings.vectors, project.embeddings.vectors[3], k=4, exclude=[3])
    project.view.neighbors = NeighborsSession(k=4, result=b_result)
    path = save_project(project, tmp_path / "sets.eexp")
    loaded = load_project(path)
    assert loaded.active_set == "B" and loaded.embeddings.model_id == "model-b"
    assert loaded.embeddings.dim == 5 and set(loaded.projections) == {"PCA", "UMAP"}
    assert loaded.view.projection == "UMAP" and loaded.view.view_range == [-1.0, 1.0, -2.0, 2.0]
    np.testing.assert_array_equal(loaded.view.neighbors.result.indices, b_result.indices)
    assert isinstance(loaded.neighbor_index, ApproximateIndex)
    loaded.switch_set("model-a")
    assert loaded.neighbor_index is None and isinstance(loaded.set_index("B"), ApproximateIndex)
    assert loaded.embeddings.dim == 8 and loaded.embeddings.model_id == "model-a"
    np.testing.assert_array_equal(loaded.embeddings.vectors, project.set_vectors("model-a"))
    assert list(loaded.projections) == ["PCA"] and loaded.view.neighbors.k == 3
    assert loaded.view.view_range is None and loaded.view.projection == "PCA"
    assert loaded.view.selected == [1, 2]  # the selection is about the items: shared


def test_a_set_of_another_size_is_refused(tmp_path):
    project = two_set_project()
    path = save_project(project, tmp_path / "p.eexp")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in archive.namelist()}
    member = manifest["sets"][1]["vectors"]
    for spec in manifest["sets"]:
        if not spec.get("active"):
            spec["vectors"] = "arrays/proj/000.npy"  # (N, 2) would be fine; use a wrong row count:
    members["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.eexp"
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert member != "arrays/proj/000.npy"
    # a set pointing at another (valid) matrix still opens: the shapes fit (N rows)
    assert load_project(bad).set_vectors("B").shape == (40, 2)
    manifest["sets"][1]["vectors"] = "arrays/ids.offsets.npy"  # 41 int64 values: not a matrix
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ProjectFileError):
        load_project(bad)


def test_two_sets_with_one_name_are_refused(tmp_path):
    project = two_set_project()
    path = save_project(project, tmp_path / "p.eexp")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest["sets"].append(dict(manifest["sets"][1]))
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ProjectFileError, match="two embedding sets named"):
        load_project(path)


def _rewrite(path, change):
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in archive.namelist()}
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("junk, fragment", [
    ([5, "x", None], None),  # not tables: ignored
    ([{"name": "B", "vectors": 3}], "is damaged"),
    ([{"name": "B", "vectors": "arrays/vectors.npy", "session": {"__type__": "Popen", "fields": {}}}],
     "saved session of set 'B' is damaged"),
    ([{"name": "", "vectors": "arrays/vectors.npy"}], "without a name"),
])
def test_hostile_sets_are_refused_in_one_line_or_ignored(tmp_path, junk, fragment):
    path = save_project(two_set_project(), tmp_path / "p.eexp")
    _rewrite(path, lambda m: m.update(sets=junk, active_set="model-a"))
    if fragment is None:
        assert load_project(path).set_names() == ["model-a"]
        return
    with pytest.raises(ProjectFileError, match=fragment) as caught:
        load_project(path)
    assert "\n" not in str(caught.value)


def test_a_set_session_that_does_not_fit_is_cleaned(tmp_path):
    project = two_set_project()
    path = save_project(project, tmp_path / "p.eexp")

    def junk_session(manifest):
        spec = manifest["sets"][1]
        spec["session"]["fields"].update(projection="gone", highlighted=[1, 999, -3], view_range=[1, 0, 0, 1])
    _rewrite(path, junk_session)
    loaded = load_project(path)
    loaded.switch_set("B")
    assert loaded.view.projection == "PCA" and loaded.view.highlighted == [1] and loaded.view.view_range is None
