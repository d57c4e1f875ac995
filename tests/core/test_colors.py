"""Category colours: natural or count order, "other" beyond the palette, picked categories."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.colors import (
    CATEGORICAL,
    MAX_CATEGORIES,
    OTHER_COLOR,
    color_points,
    hex_to_rgb,
    natural_key,
)


def test_natural_order_puts_numbers_in_numeric_order_first():
    values = ["b", "10", "2", "item 10", "A", "item 2", "1.5"]
    assert sorted(values, key=natural_key) == ["1.5", "2", "10", "A", "b", "item 2", "item 10"]


def test_legend_orders_and_colours_do_not_depend_on_the_order():
    values = np.array(["3"] * 9 + ["1"] * 5 + ["10"] * 7 + ["2"] * 2)
    natural = color_points(len(values), values, order="natural")
    by_count = color_points(len(values), values, order="count")
    assert [label for label, _, _ in natural.legend] == ["1", "2", "3", "10"]
    assert [label for label, _, _ in by_count.legend] == ["3", "10", "1", "2"]
    assert [c for _, c, n in sorted(by_count.legend)] == [c for _, c, n in sorted(natural.legend)]
    assert np.array_equal(natural.rgb, by_count.rgb)
    assert natural.legend[0][1] == CATEGORICAL[0]
    counts = {label: n for label, _, n in natural.legend}
    assert counts == {"1": 5, "2": 2, "3": 9, "10": 7}
    with pytest.raises(ValueError):
        color_points(3, values[:3], order="size")


def test_count_order_lists_most_frequent_first():
    values = np.array(["b"] * 2 + ["a"] * 1 + ["c"] * 3)
    assert [label for label, _, _ in color_points(6, values, order="count").legend] == ["c", "b", "a"]


def test_many_categories_group_as_other_and_can_be_picked():
    values = np.array([f"c{i}" for i in range(30) for _ in range(40 - i)])
    coloring = color_points(len(values), values)
    assert len(coloring.legend) == MAX_CATEGORIES + 1
    assert coloring.legend[-1] == ("10 more", OTHER_COLOR, sum(40 - i for i in range(20, 30)))
    assert [name for name, _ in coloring.others] == [f"c{i}" for i in range(20, 30)]
    rare = values == "c29"
    assert (coloring.rgb[rare] == hex_to_rgb(OTHER_COLOR)).all()
    picked = color_points(len(values), values, featured=["c29"])
    assert "c29" in [label for label, _, _ in picked.legend]
    assert not (picked.rgb[rare] == hex_to_rgb(OTHER_COLOR)).all()
    assert "c19" in [name for name, _ in picked.others]  # the least frequent made room
