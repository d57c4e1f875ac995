"""Headless commands: the main operations of the window, for scripts and terminals.

Each ``cmd_*`` takes parsed arguments, prints results on stdout (machine-readable where a format is
asked for), progress on stderr, and raises CommandError for a one-line failure.
"""

from __future__ import annotations

import argparse
import json
import math
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


def emit_table(columns, fmt: str, meta: dict, output: str | None, project=None, with_vectors: bool = False) -> None:
    """A result table as CSV / JSON (stdout or ``output``), or as Parquet into ``output``, with the
    items' vectors as a column when asked (explorer.io.exporters.write_parquet_table)."""
    from explorer.io.exporters import format_table, write_parquet_table  # noqa: PLC0415

    if fmt != "parquet":
        if with_vectors:
            raise CommandError("--with-vectors needs --format parquet")
        emit(format_table(columns, fmt, meta), output)
        return
    if not output:
        raise CommandError("Parquet is written to a file: give -o FILE.parquet")
    try:
        write_parquet_table(output, columns, meta, project.embeddings if with_vectors else None)
    except (KeyError, ValueError) as err:
        raise CommandError(str(err.args[0] if err.args else err)) from None
    except OSError as err:
        raise CommandError(f"cannot write {output}: {err.strerror or err}") from None
    print(f"wrote {output}", file=sys.stderr)


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
    from explorer.io.exporters import (  # noqa: PLC0415
        coordinates_table,
        items_table,
        saved_result_table,
    )

    project = load(args.project)
    if args.what == "image":
        return export_image(project, args)
    if args.what == "projector":
        from explorer.io.exporters import write_projector_tsv  # noqa: PLC0415

        if not args.output:
            raise CommandError("export projector needs -o FOLDER (vectors.tsv and metadata.tsv go there)")
        vectors, metadata = write_projector_tsv(project, args.output)
        print(f"wrote {vectors} and {metadata}", file=sys.stderr)
        return 0
    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "csv")
    if fmt not in ("csv", "json", "parquet"):
        raise CommandError(f"cannot tell the format of {args.output}: use .csv, .json or .parquet, or --format")
    if args.what == "coords":
        try:
            columns, meta = coordinates_table(project, args.projection)
        except KeyError as err:
            raise CommandError(err.args[0]) from None
    elif args.what == "selection":
        columns, meta = items_table(project, project.view.selected, selection=len(project.view.selected))
    else:  # a bookmark, or a panel's result as the project saved it
        try:
            columns, meta = saved_result_table(project, args.what, getattr(args, "bookmark", None))
        except KeyError as err:
            raise CommandError(err.args[0]) from None
    emit_table(columns, fmt, meta, args.output, project, args.with_vectors)
    return 0


# ---------------------------------------------------------------------------------------- neighbours


