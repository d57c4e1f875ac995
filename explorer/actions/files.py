"""Opening and saving projects, with the file errors turned into one-line ActionErrors."""

from __future__ import annotations

from pathlib import Path

from explorer.actions.errors import ActionError


def open_project(path: str | Path):
    """The project stored at ``path``."""
    from explorer.io.project_file import ProjectFileError, load_project  # noqa: PLC0415

    try:
        return load_project(path)
    except ProjectFileError as err:
        raise ActionError(str(err)) from None


def save_project(project, path: str | Path) -> None:
    """Write ``project`` to ``path`` atomically."""
    from explorer.io.project_file import ProjectFileError  # noqa: PLC0415
    from explorer.io.project_file import save_project as save

    try:
        save(project, path)
    except ProjectFileError as err:
        raise ActionError(str(err)) from None
