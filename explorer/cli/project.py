"""Commands on whole projects: info, import, project (a map), index, export."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from explorer.actions import ActionError
from explorer.cli.common import emit_table, load, save
from explorer.cli.terminal import ProgressPrinter
from explorer.core.progress import run_to_end


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


def cmd_project(args: argparse.Namespace) -> int:
    from explorer.actions.projections import ProjectionRequest, projection_job  # noqa: PLC0415

    project = load(args.project)
    params = dict(args.param or [])
    if args.seed is not None:
        params["seed"] = args.seed
    request = ProjectionRequest(args.method, params, args.name)
    projection = run_to_end(projection_job(project.embeddings, request), ProgressPrinter())
    project.add_projection(projection)
    project.view.projection = projection.name
    save(project, args.project)
    print(f"stored projection {projection.name!r} ({projection.method}) in {args.project}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from explorer.actions import tables  # noqa: PLC0415

    project = load(args.project)
    if args.what == "image":  # drawn by the window's code: explorer.__main__ sends it to explorer.ui
        raise ActionError("export image runs in the window's process (explorer export ... image)")
    if args.what == "projector":
        from explorer.io.exporters import write_projector_tsv  # noqa: PLC0415

        if not args.output:
            raise ActionError("export projector needs -o FOLDER (vectors.tsv and metadata.tsv go there)")
        vectors, metadata = write_projector_tsv(project, args.output)
        print(f"wrote {vectors} and {metadata}", file=sys.stderr)
        return 0
    if args.what == "coords":
        table = tables.coordinates_table(project, args.projection)
    elif args.what == "selection":
        table = tables.selection_table(project, project.view.selected)
    elif args.what == "bookmark":
        table = tables.bookmark_table(project, args.bookmark)
    else:  # a panel's result as the project saved it
        table = tables.saved_result_table(project, args.what)
    emit_table(table, args.format, args.output, default="csv")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    """Build an approximate neighbour index for one metric and store it in the project."""
    from explorer.actions.neighbors import IndexRequest, build_index  # noqa: PLC0415
    from explorer.core.ann_index import should_use_index  # noqa: PLC0415

    project = load(args.project)
    emb = project.embeddings
    index = run_to_end(build_index(project, IndexRequest(args.metric)), ProgressPrinter())
    project.neighbor_index = index
    save(project, args.project)
    print(f"stored a neighbour index for {args.metric} over {len(emb):,} x {emb.dim} in {args.project}: "
          f"{index.describe()}, {index.nlist:,} lists, {index.nprobe} scanned per query, built in "
          f"{index.info.get('build_seconds', 0):.1f} s", file=sys.stderr)
    if not should_use_index(len(emb), emb.dim):
        print("note: exact search is already fast at this size; the index is used anyway", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from explorer.actions.files import import_job  # noqa: PLC0415
    from explorer.actions.importer import ImportOptions  # noqa: PLC0415

    output = Path(args.output)
    if output.suffix != ".eexp":
        raise ActionError(f"the project file must end in .eexp, not {output.name}")
    if not output.parent.exists():
        raise ActionError(f"folder {output.parent} does not exist")
    reuse = load(str(output)) if args.reuse and output.exists() else None
    options = ImportOptions(
        source=args.data, kind=args.kind, model=args.model, text_column=args.text_column,
        label_column=args.label_column, image_column=args.image_column, metadata=args.metadata,
        limit=args.limit, sample_seed=args.sample_seed, dedupe=args.dedupe, device=args.device,
        first_map=args.map, title=args.title or "")
    result = run_to_end(import_job(options, reuse), ProgressPrinter())
    save(result.project, str(output))
    emb = result.project.embeddings
    print(result.report.summary(), file=sys.stderr)
    reused = f", {result.reused:,} reused from the existing project" if result.reused else ""
    print(f"wrote {output}: {len(emb):,} items x {emb.dim} ({emb.model_id}; {result.embedded:,} embedded"
          f"{reused}) in {result.seconds:.1f} s", file=sys.stderr)
    return 0
