"""Projection time, peak memory and trustworthiness against N, ours beside the library called
directly with the same parameters (the difference is our overhead).

Data: 384-d Gaussian blobs (20 clusters). UMAP runs in our child process (see
explorer/core/umap_process.py), warmed up first, so the figures are per-fit work, not numba's
compile; the first UMAP of a fresh process is measured separately at the top.

    .venv/bin/python benchmarks/project.py [--sizes 1000,10000] [--methods pca,umap,tsne]
    .venv/bin/python benchmarks/project.py --pca-only 200000
    .venv/bin/python benchmarks/project.py --cold-umap 10000   (GloVe words, new processes)

PCA is compared with scikit-learn's ``PCA(svd_solver="covariance_eigh")``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np


def blobs(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim)) * 3
    return (centres[rng.integers(0, 20, n)] + rng.standard_normal((n, dim))).astype(np.float32)


def measure(fn):
    """Seconds of one call (no tracing, which would slow numba and numpy), then the peak of Python-
    and numpy-allocated memory in a second, traced call."""
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 1e6


def ours(data, method):
    from explorer.core import run_to_end
    from explorer.core.projections import project

    return run_to_end(project(data, method, seed=0)).coords


def direct(data, method):
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, svd_solver="covariance_eigh").fit_transform(data)
    if method == "umap":
        import umap

        return umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0).fit_transform(data)
    from openTSNE import TSNE

    return np.asarray(TSNE(perplexity=30, metric="cosine", random_state=0, n_jobs=-1, n_iter=750)
                      .fit(np.asarray(ours_pca50(data))))


def ours_pca50(data):
    from explorer.core.projections import pca_fit

    return pca_fit(data, 50)


def trust(data, coords) -> float:
    from sklearn.manifold import trustworthiness

    if len(data) > 5000:  # O(N^2) memory: score a fixed sample
        rows = np.random.default_rng(0).choice(len(data), 5000, replace=False)
        data, coords = data[rows], coords[rows]
    return trustworthiness(data, coords, n_neighbors=10)


def glove_words(n: int) -> tuple[list[str], np.ndarray]:
    """The ``n`` most frequent GloVe 6B words and their 50-d vectors (the bundled package)."""
    from explorer.embedders.word_vectors import load_bundled_glove

    return load_bundled_glove(n)


def _timed_process(code: str, cache: str, *args: str) -> float:
    """Wall seconds of a new Python process running ``code`` (start-up and imports included),
    with $EXPLORER_CACHE_DIR = ``cache`` ('' turns the disk cache off) and no UMAP warm-up."""
    import os

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                   env=dict(os.environ, EXPLORER_CACHE_DIR=cache, EXPLORER_UMAP_WARMUP="0",
                            PYTHONPATH=str(Path(__file__).resolve().parent.parent)))
    return time.perf_counter() - started


def umap_new_process(n: int, cache: str) -> float:
    """One UMAP (the app's defaults) of the first ``n`` GloVe words in a new process: Python's
    start-up, imports, numba's compile or its disk cache, the fit."""
    code = ("import sys; from explorer.core import run_to_end; from explorer.core.projections import project; "
            "from explorer.embedders.word_vectors import load_bundled_glove; "
            "run_to_end(project(load_bundled_glove(int(sys.argv[1]))[1], 'umap'))")
    return _timed_process(code, cache, str(n))


def import_new_process(words_file: Path, cache: str) -> float:
    """``explorer import WORDS.txt --map umap``, the command a user runs, end to end."""
    code = "import sys; from explorer.__main__ import main; sys.exit(main(sys.argv[1:]))"
    return _timed_process(code, cache, "import", str(words_file), "-o", str(words_file.with_suffix(".eexp")),
                          "--map", "umap")


def import_in_window_process(words_file: Path, cache: str, idle_s: float = 10.0) -> float:
    """What the window does: it starts the UMAP process (warm-up included) once a project is open;
    the user then imports the words ``idle_s`` seconds later. Seconds of that import, as the import
    dialog's job runs it (read, PCA, UMAP)."""
    code = ("import sys, time; from explorer.core.umap_process import prewarm; prewarm(); "
            "time.sleep(float(sys.argv[2])); t = time.perf_counter(); "
            "from explorer.core import run_to_end; from explorer.actions.importer import ImportOptions, import_job; "
            "run_to_end(import_job(ImportOptions(sys.argv[1], first_map='umap'))); print(time.perf_counter() - t)")
    import os

    out = subprocess.run([sys.executable, "-c", code, str(words_file), str(idle_s)], capture_output=True, text=True,
                         check=True, env=dict(os.environ, EXPLORER_CACHE_DIR=cache, EXPLORER_UMAP_WARMUP="1",
                                              PYTHONPATH=str(Path(__file__).resolve().parent.parent)))
    return float(out.stdout.strip().splitlines()[-1])


def library_warm_fit(n: int) -> float:
    """umap-learn alone on the same words and parameters, its second fit in one process: no start-up,
    no import, nothing to compile. What the fit itself costs on this machine."""
    code = ("import sys, time, umap; from explorer.embedders.word_vectors import load_bundled_glove; "
            "x = load_bundled_glove(int(sys.argv[1]))[1]; fit = lambda: umap.UMAP(n_neighbors=15, min_dist=0.1, "
            "metric='cosine', random_state=0).fit_transform(x); fit(); t = time.perf_counter(); fit(); "
            "print(time.perf_counter() - t)")
    import os

    out = subprocess.run([sys.executable, "-c", code, str(n)], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent)))
    return float(out.stdout.strip().splitlines()[-1])


