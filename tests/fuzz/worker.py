"""Runs fuzz cases one after another under a memory limit and says how each ended, as JSON lines
on stdout ({"start": i} before a case, {"i": i, "outcome": ..., "detail": ...} after it), so the
parent can tell a hang (no answer in time) from a crash (the process gone).

Outcomes: ok-loaded (opened, then saved and reopened with the same contents), refused-cleanly (the
documented error, one line of at most 300 characters), uncaught (any other exception, or a refusal
message that is not one short line), over-memory (MemoryError: the case asked for more than the
limit), lost (opened, but could not be coloured, searched, clustered, exported, or saved and
reopened the same).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import traceback

MEMORY_LIMIT = int(os.environ.get("FUZZ_MEMORY_LIMIT", str(1 << 30)))


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _message_ok(message: str) -> bool:
    return "\n" not in message and 0 < len(message) <= 300


def _same(a, b) -> str:
    import numpy as np

    ea, eb = a.embeddings, b.embeddings
    if not np.array_equal(ea.vectors, eb.vectors):
        return "vectors differ"
    if ea.ids.tolist() != eb.ids.tolist() or ea.texts.tolist() != eb.texts.tolist():
        return "ids or texts differ"
    if list(ea.metadata) != list(eb.metadata):
        return "metadata columns differ"
    if (ea.image_paths is None) != (eb.image_paths is None) or (
            ea.image_paths is not None and ea.image_paths.tolist() != eb.image_paths.tolist()):
        return "image paths differ"
    if set(a.projections) != set(b.projections):
        return "projections differ"
    return ""


def _use(project) -> str:
    """Do what the app does with an open project: colour by every column, find neighbours,
    cluster, export every saved result and the coordinates; the first failure, or ""."""
    import numpy as np

    from explorer.actions import tables
    from explorer.actions.errors import ActionError
    from explorer.core.clusters import cluster
    from explorer.core.colors import color_points
    from explorer.core.neighbors import nearest
    from explorer.core.progress import run_to_end

    emb = project.embeddings
    step = "restoring the session"
    try:
        from explorer.state import AppState

        AppState().set_project(project)  # runs the saved search, as opening in the window does
        step = "colouring"
        for values in emb.metadata.values():
            color_points(len(emb), values)
        step = "neighbours"
        hits = nearest(emb.vectors, emb.vectors[0], k=min(5, len(emb)))
        if not np.isfinite(hits.scores).all():
            return "neighbours: scores are not finite"
        step = "clustering"
        if len(emb) >= 3:
            run_to_end(cluster(emb.vectors, "kmeans", n_clusters=2))
        step = "exporting"
        made = [tables.coordinates_table(project)] if project.projections else []
        made.append(tables.selection_table(project, project.view.selected))
        for what in tables.SAVED_RESULTS:
            try:
                made.append(tables.saved_result_table(project, what))
            except ActionError:
                pass  # the project keeps no such result
        made += [tables.bookmark_table(project, name) for name in project.bookmarks]
        for table in made:
            for fmt in ("csv", "json"):
                table.text(fmt).encode("utf-8")
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - an open project that cannot be used is the finding
        return f"{step}: {type(err).__name__}: {str(err)[:160]}"
    return ""


def _round_trip(project, scratch: str) -> tuple[str, str]:
    from explorer.io.project_file import load_project, save_project

    unusable = _use(project)
    if unusable:
        return "lost", unusable

    path = os.path.join(scratch, "again.eexp")
    try:
        save_project(project, path)
        again = load_project(path, [scratch])
    except MemoryError:
        return "over-memory", "MemoryError while saving or reopening"
    except Exception as err:  # noqa: BLE001 - anything here is data that opened but cannot be kept
        return "lost", f"{type(err).__name__}: {str(err)[:200]}"
    difference = _same(project, again)
    return ("lost", difference) if difference else ("ok-loaded", "")


def run_project(case: dict, scratch: str) -> tuple[str, str]:
    from explorer.io.project_file import ProjectFileError, load_project

    try:
        project = load_project(case["path"], [os.path.dirname(case["path"])])
    except ProjectFileError as err:
        message = str(err)
        if "more memory than there is" in message:
            return "over-memory", message
        return ("refused-cleanly", message) if _message_ok(message) else ("uncaught", "bad message: " + message[:200])
    return _round_trip(project, scratch)


def run_data(case: dict, scratch: str) -> tuple[str, str]:
    from explorer.actions import importer
    from explorer.actions.importer import ImportOptions, import_job
    from explorer.core.progress import run_to_end
    from explorer.io.readers import ReadError
    from tests.doubles import FakeEmbedder

    importer.make_embedder = lambda model_id, device=None: FakeEmbedder(8)
    kind = None if case["kind"] == "auto" else case["kind"]
    options = ImportOptions(case["path"], kind=kind, first_map="pca", conse_text_model=None, **case["options"])
    try:
        result = run_to_end(import_job(options))
    except ReadError as err:
        message = str(err)
        return ("refused-cleanly", message) if _message_ok(message) else ("uncaught", "bad message: " + message[:200])
    return _round_trip(result.project, scratch)


def run_selftest(case: dict, scratch: str) -> tuple[str, str]:
    """Misbehave on purpose, to show the harness sees it (tests/fuzz/test_fuzz.py)."""
    import time

    import numpy as np

    what = case["options"]["do"]
    if what == "hang":
        time.sleep(3600)
    if what == "memory":
        np.ones(4 << 30, np.uint8)
    if what == "crash":
        os._exit(3)
    raise KeyError("an uncaught error")


def main() -> None:
    _limit_memory()
    if os.environ.get("FUZZ_WARM", "1") == "1":  # imported once, before the first case is timed
        import numpy  # noqa: F401
        import sklearn.cluster  # noqa: F401

        import explorer.actions.importer  # noqa: F401
        import explorer.actions.tables  # noqa: F401
        import explorer.io.project_file  # noqa: F401

    out = sys.stdout
    for line in sys.stdin:
        case = json.loads(line)
        out.write(json.dumps({"start": case["i"]}) + "\n")
        out.flush()
        scratch = tempfile.mkdtemp(prefix="fuzz-")
        try:
            run = {"project": run_project, "selftest": run_selftest}.get(case["kind"], run_data)
            outcome, detail = run(case, scratch)
        except MemoryError:
            outcome, detail = "over-memory", "MemoryError"
        except BaseException as err:  # noqa: BLE001 - what the fuzz is looking for
            frames = traceback.extract_tb(err.__traceback__)
            where = next((f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(frames)
                          if "explorer" in f.filename), "")
            outcome, detail = "uncaught", f"{type(err).__name__}: {str(err)[:160]} at {where}"
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        out.write(json.dumps({"i": case["i"], "outcome": outcome, "detail": detail}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
