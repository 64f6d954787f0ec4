"""Parsed-files room: what a project file's text parses to, kept for the run by path and content.

A run rewrites many files that look at the same project files (the models module, a base class's
module, the services a view calls), so each is parsed once: ``parse_ast`` keeps the ``ast`` of a
text, ``FileCache`` keeps any value computed from a file (gather-awaits keeps the LibCST facts
of the modules its callees live in). Entries are keyed by the file's path (empty when the caller
has only the text) and a hash of its content, so an edited file is parsed afresh; the oldest
entry goes once a cache is full. The values are shared: callers never change them. The texts
come from the recorded reads (``codemods.project.read_text``), so a cached result of the runner
still notices an edit. Nothing here imports libcst.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


def content_hash(text: str) -> str:
    """A short hash of ``text``: the part of a cache key that changes when the file does."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class FileCache(Generic[V]):
    """Values computed from files' texts by (path, content hash, extra key parts), at most
    ``size`` of them (the oldest dropped first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[tuple[Hashable, ...], V] = {}

    def get(self, path: str, text: str, compute: Callable[[str], V], *extra: Hashable) -> V:
        """The value of ``compute(text)`` for the file at ``path``, computed once per content."""
        key = (path, *extra, content_hash(text))
        if key not in self._values:
            value = compute(text)
            if len(self._values) >= self.size:
                self._values.pop(next(iter(self._values)))
            self._values[key] = value
        return self._values[key]

    def clear(self) -> None:
        self._values.clear()


# Project files' trees (models, bases, mixins), shared by the files of one run.
_ASTS: FileCache[ast.Module] = FileCache(512)


def parse_ast(text: str, path: str = "") -> ast.Module:
    """The ``ast`` of a project file's ``text`` (raises ``SyntaxError``/``ValueError`` as
    ``ast.parse`` does; a failure is not kept)."""
    return _ASTS.get(path, text, ast.parse)
