"""Twin-imports room: a rewrite that swapped functions for their twins fixes the imports.

``fix_imports`` adds ``from M import twin`` for the twins the rewrite used and drops the imports it
left unused (in place of the old name in the same ``from`` import when the twin comes from the same
module). async-views-to-sync swaps async names for sync ones (``aget_object_or_404`` ->
``get_object_or_404``), async-orm the other way round; each says which names it may drop.
"""

from __future__ import annotations

import bisect

import libcst as cst

from codemods.analysis.imports import alias_local, is_docstring, is_import_line
from codemods.analysis.names import name_uses, top_level_bindings


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _top_level_from_imports(module: cst.Module) -> dict[str, str]:
    """Local name -> qualified name, for ``from M import n`` statements at the top of the module."""
    return {
        b.local: f"{b.module}.{b.name}"
        for b in top_level_bindings(module)
        if b.name is not None and b.module and not b.level
    }


def _rebuild_aliases(
    small: cst.ImportFrom, drop: set[str], replace: dict[str, str], append: list[str]
) -> list[cst.ImportAlias]:
    """The import's aliases with ``drop`` removed, ``replace`` renamed in place (async name -> its
    sync twin) and ``append`` added (at their sorted place when the names are sorted, else at the
    end), keeping the statement's comma and line layout."""
    assert not isinstance(small.names, cst.ImportStar)
    old = list(small.names)
    trailing = old[-1].comma
    out: list[cst.ImportAlias] = []
    for alias in old:
        local = alias_local(alias)
        if local in drop:
            continue
        if local in replace:
            alias = alias.with_changes(name=cst.Name(replace[local]), asname=None)
        out.append(alias)
    if not out and not append:
        return []
    if append:
        sep = next((a.comma for a in old[:-1] if isinstance(a.comma, cst.Comma)), None)
        sep = sep or cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        keys = [_code(a.name).lower() for a in out]
        in_order = keys == sorted(keys)
        for name in append:
            at = bisect.bisect(keys, name.lower()) if in_order else len(out)
            keys.insert(at, name.lower())
            out.insert(at, cst.ImportAlias(name=cst.Name(name), comma=sep))
        # every name but the last needs a separating comma like its neighbours
        out = [a if isinstance(a.comma, cst.Comma) and a.comma is not trailing else a.with_changes(comma=sep) for a in out]
    out[-1] = out[-1].with_changes(comma=trailing)
    return out


def fix_imports(
    module: cst.Module, needed: set[tuple[str, str]], used_before: set[str], droppable: dict[str, str]
) -> cst.Module:
    """Add ``from M import name`` for the twins used (``needed``: (module, name) pairs, after the
    last leading import); drop the imports of ``droppable`` (qualified name -> the name of its twin
    in the same module, or "") that the rewrite left unused (an import that was unused before
    stays: it is not ours to remove; one named in a string, as in ``__all__``, stays too). A
    dropped name whose twin is needed from the same module is replaced in place."""
    bound = _top_level_from_imports(module)
    used_after = name_uses(module)
    text = module.code
    missing = sorted((m, n) for m, n in needed if bound.get(n) != f"{m}.{n}")
    body = list(module.body)
    for i, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        new_stmts: list[cst.BaseSmallStatement] = []
        for small in stmt.body:
            if (
                not isinstance(small, cst.ImportFrom)
                or small.module is None
                or small.relative
                or isinstance(small.names, cst.ImportStar)
            ):
                new_stmts.append(small)
                continue
            source = _code(small.module)
            wanted = [n for m, n in missing if m == source]
            drop: set[str] = set()
            replace: dict[str, str] = {}
            for alias in small.names:
                local = alias_local(alias)
                full = f"{source}.{alias.name.value}"
                if (
                    full in droppable
                    and local in used_before
                    and local not in used_after
                    and f'"{local}"' not in text
                    and f"'{local}'" not in text
                ):
                    twin = droppable[full]
                    if twin in wanted:
                        replace[local] = twin
                        wanted.remove(twin)
                    else:
                        drop.add(local)
            missing = [(m, n) for m, n in missing if m != source]
            if drop or replace or wanted:
                aliases = _rebuild_aliases(small, drop, replace, wanted)
                if not aliases:
                    continue
                small = small.with_changes(names=aliases)
            new_stmts.append(small)
        if new_stmts != list(stmt.body):
            if new_stmts:
                new_stmts[-1] = new_stmts[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                body[i] = stmt.with_changes(body=new_stmts)
            else:
                body[i] = None  # type: ignore[call-overload]
    dropped_first = bool(body) and body[0] is None
    body = [b for b in body if b is not None]
    if dropped_first and body and not module.header:
        # the module's first statement went: the blank lines that followed it are not a header
        body[0] = body[0].with_changes(leading_lines=[])
    if missing:
        at = 0
        for k, s in enumerate(body):
            if isinstance(s, cst.SimpleStatementLine) and (
                is_import_line(s) or (k == 0 and is_docstring(s, concatenated=False, alone=False))
            ):
                at = k + 1
        for offset, (m, n) in enumerate(missing):
            body.insert(at + offset, cst.parse_statement(f"from {m} import {n}\n"))
    return module.with_changes(body=body)
