"""Deciding a module's views: plan each one, or say why it stays async (callers, family, subclasses)."""

from __future__ import annotations

import os

import libcst as cst

from codemods.analysis import ImportTable, has_skip_comment
from codemods.knowledge.runtime import SYNC_TO_ASYNC
from codemods.knowledge.views import HANDLERS, is_view_base
from codemods.problems import Problem, Refused
from codemods.project.references import shown
from codemods.registry import Context
from codemods.rules.async_views_to_sync.codes import is_note
from codemods.rules.async_views_to_sync.finding import (
    handlers,
    module_classes,
    module_level_names,
    view_families,
)
from codemods.rules.async_views_to_sync.kinds import Kinds
from codemods.rules.async_views_to_sync.plan import Plan, StatementOf, plan_await
from codemods.rules.async_views_to_sync.reasons import BodyScan, context_holders, decorator_ok
from codemods.rules.async_views_to_sync.show import prefixed, short

# A family's decision: the plans of all its async handlers, or no plans, the member that keeps the
# family async and why.
Decision = tuple[dict[cst.FunctionDef, Plan], str, Problem | None]


class Decider:
    """What the module binds (its coroutine and plain functions, other top-level names, holders of
    thread- or context-bound state, classes and view families), and the decisions taken over it:
    a function view's plan, or one decision per family of view classes."""

    def __init__(self, ctx: Context, imports: ImportTable, module: cst.Module) -> None:
        self.ctx = ctx
        self.imports = imports
        self.max_queries = int(ctx.option("max-queries"))
        self.module_async = {
            s.name.value for s in module.body if isinstance(s, cst.FunctionDef) and s.asynchronous is not None
        }
        self.module_sync = {
            s.name.value for s in module.body if isinstance(s, cst.FunctionDef) and s.asynchronous is None
        }
        self.module_names = frozenset(module_level_names(module))
        self.holders = context_holders(module, imports)
        self.classes = module_classes(module)
        self.family_of = view_families(self.classes, imports)
        self._decisions: dict[str, Decision] = {}

    def function_view(self, func: cst.FunctionDef) -> Plan:
        """How to convert the function view ``func``; raises ``Refused`` with why it stays async."""
        # The body first: a view that does real async work gets that note, whatever else it has.
        plan, deferred = self._body_or_deferred(func, is_method=False)
        if func.name.value in self.ctx.project.awaited_names:
            raise Refused(Problem(
                "awaited-elsewhere",
                f"is awaited or scheduled {self._callers(func.name.value)}; it must stay a coroutine",
            ))
        why = self._wrapped(func.name.value)
        if why is not None:
            raise Refused(why)
        return self._finish(func, plan, deferred)

    def plan(self, func: cst.FunctionDef, is_method: bool) -> Plan:
        """How to convert ``func``; raises ``Refused`` with the reason it must stay async (the
        body's note first: see ``levels``)."""
        plan, deferred = self._body_or_deferred(func, is_method)
        return self._finish(func, plan, deferred)

    def _body_or_deferred(self, func: cst.FunctionDef, is_method: bool) -> tuple[Plan | None, Refused | None]:
        """The body's plan, or the refusal to raise after the other checks (a warning); a note
        (real async work) is raised at once."""
        try:
            return self.body(func, is_method), None
        except Refused as refusal:
            if is_note(refusal.problem):
                raise
            return None, refusal

    def _finish(self, func: cst.FunctionDef, plan: Plan | None, deferred: Refused | None) -> Plan:
        for dec in func.decorators:
            why = decorator_ok(dec.decorator, self.imports, self.ctx)
            if why is not None:
                raise Refused(why)
        if deferred is not None:
            raise deferred
        assert plan is not None
        return plan

    def body_note(self, func: cst.FunctionDef, is_method: bool) -> Problem | None:
        """Why the body of ``func`` does real async work (a note), or None."""
        try:
            self.body(func, is_method)
        except Refused as refusal:
            return refusal.problem if is_note(refusal.problem) else None
        return None

    def body(self, func: cst.FunctionDef, is_method: bool) -> Plan:
        """How to convert the body of ``func`` (decorators aside); raises ``Refused``."""
        kinds = Kinds(func, self.imports, is_method, self.module_names)
        scan = BodyScan(kinds, self.imports, self.module_async - {func.name.value}, self.module_sync, self.holders)
        func.body.visit(scan)
        if scan.blockers:
            raise Refused(scan.blockers[0])
        statements = StatementOf()
        func.body.visit(statements)
        plan = Plan()
        for aw in scan.awaits:
            plan_await(aw, kinds, self.imports, self.ctx, plan, statements.found.get(aw))
        allowed_refs = sum(
            1 for aw in plan.awaits if isinstance(aw.expression, cst.Call) and isinstance(aw.expression.func, cst.Call)
        )
        if len(scan.async_lib_refs) > allowed_refs:
            names = [n for n in scan.async_lib_refs if self.imports.qualify(n) != SYNC_TO_ASYNC]
            shown = names[0].value if names else "sync_to_async"
            raise Refused(Problem(
                "async-library-use", f"uses `{shown}` outside `await sync_to_async(f)(...)`; it needs the event loop"
            ))
        for loop in scan.async_fors:
            it = loop.iter
            if kinds.of(it) == "queryset":
                continue
            if kinds.is_aiterator(it):
                assert isinstance(it, cst.Call)
                plan.iterators.add(it)
                continue
            raise Refused(Problem(
                "async-for-not-queryset", f"iterates `{short(it)}` with `async for`, which is not a queryset"
            ))
        plan.calls = len(scan.awaits) + len(scan.async_fors)
        if plan.calls > self.max_queries:
            raise Refused(Problem(
                "too-many-queries", f"makes {plan.calls} DB calls (max-queries is {self.max_queries})"
            ))
        return plan

    def family(self, family: list[str]) -> Decision:
        """The decision for ``family`` (taken once, for its first member)."""
        key = family[0]
        if key not in self._decisions:
            self._decisions[key] = self._decide_family(family)
        return self._decisions[key]

    def _decide_family(self, family: list[str]) -> Decision:
        """Plans for every async handler of a family of view classes of this module (a class with
        its local bases and subclasses): all of them, or (no plans, culprit, why)."""
        plans: dict[cst.FunctionDef, Plan] = {}
        # A handler doing real async work keeps the family async: that note, whatever else.
        for member in family:
            for handler in handlers(self.classes[member]):
                if handler.asynchronous is None:
                    continue
                note = self.body_note(handler, is_method=True)
                if note is not None:
                    return {}, member, prefixed(f"handler {handler.name.value!r} ", note)
        for member in family:
            try:
                self._plan_class(member, plans)
            except Refused as refusal:
                return {}, member, refusal.problem
        for member in family:
            why = self._subclassed_elsewhere(member, family)
            if why is not None:
                return {}, member, why
        return plans, "", None

    def _plan_class(self, member: str, plans: dict[cst.FunctionDef, Plan]) -> None:
        """Add the plans of ``member``'s async handlers to ``plans``; raises ``Refused`` when the
        class, or one of its handlers, must stay async."""
        cls = self.classes[member]
        awaited = self.ctx.project.awaited_names
        if has_skip_comment(cls):
            raise Refused(Problem("skip-comment", "is marked `# dj-asyncify: skip`"))
        for arg in cls.bases:
            if not (
                is_view_base(self.imports.qualify(arg.value) or "")
                or (isinstance(arg.value, cst.Name) and arg.value.value in self.classes)
                or (isinstance(arg.value, cst.Name) and arg.value.value == "object")
            ):
                raise Refused(Problem(
                    "unknown-base",
                    f"inherits from `{short(arg.value)}`, which cannot be checked (its handlers must be "
                    "all sync or all async)",
                ))
        if cls.keywords:
            raise Refused(Problem("class-keywords", "has class keywords (a metaclass?) that cannot be checked"))
        for dec in cls.decorators:
            why = decorator_ok(dec.decorator, self.imports, self.ctx)
            if why is not None:
                raise Refused(why)
        methods = [s for s in cls.body.body if isinstance(s, cst.FunctionDef)] if isinstance(
            cls.body, cst.IndentedBlock) else []
        others = [m.name.value for m in methods if m.asynchronous is not None and m.name.value not in HANDLERS]
        if others:
            raise Refused(Problem(
                "coroutine-method", f"has the coroutine method {others[0]!r}, which may await its handlers"
            ))
        if member in awaited or "as_view" in awaited:
            raise Refused(Problem(
                "awaited-elsewhere",
                "is (or an `as_view()` view is) awaited or scheduled "
                + self._callers(member if member in awaited else "as_view"),
            ))
        why = self._wrapped(member)
        if why is not None:
            raise Refused(why)
        for handler in handlers(cls):
            if handler.asynchronous is None:
                continue
            if has_skip_comment(handler):
                raise Refused(Problem(
                    "skip-comment", f"handler {handler.name.value!r} is marked `# dj-asyncify: skip`"
                ))
            if handler.name.value in awaited:
                raise Refused(Problem(
                    "awaited-elsewhere",
                    f"something {self._callers(handler.name.value)} awaits a `.{handler.name.value}(...)` "
                    "call, which may "
                    "be this handler (e.g. `await super().get(...)` in a subclass; calls on a test or HTTP "
                    "client such as `self.async_client` or `httpx.AsyncClient()` do not count)",
                ))
            try:
                plans[handler] = self.plan(handler, is_method=True)
            except Refused as refusal:
                raise Refused(prefixed(f"handler {handler.name.value!r} ", refusal.problem)) from None

    def _callers(self, name: str) -> str:
        """Where ``name`` is awaited or scheduled, for a diagnostic: ``in shop/api.py``."""
        files = [p for p in self.ctx.project.awaited_in.get(name, ()) if p]
        if not files:
            return "elsewhere in the project"
        more = f" (and {len(files) - 1} more file{'s' if len(files) > 2 else ''})" if len(files) > 1 else ""
        return f"in {shown(files[0], self.ctx.path)}{more}"

    def _wrapped(self, name: str) -> Problem | None:
        """Why ``name`` must stay async because a call of the project that may wrap or register
        it (``path("", timed(views.product))``) is not known to accept a sync view, or None."""
        found = self.ctx.project.wrapped_in.get(name, ())
        if not found:
            return None
        path, callee = found[0]
        where = f" in {shown(path, self.ctx.path)}" if path else ""
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return Problem(
            "wrapped-elsewhere",
            f"is given to `{callee}(...)`{where}{more}, which is not known to accept a sync view (it may await it)",
        )

    def _subclassed_elsewhere(self, name: str, family: list[str]) -> Problem | None:
        """Why ``name`` must keep its async handlers because of a subclass outside its family
        (in another file, or in this one through a class of another file), or None."""
        here = os.path.abspath(self.ctx.path)
        found = [
            (path, sub) for path, sub in self.ctx.project.async_subclasses.get(name, ())
            if not (path == here and sub in family)
        ]
        if not found:
            return None
        path, sub = found[0]
        where = shown(path, self.ctx.path) if path else "another file"
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return Problem(
            "subclassed-elsewhere",
            f"is subclassed by {sub!r} in {where}{more}, which has async request methods",
        )
