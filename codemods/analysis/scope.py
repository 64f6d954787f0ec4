"""Scope room: what a nested def, lambda or class hides from the scope around it."""

from __future__ import annotations

import libcst as cst


def is_async(func: cst.FunctionDef) -> bool:
    return func.asynchronous is not None


class SameScope:
    """Mixin for visitors and transformers that must not enter nested functions, lambdas or classes
    (an ``await`` there belongs to another scope)."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False
