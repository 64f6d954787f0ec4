"""Decorators room: whether a view decorator takes sync and async views alike on a target Django version.

The facts are ``knowledge.views.SAFE_DECORATORS`` and ``METHOD_DECORATOR``; this is the one walk over
a decorator expression (``method_decorator([...])`` opened) that both directions of conversion use,
each phrasing the answer its own way.
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis.names import ImportTable
from codemods.knowledge.views import METHOD_DECORATOR, SAFE_DECORATORS


def unsupported(
    dec: cst.BaseExpression, imports: ImportTable, target: tuple[int, int], inner: bool = False
) -> tuple[str, cst.BaseExpression, tuple[int, int]] | None:
    """None when ``dec`` takes a sync view and an async one alike on ``target``; else (kind, the
    decorator at fault, the version that would do): kind ``method`` (``method_decorator`` older
    than its async support), ``unknown`` (not in the table), ``too-old`` (supported from a later
    version)."""
    func = dec.func if isinstance(dec, cst.Call) else dec
    qualified = imports.qualify(func) or ""
    if qualified == METHOD_DECORATOR[0] and isinstance(dec, cst.Call) and dec.args and not inner:
        if target < METHOD_DECORATOR[1]:
            return "method", dec, METHOD_DECORATOR[1]
        first = dec.args[0].value
        wrapped = [e.value for e in first.elements] if isinstance(first, (cst.List, cst.Tuple)) else [first]
        for d in wrapped:
            found = unsupported(d, imports, target, inner=True)
            if found is not None:
                return found
        return None
    if qualified not in SAFE_DECORATORS:
        return "unknown", dec, (0, 0)
    since = SAFE_DECORATORS[qualified]
    return ("too-old", dec, since) if target < since else None
