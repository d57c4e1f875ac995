"""Hostile and broken project files: each is refused with one short ProjectFileError line, before
any large allocation, or loads into a project that can be saved and reopened."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np
import pytest

from explorer.core import EmbeddingSet, Project, Projection, ViewState
from explorer.core.errors import one_line
from explorer.core.neighbors import Neighbors
from explorer.core.records import to_record
from explorer.io.project_file import ProjectFileError, load_project, save_project


def small_project(n: int = 12, dim: int = 4) -> Project:
    rng = np.random.default_rng(3)
    emb = EmbeddingSet(rng.standard_normal((n, dim)).astype(np.float32), [f"id{i}" for i in range(n)],
                       [f"text {i}" for i in range(n)], metadata={"label": np.array(["a", "b"] * (n // 2))})
    return Project(emb, {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2)))},
                   ViewState("PCA", "label", [1, 2]), title="hostile")


def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_members(path, members: dict[str, bytes], compress: dict[str, int] | None = None) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data, (compress or {}).get(name, zipfile.ZIP_STORED))


def rewrite(path, change_manifest=None, members_change=None) -> None:
    members = members_of(path)
    manifest = json.loads(members["manifest.json"])
    if change_manifest:
        change_manifest(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    if members_change:
        members_change(members, manifest)
        members["manifest.json"] = json.dumps(manifest).encode()
    write_members(path, members)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def put_member(members, manifest, name: str, data: bytes, shape, dtype: str) -> None:
    members[name] = data
    manifest["arrays"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "shape": list(shape), "dtype": dtype}


def refused(path, match: str = "") -> str:
    with pytest.raises(ProjectFileError) as caught:
        load_project(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) <= 300, message
    if match:
        assert match in message, message
    return message


@pytest.fixture
def saved(tmp_path):
    return save_project(small_project(), tmp_path / "p.eexp")


# ------------------------------------------------------------------------------- the zip itself


def _patch_central_directory(path, name: bytes, offset: int, value: bytes) -> None:
    data = bytearray(path.read_bytes())
    position = 0
    while True:  # find this member's central directory entry
        position = data.index(b"PK\x01\x02", position)
        name_length = struct.unpack("<H", data[position + 28:position + 30])[0]
        if bytes(data[position + 46:position + 46 + name_length]) == name:
            break
        position += 4
    data[position + offset:position + offset + len(value)] = value
    path.write_bytes(bytes(data))


def test_encrypted_flag_is_refused(saved):
    _patch_central_directory(saved, b"manifest.json", 8, struct.pack("<H", 1))
    refused(saved, "encrypted")


def test_unsupported_compression_is_refused(saved):
    _patch_central_directory(saved, b"arrays/vectors.npy", 10, struct.pack("<H", 99))
    refused(saved)


def test_bad_crc_of_the_manifest_is_refused(saved):
    _patch_central_directory(saved, b"manifest.json", 16, b"\0\0\0\0")
    refused(saved, "manifest")


def test_corrupt_deflate_stream_is_refused(saved):
    members = members_of(saved)
    write_members(saved, members, {"manifest.json": zipfile.ZIP_DEFLATED})
    data = bytearray(saved.read_bytes())
    start = data.index(b"manifest.json") + len("manifest.json")
    data[start + 5:start + 40] = os.urandom(35)
    saved.write_bytes(bytes(data))
    refused(saved)


def test_not_a_zip_and_empty_files_are_refused(tmp_path):
    (tmp_path / "a.eexp").write_bytes(b"PK\x05\x06" + b"\xff" * 18)
    refused(tmp_path / "a.eexp")
    (tmp_path / "b.eexp").write_bytes(b"")
    refused(tmp_path / "b.eexp", "not a zip")


# ------------------------------------------------------------------------------- the manifest


def test_deeply_nested_manifest_is_refused(saved):
    members = members_of(saved)
    members["manifest.json"] = b'{"format": "embedding-explorer-project", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    write_members(saved, members)
    refused(saved, "manifest")


def test_manifest_nested_beyond_the_limit_but_parsable_is_refused(saved):
    rewrite(saved, lambda m: m.update(extra=json.loads("[" * 200 + "]" * 200)))
    refused(saved, "nested")


def test_huge_integer_in_the_manifest_is_refused(saved):
    members = members_of(saved)
    text = members["manifest.json"].decode().replace('"focus": null', '"focus": ' + "9" * 5000)
    members["manifest.json"] = text.encode()
    write_members(saved, members)
    message = refused(saved, "manifest")
    assert "9999999999" not in message


def test_manifest_larger_than_its_limit_is_refused_without_reading_it(saved, monkeypatch):
    from explorer.io import project_file

    monkeypatch.setattr(project_file, "MAX_MANIFEST_BYTES", 1000)
    refused(saved, "manifest")


def test_non_finite_and_huge_numbers_in_the_view_are_dropped(saved):
    members = members_of(saved)
    manifest = json.loads(members["manifest.json"])
    manifest["session"]["fields"].update(point_size=1e400, opacity=float("nan"), view_range=[0, float("inf"), 0, 1],
                                         arrows=[[1e300, 2], [1, 2], ["x", 1], [1]], focus=10**18, search=1e400)
    members["manifest.json"] = json.dumps(manifest).encode()  # writes Infinity / NaN
    write_members(saved, members)
    project = load_project(saved)
    view = project.view
    assert view.point_size is None and view.opacity is None and view.view_range is None
    assert view.arrows == [(1, 2)] and view.focus is None
    save_project(project, saved)
    assert load_project(saved).view.arrows == [(1, 2)]


# ------------------------------------------------------------------------------- the arrays


def test_npy_header_promising_enormous_shape_is_refused_before_allocating(saved):
    def change(members, manifest):
        header = npy_bytes(np.zeros((0, 4), np.float32)).replace(b"(0, 4)", b"(1000000000000, 4)")
        put_member(members, manifest, "arrays/vectors.npy", header, (10**12, 4), "<f4")

    rewrite(saved, members_change=change)
    refused(saved, "vectors.npy")


def test_npy_header_disagreeing_with_the_manifest_is_refused(saved):
    def change(manifest):
        manifest["arrays"]["arrays/vectors.npy"]["dtype"] = "<f8"

    rewrite(saved, change)
    refused(saved, "vectors.npy")


def test_member_inflating_far_beyond_the_file_is_refused(saved, monkeypatch):
    from explorer.io import project_file

    monkeypatch.setattr(project_file, "MEMORY_FLOOR", 1 << 20)
    monkeypatch.setattr(project_file, "MEMORY_PER_FILE_BYTE", 2)
    big = npy_bytes(np.zeros(8 << 20, np.uint8))  # 8 MiB of zeros deflate to a few kB

    def change(members, manifest):
        put_member(members, manifest, "arrays/texts.utf8.npy", big, (8 << 20,), "|u1")

    members = members_of(saved)
    manifest = json.loads(members["manifest.json"])
    change(members, manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    write_members(saved, members, {"arrays/texts.utf8.npy": zipfile.ZIP_DEFLATED})
    assert saved.stat().st_size < 1 << 20
    refused(saved, "memory")


def test_text_column_that_would_be_gigabytes_wide_is_refused(saved):
    n = 12
    offsets = np.zeros(n + 1, np.int64)
    offsets[-1] = 30 << 20  # one text of 30 MB beside 11 empty ones: 12 x 30M x 4 bytes as str
    blob = np.full(30 << 20, ord("a"), np.uint8)

    def change(members, manifest):
        put_member(members, manifest, "arrays/texts.utf8.npy", npy_bytes(blob), blob.shape, "|u1")
        put_member(members, manifest, "arrays/texts.offsets.npy", npy_bytes(offsets), offsets.shape, "<i8")

    members = members_of(saved)
    manifest = json.loads(members["manifest.json"])
    change(members, manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    write_members(saved, members, {"arrays/texts.utf8.npy": zipfile.ZIP_DEFLATED})
    refused(saved, "texts")


def panel(name: str, **fields) -> dict:
    kinds = {"neighbors": "NeighborsSession", "clusters": "ClustersSession"}
    return {"__type__": kinds[name], "__version__": 1, "fields": fields}


def set_panel(saved, name: str, **fields) -> None:
    rewrite(saved, lambda m: m["session"]["fields"].update({name: panel(name, **fields)}))


def test_record_asking_for_gigabytes_is_refused(saved):
    set_panel(saved, "neighbors", result={"__array__": [], "dtype": "U1000000000", "shape": [0]})
    refused(saved, "session")


def test_object_and_structured_dtypes_are_refused(saved):
    for dtype in ("|O", "[('a', '<f4')]", "|V16", "<U4"):
        def change(members, manifest, dtype=dtype):
            header = npy_bytes(np.zeros((12, 4), np.float32))
            header = header.replace(b"'<f4'", repr(dtype).encode() if dtype[0] != "[" else dtype.encode())
            put_member(members, manifest, "arrays/vectors.npy", header, (12, 4), "<f4")

        rewrite(saved, members_change=change)
        refused(saved)


# ------------------------------------------------------------------------------- what is opened


def test_only_regular_files_are_opened(tmp_path):
    fifo = tmp_path / "pipe.eexp"
    os.mkfifo(fifo)
    refused(fifo, "not a regular file")  # does not hang waiting for a writer
    link = tmp_path / "zero.eexp"
    link.symlink_to("/dev/zero")
    refused(link, "not a regular file")
    refused(tmp_path, "folder")


def test_loop_of_links_and_very_long_paths_are_refused_in_one_line(tmp_path):
    loop = tmp_path / "loop.eexp"
    loop.symlink_to(tmp_path / "loop.eexp")
    refused(loop, "cannot open")
    refused(tmp_path / ("x" * 5000 + ".eexp"), "cannot open")


def test_data_folder_that_is_a_loop_or_too_long_opens_without_it(tmp_path):
    from explorer.core.project import DataSource

    project = small_project()
    project.source = DataSource(kind="texts")
    path = save_project(project, tmp_path / "p.eexp")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for root in ({"relative": "loop", "absolute": str(tmp_path / "loop")},
                 {"relative": "a" * 5000, "absolute": "/" + "b/" * 3000}):
        rewrite(path, lambda m, root=root: m["source"].update(root=root))
        assert load_project(path, [tmp_path]).source.root is None


def test_messages_quoting_file_contents_stay_one_short_line(saved):
    rewrite(saved, lambda m: m["embeddings"]["metadata"].append({"name": "x\n" * 500_000, "kind": "numeric",
                                                                  "array": "arrays/nope.npy"}))
    message = refused(saved)
    assert "\\n" not in message or len(message) <= 300


# ------------------------------------------------------------------------------- sound when loaded


def test_lone_surrogate_in_the_title_loads_saves_and_reopens(saved):
    rewrite(saved, lambda m: m.update(title="caf\udce9 \ud800"))
    project = load_project(saved)
    assert project.title == "caf\ufffd \ufffd"
    save_project(project, saved)
    assert load_project(saved).title == "caf\ufffd \ufffd"


def test_text_with_surrogates_in_memory_saves_as_replacement_characters(tmp_path):
    project = small_project()
    emb = project.embeddings
    project.embeddings = EmbeddingSet(emb.vectors, emb.ids, ["bad \udcff name", *emb.texts[1:].tolist()],
                                      metadata=emb.metadata)
    project.title = "title \udcff"
    path = save_project(project, tmp_path / "s.eexp")
    loaded = load_project(path)
    assert loaded.embeddings.texts[0] == "bad \ufffd name" and loaded.title == "title \ufffd"


def test_two_dimensional_metadata_column_is_refused(saved):
    def change(members, manifest):
        column = next(c for c in manifest["embeddings"]["metadata"])
        column.clear()
        column.update(name="grid", kind="numeric", array="arrays/meta/grid.npy")
        put_member(members, manifest, "arrays/meta/grid.npy", npy_bytes(np.zeros((12, 3))), (12, 3), "<f8")

    rewrite(saved, members_change=change)
    refused(saved, "2-D")


def test_vectors_without_dimensions_or_with_nan_are_refused(saved):
    for vectors in (np.zeros((12, 0), np.float32), np.full((12, 4), np.nan, np.float32)):
        def change(members, manifest, vectors=vectors):
            put_member(members, manifest, "arrays/vectors.npy", npy_bytes(vectors), vectors.shape, "<f4")

        rewrite(saved, members_change=change)
        refused(saved, "vectors")


def test_bytes_record_is_refused_not_loaded_then_failing_at_save(saved):
    set_panel(saved, "neighbors", query={"__array__": ["YQ=="], "dtype": "S4", "shape": [1]})
    refused(saved, "not numbers")


@pytest.mark.parametrize("fields", [
    {"indices": {"__array__": ["a", "b"], "dtype": "<U1", "shape": [2]}},
    {"indices": [1, 2]},  # a list, not an array
    {"metric": 5},
    {"scores": {"__array__": [[0.5, 0.1]], "dtype": "<f8", "shape": [1, 2]}},  # 2-D
])
def test_result_records_with_fields_of_the_wrong_type_are_refused(saved, fields):
    good = to_record(Neighbors(np.array([1, 2]), np.array([0.9, 0.8]), "cosine"))
    good["fields"].update(fields)
    set_panel(saved, "neighbors", result=good)
    refused(saved, "session")


@pytest.mark.parametrize("fields", [
    {"indices": {"__array__": [1, 99], "dtype": "<i8", "shape": [2]}},  # an item that does not exist
    {"scores": {"__array__": [0.5], "dtype": "<f8", "shape": [1]}},  # one score for two items
])
def test_result_records_that_do_not_fit_the_project_are_left_out(saved, fields):
    good = to_record(Neighbors(np.array([1, 2]), np.array([0.9, 0.8]), "cosine"))
    good["fields"].update(fields)
    set_panel(saved, "neighbors", result=good, query="kept")
    project = load_project(saved)
    assert project.view.neighbors.result is None and project.view.neighbors.query == "kept"
    save_project(project, saved)
    load_project(saved)


def test_cluster_labels_for_another_number_of_items_are_left_out(saved):
    from explorer.core.clusters import ClusterResult

    result = to_record(ClusterResult(np.zeros(5, np.int64), "kmeans", {}, None, 1, 0, {0: 5}))
    set_panel(saved, "clusters", result=result, names={"__items__": [[0, "a"]]})
    assert load_project(saved).view.clusters.result is None


def test_a_good_result_record_is_kept(saved):
    good = to_record(Neighbors(np.array([1, 2]), np.array([0.9, 0.8]), "cosine"))
    set_panel(saved, "neighbors", result=good)
    result = load_project(saved).view.neighbors.result
    assert result.indices.tolist() == [1, 2] and result.metric == "cosine"


def test_non_finite_projection_is_left_out(saved):
    def change(members, manifest):
        coords = np.full((12, 2), np.inf)
        put_member(members, manifest, "arrays/proj/000.npy", npy_bytes(coords), coords.shape, "<f8")

    rewrite(saved, members_change=change)
    project = load_project(saved)
    assert project.projections == {} and project.view.projection is None


def test_one_line_shortens_and_escapes():
    text = "start\n\x1b[31m" + "x" * 10_000 + "\udcff end"
    line = one_line(text, 100)
    assert len(line) <= 100 and "\n" not in line and "\x1b" not in line
    assert line.startswith("start \\x1b[31m") and line.endswith("\\udcff end")
    assert one_line("short") == "short"
    zlib.crc32(b"")  # (zlib imported for the deflate tests above)


def test_non_finite_values_in_a_saved_result_survive_save_and_reopen(tmp_path):
    from explorer.core.bias import Direction, DirectionScores

    project = small_project()
    vector = np.array([0.5, np.inf, np.nan, -1.0])
    project.view.bias.direction = Direction(vector, [("a", "b")], [])
    project.view.bias.direction_scores = DirectionScores(["a"], np.array([np.nan]), [])
    path = save_project(project, tmp_path / "nan.eexp")
    direction = load_project(path).view.bias.direction
    np.testing.assert_array_equal(direction.vector, vector)
    save_project(load_project(path), path)


def test_inline_arrays_holding_written_out_infinities_are_read(saved):
    direction = {"__type__": "Direction", "fields": {
        "vector": {"__array__": [1.0, {"__float__": "inf"}, {"__float__": "nan"}, 0.0], "dtype": "<f8", "shape": [4]},
        "pairs": [], "missing": []}}
    rewrite(saved, lambda m: m["session"]["fields"].update(
        bias={"__type__": "BiasSession", "__version__": 1, "fields": {"direction": direction, "direction_scores": {
            "__type__": "DirectionScores", "fields": {"words": [], "scores": {"__array__": [], "dtype": "<f8",
                                                                              "shape": [0]}, "missing": []}}}}))
    vector = load_project(saved).view.bias.direction.vector
    assert vector[0] == 1 and np.isinf(vector[1]) and np.isnan(vector[2])


def test_cluster_names_that_are_not_labels_are_dropped_and_the_result_exports(saved):
    from explorer.actions.tables import saved_result_table
    from explorer.core.clusters import ClusterResult

    result = to_record(ClusterResult(np.arange(12) % 2, "kmeans", {}, None, 2, 0, {0: 6, 1: 6}))
    set_panel(saved, "clusters", result=result, names={"__items__": [[0, "zero"], [1, 5]]})
    project = load_project(saved)
    assert project.view.clusters.names == {} and project.view.clusters.result is not None
    table = saved_result_table(project, "clusters")
    assert list(table.columns["cluster_name"]) == [""] * 12
