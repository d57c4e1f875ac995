"""What every command shares: loading and saving a project, writing a result, the output format."""

from __future__ import annotations

import sys
from pathlib import Path

from explorer.actions import ActionError
from explorer.actions.files import open_project
from explorer.actions.files import save_project as save  # noqa: F401
from explorer.actions.tables import Table


def load(path: str):
    """The commands' loader: the project, and a word on stderr when killed saves had left
    temporary files beside it (they are removed)."""
    from explorer.io.project_file import clean_interrupted_saves, recovered_message  # noqa: PLC0415

    project = open_project(path)
    freed = recovered_message(clean_interrupted_saves(path))
    if freed:
        print(f"explorer: {freed}", file=sys.stderr)
    return project


def emit(text: str, output: str | None) -> None:
    """Print a result, or write it atomically to ``output``."""
    if output:
        from explorer.io.exporters import write_text_atomic  # noqa: PLC0415

        try:
            write_text_atomic(output, text)
        except OSError as err:
            raise ActionError(f"cannot write {output}: {err.strerror or err}") from None
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def table_format(fmt: str | None, output: str | None, default: str = "json") -> str:
    """The asked format, else the output file's suffix, else ``default`` (stdout)."""
    from explorer.io.exporters import format_of  # noqa: PLC0415

    try:
        return format_of(output, fmt, default)
    except ValueError as err:
        raise ActionError(f"{err}, or --format") from None


def emit_table(table: Table, fmt: str | None, output: str | None, default: str = "json") -> None:
    """A result's table, exactly as the window's Export button writes it, on stdout or to a file."""
    emit(table.text(table_format(fmt, output, default)), output)


def words_of(project, path: str, command: str):
    """The project's embeddings, warning on stderr when its item texts are not single words."""
    emb = project.embeddings
    if emb.modality != "word":
        print(f"explorer: warning: {Path(path).name} is a {emb.modality} project, not a word project; "
              f"{command} treats its item texts as the words", file=sys.stderr)
    return emb
