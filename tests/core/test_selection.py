from __future__ import annotations

import numpy as np
import pytest

from explorer.core import EmbeddingSet
from explorer.core.selection import (
    SearchTooSlow,
    may_backtrack,
    points_in_box,
    points_in_polygon,
    search,
)


@pytest.fixture
def emb():
    texts = ["The cat sat", "a dog ran", "Cats and dogs", "nothing here", "concatenate"]
    return EmbeddingSet(np.eye(5, dtype=np.float32), [f"i{i}" for i in range(5)], texts,
                        metadata={"animal": np.array(["cat", "dog", "both", "none", "none"]),
                                  "n": np.arange(5)})


def test_substring_search_is_case_insensitive_over_text_and_metadata(emb):
    assert search(emb, "cat").tolist() == [0, 2, 4]
    assert search(emb, "DOG").tolist() == [1, 2]
    assert search(emb, "both").tolist() == [2]  # metadata only
    assert search(emb, "cat", case_sensitive=True).tolist() == [0, 4]
    assert search(emb, "").tolist() == []


def test_regex_search_and_bad_regex(emb):
    assert search(emb, r"\bcats?\b", regex=True).tolist() == [0, 2]
    assert search(emb, "cat.", columns=["text"]).tolist() == []  # the dot is literal without regex
    with pytest.raises(ValueError, match="bad regular expression"):
        search(emb, "(", regex=True)


def test_points_in_polygon_matches_matplotlib_style_by_hand():
    rng = np.random.default_rng(0)
    xy = rng.uniform(-2, 2, (5000, 2)).astype(np.float32)
    # A concave "L" shape: the by-hand inside test is the union of two rectangles.
    polygon = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]])
    expected = np.flatnonzero(((xy[:, 0] > 0) & (xy[:, 0] < 2) & (xy[:, 1] > 0) & (xy[:, 1] < 1))
                              | ((xy[:, 0] > 0) & (xy[:, 0] < 1) & (xy[:, 1] > 0) & (xy[:, 1] < 2)))
    assert points_in_polygon(xy, polygon).tolist() == expected.tolist()
    assert points_in_polygon(xy, polygon[:2]).tolist() == []


def test_points_in_box_any_corner_order():
    xy = np.array([[0, 0], [1, 1], [2, 2], [3, 3]], dtype=np.float32)
    assert points_in_box(xy, 2.5, 0.5, 0.5, 2.5).tolist() == [1, 2]


def finishes(call, seconds: float = 20.0):
    """Run ``call`` in a thread: its result or exception, or a failure (not a hang) if it runs on."""
    import threading

    out = {}

    def target():
        try:
            out["value"] = call()
        except Exception as err:  # noqa: BLE001 - handed to the test
            out["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still searching after {seconds} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_a_regex_that_would_backtrack_for_hours_stops_with_one_line():
    texts = ["a" * 64 + "b", "cat", "(a|aa)+$ literally"]
    emb = EmbeddingSet(np.eye(3, dtype=np.float32), ["i0", "i1", "i2"], texts)
    with pytest.raises(SearchTooSlow, match="too slow"):
        finishes(lambda: search(emb, "(a|aa)+$", regex=True, time_limit=0.2))
    assert search(emb, "(a|aa)+$").tolist() == [2]  # the same text as a plain substring: no backtracking
    assert search(emb, "^ca+t$", regex=True).tolist() == [1]  # a good regex within the limit


def test_the_time_limit_holds_over_all_items_and_columns_together():
    """Each item alone is quick (about a millisecond), but ten thousand of them are not."""
    n = 10_000
    texts = ["a" * 14 + f"b{i}" for i in range(n)]
    emb = EmbeddingSet(np.zeros((n, 2), np.float32), [f"i{i}" for i in range(n)], texts,
                       metadata={"note": np.array(texts[::-1], dtype=object)})
    with pytest.raises(ValueError, match="too slow"):
        finishes(lambda: search(emb, "(a|aa)+$", regex=True, time_limit=0.3))


@pytest.mark.parametrize(("pattern", "risky"), [
    ("^the", False), ("colou?r", False), (r"\bcats?\b", False), ("a.*b", False), ("(cat|dog)s?", False),
    ("(a|aa)+$", True), ("(a+)+$", True), ("(.*a){3}", True), (".*a.*b", True), (r"(\w)\1", True),
    (r"\p{L}+", True),  # the regex module's syntax, which re cannot parse: timed to be safe
])
def test_patterns_that_can_backtrack_are_told_apart(pattern, risky):
    assert may_backtrack(pattern) is risky


def test_regex_search_means_what_python_re_means():
    import re

    texts = ["The cat sat", "a dog ran", "Cats and dogs", "Über naïve café", "x1 y22 z333", "tab\tand  spaces"]
    emb = EmbeddingSet(np.zeros((len(texts), 2), np.float32), [f"i{i}" for i in range(len(texts))], texts)
    for pattern in [r"^\w+ \w+", r"\d{2,}", r"caf[eé]", r"(?i)über", r"s$", r"\s{2}", r"(\w+)\s+\1", r"\w+\s+\w+$"]:
        expected = [i for i, t in enumerate(texts) if re.search(pattern, t, re.IGNORECASE)]
        assert search(emb, pattern, regex=True).tolist() == expected, pattern
