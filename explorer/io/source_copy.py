"""A copy of a project's source data inside the project file (when the user asks for one), and
putting it back on disk.

What is copied: the imported file (a table, vectors, a metadata table beside them) and, for image
sets, every image that became an item, each under its path relative to the data folder. Names are
checked like any stored path (explorer.core.paths): extracting never writes outside the folder the
user chose.
"""

from __future__ import annotations

from pathlib import Path

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.paths import resolve_inside
from explorer.core.progress import Job, Progress
from explorer.core.project import Project

MAX_COPY_BYTES = 4 * 2**30  # zip64 handles more, but memory would not: the copy is held in memory


class SourceCopyError(Exception):
    """The data cannot be copied or extracted; the message is for the user."""


def source_files(project: Project) -> dict[str, Path]:
    """Stored name -> file on disk, for everything the copy would hold."""
    source = project.source
    if source is None or not source.path:
        raise SourceCopyError("this project does not record where its data came from")
    files: dict[str, Path] = {}
    emb = project.embeddings
    if emb.image_paths is not None:
        if source.root is None:
            raise SourceCopyError(f"the images are not found here (their folder was {source.stored_root}); "
                                  "locate the data folder first")
        for stored in emb.image_paths.tolist():
            files[stored] = resolve_inside(source.root, stored)
    original = Path(source.path)
    for extra in (original, Path(str(source.options.get("metadata", "")))):
        if extra.is_file():
            files.setdefault(_name_for(extra, source.root), extra)
    if not files:
        raise SourceCopyError(f"the source data {source.path} is not found here")
    return files


def _name_for(path: Path, root: Path | None) -> str:
    path = path.resolve()
    if root is not None and path.is_relative_to(root.resolve()):
        return path.relative_to(root.resolve()).as_posix()
    return path.name


def copy_source_job(project: Project) -> Job[None]:
    """Read the source files into ``project.source.copy`` (a worker's job: it reads from disk)."""
    files = source_files(project)
    total = sum(path.stat().st_size for path in files.values() if path.is_file())
    if total > MAX_COPY_BYTES:
        raise SourceCopyError(f"the source data is {total / 2**30:.1f} GiB; copies are limited to "
                              f"{MAX_COPY_BYTES / 2**30:.0f} GiB")
    names, blobs = [], []
    for done, (name, path) in enumerate(files.items()):
        try:
            blobs.append(path.read_bytes())
        except OSError as err:
            raise SourceCopyError(f"cannot read {path}: {err.strerror or err}") from err
        names.append(name)
        if done % 64 == 0:
            yield Progress(done, len(files), f"Copying the source data ({done:,} of {len(files):,} files)")
    import numpy as np  # noqa: PLC0415

    blob, offsets = EmbeddingSet.pack_blobs(blobs)
    project.source.copy = (np.array(names, dtype=str), blob, offsets)
    project.source.keep_copy = True


def extract_source_job(project: Project, folder: str | Path) -> Job[Path]:
    """Write the copied data into ``folder`` (created if needed); the project's data folder then
    points there. Existing files are not overwritten."""
    source = project.source
    if source is None or source.copy is None:
        raise SourceCopyError("this project holds no copy of its data")
    folder = Path(folder).expanduser().resolve()
    names, blob, offsets = source.copy
    count = len(names)
    for i, name in enumerate(names.tolist()):
        target = resolve_inside(folder, name)  # refuses absolute paths, '..' and escaping links
        if target.exists():
            raise SourceCopyError(f"{target} already exists; choose an empty folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob[offsets[i]:offsets[i + 1]].tobytes())
        if i % 64 == 0:
            yield Progress(i, count, f"Extracting {i:,} of {count:,} files")
    source.root = folder
    return folder
