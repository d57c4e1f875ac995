"""Data quality and comparison at growing N: ours beside the scikit-learn / brute-force call.

For each size: time and peak memory (growth of the process's peak resident set over the call,
reset before each call through /proc/self/clear_refs) of

- compare: explorer.core.compare.compare (Jaccard@10 of two embeddings, linear CKA) against
  scikit-learn's exact NearestNeighbors(cosine).kneighbors() on both sets + numpy Jaccard and CKA;
- outliers lof / knn (k = 20, cosine): against LocalOutlierFactor(n_neighbors=20, metric="cosine")
  and NearestNeighbors(20, cosine).kneighbors() mean distance;
- duplicates (cosine >= 0.95): against NearestNeighbors(radius=0.05, cosine).radius_neighbors();
- label issues (k = 10, 5 folds): against cross_val_predict(LogisticRegression(max_iter=1000), ...,
  method="predict_proba") + kneighbors (the same two ingredients, computed by scikit-learn);
- probe (5 folds): against cross_val_score(LogisticRegression(max_iter=1000), ...).

Above ``INDEX_ROWS`` (20,000) our kNN graph is approximate (explorer.core.ann_index's IVF lists,
scanned list by list); the "agreement" column then says how close it came: recall of the neighbour
lists, or the difference of the global figures. An exact scikit-learn kNN of every item costs N^2:
with ``--sample Q`` the reference neighbour searches run for Q of the N query rows against all N
and their time is scaled by N / Q (marked "extrapolated"); agreement is then measured on those rows.

Data: 384-d vectors in blobs around 10 class centres (labels: the class, 3 % of them flipped), 0.5 %
of the items planted as near-copies of others; the second embedding for compare is a random 256-d
linear map of the first plus noise.

    .venv/bin/python benchmarks/quality.py [--sizes 10000,100000] [--dim 384] [--sample 5000]
        [--tasks compare,lof,knn,duplicates,label-issues,probe]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from typing import Any

if __name__ == "__main__":  # before numpy loads BLAS: one thread unless --threads says otherwise
    _threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_name] = _threads

import numpy as np  # noqa: E402

from explorer.core.compare import compare, jaccard_rows, linear_cka  # noqa: E402
from explorer.core.progress import run_to_end  # noqa: E402
from explorer.core.quality import INDEX_ROWS, duplicates, label_issues, outliers, probe  # noqa: E402

TASKS = ("compare", "lof", "knn", "duplicates", "label-issues", "probe")


def make_data(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = rng.standard_normal((10, dim), dtype=np.float32)
    blobs = 500
    blob_class = rng.integers(0, 10, blobs)
    centres = classes[blob_class] + 0.7 * rng.standard_normal((blobs, dim), dtype=np.float32)
    which = rng.integers(0, blobs, n)
    out = np.empty((n, dim), dtype=np.float32)
    for blob in range(blobs):
        rows = np.flatnonzero(which == blob)
        basis = rng.standard_normal((16, dim), dtype=np.float32)
        spread = rng.standard_normal((len(rows), 16), dtype=np.float32) @ basis * 0.25
        out[rows] = centres[blob] + spread + 0.3 * rng.standard_normal((len(rows), dim), dtype=np.float32)
    copies = rng.choice(n, size=n // 200, replace=False)
    out[copies] = out[rng.integers(0, n, len(copies))] + 0.02 * rng.standard_normal((len(copies), dim),
                                                                                   dtype=np.float32)
    labels = blob_class[which]
    flipped = rng.choice(n, size=int(0.03 * n), replace=False)
    labels[flipped] = (labels[flipped] + rng.integers(1, 10, len(flipped))) % 10
    mix = rng.standard_normal((dim, 256), dtype=np.float32) / np.sqrt(dim)
    second = out @ mix + 0.3 * rng.standard_normal((n, 256), dtype=np.float32)
    return out, second.astype(np.float32), labels.astype(str)


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def measure(call: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """(result, seconds, peak growth MB, CPU seconds) of one call (on a shared machine, wall time
    also counts the waiting for a core)."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset the peak resident set to the current one
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    seconds = time.perf_counter() - started
    return result, seconds, max(0.0, peak_mb() - before), time.process_time() - cpu


