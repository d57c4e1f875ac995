"""Analysis commands: neighbours, analogies and their benchmark, WEAT/SEAT, directions, clusters.
Each builds a request, runs its action (explorer.actions) and prints the action's table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from explorer.actions import ActionError
from explorer.cli.common import emit, emit_table, load, table_format, words_of
from explorer.cli.terminal import ProgressPrinter
from explorer.core.progress import run_to_end


def cmd_neighbors(args: argparse.Namespace) -> int:
    from explorer.actions.neighbors import TEXT, NeighborsRequest, find_neighbors  # noqa: PLC0415

    project = load(args.project)
    request = NeighborsRequest(TEXT, args.query, k=args.k, metric=args.metric, device=args.device)
    outcome = run_to_end(find_neighbors(project, request))
    if outcome.search != "exact":
        print(f"search: {outcome.search}", file=sys.stderr)
    emit_table(outcome.table(project.embeddings), args.format, args.output, default="csv")
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    from explorer.actions.analogy import AnalogyRequest, analogy_table, solve_analogy  # noqa: PLC0415

    fmt = table_format(args.format, args.output)
    project = load(args.project)
    emb = words_of(project, args.project, "analogy")
    request = AnalogyRequest(tuple(args.positive), tuple(args.negative or ()), args.method, args.k,
                             args.include_inputs)
    emit_table(analogy_table(solve_analogy(emb, request)), fmt, args.output)
    return 0


def cmd_analogy_eval(args: argparse.Namespace) -> int:
    from explorer.actions.analogy import EvaluationRequest, evaluate_job, evaluation_table  # noqa: PLC0415

    fmt = table_format(args.format, args.output)
    project = load(args.project)
    emb = words_of(project, args.project, "analogy-eval")
    request = EvaluationRequest(Path(args.questions), args.restrict, not args.case_sensitive)
    result = run_to_end(evaluate_job(emb, request), ProgressPrinter())
    emit_table(evaluation_table(result, len(emb), request.case_insensitive), fmt, args.output)
    total = result.total
    answered = total.n_correct + total.n_incorrect
    print(f"accuracy {result.accuracy:.1%} ({total.n_correct:,} of {answered:,} answered); "
          f"{result.oov_skipped:,} of {result.questions:,} questions skipped for words outside the "
          f"first {min(result.restrict, len(emb)):,}", file=sys.stderr)
    return 0


def read_word_list(path: str) -> list[str]:
    """Words from a file: one per line or comma-separated; blank lines and spaces ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ActionError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise ActionError(f"{path} is not UTF-8 text") from None
    except OSError as err:
        raise ActionError(f"cannot read {path}: {err.strerror or err}") from None
    words = [word.strip() for line in text.splitlines() for word in line.split(",")]
    words = [word for word in words if word]
    if not words:
        raise ActionError(f"{path} holds no words")
    return words


def _list_presets(fmt: str | None) -> int:
    from explorer.core.bias import weat_presets  # noqa: PLC0415

    presets = weat_presets()
    if fmt == "json":
        data = [{"id": p.id, "name": p.name, "description": p.description,
                 "sets": {key: {"name": p.set_names[key], "words": words}
                          for key, words in zip("XYAB", p.sets)}} for p in presets]
        print(json.dumps(data, indent=1, ensure_ascii=False))
    else:
        for p in presets:
            print(f"{p.id:<7} {p.name}")
    return 0


def cmd_weat(args: argparse.Namespace) -> int:
    from explorer.actions.bias import WeatRequest, find_preset, weat_job  # noqa: PLC0415

    if args.list_presets:
        return _list_presets(args.format)
    if not args.project:
        raise ActionError("weat needs a PROJECT (or --list-presets)")
    if args.preset and args.attributes:
        raise ActionError("--attributes goes with --targets, not with --preset")
    options = {"permutations": args.permutations, "seed": args.seed, "std": args.std,
               "lowercase_fallback": args.lowercase_fallback, "seat": args.seat}
    if args.preset:
        request = WeatRequest.from_preset(find_preset(args.preset), **options)
    elif args.targets and args.attributes:
        files = [*args.targets, *args.attributes]
        sets = tuple(tuple(read_word_list(path)) for path in files)
        names = {key: Path(path).stem for key, path in zip("XYAB", files)}
        request = WeatRequest(sets, names, **options)
    else:
        raise ActionError("give --preset NAME, or --targets X.txt Y.txt with --attributes A.txt B.txt")
    fmt = args.format if args.format == "text" else table_format(args.format, args.output)
    project = load(args.project)
    emb = project.embeddings if args.seat else words_of(project, args.project, "weat")
    outcome = run_to_end(weat_job(emb, request), ProgressPrinter() if args.seat else None)
    if fmt != "text":
        emit_table(outcome.table(), fmt, args.output)
        return 0
    result, names = outcome.result, outcome.result.names
    how = (f"exact, all {result.partitions:,} partitions" if result.p_value_method == "exact"
           else f"sampled, {result.partitions:,} partitions, seed {args.seed}")
    lines = [outcome.table().meta["name"],
             f"  effect size  {result.effect_size:.4f} (std: {result.std})",
             f"  statistic    {result.statistic:.4f}",
             f"  p-value      {result.p_value:.4g} ({how})"]
    for key in "XYAB":
        missing = result.missing[key]
        lines.append(f"  {key} {names[key]}: {len(result.words[key])} words"
                     + (f"; missing {', '.join(missing)}" if missing else ""))
    emit("\n".join(lines) + "\n", args.output)
    return 0


def cmd_direction(args: argparse.Namespace) -> int:
    from explorer.actions.bias import DirectionRequest, parse_pairs, rank_along_direction  # noqa: PLC0415

    fmt = table_format(args.format, args.output)
    pairs = parse_pairs(" , ".join(args.pairs))
    if not pairs:
        raise ActionError("give --pairs such as she-he woman-man")
    words = [w for chunk in args.words for w in chunk.replace(",", " ").split()]
    project = load(args.project)
    emb = words_of(project, args.project, "direction")
    outcome = rank_along_direction(emb, DirectionRequest(tuple(pairs), tuple(words), args.method))
    emit_table(outcome.table(), fmt, args.output)
    return 0


def cmd_clusters(args: argparse.Namespace) -> int:
    from explorer.actions.clusters import ClustersRequest, clusters_job  # noqa: PLC0415

    fmt = table_format(args.format, args.output)
    project = load(args.project)
    emb = project.embeddings
    request = ClustersRequest(args.method, dict(args.param or []), args.label_column)
    outcome = run_to_end(clusters_job(emb, request), ProgressPrinter())
    emit_table(outcome.table(emb), fmt, args.output)
    result = outcome.result
    silhouette = "n/a" if result.silhouette is None else f"{result.silhouette:.3f}"
    noise = f", {result.n_noise:,} noise points" if result.n_noise else ""
    print(f"{result.n_clusters} clusters{noise}; silhouette (cosine) {silhouette}", file=sys.stderr)
    return 0
