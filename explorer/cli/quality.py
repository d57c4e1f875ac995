"""Data-quality and comparison commands: outliers, duplicates, label-issues, probe, compare. Each
builds a request, runs its action (explorer.actions.quality) with progress on stderr, and prints the
action's table (CSV, or JSON: the figures named in the issue beside the rows)."""

from __future__ import annotations

import argparse
import sys

from explorer.cli.common import emit_table, load
from explorer.cli.terminal import ProgressPrinter
from explorer.core.progress import run_to_end

COMMANDS = ("outliers", "duplicates", "label-issues", "probe", "compare", "embed", "sets")
# the commands that take --set NAME: work on that embedding set of the project (explorer.cli.common.load)
SET_COMMANDS = ("info", "project", "export", "neighbors", "analogy", "analogy-eval", "weat", "direction",
                "clusters", "index", "outliers", "duplicates", "label-issues", "probe")


def _whole(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return value

    return parse


def add_quality_commands(commands) -> None:
    """The parsers of the data-quality commands (CSV on stdout unless --format json or -o)."""
    formats = {"choices": ["csv", "json"], "help": "output format (default: the suffix of -o, else csv)"}

    out = commands.add_parser("outliers", help="rank the items by how unusual they are among their "
                                               "neighbours (local outlier factor, or kNN distance)")
    out.add_argument("project")
    out.add_argument("--method", choices=["lof", "knn"], default="lof",
                     help="lof: scikit-learn's local outlier factor; knn: mean distance to the k "
                          "nearest (default lof)")
    out.add_argument("-k", type=_whole(1), default=20, help="neighbours (default 20)")
    out.add_argument("--metric", choices=["cosine", "euclidean"], default="cosine")
    out.add_argument("--top", type=_whole(1), help="print only the N most unusual")
    out.add_argument("--format", **formats)
    out.add_argument("-o", "--output", help="file to write instead of stdout")

    dup = commands.add_parser("duplicates", help="groups of near-duplicate items: every pair whose "
                                                 "cosine is at least a threshold")
    dup.add_argument("project")
    dup.add_argument("--threshold", type=float, default=0.95, help="cosine (default 0.95)")
    dup.add_argument("--format", **formats)
    dup.add_argument("-o", "--output", help="file to write instead of stdout")

    lab = commands.add_parser("label-issues", help="items whose label looks wrong: out-of-fold "
                                                   "self-confidence of a logistic regression and the "
                                                   "labels of their neighbours")
    lab.add_argument("project")
    lab.add_argument("--label-column", required=True, metavar="C")
    lab.add_argument("-k", type=_whole(1), default=10, help="neighbours (default 10)")
    lab.add_argument("--folds", type=_whole(2), default=5, help="cross-validation folds (default 5)")
    lab.add_argument("--seed", type=int, default=0, help="seed of the fold split (default 0)")
    lab.add_argument("--top", type=_whole(1), help="print only the N most suspicious")
    lab.add_argument("--format", **formats)
    lab.add_argument("-o", "--output", help="file to write instead of stdout")

    pro = commands.add_parser("probe", help="linear probe: how well a logistic regression tells a "
                                            "column's classes apart from the vectors")
    pro.add_argument("project")
    pro.add_argument("--label-column", required=True, metavar="C")
    pro.add_argument("--folds", type=_whole(2), default=5, help="cross-validation folds (default 5)")
    pro.add_argument("--seed", type=int, default=0, help="seed of the fold split (default 0)")
    pro.add_argument("--format", **formats)
    pro.add_argument("-o", "--output", help="file to write instead of stdout")

    com = commands.add_parser("compare", help="do two embeddings of the same items agree on their "
                                              "neighbours? (Jaccard of the top k, linear CKA)")
    com.add_argument("project")
    com.add_argument("--a", default="vectors", metavar="SET",
                     help="'vectors' (the project's own, the default), the name of another matrix "
                          "the project keeps for its items, or another project file (.eexp)")
    com.add_argument("--b", required=True, metavar="SET",
                     help="the same choices: typically another project holding the same items "
                          "(matched by id), embedded with another model")
    com.add_argument("-k", type=_whole(1), default=10, help="neighbours (default 10)")
    com.add_argument("--top", type=_whole(1), help="print only the N items that disagree most")
    com.add_argument("--format", **formats)
    com.add_argument("-o", "--output", help="file to write instead of stdout")

    emb = commands.add_parser("embed", help="embed a text or word project's items again with another "
                                            "model, kept in the project as another set to compare")
    emb.add_argument("project")
    emb.add_argument("--model", required=True, help="a model id the importer accepts "
                                                    "(e.g. all-MiniLM-L6-v2@onnx-int8, a local folder)")
    emb.add_argument("--name", help="the set's name (default: the model id)")
    emb.add_argument("--device", help="torch device (default: a GPU if there is one)")
    emb.add_argument("--map", choices=["pca", "tsne", "umap", "none"], default="pca",
                     help="the new set's first map (default pca)")
    emb.add_argument("--activate", action="store_true", help="make the new set the active one")

    sets = commands.add_parser("sets", help="list a project's embedding sets (several models' vectors for "
                                            "the same items), or choose the active one")
    sets.add_argument("project")
    sets.add_argument("--activate", metavar="NAME", help="make NAME the active set and save the project")
    sets.add_argument("--format", **formats)
    sets.add_argument("-o", "--output", help="file to write instead of stdout")
    for name in SET_COMMANDS:
        commands.choices[name].add_argument(
            "--set", metavar="NAME", help="work on this embedding set of the project (default: the active "
                                          "one; see `explorer sets`)")


def cmd_outliers(args: argparse.Namespace) -> int:
    from explorer.actions.quality import OutliersRequest, outliers_job  # noqa: PLC0415

    project = load(args.project)
    emb = project.embeddings
    job = outliers_job(emb, OutliersRequest(args.method, args.k, args.metric), index=project.neighbor_index)
    outcome = run_to_end(job, ProgressPrinter())
    emit_table(outcome.table(emb, args.top), args.format, args.output, default="csv")
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    from explorer.actions.quality import DuplicatesRequest, duplicates_job  # noqa: PLC0415

    emb = load(args.project).embeddings
    outcome = run_to_end(duplicates_job(emb, DuplicatesRequest(args.threshold)), ProgressPrinter())
    table = outcome.table(emb)
    emit_table(table, args.format, args.output, default="csv")
    print(f"{table.meta['pairs']:,} pairs with cosine >= {args.threshold:g} in {table.meta['groups']:,} "
          f"groups", file=sys.stderr)
    return 0


def cmd_label_issues(args: argparse.Namespace) -> int:
    from explorer.actions.quality import LabelIssuesRequest, label_issues_job  # noqa: PLC0415

    project = load(args.project)
    emb = project.embeddings
    request = LabelIssuesRequest(args.label_column, args.k, args.folds, args.seed)
    outcome = run_to_end(label_issues_job(emb, request, index=project.neighbor_index), ProgressPrinter())
    emit_table(outcome.table(emb, args.top), args.format, args.output, default="csv")
    for note in outcome.result.notes:
        print(f"explorer: note: {note}", file=sys.stderr)
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from explorer.actions.quality import ProbeRequest, probe_job  # noqa: PLC0415

    emb = load(args.project).embeddings
    request = ProbeRequest(args.label_column, folds=args.folds, seed=args.seed)
    outcome = run_to_end(probe_job(emb, request), ProgressPrinter())
    emit_table(outcome.table(), args.format, args.output, default="csv")
    result = outcome.result
    print(f"accuracy {result.accuracy:.1%} over {result.folds} folds; majority baseline "
          f"{result.baseline:.1%}", file=sys.stderr)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from explorer.actions.quality import compare_sets_job  # noqa: PLC0415

    project = load(args.project)
    outcome = run_to_end(compare_sets_job(project, args.a, args.b, args.k), ProgressPrinter())
    emit_table(outcome.table(project.embeddings, args.top), args.format, args.output, default="csv")
    result = outcome.result
    print(f"mean Jaccard@{result.k} {result.mean_jaccard:.3f}; linear CKA {result.cka:.3f}",
          file=sys.stderr)
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    from explorer.actions.quality import EmbedAgainRequest, embed_again_job  # noqa: PLC0415
    from explorer.cli.common import save  # noqa: PLC0415

    project = load(args.project)
    request = EmbedAgainRequest(args.model, args.name, args.device,
                                map_method="" if args.map == "none" else args.map)
    outcome = run_to_end(embed_again_job(project, request), ProgressPrinter())
    outcome.apply(project)
    if args.activate:
        project.switch_set(outcome.name)
    save(project, args.project)
    name, matrix = outcome.name, outcome.vectors
    print(f"added the set {name!r} ({matrix.shape[0]:,} x {matrix.shape[1]}) to {args.project}; "
          f"compare it: explorer compare {args.project} --b {name!r}", file=sys.stderr)
    return 0


def cmd_sets(args: argparse.Namespace) -> int:
    from explorer.actions.sets import sets_table, switch_set  # noqa: PLC0415
    from explorer.cli.common import save  # noqa: PLC0415

    project = load(args.project)
    if args.activate:
        switch_set(project, args.activate)
        save(project, args.project)
        print(f"the active set of {args.project} is now {args.activate!r}", file=sys.stderr)
    emit_table(sets_table(project), args.format, args.output, default="csv")
    return 0


COMMAND_FUNCTIONS = {"embed": cmd_embed, "sets": cmd_sets, "outliers": cmd_outliers, "duplicates": cmd_duplicates,
                     "label-issues": cmd_label_issues, "probe": cmd_probe, "compare": cmd_compare}
