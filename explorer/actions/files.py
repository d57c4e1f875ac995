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


def open_job(path: Path, trusted_folders: list[str] | None = None):
    """Open a project as a job (for a worker); ``trusted_folders`` may hold the project's images."""
    from explorer.core.progress import Progress  # noqa: PLC0415
    from explorer.io.project_file import load_project  # noqa: PLC0415

    yield Progress(0, 1, f"Opening {path.name}")
    project = load_project(path, trusted_folders or [])
    yield Progress(1, 1, f"Opened {path.name}")
    return project


def save_job(project, path: Path):
    """Save a project as a job (for a worker); returns the path written."""
    from explorer.core.progress import Progress  # noqa: PLC0415
    from explorer.io.project_file import save_project as save  # noqa: PLC0415

    yield Progress(0, 1, f"Saving {path.name}")
    saved = save(project, path)
    yield Progress(1, 1, f"Saved {path.name}")
    return saved


def import_job(options, reuse=None):
    """Read, embed and map a data set (explorer.actions.importer.ImportOptions is the request);
    returns an ImportResult. A reader's or a model's complaint becomes an ActionError."""
    from explorer.actions.errors import reported  # noqa: PLC0415
    from explorer.actions.importer import import_job as run  # noqa: PLC0415
    from explorer.io.readers import ReadError  # noqa: PLC0415

    return reported(run(options, reuse), (ReadError, ValueError, RuntimeError))
