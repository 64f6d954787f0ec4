"""Small readers of LibCST nodes the rooms share: names in a subtree, a target's base, awaits, comments."""

from __future__ import annotations

import dataclasses

import libcst as cst


class Names(cst.CSTVisitor):
    """Every Name in a subtree (over-collecting is conservative: it only causes refusals)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.calls: list[cst.Call] = []
        self.unsafe = False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_Await(self, node: cst.Await) -> None:
        self.unsafe = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.unsafe = True

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.unsafe = True

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.unsafe = True


def names_in(node: cst.CSTNode) -> Names:
    v = Names()
    node.visit(v)
    return v


def base_of(expr: cst.BaseExpression) -> str | None:
    """The name an attribute/subscript chain starts from (``a`` of ``a.b[k]``), or None."""
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def annotation_expr(annotation: cst.Annotation | None) -> cst.BaseExpression | None:
    """The annotation's expression (a string annotation parsed), or None."""
    if annotation is None:
        return None
    expr = annotation.annotation
    if isinstance(expr, cst.SimpleString):
        text = expr.evaluated_value
        if not isinstance(text, str):
            return None
        try:
            expr = cst.parse_expression(text)
        except Exception:  # noqa: BLE001 - LibCST raises more than its own errors on odd input
            return None
    return expr


# Per node type, the fields that may hold an expression: whitespace, comments and parentheses
# never hold an ``await``.
_FIELDS: dict[type, tuple[str, ...]] = {}


def _expression_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(
            f.name for f in dataclasses.fields(kind)
            if "whitespace" not in f.name and f.name not in ("lpar", "rpar", "leading_lines", "comma")
        )
    return names


def has_await(node: cst.CSTNode) -> bool:
    """An ``await`` at or below ``node`` (lambdas and comprehensions included). Reads the node
    fields directly: a visitor would rebuild every node it passes, at many times the cost."""
    node_type, await_type = cst.CSTNode, cst.Await
    stack: list[cst.CSTNode] = [node]
    pop, push = stack.pop, stack.append
    while stack:
        current = pop()
        if isinstance(current, await_type):
            return True
        for name in _expression_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, node_type):
                push(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(v for v in value if isinstance(v, node_type))
    return False


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.comments: list[cst.Comment] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.comments.append(node)


def comments_in(node: cst.CSTNode) -> list[cst.Comment]:
    v = _Comments()
    node.visit(v)
    return v.comments


def short(node: cst.CSTNode, limit: int = 60) -> str:
    """Code for a diagnostic: on one line, a long expression cut."""
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
