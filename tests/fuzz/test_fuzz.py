"""The fast part of the fuzz suite (the full run is ``make fuzz``): a seeded sample of hostile
project files and data files, each in a worker limited to 1 GiB and 30 s; none may end uncaught,
hang, run out of memory or open and then fail to save and reopen."""

from __future__ import annotations

from tests.fuzz.generate import Case
from tests.fuzz.run import BAD, make_cases, run_cases, table


def test_a_seeded_sample_of_hostile_files_is_refused_or_opened_soundly(tmp_path):
    cases = make_cases(tmp_path, projects=70, data=35, seed=7)
    results = run_cases(cases, jobs=2, timeout=30.0)
    bad = [f"{r['outcome']}: {r['name']}: {r['detail']}" for r in results if r["outcome"] in BAD]
    assert not bad, table(results) + "\n" + "\n".join(bad[:20])
    outcomes = {r["outcome"] for r in results}
    assert {"ok-loaded", "refused-cleanly"} <= outcomes  # the sample reaches both sides
    assert len(results) == len(cases) == 105


def test_the_harness_tells_hangs_memory_crashes_and_errors_apart():
    cases = [Case(what, "selftest", "", {"do": what}) for what in ("hang", "memory", "crash", "error")]
    outcomes = [r["outcome"] for r in run_cases(cases, jobs=1, timeout=3.0, warm=False)]
    assert outcomes == ["hang", "over-memory", "uncaught", "uncaught"]
