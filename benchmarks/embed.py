"""Embedding throughput on this machine, for each model available offline.

Short texts are about 10 words, long about 100; images are 224x224 photos-like noise. Prints
items/s at batch 64 (32 for images) and the latency of one query.

    .venv/bin/python benchmarks/embed.py [--items 512]
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    import torch

    from explorer.embedders.images import EfficientNetEmbedder
    from explorer.embedders.sentence_transformer import SentenceTransformerEmbedder

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| model | input | items/s | one item ms |")
    print("|---|---|---|---|")
    minilm = SentenceTransformerEmbedder("all-MiniLM-L6-v2", device="cpu")
    for label, words in (("short text (10 words)", 10), ("long text (100 words)", 100)):
        items = texts(args.items if words == 10 else args.items // 4, words)
        print(f"| all-MiniLM-L6-v2 | {label} | {rate(minilm, items, 64):.0f} | "
              f"{one_query_ms(minilm, items[0]):.1f} |", flush=True)
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


if __name__ == "__main__":
    main()
