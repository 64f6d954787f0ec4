"""Imports: the module's own name for asyncio, and ``import asyncio`` added after the top imports."""

from __future__ import annotations

import libcst as cst

from codemods.analysis.imports import is_docstring, is_import_line
from codemods.analysis.names import module_alias, top_level_bindings


def top_level_asyncio(module: cst.Module) -> str | None:
    """Local name of a module-level ``import asyncio [as x]`` (imports in functions do not count)."""
    return module_alias(top_level_bindings(module), "asyncio")


def add_import(module: cst.Module) -> cst.Module:
    """``import asyncio`` after the imports at the top of the module (after the docstring when
    there are none, then two blank lines before a def or class that follows)."""
    body = list(module.body)
    idx = 0
    imports = False
    for n, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            break
        if n == 0 and is_docstring(stmt):
            idx = 1
            continue
        if not is_import_line(stmt):
            break
        idx, imports = n + 1, True
    line = cst.parse_statement("import asyncio\n")
    if idx and not imports:  # after the docstring: a blank line between them
        line = line.with_changes(leading_lines=[cst.EmptyLine()])
    if idx < len(body) and not imports and isinstance(body[idx], (cst.FunctionDef, cst.ClassDef)):
        after = body[idx]
        comments = [el for el in after.leading_lines if el.comment is not None]
        if len(after.leading_lines) - len(comments) < 2 or after.leading_lines[:2] != [cst.EmptyLine()] * 2:
            blank = [cst.EmptyLine(), cst.EmptyLine()]
            body[idx] = after.with_changes(leading_lines=[*blank, *comments])
    body.insert(idx, line)
    return module.with_changes(body=body)
