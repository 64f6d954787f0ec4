"""The run's results: one ``FileResult`` per file and the ``RunResult`` of the whole run."""

from __future__ import annotations

import dataclasses
from typing import Any

from codemods.registry import Diagnostic


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

    def format_error(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line is not None else self.path
        return f"{where}: error: {self.error}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.changed,
            "error": self.error,
            "line": self.line,
            "col": self.col,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


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

    def counts_by_codemod(self, kind: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            for d in f.diagnostics:
                if d.kind == kind:
                    counts[d.codemod] = counts.get(d.codemod, 0) + 1
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "scanned": len(self.files),
                "changed": len(self.changed),
                "unchanged": len(self.files) - len(self.changed) - len(self.failed),
                "failed": len(self.failed),
                "refused_by_codemod": self.counts_by_codemod("refused"),
                "fixed_by_codemod": self.counts_by_codemod("fixed"),
                "noted_by_codemod": self.counts_by_codemod("note"),
            },
            "files": [f.to_json() for f in self.files],
        }
