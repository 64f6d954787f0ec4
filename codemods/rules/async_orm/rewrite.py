"""Rewrite room: every async function of a module scanned, the plan applied, imports fixed."""

from __future__ import annotations

import re

import libcst as cst

from codemods.analysis import ImportTable, has_skip_comment, name_uses
from codemods.analysis import bindings as b
from codemods.analysis.fresh import fresh_name
from codemods.analysis.names import all_names, top_level_bindings
from codemods.analysis.orm import TwinRewrite, async_list, awaited_twin, is_model_qual, paren
from codemods.analysis.scope import async_defs
from codemods.analysis.twin_imports import fix_imports
from codemods.analysis.unwrap import unwrapped_args
from codemods.knowledge import orm, runtime
from codemods.problems import Problem
from codemods.project.async_unsafe import async_unsafe_file
from codemods.registry import Context
from codemods.rules.async_orm import INSTANCE_METHODS, MANAGERS
from codemods.rules.async_orm.kinds import Kinds, Models
from codemods.rules.async_orm.plan import (
    AsyncFor,
    AttrCall,
    ClassTwin,
    FuncTwin,
    ListComp,
    Rename,
    Step,
    Twin,
    Unwrap,
)
from codemods.rules.async_orm.scan import Scan, code
from codemods.rules.async_orm.user import user_change, users_kept

# Names the rewrite may leave unused -> the twin's name in the same module ("": none).
DROPPABLE = {
    **orm.SYNC_FUNCTIONS,
    orm.PAGINATOR: orm.ASYNC_PAGINATOR.rpartition(".")[2],
    runtime.SYNC_TO_ASYNC: "",
    runtime.DATABASE_SYNC_TO_ASYNC: "",
}


def _func_twin(call: cst.Call, step: FuncTwin) -> cst.Await:
    func = call.func
    new = func.with_changes(attr=cst.Name(step.name)) if isinstance(func, cst.Attribute) else cst.Name(step.name)
    return cst.Await(expression=call.with_changes(func=new))


class Rewrite(TwinRewrite):
    def __init__(self, plan: dict[cst.CSTNode, Step], fresh: str) -> None:
        self.plan = plan
        self.fresh = fresh

    def _inner(self, call: cst.Call, step: Twin | FuncTwin | ListComp) -> cst.BaseExpression:
        if isinstance(step, Twin):
            return awaited_twin(call, step.name)
        if isinstance(step, FuncTwin):
            return _func_twin(call, step)
        return async_list(call.args[0].value, self.fresh, call)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        step = self.plan.get(original_node)
        if isinstance(step, (Twin, FuncTwin, ListComp)):
            return self._inner(updated_node, step)
        if isinstance(step, ClassTwin):
            func = updated_node.func
            name = cst.Name(step.name)
            return updated_node.with_changes(func=func.with_changes(attr=name) if isinstance(func, cst.Attribute) else name)
        if isinstance(step, Rename):
            assert isinstance(updated_node.func, cst.Attribute)
            return updated_node.with_changes(func=updated_node.func.with_changes(attr=cst.Name(step.name)))
        if isinstance(updated_node.func, cst.Await) and not updated_node.func.lpar:
            return updated_node.with_changes(func=paren(updated_node.func))
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        step = self.plan.get(original_node)
        if isinstance(step, AttrCall):
            method = cst.Attribute(value=updated_node.value, attr=cst.Name(step.name))
            return cst.Await(expression=cst.Call(func=method), lpar=updated_node.lpar, rpar=updated_node.rpar)
        return super().leave_Attribute(original_node, updated_node)

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        step = self.plan.get(original_node)
        if not isinstance(step, Unwrap):
            return updated_node
        wrapper = updated_node.expression
        assert isinstance(wrapper, cst.Call) and isinstance(wrapper.func, cst.Call)
        target = wrapper.func.args[0].value
        if step.lambda_body:
            assert isinstance(target, cst.Lambda) and isinstance(target.body, cst.Call)
            call = target.body
        else:
            call = cst.Call(func=target, args=unwrapped_args(wrapper.args))
        out = self._inner(call, step.inner)
        if updated_node.lpar and isinstance(out, cst.Await):
            out = out.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return out

    def async_loop(self, original: cst.For | cst.CompFor) -> bool:
        return isinstance(self.plan.get(original), AsyncFor)


def _module_bound(module: cst.Module) -> dict[str, str | None]:
    """Top-level name -> the qualified name it imports (None: bound some other way)."""
    bound: dict[str, str | None] = {binding.name: None for binding in b.collect_bindings(module)}
    for imp in top_level_bindings(module):
        if imp.name is not None and imp.module and not imp.level:
            bound[imp.local] = f"{imp.module}.{imp.name}"
    return bound


def _unread_models(
    func: cst.FunctionDef, method: bool, models: Models, ctx: Context, bound: dict[str, str | None],
    defs: dict[str, cst.FunctionDef], scan: Scan,
) -> list[tuple[cst.CSTNode, Problem]]:
    """What would be rewritten in ``func`` were the classes of unread models modules models: each
    such place is reported, never rewritten (another library's ``models`` holds no Django model)."""
    unread = sorted(models.unread)
    models.trust_unread = True
    try:
        kinds = Kinds(func, models, method=method)
        trusting = Scan(kinds, ctx.target_django, bound, defs, quiet=True, user_change=scan.user_change, func=func)
        func.body.visit(trusting)
    finally:
        models.trust_unread = False
    names = ", ".join(q.rpartition(".")[2] for q in unread)
    modules = ", ".join(sorted({q.rpartition(".")[0] for q in unread}))
    return [
        (
            node,
            Problem(
                "unread-model",
                f"not rewritten: `{code(node)}` is a sync query only on a Django model, and {names} (built here "
                f"from {modules}, not in the project) may be none: if it is one, use the async twin",
            ),
        )
        for node in trusting.plan
        if node not in scan.plan and node not in trusting.users
    ]


