"""The command line's arguments: one parser for the window's commands (gui, screenshot) and the
headless ones. Parsing only; explorer.__main__ dispatches."""

from __future__ import annotations

import argparse
import json
from typing import Any

from explorer import __version__
from explorer.cli.quality import COMMANDS as QUALITY_COMMANDS
from explorer.cli.quality import add_quality_commands
from explorer.embedders.base import DEFAULT_IMAGE_MODEL, DEFAULT_TEXT_MODEL
from explorer.io import formats

#: Commands that need the window (explorer.ui); the rest run headless in explorer.cli.
WINDOW_COMMANDS = ("gui", "screenshot")
HEADLESS_COMMANDS = ("import", "info", "project", "export", "neighbors", "neighbours", "analogy",
                     "analogy-eval", "weat", "direction", "clusters", "index")
HEADLESS_COMMANDS += QUALITY_COMMANDS


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse a command line; no command, or a project path first, means ``gui``."""
    parser = build_parser()
    known = {*WINDOW_COMMANDS, *HEADLESS_COMMANDS}
    if not argv or (argv[0] not in known and not argv[0].startswith("-")):
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui"])
    return args


def needs_window(args: argparse.Namespace) -> bool:
    """Whether the parsed command runs in explorer.ui: the window, a screenshot, the map image."""
    return args.command in WINDOW_COMMANDS or (args.command == "export" and args.what == "image")


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


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1400x900, not {text!r}") from None
    if not (100 <= width <= 10000 and 100 <= height <= 10000):
        raise argparse.ArgumentTypeError("width and height must be between 100 and 10000 pixels")
    return width, height


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


ALLOW_DOWNLOAD_HELP = ("let a model named by its hub name be fetched from the Hugging Face hub (default: "
                       "off; only models on this machine are used)")


WITH_VECTORS_HELP = "with --format parquet: add each item's vector as a column"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explorer",
        description="Embedding Explorer. Without a command, opens the window (optionally on PROJECT).",
    )
    parser.add_argument("--version", action="version", version=f"embedding-explorer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the window (the default)")
    gui.add_argument("project", nargs="?", help="a project file to open")
    gui.add_argument("--startup-timing", action="store_true", help=argparse.SUPPRESS)

    info = commands.add_parser("info", help="print a summary of a project")
    info.add_argument("project")
    info.add_argument("--format", choices=["text", "json"], default="text")

    shot = commands.add_parser("screenshot", help="render the window with a project to a PNG, offscreen")
    shot.add_argument("project")
    shot.add_argument("-o", "--output", required=True, help="PNG file to write")
    shot.add_argument("--size", type=_parse_size, default=(1400, 900), help="WIDTHxHEIGHT (default 1400x900)")
    shot.add_argument("--projection", help="projection to show (default: the project's current one)")
    shot.add_argument("--color-by", help="metadata column to colour by")
    shot.add_argument("--select", help="id or text of an item to select")

    proj = commands.add_parser("project", help="compute a projection and store it in the project")
    proj.add_argument("project")
    proj.add_argument("--method", required=True, choices=["pca", "tsne", "umap"])
    proj.add_argument("--param", action="append", type=parse_param, metavar="NAME=VALUE",
                      help="method parameter, e.g. perplexity=30, n_neighbors=15, min_dist=0.1, "
                           "metric=cosine, pca_dims=50, components=0,2 (repeatable)")
    proj.add_argument("--seed", type=int)
    proj.add_argument("--name", help="name to store it under (default: the method's name)")

    export = commands.add_parser("export", help="write results out: coordinates, the selection, a bookmark, "
                                 "a panel's saved result, the map image, Projector TSV")
    export.add_argument("project")
    export.add_argument("what", choices=["coords", "selection", "bookmark", "neighbors", "analogy", "clusters",
                                         "weat", "direction", "image", "projector"])
    export.add_argument("--bookmark", help="the bookmark to export (with 'bookmark')")
    export.add_argument("--size", type=_parse_size, default=(1600, 1200),
                        help="image size WIDTHxHEIGHT (default 1600x1200)")
    export.add_argument("-o", "--output", help="file to write (.csv or .json); default stdout")
    export.add_argument("--format", choices=["csv", "json", "parquet"])
    export.add_argument("--with-vectors", action="store_true", help=WITH_VECTORS_HELP)
    export.add_argument("--projection", help="projection to export (default: the shown one)")

    near = commands.add_parser("neighbors", aliases=["neighbours"],
                               help="nearest neighbours of an item or of free text (original space)")
    near.add_argument("project")
    near.add_argument("query", help="an item's id or text, or free text embedded with the project's model")
    near.add_argument("-k", type=int, default=10)
    near.add_argument("--metric", choices=["cosine", "euclidean", "dot"], default="cosine")
    near.add_argument("--format", choices=["csv", "json", "parquet"],
                      help="output format (default: the suffix of -o, else csv; parquet needs -o)")
    near.add_argument("--with-vectors", action="store_true", help=WITH_VECTORS_HELP)
    near.add_argument("-o", "--output", help="file to write instead of stdout")
    near.add_argument("--device", help="torch device for embedding the query (default: auto)")
    near.add_argument("--allow-download", action="store_true", help=ALLOW_DOWNLOAD_HELP)

    index = commands.add_parser("index", help="build an approximate nearest-neighbour index for large sets "
                                              "and keep it in the project (its recall is measured)")
    index.add_argument("project")
    index.add_argument("--metric", choices=["cosine", "euclidean", "dot"], default="cosine")

    imp = commands.add_parser("import", help="make a project from texts, images or vectors")
    imp.add_argument("data", help="a table (.txt .csv .tsv .jsonl .parquet), an image folder, .npy/.npz, "
                                  "a Projector vectors.tsv, a word2vec/GloVe file, or glove-6B-50d")
    imp.add_argument("-o", "--output", required=True, help="project file to write (.eexp)")
    imp.add_argument("--kind", choices=list(formats.KINDS),
                     help="what DATA holds (default: detected from its content, then its name)")
    imp.add_argument("--model", help=f"model id (default: {DEFAULT_TEXT_MODEL} for texts, {DEFAULT_IMAGE_MODEL} "
                                     f"for images); {DEFAULT_TEXT_MODEL}@onnx-int8 (faster, int8); a local model "
                                     "folder; open_clip:ARCH:CHECKPOINT")
    imp.add_argument("--text-column")
    imp.add_argument("--label-column")
    imp.add_argument("--image-column")
    imp.add_argument("--vector-column", help="a Parquet/Arrow column of vectors to take as they are "
                                             "(default: the only column of lists of numbers, if any)")
    imp.add_argument("--metadata", help="metadata table for .npy or vectors.tsv")
    imp.add_argument("--limit", type=int, help="keep only N items (the first N, or a sample with --sample-seed)")
    imp.add_argument("--sample-seed", type=int)
    imp.add_argument("--dedupe", action="store_true", help="drop repeated texts")
    imp.add_argument("--map", choices=["umap", "pca"], default="umap", help="first map (PCA is always made)")
    imp.add_argument("--reuse", action="store_true",
                     help="reuse the embeddings of the existing OUTPUT project for items it already has")
    imp.add_argument("--title")
    imp.add_argument("--device", help="torch device (default: a GPU if there is one)")
    imp.add_argument("--allow-download", action="store_true", help=ALLOW_DOWNLOAD_HELP)

    _add_analysis_commands(commands)
    add_quality_commands(commands)
    return parser


def _add_analysis_commands(commands) -> None:
    """Word analogies, the analogy benchmark, WEAT and clustering: JSON on stdout unless asked."""
    formats = {"choices": ["json", "csv", "parquet"],
               "help": "output format (default: the suffix of -o, else json; parquet needs -o)"}

    ana = commands.add_parser("analogy",
                              help="solve a word analogy: positive - negative (king - man + woman)")
    ana.add_argument("project")
    ana.add_argument("--positive", nargs="+", required=True, metavar="W", help="words to add")
    ana.add_argument("--negative", nargs="+", default=[], metavar="W", help="words to subtract")
    ana.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd")
    ana.add_argument("-k", type=_positive_int, default=10, help="answers to list (default 10)")
    ana.add_argument("--include-inputs", action="store_true",
                     help="let the input words be answers (gensim and word2vec leave them out)")
    ana.add_argument("--format", **formats)
    ana.add_argument("-o", "--output", help="file to write instead of stdout")

    ev = commands.add_parser("analogy-eval", help="score 3CosAdd on an analogy question file "
                                                  "(word2vec's questions-words.txt format)")
    ev.add_argument("project")
    ev.add_argument("questions", help="': section' lines followed by 'a b c expected' lines")
    ev.add_argument("--restrict", type=_positive_int, default=300000,
                    help="use only the first N words, as questions and answers (default 300000)")
    ev.add_argument("--case-sensitive", action="store_true",
                    help="match words as written (default: upper-case everything, like gensim)")
    ev.add_argument("--format", **formats)
    ev.add_argument("-o", "--output", help="file to write instead of stdout")

    we = commands.add_parser("weat", help="Word Embedding Association Test (Caliskan et al. 2017)")
    we.add_argument("project", nargs="?", help="the project (not needed with --list-presets)")
    sets = we.add_mutually_exclusive_group()
    sets.add_argument("--preset", metavar="NAME", help="a built-in test: weat1 ... weat10")
    sets.add_argument("--targets", nargs=2, metavar=("X.txt", "Y.txt"),
                      help="target word lists (one word per line, or comma-separated)")
    we.add_argument("--attributes", nargs=2, metavar=("A.txt", "B.txt"), help="attribute word lists")
    we.add_argument("--permutations", type=_positive_int, default=10000,
                    help="exact p-value up to this many partitions, else this many sampled "
                         "(default 10000)")
    we.add_argument("--seed", type=int, default=0, help="seed for sampled partitions (default 0)")
    we.add_argument("--std", choices=["population", "sample"], default="population",
                    help="standard deviation of the effect size: population (WEFE) or sample (SEAT)")
    we.add_argument("--lowercase-fallback", action="store_true",
                    help="try a word lower-cased when it is not found as written")
    we.add_argument("--list-presets", action="store_true", help="print the built-in tests and exit")
    we.add_argument("--seat", action="store_true",
                    help="sentence encoders: put each word in neutral templates ('This is {term}.') and "
                         "embed them with the project's model (SEAT, May et al. 2019)")
    we.add_argument("--format", choices=["json", "csv", "text"],
                    help="json (default: the suffix of -o, else json), csv, or a short text summary")
    we.add_argument("-o", "--output", help="file to write instead of stdout")

    di = commands.add_parser("direction", help="a direction from word pairs (Bolukbasi et al. 2016) and "
                                               "words ranked along it")
    di.add_argument("project")
    di.add_argument("--pairs", nargs="+", required=True, metavar="A-B",
                    help="word pairs, positive end first: she-he woman-man (or 'she-he, woman-man')")
    di.add_argument("--words", nargs="+", required=True, metavar="W", help="words to rank")
    di.add_argument("--method", choices=["pca", "mean"], default="pca",
                    help="first principal component of the pairs (default), or their mean difference")
    di.add_argument("--format", **formats)
    di.add_argument("-o", "--output", help="file to write instead of stdout")

    clu = commands.add_parser("clusters", help="cluster the items (original space) and name the clusters")
    clu.add_argument("project")
    clu.add_argument("--method", required=True, choices=["kmeans", "hdbscan", "agglomerative"])
    clu.add_argument("--param", action="append", type=parse_param, metavar="NAME=VALUE",
                     help="method parameter, e.g. n_clusters=5, min_cluster_size=10, linkage=average, "
                          "metric=cosine, normalize=true, seed=1 (repeatable)")
    clu.add_argument("--format", **formats)
    clu.add_argument("--with-vectors", action="store_true", help=WITH_VECTORS_HELP)
    clu.add_argument("-o", "--output", help="file to write instead of stdout")
    clu.add_argument("--label-column", metavar="COL",
                     help="name clusters by this metadata column's majority value")
