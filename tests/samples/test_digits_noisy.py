"""The noisy-digits sample: labels flipped as build_samples.py flips them, and label issues finding
them: most flipped items rank near the top."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from explorer.core.progress import run_to_end
from explorer.core.quality import label_issues
from tests.conftest import ROOT, SAMPLES


def build_samples():
    spec = importlib.util.spec_from_file_location("build_samples", ROOT / "sample_projects" / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flip_labels_changes_three_percent_to_another_label():
    samples = build_samples()
    labels = np.repeat([f"digit {d}" for d in range(10)], 180)
    given, flipped = samples.flip_labels(labels)
    assert flipped.sum() == 54 == round(0.03 * len(labels))
    assert (given[flipped] != labels[flipped]).all()
    assert (given[~flipped] == labels[~flipped]).all()
    assert set(given) == set(labels)
    again, flipped_again = samples.flip_labels(labels)  # seeded: the same every time
    assert (again == given).all() and (flipped_again == flipped).all()


def test_label_issues_rank_most_flipped_digits_near_the_top():
    from sklearn.datasets import load_digits

    digits = load_digits()
    true = np.array([f"digit {d}" for d in digits.target])
    given, flipped = build_samples().flip_labels(true)
    result = run_to_end(label_issues(digits.data.astype(np.float32), given, k=10, folds=5, seed=0))
    top = set(result.order[:2 * flipped.sum()].tolist())
    found = len(top & set(np.flatnonzero(flipped).tolist()))
    assert found >= 0.8 * flipped.sum()
    # where the classifier disagrees with a flipped label, it mostly suggests the true one
    suggested = result.classes[result.suggested[flipped]]
    assert np.mean(suggested == true[flipped]) >= 0.8


@pytest.mark.skipif(not (SAMPLES / "digits_noisy.eexp").exists(),
                    reason="sample not built (make samples)")
def test_the_built_sample_keeps_the_flipped_ids_and_label_issues_find_them():
    from explorer.io.project_file import load_project

    emb = load_project(SAMPLES / "digits_noisy.eexp").embeddings
    flipped = emb.metadata["flipped"] == "yes"
    assert flipped.sum() == round(0.03 * len(emb))
    assert (emb.metadata["label"][flipped] != emb.metadata["true_label"][flipped]).all()
    result = run_to_end(label_issues(emb.vectors, emb.metadata["label"], k=10))
    top = set(result.order[:2 * flipped.sum()].tolist())
    assert len(top & set(np.flatnonzero(flipped).tolist())) >= 0.6 * flipped.sum()
