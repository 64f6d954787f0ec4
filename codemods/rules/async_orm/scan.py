"""Scan room: one async function's sync ORM work judged, node by node: a planned step or a refusal."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import SameScope, dotted_name
from codemods.analysis.unwrap import thread_wrapped
from codemods.knowledge import orm
from codemods.problems import Problem
from codemods.rules.async_orm.kinds import INST, ITER, QS, RELATED, WRAPPERS, Kind, Kinds, is_plain_slice
from codemods.rules.async_orm.paginate import Follow
from codemods.rules.async_orm.plan import AsyncFor, AttrCall, FuncTwin, ListComp, Rename, Step, Twin, Unwrap

_QS_SYNC = orm.sync_names(orm.names(orm.QUERYSET))
_RELATED_SYNC = orm.sync_names(orm.names(orm.RELATED))
# Related managers' own create/get_or_create/update_or_create: their a-twins call them (not
# QuerySet's) from 4.2 on.
_RELATED_42 = _RELATED_SYNC | {"create", "get_or_create", "update_or_create"}
_INSTANCE_SYNC = orm.sync_names(orm.names(orm.INSTANCE))
_ASYNC_NAMES = orm.names(orm.QUERYSET, orm.RELATED, orm.INSTANCE) | {a for a, _ in orm.ITERATORS.values()}
_LAZY = orm.LAZY_METHODS | {"get_queryset"}
_ATOMIC = "django.db.transaction.atomic"


def _v(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _default_options(options: list[cst.Arg]) -> bool:
    """Only ``thread_sensitive=True`` (the default, what the async ORM uses) among the options."""
    return all(
        a.keyword is not None and a.keyword.value == "thread_sensitive"
        and isinstance(a.value, cst.Name) and a.value.value == "True"
        for a in options
    )


class Scan(SameScope, cst.CSTVisitor):
    """Judges one function body (nested functions, lambdas and classes are not entered: they run
    elsewhere, in a thread maybe, where sync ORM is right). ``plan``: node -> step; ``problems``:
    (node, problem) refusals; ``quiet``: count what would be planned, report nothing."""

    def __init__(
        self,
        kinds: Kinds,
        target: tuple[int, int],
        module_bound: dict[str, str | None],
        module_defs: dict[str, cst.FunctionDef],
        quiet: bool = False,
        user_change: str | None = None,
        func: cst.FunctionDef | None = None,
    ) -> None:
        self.func = func  # the function scanned (its paginators are followed through it)
        self._follow: Follow | None = None
        self._paginator_why: str | None = None  # why the last Paginator is no AsyncPaginator
        self.kinds = kinds
        self.user_change = user_change  # how the function may change request.user (user room)
        self.users: list[cst.Attribute] = []  # the request.user reads planned
        self.imports = kinds.models.imports
        self.target = target
        self.module_bound = module_bound  # top-level name -> what it imports (None: bound otherwise)
        self.module_defs = module_defs
        self.quiet = quiet
        self.plan: dict[cst.CSTNode, Step] = {}
        self.problems: list[tuple[cst.CSTNode, Problem]] = []
        self.atomic: list[cst.CSTNode] = []
        self.genexps: list[cst.GeneratorExp] = []  # the generator expressions the visit is in
        self._blocked: set[cst.CSTNode] = set()  # atomic blocks and generators reported
        self._said: set[tuple[str, str]] = set()
        self._iter_ok: set[cst.CSTNode] = set()
        self._gen_fors: set[cst.CSTNode] = set()
        self._stores: set[cst.CSTNode] = set()

    # ------------------------------------------------------------------ reporting and planning
    def _refuse(self, kind: str, node: cst.CSTNode, message: str) -> None:
        if self.quiet or (kind, message) in self._said:
            return
        self._said.add((kind, message))
        self.problems.append((node, Problem(kind, message)))

    def _plan(self, node: cst.CSTNode, step: Step, what: str) -> None:
        """Plan ``step`` at ``node``, unless it sits in a generator expression or an atomic block:
        then that place is reported (once) and nothing there is rewritten."""
        if self.quiet or not (self.genexps or self.atomic):
            self.plan[node] = step
            return
        if self.genexps:
            kind, where = "in-generator", self.genexps[-1]
            why = "a generator expression: an await there would make it an async generator; use a list"
        else:
            kind, where = "in-atomic", self.atomic[-1]
            why = "transaction.atomic(), which does not work around async queries: move it to a sync function"
        if where not in self._blocked:
            self._blocked.add(where)
            self._refuse(kind, where, f"`{what}` runs inside {why}")

    def _need(
        self, since: tuple[int, int], what: str, twin: str, quiet: bool, node: cst.CSTNode | None = None
    ) -> bool:
        if self.target >= since:
            return True
        if not quiet:
            self._refuse(
                "needs-django", node or self._node,
                f"{what} raises SynchronousOnlyOperation here; its async twin {twin} arrived in Django "
                f"{_v(since)} (target is {_v(self.target)})",
            )
        return False

    # ------------------------------------------------------------------ what a call becomes
    def call_step(self, node: cst.Call, quiet: bool) -> Twin | FuncTwin | ListComp | None:
        """The step a sync ORM call takes (None: none, refused or not ORM)."""
        self._node = node
        func = node.func
        qual = self.imports.qualify(func, self.kinds.shadowed, orm.SYNC_FUNCTIONS.__contains__)
        if qual in orm.SYNC_FUNCTIONS:
            return self._function(node, qual, quiet)
        if isinstance(func, cst.Name) and func.value == "list" and "list" not in self.kinds.shadowed:
            if "list" in self.module_bound or len(node.args) != 1:
                return None
            arg = node.args[0]
            k = self.kinds.of(arg.value) if arg.keyword is None and not arg.star else None
            if k is not None and k.what == QS and self._need(orm.ASYNC_ITERATION_SINCE, "list(qs)", "async for", quiet):
                return ListComp()
            return None
        if not isinstance(func, cst.Attribute):
            return None
        k = self.kinds.of(func.value)
        if k is None:
            return None
        name = func.attr.value
        what = f"{code(func)}()"
        if k.what in (QS, RELATED):
            if name in _LAZY or name in orm.ITERATORS or name in _ASYNC_NAMES:
                return None
            if k.what == RELATED and name in _RELATED_42:
                since = (4, 2)
            elif name in _QS_SYNC:
                since = orm.METHODS[orm.QUERYSET]["a" + name].since
            else:
                if not quiet:
                    self._refuse(
                        "custom-method", node,
                        f"`{what}` is no QuerySet method the codemod knows: it may query synchronously "
                        "(give it an async version, or call it with sync_to_async)",
                    )
                return None
            if not self._manager_ok(func.value, k, name, quiet):
                return None
            return Twin("a" + name) if self._need(since, what, "a" + name, quiet) else None
        if k.what == INST and name in _INSTANCE_SYNC:
            return Twin("a" + name) if self._need((4, 2), what, "a" + name, quiet) else None
        return None

    def _function(self, node: cst.Call, qual: str, quiet: bool) -> FuncTwin | None:
        module = qual.rpartition(".")[0]
        twin = orm.SYNC_FUNCTIONS[qual]
        since = orm.FUNCTIONS[f"{module}.{twin}"][2]
        if not self._need(since, f"{code(node.func)}()", twin, quiet):
            return None
        if isinstance(node.func, cst.Name):
            bound = self.module_bound.get(twin, f"{module}.{twin}") if twin in self.module_bound else None
            if twin in self.kinds.shadowed or (twin in self.module_bound and bound != f"{module}.{twin}"):
                if not quiet:
                    self._refuse("name-taken", node, f"{twin} (the twin of {code(node.func)}) is bound to something else here")
                return None
        return FuncTwin(twin, module)

    def _manager_ok(self, recv: cst.BaseExpression, k: Kind, name: str, quiet: bool) -> bool:
        """``Model.objects.<name>()``: the twin runs QuerySet's method, so a manager that defines
        ``name`` itself, or that cannot be read, stops it (a model whose source is not found is
        taken as having Django's manager)."""
        if not (isinstance(recv, cst.Attribute) and recv.attr.value in orm.MANAGER_ATTRS and k.model):
            return True
        read, methods = self.kinds.manager_methods(k.model)
        if not read or (methods is not None and name not in methods):
            return True
        if not quiet:
            if methods is None:
                msg = f"{code(recv)} is a manager the codemod cannot read (a{name}() would skip an override of {name}())"
            else:
                msg = f"{code(recv)} overrides {name}() (a{name}() would not run it)"
            self._refuse("manager-override", recv, msg)
        return False

    # ------------------------------------------------------------------ transaction.atomic
    def is_atomic(self, expr: cst.BaseExpression) -> bool:
        target = expr.func if isinstance(expr, cst.Call) else expr
        return self.imports.qualify(target, self.kinds.shadowed, _ATOMIC.__eq__) == _ATOMIC

    def visit_With(self, node: cst.With) -> None:
        if any(self.is_atomic(item.item) for item in node.items):
            self.atomic.append(node)

    def leave_With(self, original_node: cst.With) -> None:
        if self.atomic and self.atomic[-1] is original_node:
            self.atomic.pop()

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        step = self.call_step(node, quiet=False)
        if step is not None:
            self._plan(node, step, f"{code(node.func)}()")
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in orm.ITERATORS and node not in self._iter_ok:
            k = self.kinds.of(func.value)
            if k is not None and k.what in (QS, RELATED):
                self._refuse(
                    "iterator-outside-for", node,
                    f"{code(node)} is not the iterable of a for loop: only async for takes its twin "
                    f"{orm.ITERATORS[func.attr.value][0]}()",
                )
            return
        if (
            isinstance(func, cst.Name)
            and (func.value in orm.EVALUATING_BUILTINS or func.value in orm.ITERATING_BUILTINS)
            and node.args
            and func.value not in self.kinds.shadowed
            and func.value not in self.module_bound
        ):
            fix = orm.EVALUATING_BUILTINS.get(func.value)
            k = self.kinds.of(node.args[0].value)
            if k is not None and k.what == QS:
                how = f"use `{fix.replace('qs', code(node.args[0].value))}`" if fix else "iterate it with async for first"
                self._refuse("evaluates-queryset", node, f"{code(node)} evaluates the queryset synchronously: {how}")
            return
        self._consumer(node)

    def _consumer(self, node: cst.Call) -> None:
        qual = self.imports.qualify(node.func, self.kinds.shadowed, orm.SYNC_CONSUMERS.__contains__) or ""
        last = (dotted_name(node.func) or "").rpartition(".")[2]
        if qual not in orm.SYNC_CONSUMERS and not (last and last.endswith(orm.SYNC_CONSUMER_SUFFIXES)):
            return
        values: list[cst.BaseExpression] = []
        for arg in node.args:
            values.append(arg.value)
            if isinstance(arg.value, cst.Dict):
                values += [e.value for e in arg.value.elements if isinstance(e, cst.DictElement)]
        for value in values:
            k = self.kinds.of(value)
            if k is not None and k.what == QS:
                if qual == orm.PAGINATOR:
                    if not self._paginate(node, value):
                        self._refuse("sync-consumer", value, self._why_not_async_paginator(value))
                    return
                self._refuse(
                    "sync-consumer", value,
                    f"{code(value)} is handed to {code(node.func)}(), which iterates it synchronously: "
                    "pass [row async for row in ...] instead",
                )

    def _paginate(self, node: cst.Call, value: cst.BaseExpression) -> bool:
        """``Paginator(qs, ...)`` planned as an AsyncPaginator with every use (True), when the
        target has it and the uses can all be followed (``paginate``)."""
        if self.target < orm.ASYNC_PAGINATOR_SINCE or self.func is None:
            return False
        if self._follow is None:
            self._follow = Follow(self.func, self.kinds, self.is_atomic)
        steps, self._paginator_why = self._follow.steps(node)
        if self._paginator_why is None and (self.genexps or self.atomic):
            self._paginator_why = "it is made in a generator expression or an atomic block"
        if self._paginator_why is not None:
            return False
        self.plan.update(steps)
        return True

    def _why_not_async_paginator(self, value: cst.BaseExpression) -> str:
        shown = code(value)
        head = f"Paginator({shown if len(shown) <= 40 else shown[:37] + '...'}) queries synchronously"
        if self.target < orm.ASYNC_PAGINATOR_SINCE:
            return (
                f"{head}: Django {_v(orm.ASYNC_PAGINATOR_SINCE)} has AsyncPaginator (target is "
                f"{_v(self.target)}); or pass [row async for row in ...]"
            )
        return f"{head}; AsyncPaginator not used: {self._paginator_why}"

    # ------------------------------------------------------------------ loops
    def visit_For(self, node: cst.For) -> None:
        self._loop(node, node.iter, "for loop")

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self.genexps.pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.genexps.append(node)
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            self._gen_fors.add(comp)
            comp = comp.inner_for_in

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node in self._gen_fors:
            k = self.kinds.of(node.iter)
            if k is not None and k.what in (QS, ITER):
                self._refuse(
                    "generator-over-queryset", node.iter,
                    f"a generator expression over {code(node.iter)} is iterated synchronously by its "
                    "consumer: list the queryset first ([row async for row in ...])",
                )
            return
        self._loop(node, node.iter, "comprehension")

    def _loop(self, node: cst.For | cst.CompFor, iterable: cst.BaseExpression, what: str) -> None:
        if node.asynchronous is not None:
            return
        k = self.kinds.of(iterable)
        if k is None or k.what not in (QS, ITER):
            return
        if not self._need(orm.ASYNC_ITERATION_SINCE, f"a {what} over a queryset", "async for", False, node):
            return
        if k.what == ITER and not self.genexps:
            assert isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute)
            self._iter_ok.add(iterable)
            if not self.atomic:
                self.plan[iterable] = Rename(orm.ITERATORS[iterable.func.attr.value][0])
        self._plan(node, AsyncFor(), f"a {what} over {code(iterable)}")

    # ------------------------------------------------------------------ evaluations
    def _truth(self, expr: cst.BaseExpression) -> None:
        k = self.kinds.of(expr)
        if k is not None and k.what == QS:
            self._refuse(
                "evaluates-queryset", expr,
                f"testing {code(expr)} evaluates the queryset synchronously: use `await {code(expr)}.aexists()`",
            )

    def visit_If(self, node: cst.If) -> None:
        self._truth(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._truth(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._truth(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._truth(node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._truth(node.expression)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._truth(node.left)
        self._truth(node.right)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                k = self.kinds.of(target.comparator)
                if k is not None and k.what == QS:
                    self._refuse(
                        "evaluates-queryset", target.comparator,
                        f"`in {code(target.comparator)}` evaluates the queryset synchronously: use "
                        f"`await {code(target.comparator)}.acontains(obj)`",
                    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        k = self.kinds.of(node.value)
        if k is not None and k.what == QS and not is_plain_slice(node):
            self._refuse(
                "evaluates-queryset", node,
                f"{code(node)} evaluates the queryset synchronously: `await {code(node.value)}.afirst()` "
                "is the first row (None when there is none)",
            )

    # ------------------------------------------------------------------ lazy relations
    def visit_Assign(self, node: cst.Assign) -> None:
        self._stores.update(t.target for t in node.targets)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._stores.add(node.target)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node in self._stores:
            return
        if self.kinds.is_request_user(node):
            self._request_user(node)
            return
        k = self.kinds.of(node.value)
        if k is None or k.what != INST or not k.fetched:
            return
        name = node.attr.value
        if name not in self.kinds.relations(k) or k.loaded is None or name in k.loaded:
            return
        self._refuse(
            "lazy-relation", node,
            f"{code(node)} loads the related row lazily (SynchronousOnlyOperation): add "
            f'select_related("{name}") to the query that fetched {code(node.value)}, or read {name}_id',
        )

    def _request_user(self, node: cst.Attribute) -> None:
        shown = code(node)
        if self.user_change is not None:
            self._refuse(
                "user-changes", node,
                f"`{shown}` kept: the function {self.user_change}, and auser() keeps the user it cached",
            )
            return
        twin = f"{code(node.value)}.{orm.REQUEST_USER_TWIN}()"
        if self._need(orm.REQUEST_USER_SINCE, f"reading {shown}", twin, False, node):
            self._plan(node, AttrCall(orm.REQUEST_USER_TWIN), shown)
            if node in self.plan:
                self.users.append(node)

    # ------------------------------------------------------------------ thread-wrapped calls
    def visit_Await(self, node: cst.Await) -> bool:
        call = node.expression
        if not isinstance(call, cst.Call):
            return True
        wrapped = thread_wrapped(call, self.imports, self.kinds.shadowed, WRAPPERS)
        if wrapped is None:
            return True
        target = wrapped.target
        lambda_body = False
        if isinstance(target, cst.Lambda):
            if wrapped.given or not isinstance(target.body, cst.Call) or _has_params(target):
                return True
            inner_call, lambda_body = target.body, True
        else:
            inner_call = cst.Call(func=target, args=list(wrapped.given))
        step = self.call_step(inner_call, quiet=True)
        if step is None:
            self._wrapped_function(target)
            return True
        if not _default_options(list(wrapped.options)):
            self._refuse(
                "wrapper-options", node,
                f"{wrapped.form}({code(target)}, ...) chooses the thread the call runs in; its twin would "
                "run thread-sensitive: drop the options to convert it",
            )
            return True
        self._plan(node, Unwrap(step, lambda_body), f"{wrapped.form}({code(target)})")
        for arg in wrapped.given:
            arg.visit(self)
        return False

    def _wrapped_function(self, target: cst.BaseExpression) -> None:
        if self.quiet or not isinstance(target, cst.Name) or target.value in self.kinds.shadowed:
            return
        func = self.module_defs.get(target.value)
        if func is None:
            return
        inner = Scan(Kinds(func, self.kinds.models), (99, 0), self.module_bound, {}, quiet=True)
        func.body.visit(inner)
        if inner.plan:
            self._refuse(
                "wrapped-function", target,
                f"{target.value}() does ORM work in a thread ({len(inner.plan)} call(s) or loop(s)): kept "
                "as is, on one thread, in order",
            )


def _has_params(node: cst.Lambda) -> bool:
    p = node.params
    return bool(p.params or p.posonly_params or p.kwonly_params or isinstance(p.star_arg, cst.Param) or p.star_kwarg)
