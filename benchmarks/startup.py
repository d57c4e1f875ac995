"""Cold start: wall time from launching `python -m explorer` to the window's first paint, and to the
project drawn on the map. Heavy libraries (torch, sentence-transformers, umap) must not be on this
path. Each run is a fresh process; the table gives the median and the spread.

    .venv/bin/python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = [None, ROOT / "tests/fixtures/projects/v1/glove_400.eexp",
            ROOT / "sample_projects/glove_words.eexp", ROOT / "sample_projects/rotten_tomatoes.eexp"]


def launch(project: Path | None) -> tuple[float, float | None]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    command = [sys.executable, "-m", "explorer", "gui", "--startup-timing"]
    if project is not None:
        command.append(str(project))
    started = time.time()
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT).stdout
    stamps = dict(line.split("=", 1) for line in out.split() if "=" in line)
    paint = (float(stamps["first_paint_epoch"]) - started) * 1000
    shown = stamps.get("project_shown_epoch")
    return paint, (float(shown) - started) * 1000 if shown else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| project | first paint ms (median, min-max) | project on the map ms (median) |")
    print("|---|---|---|")
    for project in PROJECTS:
        if project is not None and not project.exists():
            continue
        runs = [launch(project) for _ in range(args.runs)]
        paints = [p for p, _ in runs]
        shown = [s for _, s in runs if s is not None]
        name = project.name if project else "(none)"
        shown_text = f"{statistics.median(shown):.0f}" if shown else "-"
        print(f"| {name} | {statistics.median(paints):.0f} ({min(paints):.0f}-{max(paints):.0f}) | "
              f"{shown_text} |", flush=True)


if __name__ == "__main__":
    main()
