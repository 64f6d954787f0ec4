"""ORM room: what names a Django model class, and the nodes of a sync ORM call's awaited twin.

Shared by the codemods that turn sync ORM work into its async twin (async-test-client in test
bodies, async-orm in any ``async def``): ``is_model_qual`` (a qualified name that looks like a
model class), ``awaited_twin`` (``recv.get(...)`` -> ``await recv.aget(...)``), ``async_list``
(``list(qs)`` -> ``[x async for x in qs]``), ``paren`` (an await put in parentheses where it
became the value of an attribute, subscript or call), the plan steps both take (``Twin``,
``AsyncFor``, ``ListComp``) and ``TwinRewrite``, the transformer part they share. What a receiver
is stays each codemod's.
"""

from __future__ import annotations

import dataclasses

import libcst as cst


# The plan steps both rewrites take (each codemod's plan adds its own).
@dataclasses.dataclass(frozen=True)
class Twin:
    """An ORM (or session) call -> ``await <receiver>.<name>(...)``."""

    name: str


@dataclasses.dataclass(frozen=True)
class AsyncFor:
    """A ``for`` over a queryset (statement or comprehension) -> ``async for``."""


@dataclasses.dataclass(frozen=True)
class ListComp:
    """``list(qs)`` -> ``[row async for row in qs]``."""


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


class TwinRewrite(cst.CSTTransformer):
    """What every rewrite into awaited twins does besides its own steps: a ``for`` or comprehension
    loop the subclass planned async (``async_loop``, asked of the original node) gets ``async``,
    and an await that became the value of an attribute or subscript is put in parentheses
    (``(await x.aget()).name``)."""

    def async_loop(self, original: cst.For | cst.CompFor) -> bool:
        raise NotImplementedError

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        if self.async_loop(original_node):
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        if self.async_loop(original_node):
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if isinstance(updated_node.value, cst.Await) and not updated_node.value.lpar:
            return updated_node.with_changes(value=paren(updated_node.value))
        return updated_node

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        if isinstance(updated_node.value, cst.Await) and not updated_node.value.lpar:
            return updated_node.with_changes(value=paren(updated_node.value))
        return updated_node
