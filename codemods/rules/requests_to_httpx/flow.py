"""Which bindings of a name may reach each read of it in one function (``_Flow``): what tells a
name holding a requests response on one path from the same name holding something else elsewhere.

An over-approximation, by source order and blocks rather than a control-flow graph: a binding may
reach a read when it comes before it, or when both sit in one loop or comprehension; a plain
``name = value`` statement earlier in the same block as the read (or in a block around it) hides
the bindings before it, but for those that can come round a loop it is not in. Reads in nested
scopes, and names declared ``global``/``nonlocal``, are not followed (``reaching`` gives None)."""

from __future__ import annotations

import dataclasses

import libcst as cst

from codemods.analysis import SameScope
from codemods.analysis.bindings import target_names
from codemods.rules.requests_to_httpx.syntax import _strip_await

_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_Path = tuple[tuple[int, int], ...]  # (id of the block or line, index of the statement in it), outermost first


@dataclasses.dataclass(frozen=True)
class _Binding:
    """One binding of a name: ``value`` its exact value (``name = value``) or None; ``source`` the
    expression its value comes from (``for name in source``), for the taint analysis."""

    value: cst.BaseExpression | None
    source: cst.BaseExpression | None
    pos: int
    loops: frozenset[int]
    path: _Path
    statement: bool  # a ``name = value`` statement of its own (it hides the bindings before it)


@dataclasses.dataclass(frozen=True)
class _Read:
    name: str
    pos: int
    loops: frozenset[int]
    path: _Path


def _gathered_targets(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> list[tuple[str, cst.BaseExpression]] | None:
    """``a, b = await asyncio.gather(x, y)``: [("a", x), ("b", y)] (the name ``gather`` suffices:
    the values are only used to recognise requests calls, which are checked on their own)."""
    if not (
        isinstance(target, (cst.Tuple, cst.List))
        and isinstance(value, cst.Call)
        and isinstance(value.func, (cst.Name, cst.Attribute))
        and (value.func.value if isinstance(value.func, cst.Name) else value.func.attr.value) == "gather"
        and all(not a.star and a.keyword is None for a in value.args)
        and len(target.elements) == len(value.args)
        and all(isinstance(el.value, cst.Name) for el in target.elements)
    ):
        return None
    return [(el.value.value, a.value) for el, a in zip(target.elements, value.args)]  # type: ignore[attr-defined]


# The value bound by the Python entry of a parameter: unknown.
_ENTRY = _Binding(None, None, -1, frozenset(), (), False)


def _dominates(b: _Binding, r: _Read) -> bool:
    """``b`` runs before ``r`` whenever ``r`` runs: an earlier statement of a block ``r`` is in."""
    if not b.statement or b.pos >= r.pos:
        return False
    p, q = b.path, r.path
    k = 0
    while k < len(p) and k < len(q) and p[k] == q[k]:
        k += 1
    if k >= len(p) or k >= len(q) or k < len(p) - 2:
        return False
    return p[k][0] == q[k][0] and p[k][1] < q[k][1]


class _Flow(SameScope, cst.CSTVisitor):
    def __init__(self, params: set[str]) -> None:
        self.params = params
        self.bindings: dict[str, list[_Binding]] = {}
        self.reads: dict[int, _Read] = {}
        self.outer: set[str] = set()  # global/nonlocal names: bound elsewhere too
        self._pos = 0
        self._loops: list[int] = []
        self._path: list[tuple[int, int]] = []
        self._index: dict[int, tuple[int, int]] = {}

    # --- where we are
    def on_visit(self, node: cst.CSTNode) -> bool:
        self._pos += 1
        if isinstance(node, _LOOPS):
            self._loops.append(id(node))
        if id(node) in self._index:
            self._path.append(self._index[id(node)])
        if isinstance(node, (cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for i, stmt in enumerate(node.body):
                self._index[id(stmt)] = (id(node), i)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self._pos += 1
        if isinstance(original_node, _LOOPS):
            self._loops.pop()
        if id(original_node) in self._index:
            self._path.pop()

    def _bind(
        self,
        target: cst.BaseExpression | None,
        value: cst.BaseExpression | None,
        source: cst.BaseExpression | None,
        statement: bool = False,
    ) -> None:
        for n in target_names(target):
            b = _Binding(value, source, self._pos, frozenset(self._loops), tuple(self._path), statement)
            self.bindings.setdefault(n, []).append(b)

    # --- bindings (recorded once their value is computed)
    def leave_Assign(self, original_node: cst.Assign) -> None:
        value = _strip_await(original_node.value)
        for t in original_node.targets:
            gathered = _gathered_targets(t.target, value)
            if gathered is not None:
                for name, item in gathered:
                    self._bind(cst.Name(name), item, original_node.value)
            elif isinstance(t.target, cst.Name):
                self._bind(t.target, value, original_node.value, statement=len(original_node.targets) == 1)
            else:
                self._bind(t.target, None, original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if original_node.value is not None:
            value = _strip_await(original_node.value) if isinstance(original_node.target, cst.Name) else None
            self._bind(original_node.target, value, original_node.value, statement=value is not None)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        self._bind(original_node.target, None, original_node.value)

    def leave_NamedExpr(self, original_node: cst.NamedExpr) -> None:
        self._bind(original_node.target, None, original_node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None, node.iter)  # inside its loop: bound in every round

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, None, node.iter)

    def leave_WithItem(self, original_node: cst.WithItem) -> None:
        if original_node.asname is not None:
            self._bind(original_node.asname.name, None, original_node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name, None, None)

    def visit_Global(self, node: cst.Global) -> None:
        self.outer.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.outer.update(n.name.value for n in node.names)

    def visit_Name(self, node: cst.Name) -> None:
        self.reads[id(node)] = _Read(node.value, self._pos, frozenset(self._loops), tuple(self._path))

    # --- the answer
    def reaching(self, node: cst.Name) -> list[_Binding] | None:
        """The bindings whose value ``node`` may read (``_ENTRY`` for a parameter's own), or None
        when not followed."""
        read = self.reads.get(id(node))
        if read is None or read.name in self.outer or read.name not in self.bindings:
            return None
        bs = self.bindings[read.name]
        cand = [b for b in bs if b.pos < read.pos or b.loops & read.loops]
        doms = [b for b in cand if _dominates(b, read)]
        if not doms:
            return cand + ([_ENTRY] if read.name in self.params else [])
        d = max(doms, key=lambda b: b.pos)
        return [b for b in cand if b is d or d.pos < b.pos < read.pos or (b.loops & read.loops) - d.loops]
