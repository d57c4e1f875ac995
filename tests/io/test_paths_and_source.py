"""Paths inside project files never lead outside the folders the user chose; the optional copy of
the source data travels in the project and comes back out safely."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

from explorer.core import EmbeddingSet, Project, ViewState, run_to_end
from explorer.core.paths import PathEscapeError, check_relative, resolve_inside, resolve_root
from explorer.core.project import DataSource
from explorer.io import project_file
from explorer.io.project_file import ProjectFileError, load_project, save_project
from explorer.io.source_copy import SourceCopyError, copy_source_job, extract_source_job


def image_project(root, names=("cats/a.png", "dogs/b.png", "dogs/c.png")) -> Project:
    n = len(names)
    emb = EmbeddingSet(vectors=np.eye(n, 4, dtype=np.float32), ids=[f"i{i}" for i in range(n)],
                       texts=[name.split("/")[-1] for name in names], modality="image", model_id="fake",
                       image_paths=np.array(names))
    return Project(emb, {}, ViewState(), source=DataSource(path=str(root), kind="images", root=root))


def make_images(root, names=("cats/a.png", "dogs/b.png", "dogs/c.png")):
    for i, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PNG" + bytes([i]) * 10)


@pytest.mark.parametrize("bad", ["/etc/passwd", "../secret.png", "a/../../b.png", "C:\\Windows\\x.png",
                                 "..\\up.png", ""])
def test_unsafe_relative_paths_are_refused(bad):
    with pytest.raises(PathEscapeError):
        check_relative(bad)


def test_symbolic_link_out_of_the_data_folder_is_refused(tmp_path):
    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"x")
    os.symlink(outside, data / "link")
    with pytest.raises(PathEscapeError, match="symbolic link"):
        resolve_inside(data, "link/secret.png")
    assert resolve_inside(data, "sub/ok.png") == (data / "sub" / "ok.png").resolve()


def test_image_paths_are_stored_relative_and_resolve_next_to_the_project(tmp_path):
    root = tmp_path / "set"
    make_images(root)
    path = save_project(image_project(root), root / "p.eexp")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["source"]["root"]["relative"] == "."
    # the project and its data move together: still found, with no trusted folders at all
    moved = tmp_path / "moved"
    root.rename(moved)
    loaded = load_project(moved / "p.eexp")
    assert loaded.source.root == moved.resolve()
    assert loaded.image_file(1) == (moved / "dogs" / "b.png").resolve()


def test_data_folder_outside_the_project_needs_the_users_trust(tmp_path):
    data, projects = tmp_path / "data", tmp_path / "projects"
    make_images(data)
    projects.mkdir()
    path = save_project(image_project(data), projects / "p.eexp")
    untrusted = load_project(path)
    assert untrusted.source.root is None and untrusted.image_file(0) is None
    assert untrusted.source.stored_root == str(data.resolve())
    trusted = load_project(path, trusted_folders=[tmp_path])
    assert trusted.image_file(0) == (data / "cats" / "a.png").resolve()


def test_absolute_root_from_someone_elses_file_is_not_used(tmp_path):
    root = {"relative": "../../../etc", "absolute": "/etc"}
    assert resolve_root(root, tmp_path) is None
    assert resolve_root({"relative": "/etc"}, tmp_path) is None


@pytest.mark.parametrize("bad", ["../../outside.png", "/etc/passwd"])
def test_crafted_image_path_in_a_project_file_is_refused(tmp_path, monkeypatch, bad):
    project = image_project(tmp_path, names=("ok.png", bad))
    monkeypatch.setattr(project_file, "check_relative", lambda stored: stored)  # write it anyway
    path = save_project(project, tmp_path / "crafted.eexp")
    monkeypatch.undo()
    with pytest.raises(ProjectFileError, match="refused"):
        load_project(path)


def test_saving_a_path_that_escapes_is_refused_and_keeps_the_old_file(tmp_path):
    good = save_project(image_project(tmp_path), tmp_path / "p.eexp")
    before = good.read_bytes()
    with pytest.raises(PathEscapeError):
        save_project(image_project(tmp_path, names=("a.png", "../b.png")), good)
    assert good.read_bytes() == before


def test_copy_of_the_data_travels_in_the_project_and_extracts_safely(tmp_path):
    data = tmp_path / "data"
    make_images(data)
    project = image_project(data)
    run_to_end(copy_source_job(project))
    (tmp_path / "sent").mkdir()
    path = save_project(project, tmp_path / "sent" / "p.eexp")
    loaded = load_project(path)  # the data folder is not trusted: only the copy is there
    assert loaded.source.root is None and loaded.source.keep_copy
    assert loaded.source.copied_files()["dogs/b.png"] == (data / "dogs" / "b.png").read_bytes()
    target = tmp_path / "elsewhere"
    assert run_to_end(extract_source_job(loaded, target)) == target.resolve()
    assert (target / "dogs" / "c.png").read_bytes() == (data / "dogs" / "c.png").read_bytes()
    assert loaded.image_file(2) == (target / "dogs" / "c.png").resolve()
    with pytest.raises(SourceCopyError, match="already exists"):
        run_to_end(extract_source_job(loaded, target))  # never overwrites


def test_crafted_copy_cannot_write_outside_the_chosen_folder(tmp_path):
    project = image_project(tmp_path)
    names = np.array(["ok.txt", "../escaped.txt"])
    blob, offsets = EmbeddingSet.pack_blobs([b"a", b"b"])
    project.source.copy, project.source.keep_copy = (names, blob, offsets), True
    with pytest.raises(PathEscapeError):
        run_to_end(extract_source_job(project, tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists()


def test_text_source_copy_keeps_the_file(tmp_path):
    table = tmp_path / "reviews.csv"
    table.write_text("text,label\ngood,1\nbad,0\n", encoding="utf-8")
    emb = EmbeddingSet(vectors=np.eye(2, 3, dtype=np.float32), ids=["a", "b"], texts=["good", "bad"])
    project = Project(emb, source=DataSource(path=str(table), kind="texts"))
    run_to_end(copy_source_job(project))
    loaded = load_project(save_project(project, tmp_path / "p.eexp"))
    assert loaded.source.copied_files() == {"reviews.csv": table.read_bytes()}
    assert loaded.source.path == str(table.resolve())
