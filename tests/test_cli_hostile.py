"""Bad arguments and hostile files on the command line: a non-zero exit and one line on stderr,
never a traceback, never a hang."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.test_cli import explorer


def assert_one_line_failure(result) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(lines[0]) <= 330


@pytest.mark.parametrize("k", ["0", "-1"])
def test_neighbors_with_no_neighbours_asked_is_refused(v1_project_path, k):
    result = explorer("neighbors", str(v1_project_path), "king", "-k", k)
    assert_one_line_failure(result)
    assert "number of neighbours" in result.stderr


@pytest.mark.parametrize("param", ["n_neighbors=0", "components=0,99"])
def test_bad_projection_parameter_is_one_line(tmp_path, v1_project_path, param):
    path = tmp_path / "p.eexp"
    shutil.copy(v1_project_path, path)
    method = "umap" if param.startswith("n_neighbors") else "pca"
    result = explorer("project", str(path), "--method", method, "--param", param)
    assert_one_line_failure(result)
    assert param.split("=")[0] in result.stderr


def test_pipe_and_device_are_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "pipe.eexp")
    (tmp_path / "zero.eexp").symlink_to("/dev/zero")
    for name in ("pipe.eexp", "zero.eexp"):
        result = explorer("info", str(tmp_path / name), timeout=60)
        assert_one_line_failure(result)
        assert "not a regular file" in result.stderr


def test_opening_a_project_reclaims_what_killed_saves_left_and_says_so(tmp_path, v1_project_path):
    path = tmp_path / "p.eexp"
    shutil.copy(v1_project_path, path)
    leftover = tmp_path / ".p.eexp.999999999-abc.saving"  # no such process: a killed save
    leftover.write_bytes(b"\0" * (3 << 20))
    result = explorer("info", str(path))
    assert result.returncode == 0, result.stderr
    assert "Recovered 3.0 MB of disk space from interrupted saves" in result.stderr
    assert not leftover.exists()
