"""Scope room: what a nested def, lambda or class hides from the scope around it."""

from __future__ import annotations

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
