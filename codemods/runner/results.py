"""The run's results: one ``FileResult`` per file and the ``RunResult`` of the whole run."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from codemods.registry import Diagnostic

# The shape of --report json. 2: diagnostics carry "code" and "level"; "format_version" itself.
JSON_FORMAT_VERSION = 2


def display_path(path: Path) -> str:
    """How a file is named in the report: relative to the working folder where it can be."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@dataclasses.dataclass
class FileResult:
    path: str
    changed: bool = False
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    error: str | None = None
    diff: str | None = None
    # Where the error is, when it has a place (a syntax error, an undecodable byte).
    line: int | None = None
    col: int | None = None
    # Facts about other files the codemods read (``codemods.project.recording_reads``).
    reads: dict[str, str] | None = None
    # Why the file was not processed at all (not a regular file, too large, a symbolic link
    # leading out of the given paths): reported, but not an error.
    skipped: str | None = None

    def format_error(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line is not None else self.path
        return f"{where}: error: {self.error}"

    def format_skipped(self) -> str:
        return f"{self.path}: skipped: {self.skipped}"

    def to_json(self) -> dict[str, Any]:
        data = {
            "path": self.path,
            "changed": self.changed,
            "error": self.error,
            "line": self.line,
            "col": self.col,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }
        if self.skipped is not None:  # only then: the report of a run without skips is as it was
            data["skipped"] = self.skipped
        return data


@dataclasses.dataclass
class RunResult:
    files: list[FileResult]
    cached: int = 0
    parsed: int = 0

    @property
    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.changed]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.skipped is not None]

    def counts_by_codemod(self, kind: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            for d in f.diagnostics:
                if d.kind == kind:
                    counts[d.codemod] = counts.get(d.codemod, 0) + 1
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        skipped = len(self.skipped)
        summary: dict[str, Any] = {
            "scanned": len(self.files),
            "changed": len(self.changed),
            "unchanged": len(self.files) - len(self.changed) - len(self.failed) - skipped,
            "failed": len(self.failed),
        }
        if skipped:  # only then: the report of a run without skips is as it was
            summary["skipped"] = skipped
        summary["refused_by_codemod"] = self.counts_by_codemod("refused")
        summary["fixed_by_codemod"] = self.counts_by_codemod("fixed")
        summary["noted_by_codemod"] = self.counts_by_codemod("note")
        return {"format_version": JSON_FORMAT_VERSION, "summary": summary, "files": [f.to_json() for f in self.files]}
