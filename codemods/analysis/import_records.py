"""Import records room: the names import statements bind, as plain records (no libcst).

The one import reader's data (``ImportBinding``) and its reading of ``ast`` trees, which the
project files are parsed into (``codemods.project`` reads them without loading libcst);
``codemods.analysis.names`` reads LibCST trees into the same records and resolves names with them.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable


@dataclasses.dataclass(frozen=True, slots=True)
class ImportBinding:
    """One name an import statement binds: ``local`` is bound to ``module`` (``import a.b`` binds
    ``a`` with module ``a.b``; ``import a.b as s`` binds ``s``, ``alias`` set), or to ``name`` of
    ``module`` for a from-import (``from ..a import f as g``: local ``g``, module ``a``, level 2,
    name ``f``; ``from . import f``: module ``""``). Star imports bind nothing that can be named."""

    local: str
    module: str
    level: int = 0
    name: str | None = None
    alias: bool = False

    def qualified(self, dotted_relative: bool = False) -> str:
        """The dotted name ``local`` stands for: ``a`` (``import a.b``), ``a.b`` (``import a.b as
        s``), ``a.f`` (``from a import f``), relative ones keeping their dots (``.a.f``, ``.f`` for
        ``from . import f``). ``dotted_relative``: the name joined to the module with a dot even
        after the dots alone, ``from . import f`` -> ``..f`` (how ``ImportTable`` has always
        written it; no codemod compares those with anything else)."""
        if self.name is None:
            return self.module if self.alias else self.local
        base = "." * self.level + self.module
        if not base:
            return self.name
        if base.endswith(".") and not dotted_relative:
            return base + self.name
        return f"{base}.{self.name}"


def ast_statement_bindings(node: ast.Import | ast.ImportFrom) -> list[ImportBinding]:
    """The names one ``ast`` import statement binds, in order."""
    if isinstance(node, ast.Import):
        return [
            ImportBinding(a.asname, a.name, alias=True) if a.asname else ImportBinding(a.name.split(".")[0], a.name)
            for a in node.names
        ]
    return [
        ImportBinding(a.asname or a.name, node.module or "", node.level, a.name, bool(a.asname))
        for a in node.names
        if a.name != "*"
    ]


def ast_top_level_bindings(tree: ast.Module) -> list[ImportBinding]:
    """The names the module-level import statements of an ``ast`` tree bind, in order (the
    project files other than the one being rewritten are read with ``ast``)."""
    out: list[ImportBinding] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.extend(ast_statement_bindings(node))
    return out


def module_alias(bindings: Iterable[ImportBinding], module: str) -> str | None:
    """The local name of the first ``import <module> [as x]`` among ``bindings``: that module
    itself, so ``import asyncio.subprocess`` is not ``asyncio``'s."""
    for b in bindings:
        if b.name is None and b.module == module:
            return b.local
    return None