def cmd_neighbors(args: argparse.Namespace) -> int:
    from explorer.core.ann_index import describe_search, nearest_auto  # noqa: PLC0415
    from explorer.core.neighbors import nearest  # noqa: PLC0415
    from explorer.embedders.base import EmbedderError  # noqa: PLC0415
    from explorer.embedders.query import query_vector, search_space  # noqa: PLC0415

    project = load(args.project)
    emb = project.embeddings
    how = describe_search(project.neighbor_index, emb.vectors, args.metric)
    try:
        query = run_to_end(query_vector(emb, args.query, args.device))
        exclude = [query.item] if query.item is not None else None
        if query.space is None:
            result = nearest_auto(emb.vectors, query.vector, k=args.k, metric=args.metric, exclude=exclude,
                                  index=project.neighbor_index)
            space = f"original {emb.dim}-d embedding space"
        else:  # typed text over images: their ConSE vectors in the text model's space
            result = nearest(search_space(emb, query), query.vector, k=args.k, metric=args.metric, exclude=exclude)
            how = "exact"
            space = (f"{query.space}: images placed in {query.space.split('/', 1)[-1]}'s text space through "
                     "ImageNet classes (ConSE approximation)")
    except (EmbedderError, ValueError) as err:
        raise CommandError(str(err)) from None
    columns = {"rank": list(range(1, len(result.indices) + 1)), "id": emb.ids[result.indices],
               "text": emb.texts[result.indices], args.metric: result.scores}
    meta = {"query": args.query, "resolved_as": query.description, "metric": args.metric,
            "space": space, "k": args.k, "search": how}
    if how != "exact":
        print(f"search: {how}", file=sys.stderr)
    emit_table(columns, args.format, meta, args.output, project, args.with_vectors)
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    """Build an approximate neighbour index for one metric and store it in the project."""
    from explorer.core.ann_index import build_index_job, should_use_index  # noqa: PLC0415

    project = load(args.project)
    emb = project.embeddings
    try:
        index = run_to_end(build_index_job(emb.vectors, args.metric), ProgressPrinter())
    except ValueError as err:
        raise CommandError(str(err)) from None
    project.neighbor_index = index
    save(project, args.project)
    print(f"stored a neighbour index for {args.metric} over {len(emb):,} x {emb.dim} in {args.project}: "
          f"{index.describe()}, {index.nlist:,} lists, {index.nprobe} scanned per query, built in "
          f"{index.info.get('build_seconds', 0):.1f} s", file=sys.stderr)
    if not should_use_index(len(emb), emb.dim):
        print("note: exact search is already fast at this size; the index is used anyway", file=sys.stderr)
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
    from explorer.io.importer import ImportOptions, detect, import_job  # noqa: PLC0415
    from explorer.io.readers import ReadError  # noqa: PLC0415

    output = Path(args.output)
    if output.suffix != ".eexp":
        raise CommandError(f"the project file must end in .eexp, not {output.name}")
    if not output.parent.exists():
        raise CommandError(f"folder {output.parent} does not exist")
    reuse = load(str(output)) if args.reuse and output.exists() else None
    options = ImportOptions(
        source=args.data, kind=args.kind, model=args.model, text_column=args.text_column,
        label_column=args.label_column, image_column=args.image_column, vector_column=args.vector_column,
        metadata=args.metadata,
        limit=args.limit, sample_seed=args.sample_seed, dedupe=args.dedupe, device=args.device,
        first_map=args.map, title=args.title or "", allow_download=args.allow_download)
    try:
        if args.kind is None:
            print(f"{Path(args.data).name}: {detect(args.data, args.image_column, args.vector_column)}",
                  file=sys.stderr)
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


# ---------------------------------------------------------------------------------------- analogies


def _words_of(project, path: str, command: str):
    """The project's embeddings, warning on stderr when its item texts are not single words."""
    emb = project.embeddings
    if emb.modality != "word":
        print(f"explorer: warning: {Path(path).name} is a {emb.modality} project, not a word project; "
              f"{command} treats its item texts as the words", file=sys.stderr)
    return emb


def _table_format(fmt: str | None, output: str | None) -> str:
    """The asked format, else the output file's suffix, else JSON."""
    fmt = fmt or (Path(output).suffix.lstrip(".").lower() if output else "json")
    if fmt not in ("csv", "json", "parquet"):
        raise CommandError(f"cannot tell the format of {output}: use .csv, .json or .parquet, or --format")
    return fmt


def cmd_analogy(args: argparse.Namespace) -> int:
    from explorer.core.analogy import UnknownWordsError, analogy  # noqa: PLC0415

    fmt = _table_format(args.format, args.output)
    project = load(args.project)
    emb = _words_of(project, args.project, "analogy")
    negative = args.negative or []
    try:
        result = analogy(emb, args.positive, negative, k=args.k, method=args.method,
                         exclude_inputs=not args.include_inputs)
    except UnknownWordsError as err:
        raise CommandError(f"not in the vocabulary of {emb.model_id or Path(args.project).name}: "
                           f"{', '.join(repr(w) for w in err.words)}") from None
    except ValueError as err:
        raise CommandError(str(err)) from None
    columns = {"rank": list(range(1, len(result.words) + 1)), "word": result.words,
               "score": result.scores.astype(float)}
    meta = {"positive": result.positive, "negative": result.negative, "method": result.method,
            "score": "cosine" if result.method == "3cosadd" else "3CosMul ratio",
            "inputs_excluded": not args.include_inputs, "k": args.k}
    emit_table(columns, fmt, meta, args.output)
    return 0