def sklearn_knn(x: np.ndarray, k: int, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine k nearest (itself left out) of ``rows`` (all when None), by scikit-learn."""
    from sklearn.neighbors import NearestNeighbors  # noqa: PLC0415

    model = NearestNeighbors(n_neighbors=k, metric="cosine").fit(x)
    if rows is None:
        return model.kneighbors()
    distances, ids = model.kneighbors(x[rows], n_neighbors=k + 1)
    is_self = ids == rows[:, None]
    is_self[~is_self.any(axis=1), -1] = True  # itself not found (duplicates): drop the last
    keep = ~is_self
    return distances[keep].reshape(len(rows), k), ids[keep].reshape(len(rows), k)


def recall(ours: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(ours.tolist(), exact.tolist())]))


def row(n: int, task: str, ours: tuple[Any, float, float], reference: str, ref_s: float, ref_mb: float,
        agreement: str, extrapolated: bool = False) -> None:
    _, seconds, mb, cpu = ours
    ref_time = f"{ref_s:.1f}{' (extrapolated)' if extrapolated else ''}"
    print(f"| {n:,} | {task} | {seconds:.1f} ({cpu:.1f}) | {mb:,.0f} | {reference} | {ref_time} | {ref_mb:,.0f} | "
          f"{agreement} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--sample", type=int, default=5000,
                        help="reference neighbour searches for this many query rows when N is larger")
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--threads", default="1",
                        help="BLAS / OpenMP threads for both sides (default 1: on 2 shared cores, "
                             "threads waiting for each other made BLAS up to 10 times slower)")
    args = parser.parse_args()
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = set(tasks) - set(TASKS)
    if unknown:
        parser.error(f"unknown tasks {sorted(unknown)}; choose from {', '.join(TASKS)}")
    print("| N | task | ours s (CPU s) | ours peak MB | reference | ref s | ref peak MB | agreement |")
    print("|---|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        bench(n, args.dim, args.sample, tasks)
        gc.collect()


def bench(n: int, dim: int, sample: int, tasks: list[str]) -> None:
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score  # noqa: PLC0415
    from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors  # noqa: PLC0415

    x, y, labels = make_data(n, dim)
    sampled = n > sample
    rows = np.sort(np.random.default_rng(1).choice(n, sample, replace=False)) if sampled else None
    scale = n / sample if sampled else 1.0
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    print(f"N = {n:,} x {dim}; kNN graph {'approximate' if n >= INDEX_ROWS else 'exact'}",
          file=sys.stderr, flush=True)

    if "compare" in tasks:
        ours = measure(lambda: run_to_end(compare(x, y, k=10)))

        def reference():
            _, ids_a = sklearn_knn(x, 10, rows)
            _, ids_b = sklearn_knn(y, 10, rows)
            return jaccard_rows(ids_a, ids_b)

        jaccard, knn_s, knn_mb, _ = measure(reference)
        cka, cka_s, cka_mb, _ = measure(lambda: linear_cka(x, y))
        ref_s, ref_mb = knn_s * scale + cka_s, max(knn_mb, cka_mb)
        result = ours[0]
        mine = result.jaccard if rows is None else result.jaccard[rows]
        row(n, "compare k=10", ours, "kneighbors x2 + Jaccard + CKA", ref_s, ref_mb,
            f"mean Jaccard {mine.mean():.4f} vs {jaccard.mean():.4f}; CKA {result.cka:.6f} vs "
            f"{cka:.6f}", sampled)
        del ours, result

    if "lof" in tasks or "knn" in tasks:
        if sampled:
            from explorer.core.quality import knn_graph  # noqa: PLC0415

            (ref_dist, ref_ids), ref_s, ref_mb, _ = measure(lambda: sklearn_knn(x, 20, rows))
            graph_recall = recall(run_to_end(knn_graph(x, 20)).indices[rows], ref_ids)
        for method in ("lof", "knn"):
            if method not in tasks:
                continue
            ours = measure(lambda method=method: run_to_end(outliers(x, method, k=20)))
            if sampled:
                agreement = f"recall@20 of our neighbours {graph_recall:.4f}"
                if method == "knn":
                    agreement += (f"; max |score diff| on sampled rows "
                                  f"{np.abs(ours[0].scores[rows] - ref_dist.mean(axis=1)).max():.2e}")
                row(n, f"outliers {method} k=20", ours,
                    "LocalOutlierFactor (its kneighbors)" if method == "lof" else "kneighbors mean",
                    ref_s * scale, ref_mb, agreement, True)
            elif method == "lof":
                model, ref_s, ref_mb, _ = measure(
                    lambda: LocalOutlierFactor(n_neighbors=20, metric="cosine").fit(x))
                diff = np.abs(ours[0].scores + model.negative_outlier_factor_).max()
                row(n, "outliers lof k=20", ours, "LocalOutlierFactor", ref_s, ref_mb,
                    f"max |score diff| {diff:.2e}")
            else:
                (dist, _), ref_s, ref_mb, _ = measure(
                    lambda: NearestNeighbors(n_neighbors=20, metric="cosine").fit(x).kneighbors())
                diff = np.abs(ours[0].scores - dist.mean(axis=1)).max()
                row(n, "outliers knn k=20", ours, "kneighbors mean", ref_s, ref_mb,
                    f"max |score diff| {diff:.2e}")
            del ours

    if "duplicates" in tasks:
        ours = measure(lambda: run_to_end(duplicates(x, 0.95)))
        queries = x if rows is None else x[rows]

        def scan():
            model = NearestNeighbors(radius=0.05, metric="cosine").fit(x)
            return model.radius_neighbors(queries, return_distance=False)

        found, ref_s, ref_mb, _ = measure(scan)
        query_rows = np.arange(n) if rows is None else rows
        want = {(int(min(q, j)), int(max(q, j))) for q, hits in zip(query_rows, found)
                for j in hits.tolist() if j != q}
        pairs = {tuple(p) for p in ours[0].pairs.tolist()}
        if rows is not None:
            members = set(rows.tolist())
            pairs = {p for p in pairs if p[0] in members or p[1] in members}
        same = "the same" if pairs == want else f"{len(pairs ^ want)} differ"
        row(n, "duplicates cos>=0.95", ours, "radius_neighbors (brute force)", ref_s * scale, ref_mb,
            f"{len(want):,} pairs found by both: {same}", sampled)
        del ours

    if "label-issues" in tasks:
        ours = measure(lambda: run_to_end(label_issues(x, labels, k=10, folds=5, seed=0)))

        proba, cv_s, cv_mb, _ = measure(lambda: cross_val_predict(
            LogisticRegression(max_iter=1000), x, labels, cv=cv, method="predict_proba"))
        _, knn_s, knn_mb, _ = measure(lambda: sklearn_knn(x, 10, rows))
        ref_s, ref_mb = cv_s + knn_s * scale, max(cv_mb, knn_mb)
        codes = np.searchsorted(ours[0].classes, labels)
        diff = np.abs(ours[0].self_confidence - proba[np.arange(n), codes]).max()
        row(n, "label issues k=10, 5 folds", ours, "cross_val_predict proba + kneighbors",
            ref_s, ref_mb, f"max |self-confidence diff| {diff:.1e}", sampled)
        del ours

    if "probe" in tasks:
        ours = measure(lambda: run_to_end(probe(x, labels, folds=5, seed=0)))
        scores, ref_s, ref_mb, _ = measure(
            lambda: cross_val_score(LogisticRegression(max_iter=1000), x, labels, cv=cv))
        row(n, "probe 5 folds", ours, "cross_val_score", ref_s, ref_mb,
            f"accuracy {ours[0].accuracy:.6f} vs {scores.mean():.6f}")
        del ours


if __name__ == "__main__":
    main()
