"""Nearest-neighbour query latency against N (384-d, k = 10, cosine on unit vectors).

Exact search is one matrix-vector product plus argpartition (explorer.core.neighbors.nearest).
Prints the median and 95th percentile over 30 single queries, and the recall of exact search
(1.0 by construction; the column is there for an approximate index to be compared in).

    .venv/bin/python benchmarks/neighbors.py [--sizes 10000,100000,1000000] [--dim 384]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from explorer.core.neighbors import nearest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| N | d | exact median ms | exact p95 ms | memory MB | recall@10 |")
    print("|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        vectors = rng.standard_normal((n, args.dim), dtype=np.float32)
        units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        times = []
        for q in rng.integers(0, n, args.queries):
            started = time.perf_counter()
            nearest(vectors, vectors[q], k=10, exclude=[int(q)], unit_vectors=units)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"| {n:,} | {args.dim} | {statistics.median(times):.2f} | {p95:.2f} | "
              f"{vectors.nbytes / 1e6:,.0f} | 1.000 |", flush=True)
        del vectors, units


if __name__ == "__main__":
    main()
