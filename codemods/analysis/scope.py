"""Scope room: what a nested def, lambda or class hides from the scope around it."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

# The nodes that open a scope of their own inside a function body (comprehensions aside: their
# targets are their own, but the code in them runs where they stand).
NESTED_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def is_async(func: cst.FunctionDef) -> bool:
    return func.asynchronous is not None


class NestedScopes:
    """Mixin for visitors and transformers that handle the nested functions, lambdas and classes
    of the scope they walk in one place: each goes to ``nested_scope(node)``, whose answer says
    whether the walk enters it (by default it does not: an ``await`` there belongs to another
    scope). A visitor that reports what a nested scope uses overrides ``nested_scope``."""

    def nested_scope(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self.nested_scope(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self.nested_scope(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self.nested_scope(node)


class SameScope(NestedScopes):
    """Mixin for visitors and transformers that must not enter nested functions, lambdas or classes
    (an ``await`` there belongs to another scope)."""


def suites(node: cst.CSTNode) -> list[cst.BaseSuite]:
    """The blocks of a compound statement (``elif``/``else``/handlers/``finally``/cases too)."""
    out: list[cst.BaseSuite] = []
    if isinstance(node, cst.If):
        out.append(node.body)
        if node.orelse is not None:
            out += suites(node.orelse)
    elif isinstance(node, (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler,
                           cst.With, cst.MatchCase)):
        out.append(node.body)
    elif isinstance(node, (cst.For, cst.While)):
        out.append(node.body)
        if node.orelse is not None:
            out.append(node.orelse.body)
    elif isinstance(node, (cst.Try, cst.TryStar)):
        out.append(node.body)
        for handler in node.handlers:
            out.append(handler.body)
        for extra in (node.orelse, node.finalbody):
            if extra is not None:
                out.append(extra.body)
    elif isinstance(node, cst.Match):
        out += [case.body for case in node.cases]
    return out


def defs(module: cst.Module) -> list[tuple[tuple[str, ...], cst.FunctionDef, bool]]:
    """Every def of the module, nested ones too, outer ones first, in source order: its path of
    class/def names, the def, and whether it is a method (right in a class body). Walks statements
    only: a def is a statement, so no expression is entered (a LibCST visitor would rebuild every
    node it passes)."""
    out: list[tuple[tuple[str, ...], cst.FunctionDef, bool]] = []

    def walk(body: Sequence[cst.BaseStatement | cst.BaseSmallStatement], path: tuple[str, ...], in_class: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                here = (*path, stmt.name.value)
                if isinstance(stmt, cst.FunctionDef):
                    out.append((here, stmt, in_class))
                parts: list[cst.BaseSuite] = [stmt.body]
            else:
                here, parts = path, suites(stmt)
            for part in parts:
                if isinstance(part, cst.IndentedBlock):
                    walk(part.body, here, isinstance(stmt, cst.ClassDef))

    walk(module.body, (), False)
    return out


def async_defs(module: cst.Module) -> list[tuple[cst.FunctionDef, bool]]:
    """Every ``async def`` of the module with whether it is a method (see ``defs``)."""
    return [(func, method) for _, func, method in defs(module) if func.asynchronous is not None]


def inside(root: cst.CSTNode, wanted: set[int]) -> set[int]:
    """The ids of ``wanted`` that are ``root`` or a node below it (the walk stops once all are found)."""
    found: set[int] = set()

    class _Find(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if id(node) in wanted:
                found.add(id(node))
            return len(found) < len(wanted)

    root.visit(_Find())
    return found
