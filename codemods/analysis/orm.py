"""ORM room: what names a Django model class, and the nodes of a sync ORM call's awaited twin.

Shared by the codemods that turn sync ORM work into its async twin (async-test-client in test
bodies, async-orm in any ``async def``): ``is_model_qual`` (a qualified name that looks like a
model class), ``awaited_twin`` (``recv.get(...)`` -> ``await recv.aget(...)``), ``async_list``
(``list(qs)`` -> ``[x async for x in qs]``) and ``paren`` (an await put in parentheses where it
became the value of an attribute, subscript or call). What a receiver is stays each codemod's.
"""

from __future__ import annotations

import libcst as cst


def is_model_qual(qual: str) -> bool:
    """A qualified name that looks like a model class: ``<...>.models[.<...>].Name``."""
    if qual.startswith("django.db."):
        return False
    parts = qual.lstrip(".").split(".")
    return len(parts) >= 2 and "models" in parts[:-1] and parts[-1][:1].isupper()


def paren(node: cst.Await) -> cst.Await:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def awaited_twin(call: cst.Call, name: str) -> cst.Await:
    """``recv.m(args)`` -> ``await recv.<name>(args)`` (an await the receiver became, as in
    ``(await x.aget()).items.aadd()``, is put in parentheses)."""
    assert isinstance(call.func, cst.Attribute)
    func = call.func.with_changes(attr=cst.Name(name))
    if isinstance(func.value, cst.Await) and not func.value.lpar:
        func = func.with_changes(value=paren(func.value))
    return cst.Await(expression=call.with_changes(func=func))


def async_list(iterable: cst.BaseExpression, var: str, like: cst.BaseExpression | None = None) -> cst.ListComp:
    """``[var async for var in iterable]``, with the parentheses of ``like`` (the call it replaces)."""
    name = cst.Name(var)
    return cst.ListComp(
        elt=name,
        for_in=cst.CompFor(target=name, iter=iterable, asynchronous=cst.Asynchronous()),
        lpar=list(like.lpar) if like is not None else [],
        rpar=list(like.rpar) if like is not None else [],
    )
