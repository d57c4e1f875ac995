"""The project file: one zip holding a JSON manifest and .npy arrays.

Why a single zip file and not a folder: a project is one thing a person can copy, mail or attach,
and a single file can be replaced atomically (write a temporary file beside it, then ``os.replace``),
so a save that dies half-way never leaves a half-written project. Arrays are stored uncompressed
(ZIP_STORED) so they load at disk speed; text columns are deflated.

Layout (format 4)::

    manifest.json            {"format": "embedding-explorer-project", "format_version": 4,
                              "embeddings": {...}, "projections": [...], "bookmarks": [...],
                              "session": {"__type__": "ViewState", "__version__": 1, "fields": {...}},
                              "source": {...}, "neighbor_index": {...}, "active_set": name,
                              "sets": [{"name", "active": true} | {"name", "model_id", "vectors",
                                        "projections", "session": SetSession, "neighbor_index"}],
                              "arrays": {name: sha256}}
    arrays/vectors.npy       float32 (N, D): the active set's vectors
    arrays/sets/<j>/...      another set's vectors, projections and index
    arrays/<name>.utf8.npy   uint8: the UTF-8 bytes of a text column, joined
    arrays/<name>.offsets.npy int64 (N + 1): where each string starts and ends in those bytes
    arrays/meta/<col>.npy    numeric metadata columns
    arrays/proj/<i>.npy      float32 (N, 2) per projection
    arrays/session/<i>.npy   large arrays of the session (selections, results)

The session (explorer.core.session) is written generically by explorer.core.records: each record
names its type and version, and only known types are rebuilt. Older formats are migrated step by
step when read (``MIGRATIONS``): format 1 kept absolute image paths, format 2 the view field by field
and each panel's inputs under its widgets' names, format 3 one embedding per project (a second model's
vectors were bare ``extra_vectors``; format 4 makes them sets, with no maps yet).

Every array carries a SHA-256 checksum in the manifest, so a truncated or corrupted file is refused
with a clear message instead of showing wrong data. Nothing is unpickled: ``allow_pickle=False``.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import io
import json
import math
import os
import re
import stat
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from explorer.core.clusters import ClusterLabel
from explorer.core.embedding_set import MODALITIES, EmbeddingSet, text_array
from explorer.core.errors import one_line, quoted
from explorer.core.paths import (
    PathEscapeError,
    check_relative,
    relative_paths,
    resolve_root,
    stored_root,
)
from explorer.core.project import (
    DataSource,
    Project,
    Projection,
    VectorSet,
    ViewState,
    default_set_name,
)
from explorer.core.records import RecordError, check_results, from_record, to_record
from explorer.core.session import PANEL_SESSIONS, SetSession

FORMAT_NAME = "embedding-explorer-project"
FORMAT_VERSION = 4
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

# extra_vectors that stay per-item matrices of the items rather than embedding sets (the images
# placed in a text model's space, searched by typed queries: explorer.embedders.conse)
_KEPT_EXTRA_PREFIX = "conse/"


def _v3_to_v4(manifest: dict[str, Any]) -> dict[str, Any]:
    """Format 3 held one embedding per project, and a second model's vectors ("embed again") as a
    bare matrix in ``embeddings.extra_vectors``; format 4 holds named sets, each with its own maps,
    index and session. Those matrices become sets with no maps (the project's own stays active)."""
    manifest = dict(manifest)
    embeddings = dict(manifest.get("embeddings", {}))
    kept, sets = [], []
    for extra in _list(embeddings.get("extra_vectors")):
        name = _text(_dict(extra).get("name"))
        if name.startswith(_KEPT_EXTRA_PREFIX) or not name:
            kept.append(extra)
        else:
            sets.append({"name": name, "model_id": name, "vectors": _dict(extra).get("array"), "projections": []})
    embeddings["extra_vectors"] = kept
    manifest["embeddings"] = embeddings
    manifest["sets"] = sets  # the active set (the project's own vectors) is named when read
    manifest["format_version"] = 4
    return manifest


MIGRATIONS[3] = _v3_to_v4


class ProjectFileError(Exception):
    """A project file that cannot be read or written; the message is one line for the user (at
    most ``explorer.core.errors.MESSAGE_LIMIT`` characters, whatever the file holds)."""

    def __init__(self, message: object = "") -> None:
        super().__init__(one_line(message))


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


def _encode_strings(values: np.ndarray, paths: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes and offsets. File names that are not UTF-8 reach Python as lone surrogates
    (``surrogateescape``): in paths they are kept as such (``surrogatepass``), so the file is found
    again; in any other text they become U+FFFD, so the project always reopens."""
    errors = "surrogatepass" if paths else "replace"
    encoded = [s.encode("utf-8", errors) if paths else _SURROGATE.sub("\ufffd", s).encode("utf-8", errors)
               for s in (str(v) for v in values.tolist())]  # no fixed-width copy of object columns
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
    return text_array(text)  # object array: never padded to the longest text


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

    def strings(self, name: str, values: np.ndarray, paths: bool = False) -> dict[str, str]:
        blob, offsets = _encode_strings(values, paths)
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
        embeddings["image_paths"] = writer.strings("image_paths", emb.image_paths, paths=True)
    if emb.thumbnails is not None:
        blob, offsets = emb.thumbnails
        embeddings["thumbnails"] = {"kind": "blobs", "bytes": writer.array("thumbnails.png", blob),
                                    "offsets": writer.array("thumbnails.offsets", offsets)}
    projections = _projections_manifest(project.projections, writer, "proj")
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
    index = _index_manifest(project.neighbor_index, writer, "index")
    if index is not None:
        manifest["neighbor_index"] = index
    manifest["active_set"] = project.active_set
    sets: list[dict[str, Any]] = []
    for j, vector_set in enumerate(project.sets.values()):
        if vector_set.name == project.active_set:
            sets.append({"name": vector_set.name, "active": True})
            continue
        folder_j = f"sets/{j:03d}"
        spec: dict[str, Any] = {
            "name": vector_set.name, "model_id": vector_set.model_id,
            "vectors": writer.array(f"{folder_j}/vectors", vector_set.vectors),
            "projections": _projections_manifest(vector_set.projections, writer, f"{folder_j}/proj"),
            "session": to_record(vector_set.session, put_array),
        }
        index = _index_manifest(vector_set.neighbor_index, writer, f"{folder_j}/index")
        if index is not None:
            spec["neighbor_index"] = index
        sets.append(spec)
    manifest["sets"] = sets
    manifest["arrays"] = writer.checksums
    # ASCII with escapes: a folder name that is not UTF-8 (a lone surrogate) survives as "\\udcff"
    archive.writestr(MANIFEST, json.dumps(manifest, indent=1), zipfile.ZIP_DEFLATED)


def _projections_manifest(projections: dict[str, Projection], writer: _Writer, folder: str) -> list[dict[str, Any]]:
    return [{"name": p.name, "method": p.method, "params": p.params, "coords": writer.array(f"{folder}/{i:03d}", p.coords)}
            for i, p in enumerate(projections.values())]


def _index_manifest(index: Any, writer: _Writer, folder: str) -> dict[str, Any] | None:
    if index is None or not hasattr(index, "to_arrays"):
        return None
    return {"params": index.params(),
            "arrays": {name: writer.array(f"{folder}/{i:02d}", array)
                       for i, (name, array) in enumerate(index.to_arrays().items())}}


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
        spec["copy"] = {"names": writer.strings("source/names", names, paths=True), "bytes": writer.array("source/bytes", blob),
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
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=TEMP_SUFFIX, dir=folder)
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
        clean_interrupted_saves(path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(err, OSError):
            raise ProjectFileError(f"cannot save to {path}: {err.strerror or err}") from err
        if isinstance(err, (ValueError, RecordError)) and not isinstance(err, PathEscapeError):
            raise ProjectFileError(f"cannot save to {path}: {err}") from err
        raise
    return path


TEMP_SUFFIX = ".saving"
# ".NAME.PID-RANDOM.saving" (PID since this version) or ".NAME.RANDOM.saving"
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?:(?P<pid>\d+)-)?[A-Za-z0-9_]+" + re.escape(TEMP_SUFFIX) + "$")
STALE_TEMPORARY_SECONDS = 600  # a temporary not written to for this long is stale whoever made it


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (ours always does; one we may not signal is taken as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


def interrupted_saves(folder: str | os.PathLike[str], name: str | None = None) -> list[Path]:
    """Temporary files left in ``folder`` by saves that were killed (power cut, kill -9), of the
    project file ``name`` (of any project without it): those whose process is gone, and those of
    an older version or of a reused process number once not written to for ten minutes. A save still running is
    never among them."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    now = time.time()
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or (name is not None and match.group("name") != name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        pid = match.group("pid")
        old = now - info.st_mtime > STALE_TEMPORARY_SECONDS
        mine = pid is not None and int(pid) == os.getpid()
        if old and not mine or pid is not None and not mine and not process_alive(int(pid)):
            found.append(Path(entry.path))
    return sorted(found)


def recovered_message(freed: int) -> str:
    """What to tell the user after ``clean_interrupted_saves`` freed ``freed`` bytes ("" for none)."""
    if freed <= 0:
        return ""
    size = f"{freed / 2**20:,.1f} MB" if freed >= 2**20 else f"{freed / 2**10:,.1f} kB"
    return f"Recovered {size} of disk space from interrupted saves."


def clean_interrupted_saves(path: str | os.PathLike[str], any_project: bool = False) -> int:
    """Remove the temporary files that killed saves of the project file ``path`` left beside it
    (of every project in that folder with ``any_project``, then ``path`` may be the folder); the
    bytes freed, for the window or the command line to tell the user. Called on every save and
    when a project is opened."""
    path = Path(path)
    folder, name = (path, None) if any_project and path.is_dir() else (path.parent, None if any_project else path.name)
    freed = 0
    for leftover in interrupted_saves(folder if str(folder) else ".", name):
        with contextlib.suppress(OSError):
            size = leftover.stat().st_size
            leftover.unlink()
            freed += size
    return freed


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------------------- reading
#
# A project file may come from anyone, so reading it trusts nothing: every size is checked before
# memory is taken for it (the manifest's, each member's as the zip declares it, each .npy header's
# against the manifest and the member), members are streamed with a cap and checked against their
# SHA-256, and every field the app relies on is checked, so that whatever opens can also be saved,
# exported, clustered and coloured. Any failure is a ProjectFileError with one line for the user.

MAX_MANIFEST_BYTES = 16 << 20  # a manifest holds no arrays (they are .npy members): a few kB to MB
MAX_JSON_DEPTH = 64  # ours nest about ten deep
MAX_JSON_INT_DIGITS = 24  # int64 needs 19
MAX_NPY_HEADER = 1 << 16
# Bytes that reading may inflate in all (members as declared, texts as fixed-width arrays): a floor
# plus a multiple of the file's size, so a small file cannot ask for gigabytes, while a big real
# project (mostly stored, uncompressed vectors) always fits.
MEMORY_FLOOR = 128 << 20
MEMORY_PER_FILE_BYTE = 16
_CHUNK = 1 << 20
_NUMERIC_KINDS = "biuf"
# What reading a damaged or hostile zip can raise, besides a missing member (KeyError).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
               NotImplementedError, zlib.error, OverflowError, struct.error, IndexError)


def _memory_budget(file_size: int) -> int:
    return MEMORY_FLOOR + MEMORY_PER_FILE_BYTE * max(file_size, 0)


def _gib(size: int) -> str:
    return f"{size / 2**30:,.1f} GiB" if size >= 2**30 else f"{size / 2**20:,.1f} MiB"


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, manifest: dict[str, Any], path: Path, file_size: int) -> None:
        self.archive = archive
        self.checksums = manifest.get("arrays")
        self.path = path
        self.budget = _memory_budget(file_size)
        self.spent = 0
        if not isinstance(self.checksums, dict):
            raise self.error("its manifest has no array checksums")

    def error(self, what: str) -> ProjectFileError:
        return ProjectFileError(f"{_display_name(self.path)} is damaged: {what}")

    def spend(self, size: int, what: str) -> None:
        """Count ``size`` bytes against the file's memory budget before taking them."""
        self.spent += size
        if self.spent > self.budget:
            raise self.error(f"{what} would need {_gib(self.spent)} of memory, more than a file of this "
                             f"size can hold ({_gib(self.budget)})")

    def array(self, member: Any, kinds: str = _NUMERIC_KINDS, ndim: int | None = None) -> np.ndarray:
        """A member's array, after checking its name, its declared size, its .npy header against
        the manifest, its bytes against their checksum, its dtype kind (``kinds``) and ``ndim``."""
        if not isinstance(member, str) or not _MEMBER_NAME.match(member) or ".." in member:
            raise self.error(f"bad array name {quoted(member)} in its manifest")
        expected = self.checksums.get(member)
        if not isinstance(expected, dict) or not isinstance(expected.get("sha256"), str):
            raise self.error(f"no checksum for {member}")
        try:
            info = self.archive.getinfo(member)
        except KeyError:
            raise self.error(f"{member} is missing") from None
        if info.flag_bits & 0x1:
            raise self.error(f"{member} is encrypted")
        try:
            with self.archive.open(info) as handle:
                array = self._read_npy(handle, info.file_size, member, expected)
        except ProjectFileError:
            raise
        except _ZIP_ERRORS as err:
            raise self.error(f"{member} cannot be read ({type(err).__name__}: {err})") from None
        if array.dtype.kind not in kinds:
            raise self.error(f"{member} holds {array.dtype} values where {_kind_names(kinds)} are expected")
        if ndim is not None and array.ndim != ndim:
            raise self.error(f"{member} is a {array.ndim}-D array where a {ndim}-D one is expected")
        return array

    def _read_npy(self, handle: BinaryIO, declared: int, member: str, expected: dict[str, Any]) -> np.ndarray:
        sha = hashlib.sha256()
        head = _read_at_most(handle, 12)
        if len(head) < 10 or head[:6] != b"\x93NUMPY":
            raise self.error(f"{member} is not a .npy array")
        major = head[6]
        if major == 1:
            header_length, start = struct.unpack("<H", head[8:10])[0], 10
        elif major in (2, 3) and len(head) == 12:
            header_length, start = struct.unpack("<I", head[8:12])[0], 12
        else:
            raise self.error(f"{member} is a .npy array of an unknown version ({major})")
        if header_length > MAX_NPY_HEADER:
            raise self.error(f"{member} has a .npy header of {header_length:,} bytes")
        head += _read_at_most(handle, start + header_length - len(head))
        if len(head) < start + header_length:
            raise self.error(f"{member} is truncated")
        if start + header_length < len(head):
            raise self.error(f"{member} has a .npy header of {header_length} bytes")
        try:
            dtype, fortran, shape = _parse_npy_header(head[start:start + header_length], major)
        except Exception as err:  # noqa: BLE001 - a header parsed by ast (SyntaxError, TokenError...)
            raise self.error(f"{member} is not a plain numeric array ({err})") from None
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        manifest_shape = expected.get("shape")
        if list(shape) != manifest_shape:
            raise self.error(f"{member} has shape {_short(shape)}, expected {_short(manifest_shape)}")
        manifest_dtype = expected.get("dtype")
        if manifest_dtype is not None and (not isinstance(manifest_dtype, str) or _dtype_str(dtype) != manifest_dtype):
            raise self.error(f"{member} holds {dtype.str}, the manifest says {quoted(manifest_dtype)}")
        if len(head) + nbytes != declared:
            raise self.error(f"{member} should hold {len(head) + nbytes:,} bytes but the archive says {declared:,}")
        self.spend(nbytes, member)
        sha.update(head)
        buffer = bytearray(nbytes)
        view = memoryview(buffer)
        filled = 0
        while filled < nbytes:
            chunk = handle.read(min(_CHUNK, nbytes - filled))
            if not chunk:
                raise self.error(f"{member} is truncated")
            view[filled:filled + len(chunk)] = chunk
            sha.update(chunk)
            filled += len(chunk)
        if handle.read(1):  # zipfile stops at the declared size; this is only a safeguard
            raise self.error(f"{member} is longer than its header says")
        if sha.hexdigest() != expected["sha256"]:
            raise self.error(f"{member} does not match its checksum (truncated or altered)")
        array = np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")
        if not dtype.isnative:
            array = array.astype(dtype.newbyteorder("="))
        return array

    def strings(self, spec: Any, what: str, paths: bool = False) -> np.ndarray:
        if not isinstance(spec, dict) or spec.get("kind") != "string":
            raise self.error(f"{what} is not described as a text column")
        blob = self.array(spec.get("bytes"), kinds="u", ndim=1)
        offsets = self.array(spec.get("offsets"), kinds="iu", ndim=1)
        return _decode_strings(blob, offsets, what, self, paths)

    def column(self, spec: Any, what: str, n: int) -> np.ndarray:
        if not isinstance(spec, dict):
            raise self.error(f"{what} is not described")
        if spec.get("kind") == "numeric":
            values = self.array(spec.get("array"), ndim=1)
        else:
            values = self.strings(spec, what)
        if len(values) != n:
            raise self.error(f"{what} has {len(values):,} rows for {n:,} items")
        return values


def _read_at_most(handle: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        chunk = handle.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _parse_npy_header(raw: bytes, major: int) -> tuple[np.dtype, bool, tuple[int, ...]]:
    """The (dtype, fortran order, shape) of a .npy header, refusing all but plain numbers."""
    text = raw.decode("utf-8" if major == 3 else "latin1")
    header = ast.literal_eval(text)
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError("not a .npy header")
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if not isinstance(descr, str) or not isinstance(fortran, bool) or not isinstance(shape, tuple):
        raise ValueError("not a .npy header")
    if len(shape) > 8 or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**48 for s in shape):
        raise ValueError(f"bad shape {_short(shape)} in a .npy header")
    dtype = np.dtype(descr)
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None \
            or dtype.itemsize > 16:
        raise ValueError(f"{quoted(descr)} is not a plain numeric type")
    return dtype, fortran, shape


def _dtype_str(dtype: np.dtype) -> str:
    return dtype.str


def _kind_names(kinds: str) -> str:
    names = {"b": "booleans", "i": "integers", "u": "unsigned integers", "f": "floats"}
    return " or ".join(names[k] for k in kinds)


def _short(value: Any) -> str:
    return one_line(repr(value), 80)


def _display_name(path: Path) -> str:
    return one_line(path.name or str(path), 100)


def _decode_strings(blob: np.ndarray, offsets: np.ndarray, where: str, reader: _Reader | None = None,
                    paths: bool = False) -> np.ndarray:
    """The strings of a text column. Paths (image paths, copied file names) were written with
    their undecodable bytes kept as surrogates (``surrogateescape``), so they decode the same way;
    any other text that is not UTF-8 is refused."""
    def damaged(what: str) -> ProjectFileError:
        return reader.error(what) if reader is not None else ProjectFileError(what)

    if offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0 or int(offsets[-1]) != len(blob):
        raise damaged(f"text column {where} is damaged (offsets do not match its bytes)")
    lengths = np.diff(offsets.astype(np.int64))
    if np.any(lengths < 0):
        raise damaged(f"text column {where} is damaged (offsets go backwards)")
    count = len(lengths)
    longest = int(lengths.max()) if count else 0
    if reader is not None:  # a fixed-width str array takes 4 bytes per character of the longest
        reader.spend(4 * longest * count, f"text column {where}")
    raw = blob.tobytes()
    bounds = offsets.tolist()
    try:
        text = [raw[a:b].decode("utf-8") for a, b in zip(bounds[:-1], bounds[1:])]
    except UnicodeDecodeError as err:
        if not paths:
            raise damaged(f"text column {where} is not valid UTF-8") from err
        try:
            text = [raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds[:-1], bounds[1:])]
        except UnicodeDecodeError:
            raise damaged(f"text column {where} is not valid UTF-8") from err
        if any(_LONE_SURROGATE.search(t) for t in text):
            raise damaged(f"text column {where} holds characters that are not text") from err
    del raw
    return np.array(text, dtype=object).astype(str) if text else np.array([], dtype=str)