def _roots(imports: ImportTable, models: Models) -> tuple[set[str], set[str]]:
    """Words one of which the text of an async function's body holds if the codemod can have
    anything to say there: everything it rewrites or reports starts from a model class, a query
    function of Django's (or the module holding either, reached by attribute), the request or a
    thread wrapper (around a function of the module that queries). Sound, not precise: a word may
    be in a string. Second: the classes of models modules not in the project, which count only
    next to a manager or an instance method (see ``Models.qual``; another library's ``models``)."""
    words = {*models.own, "models", *runtime.SYNC_TO_ASYNC_NAMES, orm.PAGINATOR.rpartition(".")[2]}
    for qual in orm.SYNC_FUNCTIONS:
        module, _, name = qual.rpartition(".")
        words |= {name, "a" + name, module.rpartition(".")[2]}
    unread: set[str] = set()
    for local, qual in imports.names.items():
        if is_model_qual(qual):
            (unread if models.facts(qual) is None and not qual.startswith("django.") else words).add(local)
    return words, unread


# ``request.user`` / ``self.request.user``, however spaced or parenthesised.
_REQUEST_USER = re.compile(r"request\W{0,16}user")
# What an unread models module's class must be next to for the codemod to act: a manager, or an
# instance method with a twin (what ``_unread_models`` reports).
_EVIDENCE = (*(f".{a}" for a in sorted(MANAGERS)), *(f".{m}(" for m in sorted(INSTANCE_METHODS)))


def _relevant(text: str, roots: tuple[set[str], set[str]]) -> bool:
    words, unread = roots
    if any(word in text for word in words) or ("request" in text and _REQUEST_USER.search(text)):
        return True
    return any(word in text for word in unread) and any(e in text for e in _EVIDENCE)


def transform(module: cst.Module, ctx: Context) -> cst.Module:
    imports = ImportTable(module)
    models = Models(module, imports, ctx.path)
    bound = _module_bound(module)
    defs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef) and s.asynchronous is None}
    plan: dict[cst.CSTNode, Step] = {}
    problems: list[tuple[cst.CSTNode, Problem]] = []
    rewrites: list[tuple[cst.FunctionDef, int]] = []  # each async function with its planned rewrites
    kept: list[tuple[str, str] | None] = []  # why request.user stays: computed at the first read planned
    roots = _roots(imports, models)
    for func, method in async_defs(module):
        if has_skip_comment(func) or not _relevant(module.code_for_node(func.body), roots):
            continue
        kinds = Kinds(func, models, method=method)
        scan = Scan(kinds, ctx.target_django, bound, defs, user_change=user_change(func, kinds), func=func)
        if any(scan.is_atomic(d.decorator) for d in func.decorators):
            scan.atomic.append(func)
        models.unread.clear()
        func.body.visit(scan)
        if scan.users:
            if not kept:
                kept.append(users_kept(ctx.path, module.code, ctx.project.request_user_set_in))
            if kept[0] is not None:
                for node in scan.users:
                    del scan.plan[node]
                kind, why = kept[0]
                problems.append((scan.users[0], Problem(kind, f"`{code(scan.users[0])}` kept: {why}")))
        plan.update(scan.plan)
        problems += scan.problems
        if models.unread:
            problems += _unread_models(func, method, models, ctx, bound, defs, scan)
        if scan.plan:
            rewrites.append((func, len(scan.plan)))
    for node, problem in problems:
        ctx.refuse(node, problem)
    if not plan:
        return module
    unsafe = async_unsafe_file(ctx.path)
    if unsafe is not None:
        first = next(iter(plan))
        ctx.refuse(
            first,
            Problem(
                "async-unsafe",
                f"not rewritten: {unsafe.name} sets DJANGO_ALLOW_ASYNC_UNSAFE, so this project runs sync ORM "
                "calls on the event loop's thread; remove it, then run again",
            ),
        )
        return module
    new = module.visit(Rewrite(plan, fresh_name("row", all_names(module))))
    for func, count in rewrites:
        ctx.fixed(func, f"{count} sync ORM call(s) or loop(s) now use the async ORM")
    needed = {
        (s.module, s.name)
        for node, s in plan.items()
        for s in ([s.inner] if isinstance(s, Unwrap) else [s])
        if isinstance(s, FuncTwin) and _bare_function(node, plan)
    }
    needed |= {(s.module, s.name) for s in plan.values() if isinstance(s, ClassTwin) and s.bare}
    if needed or any(isinstance(s, (Unwrap, FuncTwin, ClassTwin)) for s in plan.values()):
        new = fix_imports(new, needed, name_uses(module), DROPPABLE)
    return new


def _bare_function(node: cst.CSTNode, plan: dict[cst.CSTNode, Step]) -> bool:
    """The twin is called by its bare name (it needs an import), not as ``module.name``."""
    step = plan[node]
    if isinstance(step, Unwrap):
        assert isinstance(node, cst.Await) and isinstance(node.expression, cst.Call)
        maker = node.expression.func
        assert isinstance(maker, cst.Call)
        target = maker.args[0].value
        func = target.body.func if isinstance(target, cst.Lambda) and isinstance(target.body, cst.Call) else target
    else:
        assert isinstance(node, cst.Call)
        func = node.func
    return isinstance(func, cst.Name)
