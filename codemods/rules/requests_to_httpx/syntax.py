"""Syntax helpers the rooms share: new keyword arguments, names in targets and lines, name counts."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

_TIGHT_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def _kwarg(
    key: str, value: cst.BaseExpression, comma: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
) -> cst.Arg:
    """``key=value`` as this codemod writes new keyword arguments (no spaces around ``=``)."""
    return cst.Arg(keyword=cst.Name(key), value=value, equal=_TIGHT_EQUAL, comma=comma)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _strip_await(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.expression if isinstance(expr, cst.Await) else expr


def _assigned_name(stmt: cst.BaseStatement) -> str | None:
    """``r`` when ``stmt`` is the line ``r = <value>`` (the value checked by the caller)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    assign = stmt.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    return target.value if isinstance(target, cst.Name) else None


class _NameCount(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name, self.count = name, 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.count += 1


def _count(nodes: Sequence[cst.CSTNode], name: str) -> int:
    """How often the Name ``name`` occurs in ``nodes`` (nested scopes and attribute names included)."""
    counter = _NameCount(name)
    for n in nodes:
        n.visit(counter)
    return counter.count

