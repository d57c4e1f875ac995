"""Write result tables (coordinates, neighbours, analogies, clusters...) as CSV or JSON, atomically."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = ("csv", "json")


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def table_rows(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    lengths = {len(columns[name]) for name in names}
    if len(lengths) > 1:
        raise ValueError(f"columns differ in length: {sorted(lengths)}")
    count = lengths.pop() if lengths else 0
    lists = [np.asarray(columns[name]).tolist() for name in names]
    return [{name: _plain(values[i]) for name, values in zip(names, lists)} for i in range(count)]


def format_table(columns: Mapping[str, Sequence[Any]], fmt: str, meta: Mapping[str, Any] | None = None) -> str:
    """CSV (header + rows) or JSON ({...meta, "rows": [...]}) text for a column table."""
    rows = table_rows(columns)
    if fmt == "json":
        return json.dumps({**(meta or {}), "rows": rows}, indent=1, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}; choose csv or json")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    path = Path(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".saving", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_table(path: str | os.PathLike[str], columns: Mapping[str, Sequence[Any]], fmt: str | None = None,
                meta: Mapping[str, Any] | None = None) -> Path:
    """Write a table; the format follows the suffix (.csv / .json) unless given."""
    path = Path(path)
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"cannot tell the format of {path.name}: use .csv or .json")
    return write_text_atomic(path, format_table(columns, fmt, meta))


def coordinates_table(project, projection_name: str | None = None) -> tuple[dict[str, Sequence[Any]], dict]:
    """id, text, x, y and every metadata column, for one projection."""
    name = projection_name or project.view.projection
    if name not in project.projections:
        raise KeyError(f"no projection {name!r}; the project has {', '.join(project.projections) or 'none'}")
    projection = project.projections[name]
    emb = project.embeddings
    columns: dict[str, Sequence[Any]] = {"id": emb.ids, "text": emb.texts,
                                          "x": projection.coords[:, 0], "y": projection.coords[:, 1]}
    for column, values in emb.metadata.items():
        columns.setdefault(column, values)
    meta = {"projection": name, "method": projection.method, "params": projection.params}
    return columns, meta


def write_projector_tsv(project, folder: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The TensorFlow Embedding Projector's pair: vectors.tsv (no header) and metadata.tsv (a header
    row when there is more than one column, as the Projector expects)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    emb = project.embeddings
    vectors = "".join("\t".join(f"{v:.7g}" for v in row) + "\n" for row in emb.vectors.tolist())
    names = ["text", *emb.metadata]
    columns = [emb.texts, *emb.metadata.values()]

    def clean(value: Any) -> str:  # tabs and new lines would break the format
        return str(value).replace("\t", " ").replace("\n", " ").replace("\r", " ")

    lines = ["\t".join(names)] if len(names) > 1 else []
    lines += ["\t".join(clean(column[i]) for column in columns) for i in range(len(emb))]
    vectors_path = write_text_atomic(folder / "vectors.tsv", vectors)
    metadata_path = write_text_atomic(folder / "metadata.tsv", "\n".join(lines) + "\n")
    return vectors_path, metadata_path


# ------------------------------------------------------------------ result lists (UI and CLI alike)
Table = tuple[dict[str, Sequence[Any]], dict[str, Any]]


def items_table(project, rows: Sequence[int], **meta: Any) -> Table:
    """id, text and every metadata column of some items (a selection, a bookmark)."""
    emb = project.embeddings
    rows = list(rows)
    columns: dict[str, Sequence[Any]] = {"id": emb.ids[rows], "text": emb.texts[rows]}
    for column, values in emb.metadata.items():
        columns.setdefault(column, values[rows])
    return columns, {"items": len(rows), **meta}


def neighbors_table(result, emb, description: str = "") -> Table:
    indices = [int(i) for i in result.indices]
    return ({"rank": list(range(1, len(indices) + 1)), "id": emb.ids[indices], "text": emb.texts[indices],
             "score": result.scores},
            {"query": description, "metric": result.metric, "space": "original embedding space"})


def analogy_table(result) -> Table:
    return ({"rank": list(range(1, len(result.words) + 1)), "word": result.words, "score": result.scores},
            {"positive": result.positive, "negative": result.negative, "method": result.method,
             "inputs_excluded": bool(result.excluded)})


def clusters_table(result, names: Mapping[int, Any], emb) -> Table:
    labels = result.labels
    return ({"id": emb.ids, "text": emb.texts, "cluster": labels,
             "cluster_name": [names[c].name if c in names else "" for c in labels.tolist()]},
            {"method": result.method, "params": result.params, "silhouette": result.silhouette})


def weat_table(result) -> Table:
    rows = [(key, word, score) for key in ("X", "Y") for word, score in result.associations[key].items()]
    return ({"set": [result.names.get(k, k) for k, _, _ in rows], "word": [w for _, w, _ in rows],
             "association": [s for _, _, s in rows]},
            {"effect_size": result.effect_size, "p_value": result.p_value, "p_value_method": result.p_value_method,
             "partitions": result.partitions, "std": result.std, "missing": result.missing, "names": result.names})


def direction_table(direction, scores) -> Table:
    return ({"word": scores.words, "projection": scores.scores},
            {"pairs": [list(p) for p in direction.pairs], "missing": scores.missing + direction.missing})


SAVED_RESULTS = ("neighbors", "analogy", "clusters", "weat", "direction")


def saved_result_table(project, what: str, bookmark: str | None = None) -> Table:
    """A result the project keeps (the last one each panel showed), or a bookmark, as a table.
    KeyError with a message for the user when the project has none."""
    if what == "bookmark":
        if bookmark not in project.bookmarks:
            raise KeyError(f"no bookmark {bookmark!r}; the project has "
                           f"{', '.join(project.bookmarks) or 'none'}")
        return items_table(project, project.bookmarks[bookmark], bookmark=bookmark)
    panel = {"neighbors": "neighbors", "analogy": "analogy", "clusters": "clusters", "weat": "bias",
             "direction": "bias"}[what]
    saved = project.view.panel(panel)
    emb = project.embeddings
    if what == "neighbors" and saved.result is not None:
        return neighbors_table(saved.result, emb, saved.description)
    if what == "analogy" and saved.result is not None:
        return analogy_table(saved.result)
    if what == "clusters" and saved.result is not None:
        return clusters_table(saved.result, saved.names or {}, emb)
    if what == "weat" and saved.weat is not None:
        return weat_table(saved.weat)
    if what == "direction" and saved.direction is not None:
        return direction_table(saved.direction, saved.direction_scores)
    raise KeyError(f"the project holds no {what} result: run it in the app (or with its command) and save")
