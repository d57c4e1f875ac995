"""The import-linter contract (pyproject.toml) keeps Qt out of the pure packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pure_packages_import_no_qt():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_imports_without_qt_or_heavy_libraries():
    code = (
        "import sys; import explorer.core, explorer.core.projections, explorer.core.neighbors, "
        "explorer.io.project_file, explorer.state, explorer.embedders; "
        "bad = [m for m in ('PySide6', 'pyqtgraph', 'torch', 'umap', 'sentence_transformers') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
