"""The analysis of a view body into a ``Plan``: each await's sync replacement, and the imports it needs."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.unwrap import thread_wrapped, wrapper_form
from codemods.knowledge import orm
from codemods.knowledge.orm import FUNCTIONS
from codemods.knowledge.runtime import CONCURRENT, SYNC_TO_ASYNC
from codemods.problems import Problem, Refused
from codemods.registry import Context
from codemods.rules.async_views_to_sync.kinds import Kinds
from codemods.rules.async_views_to_sync.show import short, version

# What ``Kinds`` calls a receiver -> its async methods with the first Django version of each. A
# "queryset" is any manager or QuerySet, so it takes the related and user managers' methods too;
# an "instance" may be a user.
METHODS = {
    "queryset": orm.since_by_name(orm.QUERYSET, orm.RELATED, orm.USER_MANAGER),
    "instance": orm.since_by_name(orm.INSTANCE, orm.USER),
    "session": orm.since_by_name(orm.SESSION),
    "cache": orm.since_by_name(orm.CACHE),
}


class Plan:
    """How one view becomes sync: the replacement of each await (or of its whole statement), the
    ``aiterator()`` calls that become ``iterator()``, the imports needed, and how many DB calls."""

    def __init__(self) -> None:
        self.awaits: dict[cst.Await, cst.BaseExpression] = {}
        self.statements: dict[cst.Expr, cst.BaseSmallStatement] = {}
        self.iterators: set[cst.Call] = set()  # qs.aiterator() calls that become qs.iterator()
        self.imports: set[tuple[str, str]] = set()  # (module, name) the rewrite needs
        self.calls = 0


def since_ok(ctx: Context, since: tuple[int, int], what: str) -> None:
    """Refuses an API the target Django lacks: then the name is not Django's."""
    if ctx.target_django < since:
        raise Refused(Problem(
            "api-too-new",
            f"awaits `{what}`, which Django has only since {version(since)} "
            f"(target is {version(ctx.target_django)}), so it is not Django's",
        ))


def plan_await(aw: cst.Await, kinds: Kinds, imports: ImportTable, ctx: Context, plan: Plan,
               statement: cst.Expr | None) -> None:
    """Record in ``plan`` what ``aw`` (the whole of ``statement``, if not None) becomes; raises
    ``Refused`` when it is not a Django DB call with a sync twin on the target."""
    call = aw.expression
    shown = short(call)
    not_db = Refused(Problem("not-a-db-call", f"awaits `{shown}`, which is not a Django DB call with a sync twin"))
    if not isinstance(call, cst.Call):
        raise not_db
    func = call.func
    if (imports.qualify(func, kinds.shadowed) or "") in CONCURRENT:  # also what gather-awaits writes
        raise Refused(Problem("concurrent-awaits", "does real async work: it runs awaits concurrently"))
    # await sync_to_async(f)(...); the other thread wrappers are not looked through here
    if wrapper_form(call, imports, kinds.shadowed, forms=(SYNC_TO_ASYNC,)):
        wrapped = thread_wrapped(call, imports, kinds.shadowed, forms=(SYNC_TO_ASYNC,))
        if wrapped is None:
            raise not_db
        # Only the option that changes nothing (thread_sensitive=True is the default) may go.
        for extra in wrapped.options:
            if not (
                extra.keyword is not None
                and extra.keyword.value == "thread_sensitive"
                and isinstance(extra.value, cst.Name)
                and extra.value.value == "True"
            ):
                raise Refused(Problem(
                    "sync-to-async-options", f"awaits `{shown}`, whose sync_to_async options change where it runs"
                ))
        target = wrapped.target
        if not isinstance(target, (cst.Name, cst.Attribute)):
            raise not_db
        plan.awaits[aw] = call.with_changes(func=target)
        return
    qualified = imports.qualify(func, kinds.shadowed) or ""
    if qualified in FUNCTIONS:
        module, sync_name, since, _effect = FUNCTIONS[qualified]
        since_ok(ctx, since, shown)
        if isinstance(func, cst.Attribute):  # auth.alogin(...) through `from django.contrib import auth`
            plan.awaits[aw] = call.with_changes(func=func.with_changes(attr=cst.Name(sync_name)))
            return
        bound = imports.names.get(sync_name)
        if (
            sync_name in kinds.shadowed
            or sync_name in kinds.module_names
            or bound not in (None, f"{module}.{sync_name}")
        ):
            raise Refused(Problem("sync-name-taken", f"the name {sync_name!r} already means something else here"))
        plan.imports.add((module, sync_name))
        plan.awaits[aw] = call.with_changes(func=cst.Name(sync_name))
        return
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        receiver = kinds.of(func.value)
        table = METHODS.get(receiver or "", {})
        if receiver == "request" and method == "auser" and not call.args:
            since_ok(ctx, (5, 0), shown)
            plan.awaits[aw] = cst.Attribute(value=func.value, attr=cst.Name("user"))
            return
        if method not in table:
            raise not_db
        since_ok(ctx, table[method], shown)
        if receiver == "session" and method == "aset":
            args = call.args
            if statement is None or len(args) != 2 or any(a.keyword or a.star for a in args):
                raise Refused(Problem(
                    "session-aset",
                    f"awaits `{shown}`: session.aset has no sync method, only `session[key] = value`",
                ))
            plan.statements[statement] = cst.Assign(
                targets=[cst.AssignTarget(cst.Subscript(
                    value=func.value, slice=[cst.SubscriptElement(cst.Index(args[0].value))]))],
                value=args[1].value,
            )
            return
        plan.awaits[aw] = call.with_changes(func=func.with_changes(attr=cst.Name(method[1:])))
        return
    raise not_db


class StatementOf(cst.CSTVisitor):
    """Await -> the expression statement it is the whole of (``await x`` on its own line)."""

    def __init__(self) -> None:
        self.found: dict[cst.Await, cst.Expr] = {}

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Await):
            self.found[node.value] = node
