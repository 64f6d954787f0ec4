"""Small helpers every room of async-test-client uses: showing code, literals, names, problems."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import dotted_name
from codemods.analysis.fresh import fresh_name as analysis_fresh_name
from codemods.analysis.names import all_names
from codemods.problems import Problem


def code(node: cst.CSTNode) -> str:
    """The node's code, shortened to 60 characters for a message."""
    text = cst.Module(body=[]).code_for_node(node)
    return text if len(text) <= 60 else text[:57] + "..."


def code_full(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def str_literal(text: str) -> str:
    """``text`` as a Python string literal, double-quoted where that needs no escapes."""
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)


def is_plain_value(node: cst.BaseExpression) -> bool:
    """A literal, a name or an attribute chain, or a list/tuple of those: evaluating it twice is
    harmless."""
    if isinstance(node, (cst.SimpleString, cst.Integer)) or dotted_name(node) is not None:
        return True
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(not isinstance(e, cst.StarredElement) and is_plain_value(e.value) for e in node.elements)
    return False


def root_name(node: cst.BaseExpression) -> str | None:
    """The name an attribute/call/subscript chain starts from (``a`` of ``a.b().c[0]``)."""
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else None


def is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def fresh_name(node: cst.CSTNode, base: str = "row") -> str:
    """``base`` (or ``base_1``, ...) not written anywhere in ``node``."""
    return analysis_fresh_name(base, all_names(node))


def left_alone(lead: str, problems: list[Problem]) -> list[Problem]:
    """The diagnostics of a test left as it was: one line per reason, in order, each led by
    ``lead`` (``not made async``)."""
    return [Problem(p.kind, f"{lead}: {p.message}") for p in problems]
