"""Paths inside project files, handled so that a file never makes the app reach outside the
folders the user chose.

A project stores item paths (images) relative to a data folder, and that folder relative to the
project file. A stored item path must be relative and must not climb with ``..``; resolving it
(symlinks included) must land inside its data folder. The data folder itself is used only when it
is the project's own folder or lies inside a folder the user chose (one they imported from,
located, or extracted a copy into); otherwise the project opens with its images unresolved and
the user is asked to locate them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath


class PathEscapeError(ValueError):
    """A stored path that would lead outside the folder it belongs to, or that cannot be
    followed at all (a loop of symbolic links, a name too long for the system)."""


class UnfollowablePathError(PathEscapeError):
    """A path that cannot be followed on this machine (a loop of links, a name too long)."""


def _resolve(path: Path) -> Path:
    """``path.resolve()``, with a loop of links, a name too long or one the file system cannot
    hold (a NUL byte, a lone surrogate) as PathEscapeError instead of RuntimeError or OSError."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        shown = str(path)
        shown = shown if len(shown) <= 80 else shown[:38] + "..." + shown[-38:]
        raise UnfollowablePathError(f"cannot follow {shown!r}: {reason}") from None


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def check_relative(stored: str) -> PurePosixPath:
    """``stored`` as a safe relative POSIX path, or PathEscapeError saying why not."""
    if not stored or "\x00" in stored:
        raise PathEscapeError(f"empty or invalid path {stored!r}")
    text = stored.replace("\\", "/")
    posix = PurePosixPath(text)
    if posix.is_absolute() or PureWindowsPath(stored).is_absolute() or PureWindowsPath(stored).drive:
        raise PathEscapeError(f"{stored!r} is an absolute path; a project may only hold relative ones")
    if ".." in posix.parts:
        raise PathEscapeError(f"{stored!r} climbs out of its folder with '..'")
    return posix


def resolve_inside(root: Path, stored: str) -> Path:
    """``root / stored``, refused if it would leave ``root`` (through '..', an absolute path, or a
    symbolic link that points elsewhere)."""
    relative = check_relative(stored)
    root = _resolve(root)
    path = _resolve(root / Path(*relative.parts))
    if not path.is_relative_to(root):
        raise PathEscapeError(f"{stored!r} leads outside {root} (through a symbolic link)")
    return path


def is_inside(path: Path, folders: Iterable[Path]) -> bool:
    try:
        path = _resolve(path)
    except PathEscapeError:
        return False
    for folder in folders:
        try:
            if path.is_relative_to(_resolve(folder)):
                return True
        except PathEscapeError:
            continue
    return False


def relative_paths(paths: Sequence[str | Path], root: Path | None = None) -> tuple[Path, list[str]]:
    """A data folder and the paths relative to it (POSIX), for paths that are absolute or relative
    to ``root``. Without ``root``, or when a path lies outside it, the folder is the paths' deepest
    common folder."""
    absolute = [_resolve(Path(root, p)) if root is not None else _resolve(Path(p)) for p in paths]
    base = _resolve(Path(root)) if root is not None else None
    if base is None or not all(p.is_relative_to(base) for p in absolute):
        base = Path(os.path.commonpath([str(p.parent) for p in absolute])) if absolute else Path.cwd()
    return base, [p.relative_to(base).as_posix() for p in absolute]


def stored_root(root: Path, project_folder: Path) -> dict[str, str]:
    """How a project file records its data folder: relative to the project's folder (so a folder
    moved together with its data keeps working) and, as a hint, absolute."""
    root, project_folder = _resolve(root), _resolve(project_folder)
    return {"relative": Path(os.path.relpath(root, project_folder)).as_posix(), "absolute": str(root)}


def resolve_root(stored: dict[str, str], project_folder: Path, trusted: Iterable[Path] = ()) -> Path | None:
    """The data folder a project file names, if it exists here and may be used: inside the
    project's own folder, or inside a folder the user chose (``trusted``). None otherwise."""
    try:
        project_folder = _resolve(project_folder)
    except PathEscapeError:
        return None
    allowed = [project_folder, *[Path(t) for t in trusted]]
    candidates = []
    relative = str(stored.get("relative", "") or "")
    if relative:
        if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).drive:
            return None
        candidates.append(project_folder / relative)
    absolute = str(stored.get("absolute", "") or "")
    if absolute:
        candidates.append(Path(absolute))
    for candidate in candidates:
        try:  # a folder that cannot be followed here (a loop, a name too long) is not found
            candidate = _resolve(candidate)
        except PathEscapeError:
            continue
        if _is_dir(candidate) and is_inside(candidate, allowed):
            return candidate
    return None
