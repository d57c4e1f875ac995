"""Shared test set-up: Qt offscreen, settings in a temporary folder, the committed fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# No background UMAP compile for every window the tests open (tests/ui/test_projections.py
# exercises it on purpose).
os.environ.setdefault("EXPLORER_UMAP_WARMUP", "0")
# Caches the app keeps between runs (ImageNet class embeddings for ConSE) go to a temporary folder,
# never the user's.
os.environ.setdefault("EXPLORER_CACHE_DIR", tempfile.mkdtemp(prefix="explorer-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
V1_PROJECT = FIXTURES / "projects" / "v1" / "glove_400.eexp"
SAMPLES = ROOT / "sample_projects"


@pytest.fixture
def v1_project_path() -> Path:
    return V1_PROJECT


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A writable copy of the format-1 fixture."""
    target = tmp_path / "copy.eexp"
    target.write_bytes(V1_PROJECT.read_bytes())
    return target
