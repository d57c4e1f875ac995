"""Headless commands: the main operations of the window, for scripts and terminals.

Each ``cmd_*`` takes parsed arguments, prints results on stdout (machine-readable where a format is
asked for), progress on stderr, and raises CommandError for a one-line failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from explorer.core.progress import run_to_end
from explorer.terminal import ProgressPrinter


class CommandError(Exception):
    """A failure to report as one line on stderr."""


def load(path: str):
    from explorer.io.project_file import ProjectFileError, load_project  # noqa: PLC0415

    try:
        return load_project(path)
    except ProjectFileError as err:
        raise CommandError(str(err)) from None


def save(project, path: str) -> None:
    from explorer.io.project_file import ProjectFileError, save_project  # noqa: PLC0415

    try:
        save_project(project, path)
    except ProjectFileError as err:
        raise CommandError(str(err)) from None


def parse_param(text: str) -> tuple[str, Any]:
    """NAME=VALUE with VALUE read as JSON when it can be (numbers, lists), else as a string;
    a comma list of integers (components=0,2) becomes a list."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"parameter must look like NAME=VALUE, not {text!r}")
    name, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        parts = raw.split(",")
        if len(parts) > 1 and all(p.strip().lstrip("-").isdigit() for p in parts):
            value = [int(p) for p in parts]
        else:
            value = raw
    return name.strip(), value


def emit(text: str, output: str | None) -> None:
    """Print a result, or write it atomically to ``output``."""
    if output:
        from explorer.io.exporters import write_text_atomic  # noqa: PLC0415

        try:
            write_text_atomic(output, text)
        except OSError as err:
            raise CommandError(f"cannot write {output}: {err.strerror or err}") from None
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


# ---------------------------------------------------------------------------------------- info


def cmd_info(args: argparse.Namespace) -> int:
    project = load(args.project)
    summary = project.summary()
    if args.format == "json":
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{Path(args.project).name}: {summary['title'] or '(untitled)'}")
    print(f"  items       {summary['items']:,}")
    print(f"  dimensions  {summary['dimensions']}")
    print(f"  modality    {summary['modality']}")
    print(f"  model       {summary['model'] or 'unknown'}")
    print(f"  columns     {', '.join(summary['columns']) or '(none)'}")
    print(f"  colour by   {summary['color_by'] or '(none)'}")
    print("  projections")
    for name, spec in summary["projections"].items():
        params = ", ".join(f"{k}={v}" for k, v in spec["params"].items())
        current = "  (shown)" if name == project.view.projection else ""
        print(f"    {name:<12} {spec['method']:<6} {params}{current}")
    return 0


# ---------------------------------------------------------------------------------------- project


def cmd_project(args: argparse.Namespace) -> int:
    from explorer.core.projections import project as compute  # noqa: PLC0415

    project = load(args.project)
    params = dict(args.param or [])
    if args.seed is not None:
        params["seed"] = args.seed
    name = args.name or {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}[args.method]
    try:
        job = compute(project.embeddings.vectors, args.method, name=name, **params)
        projection = run_to_end(job, ProgressPrinter())
    except ValueError as err:
        raise CommandError(str(err)) from None
    project.add_projection(projection)
    project.view.projection = projection.name
    save(project, args.project)
    print(f"stored projection {projection.name!r} ({projection.method}) in {args.project}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace) -> int:
    from explorer.io.exporters import coordinates_table, format_table  # noqa: PLC0415

    project = load(args.project)
    if args.what == "image":
        return export_image(project, args)
    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "csv")
    if fmt not in ("csv", "json"):
        raise CommandError(f"cannot tell the format of {args.output}: use .csv or .json, or --format")
    if args.what == "coords":
        try:
            columns, meta = coordinates_table(project, args.projection)
        except KeyError as err:
            raise CommandError(err.args[0]) from None
    else:  # selection
        emb = project.embeddings
        rows = project.view.selected
        columns = {"id": emb.ids[rows], "text": emb.texts[rows]}
        for column, values in emb.metadata.items():
            columns.setdefault(column, values[rows])
        meta = {"selection": len(rows)}
    emit(format_table(columns, fmt, meta), args.output)
    return 0


# ---------------------------------------------------------------------------------------- neighbours


def cmd_neighbors(args: argparse.Namespace) -> int:
    from explorer.core.neighbors import nearest  # noqa: PLC0415
    from explorer.embedders.base import EmbedderError  # noqa: PLC0415
    from explorer.embedders.query import query_vector  # noqa: PLC0415
    from explorer.io.exporters import format_table  # noqa: PLC0415

    project = load(args.project)
    emb = project.embeddings
    try:
        query = run_to_end(query_vector(emb, args.query, args.device))
        result = nearest(emb.vectors, query.vector, k=args.k, metric=args.metric,
                         exclude=[query.item] if query.item is not None else None)
    except (EmbedderError, ValueError) as err:
        raise CommandError(str(err)) from None
    columns = {"rank": list(range(1, len(result.indices) + 1)), "id": emb.ids[result.indices],
               "text": emb.texts[result.indices], args.metric: result.scores}
    meta = {"query": args.query, "resolved_as": query.description, "metric": args.metric,
            "space": f"original {emb.dim}-d embedding space", "k": args.k}
    emit(format_table(columns, args.format, meta), args.output)
    return 0


def export_image(project, args: argparse.Namespace) -> int:
    import os  # noqa: PLC0415

    if not args.output:
        raise CommandError("export image needs -o FILE.png or FILE.svg")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from explorer.app import make_app  # noqa: PLC0415

    make_app()
    from explorer.ui.map_export import render_map  # noqa: PLC0415

    if args.projection:
        if args.projection not in project.projections:
            raise CommandError(f"no projection {args.projection!r}")
        project.view.projection = args.projection
    try:
        render_map(project, args.output, args.size)
    except (ValueError, OSError) as err:
        raise CommandError(str(err)) from None
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------- import


def cmd_import(args: argparse.Namespace) -> int:
    from explorer.io.importer import ImportOptions, import_job  # noqa: PLC0415
    from explorer.io.readers import ReadError  # noqa: PLC0415

    output = Path(args.output)
    if output.suffix != ".eexp":
        raise CommandError(f"the project file must end in .eexp, not {output.name}")
    if not output.parent.exists():
        raise CommandError(f"folder {output.parent} does not exist")
    reuse = load(str(output)) if args.reuse and output.exists() else None
    options = ImportOptions(
        source=args.data, kind=args.kind, model=args.model, text_column=args.text_column,
        label_column=args.label_column, image_column=args.image_column, metadata=args.metadata,
        limit=args.limit, sample_seed=args.sample_seed, dedupe=args.dedupe, device=args.device,
        first_map=args.map, title=args.title or "")
    try:
        result = run_to_end(import_job(options, reuse), ProgressPrinter())
    except (ReadError, ValueError, RuntimeError) as err:
        raise CommandError(str(err)) from None
    save(result.project, str(output))
    emb = result.project.embeddings
    print(result.report.summary(), file=sys.stderr)
    reused = f", {result.reused:,} reused from the existing project" if result.reused else ""
    print(f"wrote {output}: {len(emb):,} items x {emb.dim} ({emb.model_id}; {result.embedded:,} embedded"
          f"{reused}) in {result.seconds:.1f} s", file=sys.stderr)
    return 0
