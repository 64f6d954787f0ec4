"""Streamed responses: ``r = requests.get(url, stream=True)`` becomes ``async with client.stream(...)
as r:`` around the rest of its block (see ``client._ClientBlocks``) and ``for chunk in
r.iter_content(n)`` an ``async for`` over ``r.aiter_bytes(n)``; ``_StreamCheck`` makes sure the
response is used only there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from codemods.analysis import SameScope
from codemods.knowledge.requests_api import ITER_CONTENT_CHUNK_SIZE, STREAM_ATTRS
from codemods.problems import Problem
from codemods.rules.requests_to_httpx.calls import _streams
from codemods.rules.requests_to_httpx.syntax import _assigned_name, _count, _strip_await

if TYPE_CHECKING:
    from codemods.rules.requests_to_httpx.values import _Locals


class _StreamCheck(SameScope, cst.CSTVisitor):
    """A streamed response must be consumed inside the ``async with`` that replaces its assignment:
    every use of it in the statements after that assignment, in the same block, and only through
    ``for x in r.iter_content(n)`` and attributes that read no body."""

    def __init__(self, local: _Locals, body: cst.BaseSuite) -> None:
        self.local = local
        self.body = body
        self.problems: list[tuple[cst.CSTNode, Problem]] = []
        self._placed: set[int] = set()  # stream calls in a well-placed assignment
        self._ok: set[int] = set()  # Name nodes used in an allowed way

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        for i, stmt in enumerate(node.body):
            name = _assigned_name(stmt)
            if name is None or name not in self.local.streams:
                continue
            assert isinstance(stmt, cst.SimpleStatementLine)
            assign = stmt.body[0]
            assert isinstance(assign, cst.Assign)
            if _count([self.body], name) != _count(node.body[i:], name):
                why = "is used outside the statements after it"
                self.problems.append(
                    (stmt, Problem("stream-used-outside", f"the streamed response {name} {why}"))
                )
                continue
            self._placed.add(id(_strip_await(assign.value)))
            self._ok.add(id(assign.targets[0].target))

    def visit_Call(self, node: cst.Call) -> None:
        req = self.local.match(node)
        if _streams(req) and id(node) not in self._placed:
            self.problems.append(
                (
                    node,
                    Problem(
                        "stream-not-assigned",
                        "stream=True other than as `name = <call>` on a line of its own",
                    ),
                )
            )

    def visit_For(self, node: cst.For) -> None:
        it = node.iter
        if (
            isinstance(it, cst.Call)
            and isinstance(it.func, cst.Attribute)
            and it.func.attr.value == "iter_content"
            and isinstance(it.func.value, cst.Name)
            and it.func.value.value in self.local.streams
            and node.asynchronous is None
        ):
            if not it.args or (
                len(it.args) == 1
                and not it.args[0].star
                and (it.args[0].keyword is None or it.args[0].keyword.value == "chunk_size")
            ):
                self._ok.add(id(it.func.value))
            else:
                self.problems.append(
                    (
                        it,
                        Problem(
                            "iter-content-args", "iter_content() with arguments other than the chunk size"
                        ),
                    )
                )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value = node.value
        if (
            isinstance(value, cst.Name)
            and value.value in self.local.streams
            and node.attr.value in STREAM_ATTRS
            and node.attr.value != "iter_content"
        ):
            self._ok.add(id(value))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.local.streams and id(node) not in self._ok:
            why = "other than through `for ... in r.iter_content(n)` and attributes that read no body"
            self.problems.append(
                (node, Problem("stream-used", f"uses the streamed response {node.value} {why}"))
            )

    def nested_scope(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> bool:
        for name in self.local.streams:
            if _count([node], name):
                self.problems.append(
                    (
                        node,
                        Problem(
                            "stream-nested-scope", f"uses the streamed response {name} in a nested scope"
                        ),
                    )
                )
        return False


class _StreamRewrites:
    """``_Rewriter``'s part for streamed responses: ``for chunk in r.iter_content(n)`` -> ``async for
    chunk in r.aiter_bytes(n)``."""

    local: _Locals

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        it = updated_node.iter
        if (
            isinstance(it, cst.Call)
            and isinstance(it.func, cst.Attribute)
            and it.func.attr.value == "iter_content"
            and isinstance(it.func.value, cst.Name)
            and it.func.value.value in self.local.streams
        ):
            # requests' default chunk size is 1 byte
            args = (
                [it.args[0].with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)]
                if it.args
                else [cst.Arg(cst.Integer(str(ITER_CONTENT_CHUNK_SIZE)))]
            )
            return updated_node.with_changes(
                asynchronous=cst.Asynchronous(),
                iter=it.with_changes(func=it.func.with_changes(attr=cst.Name("aiter_bytes")), args=args),
            )
        return updated_node
