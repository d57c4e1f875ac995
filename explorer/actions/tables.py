"""Every table a result is exported as: the window's Export buttons and the command line print the
same columns and the same metadata, from these builders. ``Table.text`` formats one as CSV or
JSON (explorer.io.exporters does the writing)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.actions.errors import ActionError
from explorer.core.tables import metadata_columns


@dataclass(frozen=True)
class Table:
    """Named columns of equal length, and what the rows are (written beside them in JSON)."""

    columns: Mapping[str, Sequence[Any]]
    meta: Mapping[str, Any]

    def text(self, fmt: str) -> str:
        from explorer.io.exporters import format_table  # noqa: PLC0415

        return format_table(self.columns, fmt, self.meta)

    def write(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write atomically; the format follows the suffix (.csv / .json) unless given."""
        from explorer.io.exporters import write_table  # noqa: PLC0415

        try:
            return write_table(path, self.columns, fmt, self.meta)
        except ValueError as err:
            raise ActionError(str(err)) from None
        except OSError as err:
            raise ActionError(f"cannot write {path}: {err.strerror or err}") from None


def finite(value: float | None) -> float | None:
    """JSON has no NaN: an undefined score (e.g. all associations equal) becomes null."""
    return value if value is not None and math.isfinite(value) else None


def coordinates_table(project, projection_name: str | None = None) -> Table:
    """id, text, x, y and every metadata column, for one projection (the shown one by default)."""
    name = projection_name or project.view.projection
    if name not in project.projections:
        raise ActionError(f"no projection {name!r}; the project has {', '.join(project.projections) or 'none'}")
    projection = project.projections[name]
    emb = project.embeddings
    columns = with_metadata({"id": emb.ids, "text": emb.texts, "x": projection.coords[:, 0],
                             "y": projection.coords[:, 1]}, emb, slice(None))
    return Table(columns, {"projection": name, "method": projection.method, "params": projection.params})


def items_table(emb, rows: Sequence[int], **meta: Any) -> Table:
    """id, text and every metadata column of some items (a selection, a bookmark)."""
    rows = [int(row) for row in rows]
    return Table(with_metadata({"id": emb.ids[rows], "text": emb.texts[rows]}, emb, rows),
                 {"items": len(rows), **meta})


def with_metadata(columns: Mapping[str, Sequence[Any]], emb, rows: Any) -> dict[str, Sequence[Any]]:
    """A table of items (``rows`` of ``emb``) with every metadata column after its own; a user's
    column named like one of the table's is kept as "NAME (data)" (explorer.core.tables)."""
    return {**columns, **metadata_columns(emb.metadata, rows, columns)}


def selection_table(project, rows: Sequence[int]) -> Table:
    return items_table(project.embeddings, rows, selection=len(rows))


def bookmark_table(project, name: str | None) -> Table:
    if name not in project.bookmarks:
        which = "name a bookmark (--bookmark NAME)" if name is None else f"no bookmark {name!r}"
        raise ActionError(f"{which}; the project has {', '.join(project.bookmarks) or 'none'}")
    return items_table(project.embeddings, project.bookmarks[name], bookmark=name)


SAVED_RESULTS = ("neighbors", "analogy", "clusters", "weat", "direction")


def saved_result_table(project, what: str) -> Table:
    """The last result a panel showed, as the project saved it (the table its Export button writes)."""
    from explorer.actions import analogy, bias, clusters, neighbors  # noqa: PLC0415

    panel = {"neighbors": "neighbors", "analogy": "analogy", "clusters": "clusters", "weat": "bias",
             "direction": "bias"}[what]
    saved = project.view.panel(panel)
    emb = project.embeddings
    if what == "neighbors" and saved.result is not None:
        return neighbors.saved_outcome(saved, emb.dim).table(emb)
    if what == "analogy" and saved.result is not None:
        return analogy.analogy_table(saved.result)
    if what == "clusters" and saved.result is not None:
        return clusters.ClustersOutcome(saved.result, saved.names or {}, "").table(emb)
    if what == "weat" and saved.weat is not None:
        return bias.weat_table(saved.weat)
    if what == "direction" and saved.direction is not None:
        return bias.DirectionOutcome(saved.direction, saved.direction_scores).table()
    raise ActionError(f"the project holds no {what} result: run it in the app's panel and save the project "
                      f"(the {what} command prints a result without storing it)")
