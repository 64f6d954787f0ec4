"""The imports after the rewrite: ``AsyncClient`` added, an unused ``Client`` dropped, ``import pytest``."""

from __future__ import annotations

import sys
from collections.abc import Callable

import libcst as cst

from codemods.analysis import dotted_name, name_uses
from codemods.analysis.imports import (
    alias_local,
    is_docstring,
    is_future_import,
    is_import_line,
    without_aliases,
)


class _FromImports(cst.CSTTransformer):
    """The module-level ``from <one of sources> import ...`` lines (not relative, not starred),
    each handed to ``edit``; defs and classes are not entered."""

    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if (
            updated_node.relative
            or updated_node.module is None
            or dotted_name(updated_node.module) not in self.sources
            or isinstance(updated_node.names, cst.ImportStar)
        ):
            return updated_node
        return self.edit(updated_node)

    def edit(self, node: cst.ImportFrom) -> cst.ImportFrom | cst.RemovalSentinel:
        raise NotImplementedError


class _AddAsyncClient(_FromImports):
    """Adds ``AsyncClient`` to the module-level ``from django.test import ... Client ...``."""

    def __init__(self) -> None:
        super().__init__(("django.test", "django.test.client"))
        self.done = False

    def edit(self, node: cst.ImportFrom) -> cst.ImportFrom:
        names = list(node.names)  # type: ignore[arg-type]
        if self.done or not any(dotted_name(a.name) == "Client" for a in names):
            return node
        self.done = True
        new = cst.ImportAlias(name=cst.Name("AsyncClient"), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if isinstance(names[0].comma, cst.Comma) and not isinstance(names[0].comma.whitespace_after, cst.SimpleWhitespace):
            new = new.with_changes(comma=names[0].comma)  # parenthesised, one name a line
        return node.with_changes(names=[new, *names])


def add_async_client_import(module: cst.Module) -> cst.Module:
    adder = _AddAsyncClient()
    new = module.visit(adder)
    if adder.done:
        return new
    return _add_import(module, cst.parse_statement("from django.test import AsyncClient\n"))


class _DropImported(_FromImports):
    """Drops the names ``drop`` picks from module-level ``from <one of sources> import`` lines
    (the line goes when empty; the others keep their layout)."""

    def __init__(self, sources: tuple[str, ...], drop: Callable[[cst.ImportAlias], bool]) -> None:
        super().__init__(sources)
        self.drop = drop

    def edit(self, node: cst.ImportFrom) -> cst.ImportFrom | cst.RemovalSentinel:
        names = list(node.names)  # type: ignore[arg-type]
        keep = [a for a in names if not self.drop(a)]
        if len(keep) == len(names):
            return node
        if not keep:
            return cst.RemoveFromParent()
        return without_aliases(node, keep, keep_layout=True)


def drop_unused_client_import(module: cst.Module) -> cst.Module:
    """``module`` without its ``Client`` import from django.test when nothing reads it any more."""
    used = name_uses(module)
    return module.visit(
        _DropImported(
            ("django.test", "django.test.client"),
            lambda a: dotted_name(a.name) == "Client" and alias_local(a) not in used,
        )
    )


def _import_tops(st: cst.CSTNode) -> list[str] | None:
    """Top-level module names a module-level import line imports ('.' for relative ones)."""
    if not isinstance(st, cst.SimpleStatementLine) or not st.body:
        return None
    small = st.body[0]
    if isinstance(small, cst.Import):
        return [(dotted_name(a.name) or "").split(".")[0] for a in small.names]
    if isinstance(small, cst.ImportFrom):
        return ["."] if small.relative else [(dotted_name(small.module) or "").split(".")[0] if small.module else "."]
    return None


def add_pytest_import(module: cst.Module) -> cst.Module:
    """``import pytest`` where isort would put it: in the leading imports' third-party group
    (one importing django or pytest-something), after its plain imports that sort before it and
    before its from-imports; else as a group of its own after the standard-library group."""
    line = cst.parse_statement("import pytest\n")
    body = list(module.body)
    groups: list[list[int]] = []
    for i, st in enumerate(body):
        tops = _import_tops(st)
        if tops is None:
            if isinstance(st, cst.SimpleStatementLine) and i == 0 and isinstance(st.body[0], cst.Expr):
                continue  # the docstring
            break
        if tops == ["__future__"]:
            continue
        if not groups or any(isinstance(ln, cst.EmptyLine) and not ln.comment for ln in st.leading_lines):
            groups.append([])
        groups[-1].append(i)
    if not groups:
        return _add_import(module, line)
    third = next(
        (g for g in groups if any(t == "django" or t.startswith("pytest") for i in g for t in _import_tops(body[i]) or ())),
        None,
    )
    if third is not None:
        at = third[0]
        for i in third:
            small = body[i].body[0]  # type: ignore[attr-defined]
            if isinstance(small, cst.Import) and (dotted_name(small.names[0].name) or "") < "pytest":
                at = i + 1
        if at == third[0]:
            first = body[at]
            body.insert(at, line.with_changes(leading_lines=first.leading_lines))
            body[at + 1] = first.with_changes(leading_lines=[])
        else:
            body.insert(at, line)
        return module.with_changes(body=body)
    std = [g for g in groups if all(t in sys.stdlib_module_names for i in g for t in _import_tops(body[i]) or ())]
    if not std:  # first-party imports only: third-party goes above them
        first = body[groups[0][0]]
        body.insert(groups[0][0], line.with_changes(leading_lines=first.leading_lines))
        body[groups[0][0] + 1] = first.with_changes(leading_lines=[cst.EmptyLine()])
        return module.with_changes(body=body)
    body.insert(std[-1][-1] + 1, line.with_changes(leading_lines=[cst.EmptyLine()]))
    return module.with_changes(body=body)


def _add_import(module: cst.Module, line: cst.BaseStatement) -> cst.Module:
    body = list(module.body)
    i = 0
    while i < len(body):
        st = body[i]
        if isinstance(st, cst.SimpleStatementLine) and (
            (i == 0 and is_docstring(st, concatenated=False, alone=False))
            or is_future_import(st.body[0])
        ):
            i += 1
            continue
        break
    if i < len(body):
        first = body[i]
        if is_import_line(first, first_only=True):
            body.insert(i, line.with_changes(leading_lines=first.leading_lines))
            body[i + 1] = first.with_changes(leading_lines=[])
        else:
            body.insert(i, line.with_changes(leading_lines=first.leading_lines))
            body[i + 1] = first.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    else:
        body.append(line)
    return module.with_changes(body=body)


class _AddName(_FromImports):
    """Adds ``name`` to the first module-level ``from <module> import ...`` (not starred)."""

    def __init__(self, module: str, name: str) -> None:
        super().__init__((module,))
        self.name = name
        self.done = False

    def edit(self, node: cst.ImportFrom) -> cst.ImportFrom:
        if self.done:
            return node
        self.done = True
        names = list(node.names)
        last = names[-1]
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return node.with_changes(names=[*names, cst.ImportAlias(name=cst.Name(self.name), comma=last.comma)])


def add_from_import(module: cst.Module, source: str, name: str) -> cst.Module:
    """``from <source> import <name>``: added to an existing import from ``source``; else, for a
    standard-library ``source``, as the last line of the leading standard-library group (a group
    of its own above the other imports without one); else at the top of the imports."""
    adder = _AddName(source, name)
    new = module.visit(adder)
    if adder.done:
        return new
    line = cst.parse_statement(f"from {source} import {name}\n")
    if source.split(".")[0] not in sys.stdlib_module_names:
        return _add_import(module, line)
    body = list(module.body)
    last_std = None
    for i, st in enumerate(body):
        tops = _import_tops(st)
        if tops is None:
            if isinstance(st, cst.SimpleStatementLine) and i == 0 and isinstance(st.body[0], cst.Expr):
                continue  # the docstring
            break
        if tops == ["__future__"]:
            continue
        new_group = any(isinstance(ln, cst.EmptyLine) and not ln.comment for ln in st.leading_lines)
        if last_std is not None and new_group:
            break
        if not all(t in sys.stdlib_module_names for t in tops):
            break
        last_std = i
    if last_std is not None:
        body.insert(last_std + 1, line)
        return module.with_changes(body=body)
    first = next((i for i, st in enumerate(body) if _import_tops(st) not in (None, ["__future__"])), None)
    if first is None:
        return _add_import(module, line)
    head = body[first]
    body[first] = head.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(first, line.with_changes(leading_lines=head.leading_lines))
    return module.with_changes(body=body)


def drop_unused_name(module: cst.Module, source: str, name: str) -> cst.Module:
    """``module`` without the import of ``name`` from ``source`` when nothing uses that name."""
    if name in name_uses(module):
        return module
    return module.visit(_DropImported((source,), lambda a: dotted_name(a.name) == name and a.asname is None))
