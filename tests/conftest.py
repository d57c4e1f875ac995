"""Shared test set-up: Qt offscreen, settings in a temporary folder, the committed fixtures."""

from __future__ import annotations

import importlib.util
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

# No test reaches the network: every connection to a non-local address (and every DNS look-up of a
# non-local name) is refused and written to a log, in this process and in the subprocesses the CLI
# tests start (tests/netguard/sitecustomize.py, put on their PYTHONPATH); the autouse fixture below
# fails the test that tried, even when the code under test caught the error (as retry loops do).
NETWORK_LOG = Path(tempfile.mkdtemp(prefix="explorer-test-net-")) / "attempts.log"
NETWORK_LOG.touch()
os.environ["EXPLORER_TEST_NETWORK_LOG"] = str(NETWORK_LOG)
_GUARD = Path(__file__).resolve().parent / "netguard"
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(_GUARD), os.environ.get("PYTHONPATH")) if p)
_spec = importlib.util.spec_from_file_location("explorer_test_netguard", _GUARD / "sitecustomize.py")
_netguard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_netguard)  # installs the guard in this process


@pytest.fixture(autouse=True)
def no_network():
    """Fails the test if it (or a process it started) tried to reach the network."""
    start = NETWORK_LOG.stat().st_size
    yield
    with open(NETWORK_LOG, encoding="utf-8") as log:
        log.seek(start)
        tried = log.read().splitlines()
    assert not tried, f"the test tried to reach the network: {tried[:3]}"


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
