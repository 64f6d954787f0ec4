"""The test-body scan's state and its walk of scopes, stores and loops (``ScanBase``)."""

from __future__ import annotations

import libcst as cst

from codemods.problems import Problem
from codemods.rules.async_test_client.common import code
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.models import Kind
from codemods.rules.async_test_client.plan import AsyncFor, Plan, SessionSet


class ScanBase(cst.CSTVisitor):
    """What every part of the scan (``scan.Scan``) shares: the test's ``Env``, the target Django
    version, the problems found (``problems``), the ``Plan`` being filled, and the marks the
    scan leaves on nodes it has judged so that a later visit of the same node does not judge it
    again. Its own visits track nested scopes (a nested def, lambda, generator expression or
    class cannot be awaited in) and the places where a queryset or instance stands without being
    evaluated: assignment targets and values, expression statements, comparisons, loops."""

    def __init__(self, env: Env, target: tuple[int, int]) -> None:
        self.env = env
        self.self_name = env.self_name
        self.target = target
        self.problems: list[Problem] = []
        self.plan = Plan()
        self.client_calls = 0
        self.depth_nested = 0
        self.nested_defs: list[str] = []  # names of the nested defs being visited
        self.line: cst.SimpleStatementLine | None = None
        self.default_client = False  # self.client / the client fixture (not only Client() objects)
        self.requests: list[cst.Call] = []
        self.bare = False  # the client used other than through a supported call
        self.logins = False  # client.login(): alogin() depends on the auth backends
        # Nodes already judged (the scan only, never the rewrite):
        self.ok_client_attrs: set[cst.CSTNode] = set()  # client expressions used in a supported way
        self.ok_context: set[cst.CSTNode] = set()  # response.context read by a plain key
        self.ok: set[cst.CSTNode] = set()  # expressions whose queryset/instance value is used safely
        self.handled: set[cst.CSTNode] = set()  # method Attribute nodes whose call was judged in visit_Call
        self.not_refs: set[cst.CSTNode] = set()  # Name nodes that are attribute or keyword names

    def _refuse(self, kind: str, why: str) -> None:
        if self.nested_defs:
            why = f"in nested function {self.nested_defs[-1]}(): {why}"
        problem = Problem(kind, why)
        if problem not in self.problems:
            self.problems.append(problem)

    def _need(self, version: tuple[int, int], what: str) -> bool:
        if self.target < version:
            self._refuse("needs-django", f"{what} needs Django {version[0]}.{version[1]}+")
            return False
        return True

    def _kind(self, node: cst.BaseExpression) -> Kind | None:
        return self.env.kind(node)

    # ---- provided by the other parts of the scan (``scan.Scan`` puts them together)
    def _check_use(self, node: cst.BaseExpression) -> None:
        raise NotImplementedError

    def _check_args(self, node: cst.Call) -> None:
        raise NotImplementedError

    def _redirect(self, node: cst.Call) -> None:
        raise NotImplementedError

    def _response_object(self, node: cst.BaseExpression, depth: int) -> str | None:
        raise NotImplementedError

    def _is_response(self, node: cst.BaseExpression) -> bool:
        raise NotImplementedError

    # ---- scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth_nested += 1
        self.nested_defs.append(node.name.value)
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth_nested -= 1
        self.nested_defs.pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.depth_nested += 1
        return True

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.depth_nested -= 1

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        self.depth_nested += 1
        return True

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.depth_nested -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.depth_nested += 1
        return True

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth_nested -= 1

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.depth_nested == 0:
            self._refuse("generator", "the test is a generator")

    # ---- places where a queryset or instance may stand without being evaluated
    def visit_Assign(self, node: cst.Assign) -> None:
        self.ok.add(node.value)
        for t in node.targets:
            self._store(t.target)
            target = t.target
            if (
                isinstance(target, cst.Subscript)
                and isinstance(target.value, cst.Name)
                and target.value.value in self.env.sessions
            ):
                self.ok.add(target.value)
                idx = target.slice[0].slice if len(target.slice) == 1 else None
                line = self.line
                if (
                    len(node.targets) != 1
                    or not isinstance(idx, cst.Index)
                    or line is None
                    or len(line.body) != 1
                    or line.body[0] is not node
                    or self.depth_nested
                ):
                    self._refuse("session-set", f"{code(target)} = ... is not a plain statement of its own")
                elif self._need((5, 1), "session[key] = value as await session.aset()"):
                    self.plan.add(line, SessionSet(target.value, idx.value, node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.ok.add(node.value)
        self._store(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.ok.add(node.value)
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def _store(self, node: cst.BaseExpression) -> None:
        self.ok.add(node)
        if isinstance(node, cst.Attribute):
            self.ok.add(node.value)
            self.handled.add(node)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._store(el.value)
        elif isinstance(node, cst.StarredElement):
            self._store(node.value)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.line = node

    def visit_Expr(self, node: cst.Expr) -> None:
        self.ok.add(node.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if not isinstance(target.operator, (cst.In, cst.NotIn)):
                for side in (left, target.comparator):
                    k = self._kind(side)
                    if k is not None and k[0] in ("inst", "ctx"):
                        self.ok.add(side)
            left = target.comparator

    def visit_For(self, node: cst.For) -> None:
        self._store(node.target)
        k = self._kind(node.iter)
        if k is None:
            return
        if k[0] == "instlist":
            self.ok.add(node.iter)
        elif k[0] in ("qs", "values"):
            self.ok.add(node.iter)
            if self.depth_nested:
                self._refuse("nested-queryset", "a queryset is iterated inside a nested function")
            elif self._need((4, 1), "async for over a queryset"):
                self.plan.add(node, AsyncFor())

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._store(node.target)
        k = self._kind(node.iter)
        if k is None:
            return
        if k[0] == "instlist":
            self.ok.add(node.iter)
        elif k[0] in ("qs", "values"):
            self.ok.add(node.iter)
            if self.depth_nested:
                self._refuse(
                    "nested-queryset",
                    "a queryset is iterated in a generator expression or nested function "
                    "(an async one would change its type)",
                )
            elif self._need((4, 1), "async for over a queryset"):
                self.plan.add(node, AsyncFor())
