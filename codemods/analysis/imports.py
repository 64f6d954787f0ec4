"""Import-editing room: the primitives the codemods' import edits share.

What a module's top looks like (``is_docstring``, ``is_import_line``, ``is_future_import``), the
name an alias binds (``alias_local``, ``bound_name``) and an import with some of its names dropped
(``without_aliases``). Where each codemod puts a new import, and which names it drops, stay its own
placement policy, in its ``imports`` room: they differ (isort-like groups for ``import pytest``,
where the requests import was for ``import httpx``, after the last import for the sync twins,
after the leading imports for ``import asyncio``), and each codemod's output must stay as it was.
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis.names import dotted_name, module_name

_STRINGS = (cst.SimpleString, cst.ConcatenatedString)


def is_docstring(stmt: cst.CSTNode, *, concatenated: bool = True, alone: bool = True) -> bool:
    """``stmt`` is a line holding a string expression (a docstring when it is the first line).
    ``concatenated``: implicitly concatenated strings (``"a" "b"``) count too; ``alone``: the
    string is the line's only statement (else the first statement of the line is looked at)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or not stmt.body:
        return False
    if alone and len(stmt.body) != 1:
        return False
    first = stmt.body[0]
    return isinstance(first, cst.Expr) and isinstance(
        first.value, _STRINGS if concatenated else cst.SimpleString
    )


def is_import_line(stmt: cst.CSTNode, *, first_only: bool = False) -> bool:
    """``stmt`` is a line of import statements (every one, or with ``first_only`` its first)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    if first_only:
        return isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
    return all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def is_future_import(small: cst.BaseSmallStatement) -> bool:
    """``from __future__ import ...``."""
    return (
        isinstance(small, cst.ImportFrom)
        and small.module is not None
        and dotted_name(small.module) == "__future__"
    )


def alias_local(alias: cst.ImportAlias) -> str:
    """What an alias is known as: its ``as`` name, else the name imported (``a.b`` for
    ``import a.b``, which binds ``a``: see ``bound_name``)."""
    if alias.asname is not None:
        return module_name(alias.asname.name)
    return module_name(alias.name)


def bound_name(alias: cst.ImportAlias) -> str:
    """The name an alias binds: its ``as`` name, else the head of the name imported."""
    return alias_local(alias) if alias.asname is not None else module_name(alias.name).partition(".")[0]


def without_aliases(
    stmt: cst.ImportFrom, kept: list[cst.ImportAlias], *, keep_layout: bool
) -> cst.ImportFrom:
    """``stmt`` importing only ``kept`` (its aliases, in order, at least one). ``keep_layout``:
    the last kept name takes the comma of the statement's last name (a trailing comma and the
    parentheses stay, as the user wrote them); else no comma after the last name, and no
    parentheses once a single name is left."""
    kept = list(kept)
    old = list(stmt.names) if not isinstance(stmt.names, cst.ImportStar) else []
    if keep_layout:
        if old and old[-1] is not kept[-1]:
            kept[-1] = kept[-1].with_changes(comma=old[-1].comma)
        return stmt.with_changes(names=kept)
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return stmt.with_changes(
        names=kept, lpar=stmt.lpar if len(kept) > 1 else None, rpar=stmt.rpar if len(kept) > 1 else None
    )
