"""What every command shares: loading and saving a project, writing a result, the output format."""

from __future__ import annotations

import sys
from pathlib import Path

from explorer.actions import ActionError
from explorer.actions.files import open_project
from explorer.actions.files import save_project as save  # noqa: F401
from explorer.actions.tables import Table

# The embedding set the running command works on (its --set), or None for the active one.
chosen_set: str | None = None


def load(path: str):
    """The commands' loader: the project (switched to the command's --set), and a word on stderr
    when killed saves had left temporary files beside it (they are removed)."""
    from explorer.actions.sets import switch_set  # noqa: PLC0415
    from explorer.io.project_file import clean_interrupted_saves, recovered_message  # noqa: PLC0415

    project = open_project(path)
    if chosen_set is not None:
        switch_set(project, chosen_set)
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
    """The asked format, else the output file's suffix, else ``default`` (stdout); "parquet" too."""
    from explorer.io.exporters import format_of  # noqa: PLC0415

    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    if fmt and suffix in ("csv", "json", "parquet") and suffix != fmt:
        raise ActionError(f"--format {fmt} does not match {Path(output).name}; name the file .{fmt} "
                          "or leave --format out")
    if fmt == "parquet" or (not fmt and output and Path(output).suffix.lower() == ".parquet"):
        return "parquet"
    try:
        return format_of(output, fmt, default)
    except ValueError as err:
        raise ActionError(f"{err} (or .parquet), or --format") from None


def emit_table(table: Table, fmt: str | None, output: str | None, default: str = "json", project=None,
               with_vectors: bool = False) -> None:
    """A result's table, exactly as the window's Export button writes it, on stdout or to a file;
    as Parquet (a file only) with typed columns and, with ``with_vectors``, each item's vector."""
    fmt = table_format(fmt, output, default)
    if fmt != "parquet":
        if with_vectors:
            raise ActionError("--with-vectors needs --format parquet")
        emit(table.text(fmt), output)
        return
    from explorer.io.exporters import write_parquet_table  # noqa: PLC0415

    if not output:
        raise ActionError("Parquet is written to a file: give -o FILE.parquet")
    try:
        write_parquet_table(output, table.columns, table.meta,
                            project.embeddings if with_vectors and project is not None else None)
    except ValueError as err:
        raise ActionError(str(err)) from None
    except OSError as err:
        raise ActionError(f"cannot write {output}: {err.strerror or err}") from None
    print(f"wrote {output}", file=sys.stderr)


def words_of(project, path: str, command: str):
    """The project's embeddings, warning on stderr when its item texts are not single words."""
    emb = project.embeddings
    if emb.modality != "word":
        print(f"explorer: warning: {Path(path).name} is a {emb.modality} project, not a word project; "
              f"{command} treats its item texts as the words", file=sys.stderr)
    return emb