# surrogates other than those surrogateescape makes for undecodable bytes (U+DC80..U+DCFF)
_LONE_SURROGATE = re.compile(r"[\ud800-\udc7f\udd00-\udfff]")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise ValueError(f"a number of {len(text):,} digits")
    return int(text)


def _clean_json(value: Any, depth: int = 0) -> Any:
    """The manifest with its depth checked and lone surrogates (which no text can hold, and which
    Save could not write) replaced by U+FFFD."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_clean_json(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {_clean_json(k, depth + 1): _clean_json(v, depth + 1) for k, v in value.items()}
    return value


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean_manifest(manifest: Any) -> Any:
    """``_clean_json``, except for the data folder's path, whose undecodable bytes (surrogates)
    must stay as they are for the folder to be found again."""
    source = manifest.get("source") if isinstance(manifest, dict) else None
    kept = {}
    if isinstance(source, dict):
        for key in ("root", "path"):
            value = source.get(key)
            if isinstance(value, dict) and all(isinstance(v, str) and len(v) < 8192 for v in value.values()):
                kept[key] = {str(k): v for k, v in value.items()
                             if isinstance(k, str) and not _LONE_SURROGATE.search(v)}
    cleaned = _clean_json(manifest)
    if kept:
        cleaned["source"].update(kept)
    return cleaned


def _read_member(archive: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    """A member's bytes, read in chunks and refused once over ``limit`` (whatever size the archive
    declares)."""
    info = archive.getinfo(name)
    if info.flag_bits & 0x1:
        raise ProjectFileError(f"{_display_name(path)} is damaged: its {name} is encrypted")
    if info.file_size > limit:
        raise ProjectFileError(f"{_display_name(path)} is damaged: its {name} is {_gib(info.file_size)}, "
                               f"over the {_gib(limit)} a project's {name} may be")
    with archive.open(info) as handle:
        data = _read_at_most(handle, limit + 1)
    if len(data) > limit:
        raise ProjectFileError(f"{_display_name(path)} is damaged: its {name} is over {_gib(limit)}")
    return data


def read_manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    name = _display_name(path)
    try:
        raw = _read_member(archive, MANIFEST, MAX_MANIFEST_BYTES, path)
    except KeyError:
        raise ProjectFileError(f"{name} is not an Embedding Explorer project (no manifest)") from None
    except _ZIP_ERRORS as err:
        raise ProjectFileError(f"{name} is damaged: its manifest cannot be read ({type(err).__name__}: {err})") from None
    try:
        manifest = _clean_manifest(json.loads(raw.decode("utf-8"), parse_int=_bounded_int))
    except UnicodeDecodeError:
        raise ProjectFileError(f"{name} is damaged: its manifest is not UTF-8 text") from None
    except RecursionError:
        raise ProjectFileError(f"{name} is damaged: its manifest is nested too deeply") from None
    except ValueError as err:  # JSONDecodeError, numbers too long
        raise ProjectFileError(f"{name} is damaged: its manifest is not valid JSON ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ProjectFileError(f"{name} is not an Embedding Explorer project")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(f"{name} is damaged: format_version {_short(version)} is not valid")
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            f"{name} was saved by a newer Embedding Explorer (project format {version}; this "
            f"version reads formats up to {FORMAT_VERSION}). Update the app to open it."
        )
    if not isinstance(manifest.get("embeddings"), dict):
        raise ProjectFileError(f"{name} is damaged: its manifest describes no embeddings")
    return migrate(manifest)


def migrate(manifest: dict[str, Any]) -> dict[str, Any]:
    """Bring an older manifest up to FORMAT_VERSION, one version at a time."""
    while manifest["format_version"] < FORMAT_VERSION:
        manifest = MIGRATIONS[manifest["format_version"]](manifest)
    return manifest


def _open_regular_file(path: Path) -> tuple[BinaryIO, int]:
    """``path`` opened for reading, if it is a regular file (not a folder, pipe, device or socket:
    opening is non-blocking, so a pipe never hangs), with its size."""
    shown = one_line(str(path), 160)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ProjectFileError(f"{shown} does not exist") from None
    except (OSError, ValueError) as err:  # a loop of links, a name too long, a NUL byte...
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ProjectFileError(f"cannot open {shown}: {reason}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ProjectFileError(f"{shown} is a folder, not a project file")
        if not stat.S_ISREG(info.st_mode):
            raise ProjectFileError(f"{shown} is not a regular file (a device, pipe or socket), so not a project")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def _open_archive(path: Path) -> Iterator[tuple[zipfile.ZipFile, int]]:
    handle, size = _open_regular_file(path)
    with handle:
        try:
            archive = zipfile.ZipFile(handle)
        except zipfile.BadZipFile:
            raise ProjectFileError(
                f"{_display_name(path)} is not an Embedding Explorer project (not a zip archive)") from None
        except _ZIP_ERRORS as err:
            raise ProjectFileError(
                f"{_display_name(path)} is damaged: its zip directory cannot be read "
                f"({type(err).__name__}: {err})") from None
        with archive:
            yield archive, size


def load_project(path: str | os.PathLike[str], trusted_folders: Iterable[str | os.PathLike[str]] = ()) -> Project:
    """Read a project file; raise ProjectFileError with a one-line reason on any problem.

    ``trusted_folders`` are folders the user chose (imported from, located); the project's data
    folder is used when it lies inside one of them or inside the project's own folder.
    """
    path = Path(path)
    with _open_archive(path) as (archive, size):
        manifest = read_manifest(archive, path)
        reader = _Reader(archive, manifest, path, size)
        try:
            return _build_project(manifest, reader, [Path(f) for f in trusted_folders])
        except ProjectFileError:
            raise
        except PathEscapeError as err:
            raise ProjectFileError(f"{_display_name(path)} is refused: {err}") from None
        except MemoryError:
            raise reader.error("it needs more memory than there is") from None
        except RecursionError:
            raise reader.error("its contents are nested too deeply") from None
        # Whatever else a malformed manifest makes the checks below trip on is still a damaged
        # file (the message names the error, so a bug in this module would still show).
        except Exception as err:  # noqa: BLE001
            raise reader.error(f"its contents are inconsistent ({type(err).__name__}: {err})") from None


def _text(value: Any, default: str = "") -> str:
    """A manifest field that should hold text: text as is, numbers written out, anything else
    (lists, tables) the default."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return default


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _all_finite(matrix: np.ndarray) -> bool:
    rows = max(1, (64 << 20) // max(1, matrix.itemsize * int(np.prod(matrix.shape[1:], dtype=np.int64))))
    return all(np.isfinite(matrix[i:i + rows]).all() for i in range(0, len(matrix), rows))


def _matrix(reader: _Reader, member: Any, what: str, n: int | None) -> np.ndarray:
    matrix = reader.array(member, kinds="f", ndim=2)
    if matrix.shape[1] == 0:
        raise reader.error(f"{what} have no dimensions (shape {matrix.shape})")
    if n is not None and len(matrix) != n:
        raise reader.error(f"{what} have {len(matrix):,} rows for {n:,} items")
    if matrix.dtype != np.float32:
        with np.errstate(over="ignore"):
            matrix = matrix.astype(np.float32)
    if not _all_finite(matrix):
        raise reader.error(f"{what} hold NaN or infinite values")
    return matrix


def _build_project(manifest: dict[str, Any], reader: _Reader, trusted: list[Path]) -> Project:
    spec = manifest["embeddings"]
    vectors = _matrix(reader, spec.get("vectors"), "the vectors", None)
    n = len(vectors)
    if n == 0:
        raise reader.error("it holds no items")
    ids = reader.strings(spec.get("ids"), "ids")
    texts = reader.strings(spec.get("texts"), "texts")
    metadata = {}
    for column in _list(spec.get("metadata")):
        name = _text(_dict(column).get("name"))
        metadata[name] = reader.column(column, f"metadata column {quoted(name)}", n)
    extra_vectors = {}
    for extra in _list(spec.get("extra_vectors")):
        name = _text(_dict(extra).get("name"))
        extra_vectors[name] = _matrix(reader, _dict(extra).get("array"), f"extra vectors {quoted(name)}", n)
    folder = reader.path.resolve().parent
    source = _read_source(manifest.get("source"), reader, folder, trusted)
    image_paths = None
    if "image_paths" in spec:
        image_paths = reader.strings(spec["image_paths"], "image paths", paths=True)
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
        thumbs = _dict(spec["thumbnails"])
        blob = reader.array(thumbs.get("bytes"), kinds="u", ndim=1)
        offsets = reader.array(thumbs.get("offsets"), kinds="iu", ndim=1)
        _check_blobs(blob, offsets, reader, "the thumbnails")
        if len(offsets) != n + 1:
            raise reader.error(f"the thumbnails are for {len(offsets) - 1:,} items, not {n:,}")
        thumbnails = (blob, offsets.astype(np.int64))
    modality = _text(spec.get("modality"), "text")
    if modality not in MODALITIES:
        raise reader.error(f"unknown modality {quoted(modality)}")
    embeddings = EmbeddingSet(
        thumbnails=thumbnails,
        vectors=vectors,
        ids=ids,
        texts=texts,
        modality=modality,
        model_id=_text(spec.get("model_id")),
        metadata=metadata,
        image_paths=image_paths,
        extra_vectors=extra_vectors,
    )
    projections = _read_projections(manifest.get("projections"), reader, n)

    def items(value: Any, what: str) -> list[int]:
        """Item indices from the manifest; any out of range are dropped."""
        try:
            values = np.asarray(from_record(value, reader.array)).ravel()
        except (ValueError, TypeError, OverflowError, RecordError) as err:
            raise reader.error(f"{what} is not a list of items ({err})") from None
        if values.size == 0:
            return []
        if values.dtype.kind not in "iu":
            raise reader.error(f"{what} is not a list of item numbers")
        return values[(values >= 0) & (values < n)].astype(np.int64).tolist()

    try:
        view = from_record(manifest.get("session"), reader.array)
    except RecordError as err:
        raise reader.error(f"its saved session is damaged ({err})") from None
    if not isinstance(view, ViewState):
        view = ViewState()
    _drop_unfit_results(view, n, embeddings.dim)
    view.sanitize(n, projections, embeddings.metadata)
    bookmarks = {}
    for bookmark in _list(manifest.get("bookmarks")):
        bookmark = _dict(bookmark)
        name = _text(bookmark.get("name"))
        bookmarks[name] = items(bookmark.get("items", []), f"bookmark {quoted(name)}")
    project = Project(
        embeddings=embeddings,
        projections=projections,
        view=view,
        title=_text(manifest.get("title")),
        description=_text(manifest.get("description")),
        bookmarks=bookmarks,
        source=source,
    )
    project.neighbor_index = _read_index(manifest.get("neighbor_index"), reader, embeddings.vectors)
    _read_sets(manifest, reader, project)
    return project


def _read_projections(spec: Any, reader: _Reader, n: int, where: str = "") -> dict[str, Projection]:
    projections = {}
    for item in _list(spec):
        item = _dict(item)
        coords = reader.array(item.get("coords"), ndim=2)
        name = _text(item.get("name"))
        if coords.shape[1] != 2:
            raise reader.error(f"projection {quoted(name)}{where} has shape {coords.shape}, not ({n}, 2)")
        if len(coords) != n:
            raise reader.error(f"projection {quoted(name)}{where} has {len(coords)} points but the project has "
                               f"{n} items")
        projection = Projection(name, _text(item.get("method")), coords, _dict(item.get("params")))
        if _all_finite(projection.coords):  # a layout with NaN cannot be drawn: left out
            projections[name] = projection
    return projections


def _read_sets(manifest: dict[str, Any], reader: _Reader, project: Project) -> None:
    """The project's other embedding sets, each with its maps, index and session (sanitized as the
    active one's is); the active set keeps the name the file gives it."""
    emb, n = project.embeddings, len(project.embeddings)
    specs = [spec for spec in _list(manifest.get("sets")) if isinstance(spec, dict)]
    others = [spec for spec in specs if spec.get("active") is not True]
    names = [_text(spec.get("name")).strip() for spec in others]
    active = _text(manifest.get("active_set")).strip() or default_set_name(emb.model_id, names)
    if active in names:
        raise reader.error(f"its active set {quoted(active)} is also stored as another set")
    order = [active if spec.get("active") is True else _text(spec.get("name")).strip() for spec in specs]
    if active not in order:  # a migrated file: its own vectors come first
        order.insert(0, active)
    sets: dict[str, VectorSet] = {active: VectorSet(active, emb.model_id)}
    for spec, name in zip(others, names):
        where = f" of set {quoted(name)}"
        if not name or name in sets:
            raise reader.error(f"it holds two embedding sets named {quoted(name)}" if name
                               else "it holds an embedding set without a name")
        vectors = _matrix(reader, spec.get("vectors"), f"the vectors{where}", n)
        set_projections = _read_projections(spec.get("projections"), reader, n, where)
        try:
            session = from_record(spec["session"], reader.array) if "session" in spec else SetSession()
        except RecordError as err:
            raise reader.error(f"the saved session{where} is damaged ({err})") from None
        session = _sanitize_set_session(session if isinstance(session, SetSession) else SetSession(),
                                        n, vectors.shape[1], set_projections, emb)
        sets[name] = VectorSet(name, _text(spec.get("model_id")), vectors, set_projections,
                               _read_index(spec.get("neighbor_index"), reader, vectors), session)
    project.active_set = active
    project.sets = {name: sets[name] for name in dict.fromkeys([*order, *sets]) if name in sets}


def _sanitize_set_session(session: SetSession, n: int, dim: int, projections: dict[str, Projection],
                          embeddings: EmbeddingSet) -> SetSession:
    """What ``ViewState.sanitize`` and ``_drop_unfit_results`` keep of an inactive set's session."""
    view = ViewState()
    view.swap_set(session)
    _drop_unfit_results(view, n, dim)
    view.sanitize(n, projections, embeddings.metadata)
    return view.swap_set(SetSession())


def _check_blobs(blob: np.ndarray, offsets: np.ndarray, reader: _Reader, what: str) -> None:
    if blob.dtype != np.uint8 or offsets.ndim != 1 or not len(offsets) or offsets[0] != 0 \
            or int(offsets[-1]) != len(blob) or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise reader.error(f"{what} are damaged")


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _drop_unfit_results(view: ViewState, n: int, dim: int) -> None:
    """Saved results that do not fit this project (items out of range, a label per item missing,
    one score per answer missing) are left out, as ``ViewState.sanitize`` leaves out what else
    does not fit, so what is shown can always be exported and saved again. (Records of unknown
    types or with fields of the wrong type were refused when read.)"""
    for name in PANEL_SESSIONS:
        record = getattr(view, name, None)
        if record is None or not dataclasses.is_dataclass(record):
            continue
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if dataclasses.is_dataclass(value):
                try:
                    check_results(value, n, dim)
                except RecordError:
                    setattr(record, f.name, None)
    names = getattr(view.clusters, "names", None)
    if isinstance(names, dict) and not all(_is_whole(k) and isinstance(v, ClusterLabel) for k, v in names.items()):
        view.clusters.names = {}  # cluster names that are not names: exported and shown as none


def _read_source(spec: Any, reader: _Reader, folder: Path, trusted: list[Path]) -> DataSource | None:
    if not isinstance(spec, dict):
        return None
    source = DataSource(kind=_text(spec.get("kind")), options=_dict(spec.get("options")))
    path = spec.get("path")
    if isinstance(path, dict):  # only a reference: shown to the user, never read without asking
        source.path = _text(path.get("absolute")) or _text(path.get("relative"))
    root = spec.get("root")
    if isinstance(root, dict):
        root = {key: _text(root.get(key)) for key in ("relative", "absolute")}
        source.stored_root = root["absolute"] or root["relative"]
        source.root = resolve_root(root, folder, trusted)
    copy = spec.get("copy")
    if isinstance(copy, dict):
        names = reader.strings(copy.get("names"), "the copied data's names", paths=True)
        blob = reader.array(copy.get("bytes"), kinds="u", ndim=1)
        offsets = reader.array(copy.get("offsets"), kinds="iu", ndim=1)
        _check_blobs(blob, offsets, reader, "the copied data")
        if len(offsets) != len(names) + 1:
            raise reader.error("the copied data's names do not match its files")
        for name in names.tolist():
            check_relative(name)
        source.copy, source.keep_copy = (names, blob, offsets.astype(np.int64)), True
    return source


def _read_index(spec: Any, reader: _Reader, vectors: np.ndarray) -> Any:
    """The saved neighbour index, or None when there is none or this machine cannot use it (it is
    only a speed-up: exact search still works)."""
    if not isinstance(spec, dict):
        return None
    arrays = {str(name): reader.array(member) for name, member in _dict(spec.get("arrays")).items()}
    try:
        from explorer.core.ann_index import ApproximateIndex  # noqa: PLC0415

        return ApproximateIndex.from_arrays(_dict(spec.get("params")), arrays, vectors)
    except Exception:  # noqa: BLE001 - a missing library or an index from elsewhere: rebuild later
        return None