def cold_umap_table(n: int, baseline: bool = True) -> None:
    """The first UMAP of a new process, on the first ``n`` GloVe words: with numba's disk cache empty
    (the very first run), then filled; the user's ``explorer import``; and umap-learn's own warm fit
    of the same words in the same run, which no new process can beat."""
    import tempfile

    words, vectors = glove_words(n)
    print(f"| first UMAP of {n:,} GloVe words (50-d) | seconds |")
    print("|---|---|")
    with tempfile.TemporaryDirectory() as cache:
        words_file = Path(cache) / "words.txt"
        with words_file.open("w", encoding="utf-8") as out:
            for word, row in zip(words, vectors):
                out.write(word + " " + " ".join(f"{x:.5f}" for x in row) + "\n")
        print(f"| ours, new process, numba cache empty (the very first run) | {umap_new_process(n, cache):.1f} |",
              flush=True)
        print(f"| ours, new process, numba cache filled (every later run) | {umap_new_process(n, cache):.1f} |",
              flush=True)
        print(f"| `explorer import words.txt --map umap`, end to end, cache filled | "
              f"{import_new_process(words_file, cache):.1f} |", flush=True)
        print(f"| the window: import of the words 10 s after a project opened (UMAP warmed up meanwhile) | "
              f"{import_in_window_process(words_file, cache):.1f} |", flush=True)
    if baseline:
        print(f"| ours, new process, disk cache off | {umap_new_process(n, ''):.1f} |", flush=True)
    print(f"| umap-learn alone: its second fit in one process (no start-up, import or compile) | "
          f"{library_warm_fit(n):.1f} |", flush=True)


def pca_table(n: int, repeats: int = 3) -> None:
    """PCA time alone (no tracing, no quality score), ours and scikit-learn's covariance_eigh
    solver alternately, median of ``repeats``; and how far apart the two results are."""
    from sklearn.decomposition import PCA

    from explorer.core.projections import pca_fit

    data = blobs(n)
    times: dict[str, list[float]] = {"ours (pca_fit)": [], "scikit-learn covariance_eigh": []}
    for _ in range(repeats):
        started = time.perf_counter()
        ours_coords = pca_fit(data, 2)
        times["ours (pca_fit)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        theirs = PCA(n_components=2, svd_solver="covariance_eigh").fit_transform(data)
        times["scikit-learn covariance_eigh"].append(time.perf_counter() - started)
        print(f"  pass: ours {times['ours (pca_fit)'][-1]:.2f} s, scikit-learn "
              f"{times['scikit-learn covariance_eigh'][-1]:.2f} s", flush=True)
    signs = np.sign((ours_coords * theirs).sum(axis=0))
    gap = np.abs(ours_coords - theirs * signs).max() / np.abs(theirs).max()
    print(f"PCA of {n:,} x {data.shape[1]} (float32), 2 components, median of {repeats}; "
          f"largest difference to scikit-learn (up to sign): {gap:.1e} of the range")
    print("| solver | seconds | ratio |")
    print("|---|---|---|")
    base = float(np.median(times["scikit-learn covariance_eigh"]))
    for name, values in times.items():
        print(f"| {name} | {np.median(values):.2f} ({min(values):.2f}-{max(values):.2f}) | "
              f"{np.median(values) / base:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--methods", default="pca,umap,tsne")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--cold-umap", type=int, metavar="N",
                        help="only time the first UMAP of N points in new processes, with and without "
                             "numba's disk cache")
    parser.add_argument("--pca-only", type=int, metavar="N", help="only time PCA of N x 384, ours and scikit-learn's")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.pca_only:
        pca_table(args.pca_only, args.repeats)
        return
    if args.cold_umap:
        cold_umap_table(args.cold_umap, baseline=not args.skip_cold)
        return
    methods = args.methods.split(",")
    if "umap" in methods and not args.skip_cold:
        import tempfile

        with tempfile.TemporaryDirectory() as cache:
            print(f"first UMAP of a new process (5,000 GloVe words, numba's compile included): "
                  f"{umap_new_process(5000, cache):.1f} s")
        from explorer.core import run_to_end
        from explorer.core.projections import project
        from explorer.core.umap_process import prewarm

        prewarm()
        time.sleep(75)  # the user opens a project and looks around; the warm-up compiles meanwhile
        started = time.perf_counter()
        run_to_end(project(blobs(5000, 50), "umap"))
        print(f"first UMAP of a session after the background warm-up (5,000 x 50): "
              f"{time.perf_counter() - started:.1f} s")
    # Compile and import everything once, both ways, so the table compares work. UMAP finds
    # neighbours exactly below 4,096 points and with pynndescent above: each path compiles its own
    # numba code, so both are warmed.
    for warm in (blobs(300, 50), blobs(4500, 50)):
        for method in methods:
            ours(warm, method)
            direct(warm, method)
    print("| N | method | ours s | direct s | ours peak MB | direct peak MB | trustworthiness (ours) |")
    print("|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = blobs(n)
        for method in methods:
            coords, ours_s, ours_mb = measure(lambda d=data, m=method: ours(d, m))
            _, direct_s, direct_mb = measure(lambda d=data, m=method: direct(d, m))
            print(f"| {n:,} | {method} | {ours_s:.2f} | {direct_s:.2f} | {ours_mb:.0f} | {direct_mb:.0f} | "
                  f"{trust(data, coords):.3f} |", flush=True)
    print(f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB; "
          f"UMAP child max RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