def cmd_analogy_eval(args: argparse.Namespace) -> int:
    from explorer.core.analogy import evaluate_analogies_job  # noqa: PLC0415
    from explorer.io.exporters import format_table  # noqa: PLC0415

    fmt = _table_format(args.format, args.output)
    questions = Path(args.questions)
    if not questions.is_file():
        raise CommandError(f"{questions} does not exist" if not questions.exists()
                           else f"{questions} is not a file")
    project = load(args.project)
    emb = _words_of(project, args.project, "analogy-eval")
    job = evaluate_analogies_job(emb.texts.tolist(), emb.vectors, questions, restrict=args.restrict,
                                 case_insensitive=not args.case_sensitive)
    try:
        result = run_to_end(job, ProgressPrinter())
    except ValueError as err:  # a missing section header, or a file that is not UTF-8
        raise CommandError(f"{questions.name}: {err}") from None
    except OSError as err:
        raise CommandError(f"cannot read {questions}: {err.strerror or err}") from None
    sections = result.sections[:-1]
    total = result.total
    columns = {"section": [s.name for s in result.sections],
               "accuracy": [s.accuracy for s in result.sections],
               "correct": [s.n_correct for s in result.sections],
               "incorrect": [s.n_incorrect for s in result.sections]}
    if fmt == "json":
        data = {"accuracy": result.accuracy, "correct": total.n_correct, "incorrect": total.n_incorrect,
                "skipped_unknown": result.oov_skipped, "questions": result.questions,
                "restrict": min(result.restrict, len(emb)), "case_insensitive": not args.case_sensitive,
                "method": "3cosadd",
                "sections": [{"section": s.name, "accuracy": s.accuracy, "correct": s.n_correct,
                              "incorrect": s.n_incorrect} for s in sections]}
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    elif fmt == "parquet":
        emit_table(columns, fmt, {"accuracy": result.accuracy, "questions": result.questions}, args.output)
        text = None
    else:
        text = format_table(columns, "csv")
    if text is not None:
        emit(text, args.output)
    answered = total.n_correct + total.n_incorrect
    print(f"accuracy {result.accuracy:.1%} ({total.n_correct:,} of {answered:,} answered); "
          f"{result.oov_skipped:,} of {result.questions:,} questions skipped for words outside the "
          f"first {min(result.restrict, len(emb)):,}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------- WEAT


def read_word_list(path: str) -> list[str]:
    """Words from a file: one per line or comma-separated; blank lines and spaces ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text") from None
    except OSError as err:
        raise CommandError(f"cannot read {path}: {err.strerror or err}") from None
    words = [word.strip() for line in text.splitlines() for word in line.split(",")]
    words = [word for word in words if word]
    if not words:
        raise CommandError(f"{path} holds no words")
    return words


def _find_preset(name: str):
    from explorer.core.bias import weat_presets  # noqa: PLC0415

    presets = weat_presets()
    wanted = name.strip().lower()
    for preset in presets:
        number = preset.id.lower().removeprefix("weat")
        if wanted in (preset.id.lower(), preset.name.lower(), number, f"weat {number}"):
            return preset
    raise CommandError(f"unknown WEAT preset {name!r}; choose one of "
                       f"{', '.join(p.id for p in presets)} (explorer weat --list-presets)")


def _finite(value: float) -> float | None:
    """JSON has no NaN: an undefined effect size (all associations equal) becomes null."""
    return value if math.isfinite(value) else None


def cmd_weat(args: argparse.Namespace) -> int:
    from explorer.core.bias import LostVocabularyError, weat, weat_presets  # noqa: PLC0415

    if args.list_presets:
        presets = weat_presets()
        if args.format == "json":
            data = [{"id": p.id, "name": p.name, "description": p.description,
                     "sets": {key: {"name": p.set_names[key], "words": words}
                              for key, words in zip("XYAB", p.sets)}} for p in presets]
            print(json.dumps(data, indent=1, ensure_ascii=False))
        else:
            for p in presets:
                print(f"{p.id:<7} {p.name}")
        return 0
    if not args.project:
        raise CommandError("weat needs a PROJECT (or --list-presets)")
    if args.preset and args.attributes:
        raise CommandError("--attributes goes with --targets, not with --preset")
    if args.preset:
        preset = _find_preset(args.preset)
        sets, names, test = preset.sets, preset.set_names, {"preset": preset.id, "name": preset.name}
    elif args.targets and args.attributes:
        files = [*args.targets, *args.attributes]
        sets = tuple(read_word_list(path) for path in files)
        names = {key: Path(path).stem for key, path in zip("XYAB", files)}
        test = {"preset": None, "name": "{X} vs {Y}, {A} vs {B}".format(**names)}
    else:
        raise CommandError("give --preset NAME, or --targets X.txt Y.txt with --attributes A.txt B.txt")
    project = load(args.project)
    if args.seat:
        from explorer.embedders.query import embedder_for  # noqa: PLC0415
        from explorer.embedders.seat import seat_lookup  # noqa: PLC0415

        try:
            embedder = embedder_for(project.embeddings.model_id)
            emb = run_to_end(seat_lookup(embedder, [w for words in sets for w in words]), ProgressPrinter())
        except Exception as err:  # noqa: BLE001 - a model that cannot load is one line
            raise CommandError(f"cannot embed the templates with {project.embeddings.model_id}: {err}") from None
    else:
        emb = _words_of(project, args.project, "weat")
    try:
        result = weat(*sets, emb, permutations=args.permutations, seed=args.seed, std=args.std,
                      lowercase_fallback=args.lowercase_fallback, names=names)
    except LostVocabularyError as err:
        lost = "; ".join(f"{key} ({names[key]}) lost {fraction:.0%}: {', '.join(words)}"
                         for key, (fraction, words) in err.lost.items())
        capitals = any(w != w.lower() for _, words in err.lost.values() for w in words)
        hint = ("; --lowercase-fallback tries them lower-cased"
                if capitals and not args.lowercase_fallback else "")
        raise CommandError(f"too many words are not in the vocabulary: {lost} (at most "
                           f"{err.threshold:.0%} of a set may be missing{hint})") from None
    except ValueError as err:
        raise CommandError(str(err)) from None
    data = {
        **test,
        "effect_size": _finite(result.effect_size),
        "statistic": result.statistic,
        "p_value": result.p_value,
        "p_value_method": result.p_value_method,
        "partitions": result.partitions,
        "permutations": args.permutations,
        "seed": args.seed,
        "std": result.std,
        "lowercase_fallback": args.lowercase_fallback,
        "sets": {key: {"name": names[key], "words": result.words[key], "missing": result.missing[key]}
                 for key in "XYAB"},
        "associations": result.associations,
    }
    if args.format == "text":
        how = (f"exact, all {result.partitions:,} partitions" if result.p_value_method == "exact"
               else f"sampled, {result.partitions:,} partitions, seed {args.seed}")
        print(f"{test['name']}")
        print(f"  effect size  {result.effect_size:.4f} (std: {result.std})")
        print(f"  statistic    {result.statistic:.4f}")
        print(f"  p-value      {result.p_value:.4g} ({how})")
        for key in "XYAB":
            missing = result.missing[key]
            print(f"  {key} {names[key]}: {len(result.words[key])} words"
                  + (f"; missing {', '.join(missing)}" if missing else ""))
    else:
        print(json.dumps(data, indent=1, ensure_ascii=False))
    return 0


# ---------------------------------------------------------------------------------------- clusters


def cmd_clusters(args: argparse.Namespace) -> int:
    from explorer.core.clusters import NOISE, cluster, cluster_labels  # noqa: PLC0415

    fmt = _table_format(args.format, args.output)
    project = load(args.project)
    emb = project.embeddings
    if args.label_column and args.label_column not in emb.metadata:
        raise CommandError(f"no column {args.label_column!r}; the project has "
                           f"{', '.join(emb.metadata) or 'none'}")
    try:
        job = cluster(emb.vectors, args.method, **dict(args.param or []))
        result = run_to_end(job, ProgressPrinter())
    except (ValueError, TypeError) as err:
        raise CommandError(str(err)) from None
    if args.label_column:
        names = cluster_labels(result.labels, column=emb.metadata[args.label_column])
        named_by = f"majority of column {args.label_column!r}"
    elif emb.modality == "word":
        names = cluster_labels(result.labels, vectors=emb.vectors, words=emb.texts)
        named_by = "words nearest the centroid"
    else:
        names = cluster_labels(result.labels, texts=emb.texts)
        named_by = "c-TF-IDF"
    columns = {"id": emb.ids, "text": emb.texts, "cluster": result.labels}
    clusters = [{"cluster": c, "size": result.sizes[c], "noise": c == NOISE, "name": label.name,
                 "terms": [[term, score] for term, score in label.terms]}
                for c, label in sorted(names.items())]
    meta = {"method": result.method, "params": result.params, "n_clusters": result.n_clusters,
            "n_noise": result.n_noise, "silhouette": result.silhouette, "labels": named_by,
            "clusters": clusters}
    emit_table(columns, fmt, meta, args.output, project, args.with_vectors)
    silhouette = "n/a" if result.silhouette is None else f"{result.silhouette:.3f}"
    noise = f", {result.n_noise:,} noise points" if result.n_noise else ""
    print(f"{result.n_clusters} clusters{noise}; silhouette (cosine) {silhouette}", file=sys.stderr)
    return 0
