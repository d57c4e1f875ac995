"""The project file: one zip holding a JSON manifest and .npy arrays.

Why a single zip file and not a folder: a project is one thing a person can copy, mail or attach,
and a single file can be replaced atomically (write a temporary file beside it, then ``os.replace``),
so a save that dies half-way never leaves a half-written project. Arrays are stored uncompressed
(ZIP_STORED) so they load at disk speed; text columns are deflated.

Layout (format 3)::

    manifest.json            {"format": "embedding-explorer-project", "format_version": 3,
                              "embeddings": {...}, "projections": [...], "bookmarks": [...],
                              "session": {"__type__": "ViewState", "__version__": 1, "fields": {...}},
                              "source": {...}, "neighbor_index": {...}, "arrays": {name: sha256}}
    arrays/vectors.npy       float32 (N, D)
    arrays/<name>.utf8.npy   uint8: the UTF-8 bytes of a text column, joined
    arrays/<name>.offsets.npy int64 (N + 1): where each string starts and ends in those bytes
    arrays/meta/<col>.npy    numeric metadata columns
    arrays/proj/<i>.npy      float32 (N, 2) per projection
    arrays/session/<i>.npy   large arrays of the session (selections, results)

The session (explorer.core.session) is written generically by explorer.core.records: each record
names its type and version, and only known types are rebuilt. Older formats are migrated step by
step when read (``MIGRATIONS``): format 1 kept absolute image paths, format 2 the view field by field
and each panel's inputs under its widgets' names.

Every array carries a SHA-256 checksum in the manifest, so a truncated or corrupted file is refused
with a clear message instead of showing wrong data. Nothing is unpickled: ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.paths import (
    PathEscapeError,
    check_relative,
    relative_paths,
    resolve_root,
    stored_root,
)
from explorer.core.project import DataSource, Project, Projection, ViewState
from explorer.core.records import RecordError, from_record, to_record

FORMAT_NAME = "embedding-explorer-project"
FORMAT_VERSION = 3
SUFFIX = ".eexp"
MANIFEST = "manifest.json"
_MEMBER_NAME = re.compile(r"^arrays/[A-Za-z0-9_./-]+\.npy$")

# Step-by-step upgrades: MIGRATIONS[v] turns a version-v manifest into a version-(v + 1) one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _v1_to_v2(manifest: dict[str, Any]) -> dict[str, Any]:
    """Format 1 stored image paths as absolute paths; format 2 stores them relative to a data
    folder. The paths live in an array, so the conversion happens when the arrays are read."""
    manifest = dict(manifest)
    embeddings = dict(manifest.get("embeddings", {}))
    if "image_paths" in embeddings:
        embeddings["image_paths_absolute"] = True
    manifest["embeddings"] = embeddings
    manifest["format_version"] = 2
    return manifest


MIGRATIONS[1] = _v1_to_v2


# Format 2 kept each panel's inputs under the names of its widgets; format 3 keeps typed records
# whose fields were named after those widgets, so the values carry over one to one.
_V2_PANEL_RECORDS = {"neighbors": "NeighborsSession", "analogy": "AnalogySession",
                     "clusters": "ClustersSession", "bias": "BiasSession"}


def _v2_to_v3(manifest: dict[str, Any]) -> dict[str, Any]:
    """Format 2 wrote the view field by field and the panels as free-form tables; format 3 writes
    the session as one versioned record (explorer.core.session.ViewState)."""
    manifest = dict(manifest)
    view = manifest.pop("view", None)
    view = dict(view) if isinstance(view, dict) else {}
    panels = view.pop("panels", None)
    fields = {name: value for name, value in view.items() if isinstance(name, str)}
    if isinstance(panels, dict):
        for name, record_type in _V2_PANEL_RECORDS.items():
            saved = panels.get(name)
            if not isinstance(saved, dict):
                continue
            inputs = saved.get("inputs")
            panel_fields = dict(inputs) if isinstance(inputs, dict) else {}
            panel_fields.update({k: v for k, v in saved.items() if k != "inputs"})
            fields[name] = {"__type__": record_type, "__version__": 1, "fields": panel_fields}
    manifest["session"] = {"__type__": "ViewState", "__version__": 1, "fields": fields}
    manifest["format_version"] = 3
    return manifest


MIGRATIONS[2] = _v2_to_v3


class ProjectFileError(Exception):
    """A project file that cannot be read or written; the message is meant for the user."""


# --------------------------------------------------------------------------------------- writing


class _HashingWriter(io.RawIOBase):
    def __init__(self, sink: BinaryIO) -> None:
        self.sink = sink
        self.sha = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.sha.update(data)
        self.sink.write(data)
        return len(data)


def _encode_strings(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8", "surrogatepass") for s in values.astype(str).tolist()]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _decode_strings(blob: np.ndarray, offsets: np.ndarray, where: str) -> np.ndarray:
    if offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(blob):
        raise ProjectFileError(f"text column {where} is damaged (offsets do not match its bytes)")
    if np.any(np.diff(offsets) < 0):
        raise ProjectFileError(f"text column {where} is damaged (offsets go backwards)")
    raw = blob.tobytes()
    try:
        text = [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    except UnicodeDecodeError as err:
        raise ProjectFileError(f"text column {where} is not valid UTF-8") from err
    return np.array(text, dtype=object).astype(str) if text else np.array([], dtype=str)


class _Writer:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.checksums: dict[str, dict[str, Any]] = {}

    def array(self, name: str, array: np.ndarray, compress: bool = False) -> str:
        array = np.ascontiguousarray(array)
        if array.dtype.hasobject:
            raise ProjectFileError(f"refusing to store object array {name!r}")
        member = f"arrays/{name}.npy"
        info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with self.archive.open(info, "w", force_zip64=array.nbytes > 2**30) as sink:
            hashing = _HashingWriter(sink)
            np.lib.format.write_array(hashing, array, allow_pickle=False)
        self.checksums[member] = {
            "sha256": hashing.sha.hexdigest(),
            "shape": list(array.shape),
            "dtype": array.dtype.str,
        }
        return member

    def strings(self, name: str, values: np.ndarray) -> dict[str, str]:
        blob, offsets = _encode_strings(values)
        return {
            "kind": "string",
            "bytes": self.array(f"{name}.utf8", blob, compress=True),
            "offsets": self.array(f"{name}.offsets", offsets, compress=True),
        }

    def column(self, name: str, values: np.ndarray) -> dict[str, str]:
        values = np.asarray(values)
        if values.dtype.kind in "biuf":
            return {"kind": "numeric", "array": self.array(name, values, compress=True)}
        return self.strings(name, values)


def _safe_column_file_name(index: int, name: str) -> str:
    return f"{index:03d}_" + re.sub(r"[^A-Za-z0-9_-]", "_", name)[:40]


def _write_archive(project: Project, archive: zipfile.ZipFile, folder: Path) -> None:
    writer = _Writer(archive)
    emb = project.embeddings
    embeddings: dict[str, Any] = {
        "modality": emb.modality,
        "model_id": emb.model_id,
        "count": len(emb),
        "dimensions": emb.dim,
        "vectors": writer.array("vectors", emb.vectors),
        "ids": writer.strings("ids", emb.ids),
        "texts": writer.strings("texts", emb.texts),
        "metadata": [
            {"name": col, **writer.column(f"meta/{_safe_column_file_name(i, col)}", values)}
            for i, (col, values) in enumerate(emb.metadata.items())
        ],
        "extra_vectors": [
            {"name": name, "array": writer.array(f"extra/{i:03d}", np.asarray(matrix, dtype=np.float32))}
            for i, (name, matrix) in enumerate(emb.extra_vectors.items())
        ],
    }
    if emb.image_paths is not None:
        # relative to the data folder (source.root): checked here so a bad path never gets saved
        for stored in emb.image_paths.tolist():
            check_relative(stored)
        embeddings["image_paths"] = writer.strings("image_paths", emb.image_paths)
    if emb.thumbnails is not None:
        blob, offsets = emb.thumbnails
        embeddings["thumbnails"] = {"kind": "blobs", "bytes": writer.array("thumbnails.png", blob),
                                    "offsets": writer.array("thumbnails.offsets", offsets)}
    projections = [
        {
            "name": p.name,
            "method": p.method,
            "params": p.params,
            "coords": writer.array(f"proj/{i:03d}", p.coords),
        }
        for i, p in enumerate(project.projections.values())
    ]
    session_arrays = iter(range(10**9))

    def put_array(array: np.ndarray) -> str:
        return writer.array(f"session/{next(session_arrays):04d}", array)

    from explorer import __version__  # noqa: PLC0415 - avoid an import cycle at module load

    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created_by": f"embedding-explorer {__version__}",
        "title": project.title,
        "description": project.description,
        "embeddings": embeddings,
        "projections": projections,
        # the whole session, written generically as versioned records (explorer.core.session)
        "session": to_record(project.view, put_array),
        "bookmarks": [{"name": name, "items": to_record(np.asarray(items, dtype=np.int64), put_array)}
                      for name, items in project.bookmarks.items()],
    }
    if project.source is not None:
        manifest["source"] = _source_manifest(project.source, writer, folder)
    if project.neighbor_index is not None and hasattr(project.neighbor_index, "to_arrays"):
        index = project.neighbor_index
        manifest["neighbor_index"] = {
            "params": index.params(),
            "arrays": {name: writer.array(f"index/{i:02d}", array)
                       for i, (name, array) in enumerate(index.to_arrays().items())},
        }
    manifest["arrays"] = writer.checksums
    archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False), zipfile.ZIP_DEFLATED)


def _source_manifest(source: DataSource, writer: _Writer, folder: Path) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": source.kind, "options": source.options}
    if source.path:
        spec["path"] = stored_root(Path(source.path), folder)
    if source.root is not None:
        spec["root"] = stored_root(source.root, folder)
    elif source.stored_root:
        spec["root"] = {"relative": "", "absolute": source.stored_root}
    if source.keep_copy and source.copy is not None:
        names, blob, offsets = source.copy
        for name in names.tolist():
            check_relative(str(name))
        spec["copy"] = {"names": writer.strings("source/names", names), "bytes": writer.array("source/bytes", blob),
                        "offsets": writer.array("source/offsets", offsets)}
    return spec


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    """Write ``project`` to ``path`` atomically: a temporary file beside it, then a rename.

    If anything fails, the temporary file is removed and whatever was at ``path`` is untouched.
    """
    path = Path(path)
    if path.is_dir():
        raise ProjectFileError(f"cannot save to {path}: it is a folder")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ProjectFileError(f"cannot save to {path}: folder {folder} does not exist")
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".saving", dir=folder)
    except OSError as err:
        raise ProjectFileError(f"cannot save to {path}: {err.strerror or err}") from err
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as raw:
            with zipfile.ZipFile(raw, "w", allowZip64=True) as archive:
                _write_archive(project, archive, folder.resolve())
            raw.flush()
            os.fsync(raw.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        _fsync_folder(folder)
        _remove_stale_temporaries(folder, path.name)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(err, OSError):
            raise ProjectFileError(f"cannot save to {path}: {err.strerror or err}") from err
        raise
    return path


def _remove_stale_temporaries(folder: Path, name: str, older_than: float = 600) -> None:
    """Temporary files of saves that were killed (power cut, kill -9) are removed by a later save."""
    import time  # noqa: PLC0415

    for leftover in folder.glob(f".{name}.*.saving"):
        with contextlib.suppress(OSError):
            if time.time() - leftover.stat().st_mtime > older_than:
                leftover.unlink()


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------------------- reading


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, manifest: dict[str, Any], path: Path) -> None:
        self.archive = archive
        self.checksums = manifest.get("arrays")
        self.path = path
        if not isinstance(self.checksums, dict):
            raise self.error("its manifest has no array checksums")

    def error(self, what: str) -> ProjectFileError:
        return ProjectFileError(f"{self.path.name} is damaged: {what}")

    def array(self, member: Any) -> np.ndarray:
        if not isinstance(member, str) or not _MEMBER_NAME.match(member) or ".." in member:
            raise self.error(f"bad array name {member!r} in its manifest")
        expected = self.checksums.get(member)
        if not isinstance(expected, dict):
            raise self.error(f"no checksum for {member}")
        try:
            with self.archive.open(member) as handle:
                data = handle.read()
        except KeyError:
            raise self.error(f"{member} is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
            raise self.error(f"{member} cannot be read ({err})") from err
        if hashlib.sha256(data).hexdigest() != expected.get("sha256"):
            raise self.error(f"{member} does not match its checksum (truncated or altered)")
        try:
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except ValueError as err:
            raise self.error(f"{member} is not a plain numeric array ({err})") from err
        if list(array.shape) != expected.get("shape"):
            raise self.error(f"{member} has shape {array.shape}, expected {expected.get('shape')}")
        return array

    def strings(self, spec: Any, what: str) -> np.ndarray:
        if not isinstance(spec, dict) or spec.get("kind") != "string":
            raise self.error(f"{what} is not described as a text column")
        return _decode_strings(self.array(spec.get("bytes")), self.array(spec.get("offsets")), what)

    def column(self, spec: dict[str, Any], what: str) -> np.ndarray:
        if spec.get("kind") == "numeric":
            return self.array(spec.get("array"))
        return self.strings(spec, what)


def read_manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise ProjectFileError(f"{path.name} is not an Embedding Explorer project (no manifest)") from None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProjectFileError(f"{path.name} is damaged: its manifest is not valid JSON ({err})") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ProjectFileError(f"{path.name} is not an Embedding Explorer project")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(f"{path.name} is damaged: format_version {version!r} is not valid")
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            f"{path.name} was saved by a newer Embedding Explorer (project format {version}; this "
            f"version reads formats up to {FORMAT_VERSION}). Update the app to open it."
        )
    return migrate(manifest)


def migrate(manifest: dict[str, Any]) -> dict[str, Any]:
    """Bring an older manifest up to FORMAT_VERSION, one version at a time."""
    while manifest["format_version"] < FORMAT_VERSION:
        manifest = MIGRATIONS[manifest["format_version"]](manifest)
    return manifest


@contextlib.contextmanager
def _open_archive(path: Path) -> Iterator[zipfile.ZipFile]:
    if not path.exists():
        raise ProjectFileError(f"{path} does not exist")
    if path.is_dir():
        raise ProjectFileError(f"{path} is a folder, not a project file")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ProjectFileError(f"{path.name} is not an Embedding Explorer project (not a zip archive)") from None
    except OSError as err:
        raise ProjectFileError(f"cannot open {path}: {err.strerror or err}") from err
    with archive:
        yield archive


def load_project(path: str | os.PathLike[str], trusted_folders: Iterable[str | os.PathLike[str]] = ()) -> Project:
    """Read a project file; raise ProjectFileError with a one-line reason on any problem.

    ``trusted_folders`` are folders the user chose (imported from, located); the project's data
    folder is used when it lies inside one of them or inside the project's own folder.
    """
    path = Path(path)
    with _open_archive(path) as archive:
        manifest = read_manifest(archive, path)
        reader = _Reader(archive, manifest, path)
        try:
            return _build_project(manifest, reader, [Path(f) for f in trusted_folders])
        except ProjectFileError:
            raise
        except PathEscapeError as err:
            raise ProjectFileError(f"{path.name} is refused: {err}") from err
        except (KeyError, TypeError, ValueError, AttributeError, RecordError) as err:
            raise reader.error(f"its contents are inconsistent ({err})") from err


def _build_project(manifest: dict[str, Any], reader: _Reader, trusted: list[Path]) -> Project:
    spec = manifest["embeddings"]
    vectors = reader.array(spec["vectors"])
    if vectors.dtype.kind != "f" or vectors.ndim != 2:
        raise reader.error("the vectors are not a 2-D float matrix")
    metadata = {}
    for column in spec.get("metadata", []):
        metadata[str(column["name"])] = reader.column(column, f"metadata column {column['name']!r}")
    extra_vectors = {}
    for extra in spec.get("extra_vectors", []):
        matrix = reader.array(extra["array"])
        if matrix.dtype.kind != "f" or matrix.ndim != 2:
            raise reader.error(f"extra vectors {extra['name']!r} are not a 2-D float matrix")
        extra_vectors[str(extra["name"])] = matrix
    folder = reader.path.resolve().parent
    source = _read_source(manifest.get("source"), reader, folder, trusted)
    image_paths = None
    if "image_paths" in spec:
        image_paths = reader.strings(spec["image_paths"], "image paths")
        if spec.get("image_paths_absolute"):  # format 1: absolute paths
            root, relative = relative_paths(image_paths.tolist())
            image_paths = np.array(relative, dtype=str)
            source = source or DataSource(kind="images")
            source.root = resolve_root({"absolute": str(root)}, folder, trusted)
            source.stored_root = str(root)
        for stored in image_paths.tolist():
            check_relative(stored)
    thumbnails = None
    if "thumbnails" in spec:
        blob = reader.array(spec["thumbnails"]["bytes"])
        offsets = reader.array(spec["thumbnails"]["offsets"])
        _check_blobs(blob, offsets, reader, "the thumbnails")
        thumbnails = (blob, offsets)
    embeddings = EmbeddingSet(
        thumbnails=thumbnails,
        vectors=vectors,
        ids=reader.strings(spec["ids"], "ids"),
        texts=reader.strings(spec["texts"], "texts"),
        modality=str(spec.get("modality", "text")),
        model_id=str(spec.get("model_id", "")),
        metadata=metadata,
        image_paths=image_paths,
        extra_vectors=extra_vectors,
    )
    n = len(embeddings)
    projections = {}
    for item in manifest.get("projections", []):
        coords = reader.array(item["coords"])
        name = str(item["name"])
        projections[name] = Projection(name, str(item["method"]), coords, dict(item.get("params", {})))

    def items(value: Any) -> list[int]:
        """Item indices from the manifest; any out of range are dropped."""
        return [int(i) for i in np.asarray(from_record(value, reader.array)).ravel().tolist() if 0 <= int(i) < n]

    try:
        view = from_record(manifest.get("session"), reader.array)
    except RecordError as err:
        raise reader.error(f"its saved session is damaged ({err})") from err
    if not isinstance(view, ViewState):
        view = ViewState()
    view.sanitize(n, projections, embeddings.metadata)
    project = Project(
        embeddings=embeddings,
        projections=projections,
        view=view,
        title=str(manifest.get("title", "")),
        description=str(manifest.get("description", "")),
        bookmarks={str(b["name"]): items(b["items"]) for b in manifest.get("bookmarks", [])},
        source=source,
    )
    project.neighbor_index = _read_index(manifest.get("neighbor_index"), reader, embeddings)
    return project


def _check_blobs(blob: np.ndarray, offsets: np.ndarray, reader: _Reader, what: str) -> None:
    if blob.dtype != np.uint8 or offsets.ndim != 1 or not len(offsets) or offsets[0] != 0 \
            or offsets[-1] != len(blob) or np.any(np.diff(offsets) < 0):
        raise reader.error(f"{what} are damaged")


def _read_source(spec: Any, reader: _Reader, folder: Path, trusted: list[Path]) -> DataSource | None:
    if not isinstance(spec, dict):
        return None
    source = DataSource(kind=str(spec.get("kind", "")), options=dict(spec.get("options", {})))
    path = spec.get("path")
    if isinstance(path, dict):  # only a reference: shown to the user, never read without asking
        source.path = str(path.get("absolute") or path.get("relative") or "")
    root = spec.get("root")
    if isinstance(root, dict):
        source.stored_root = str(root.get("absolute") or root.get("relative") or "")
        source.root = resolve_root(root, folder, trusted)
    copy = spec.get("copy")
    if isinstance(copy, dict):
        names = reader.strings(copy["names"], "the copied data's names")
        blob, offsets = reader.array(copy["bytes"]), reader.array(copy["offsets"])
        _check_blobs(blob, offsets, reader, "the copied data")
        if len(offsets) != len(names) + 1:
            raise reader.error("the copied data's names do not match its files")
        for name in names.tolist():
            check_relative(name)
        source.copy, source.keep_copy = (names, blob, offsets), True
    return source


def _read_index(spec: Any, reader: _Reader, embeddings: EmbeddingSet) -> Any:
    """The saved neighbour index, or None when there is none or this machine cannot use it (it is
    only a speed-up: exact search still works)."""
    if not isinstance(spec, dict):
        return None
    arrays = {str(name): reader.array(member) for name, member in dict(spec.get("arrays", {})).items()}
    try:
        from explorer.core.ann_index import ApproximateIndex  # noqa: PLC0415

        return ApproximateIndex.from_arrays(dict(spec.get("params", {})), arrays, embeddings.vectors)
    except Exception:  # noqa: BLE001 - a missing library or an index from elsewhere: rebuild later
        return None
