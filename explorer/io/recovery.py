"""Crash recovery: the open project is autosaved to a recovery folder; a recovery file whose app
is no longer running means it did not close properly, and the next start offers to recover it."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from explorer.core.project import Project
from explorer.io.project_file import clean_interrupted_saves, process_alive, save_project


@dataclass
class RecoveryFile:
    project_path: Path  # the autosaved project
    original: Path | None  # the file the user had open, if it had one
    saved_at: float
    pid: int


class Recovery:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.stem = f"session-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # one per window

    @property
    def project_path(self) -> Path:
        return self.folder / f"{self.stem}.eexp"

    def save(self, project: Project, original: Path | None) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        save_project(project, self.project_path)  # atomic, like any save
        info = {"original": str(original) if original else None, "saved_at": time.time(), "pid": os.getpid()}
        (self.folder / f"{self.stem}.json").write_text(json.dumps(info))
        return self.project_path

    def clear(self) -> None:
        """The work is saved or deliberately discarded: nothing to recover."""
        for suffix in (".eexp", ".json"):
            with contextlib.suppress(OSError):
                (self.folder / f"{self.stem}{suffix}").unlink()

    def orphans(self) -> list[RecoveryFile]:
        """Recovery files left by sessions that are not running any more, newest first."""
        found = []
        for info_path in self.folder.glob("session-*.json"):
            try:
                info = json.loads(info_path.read_text())
                pid = int(info["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            project_path = info_path.with_suffix(".eexp")
            if process_alive(pid) or not project_path.exists():
                continue
            original = Path(info["original"]) if info.get("original") else None
            found.append(RecoveryFile(project_path, original, float(info.get("saved_at", 0)), pid))
        return sorted(found, key=lambda r: -r.saved_at)

    def clean_interrupted(self) -> int:
        """Remove what autosaves that were killed left in the recovery folder (their temporary
        files); the bytes freed, for the window to tell the user. Run at start."""
        if not self.folder.is_dir():
            return 0
        return clean_interrupted_saves(self.folder, any_project=True)

    @staticmethod
    def discard(recovery: RecoveryFile) -> None:
        for path in (recovery.project_path, recovery.project_path.with_suffix(".json")):
            with contextlib.suppress(OSError):
                path.unlink()
