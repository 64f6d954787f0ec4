"""The rewrite: each chosen view made ``async def`` (a class's handlers together), renders awaited in a thread."""

from __future__ import annotations

import dataclasses
import os

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.twin_imports import fix_imports
from codemods.knowledge import loop
from codemods.knowledge.runtime import SYNC_TO_ASYNC
from codemods.problems import Problem, Refused
from codemods.project import references, view_settings
from codemods.registry import Context
from codemods.rules.async_views_to_sync.finding import is_test_module, module_level_names
from codemods.rules.sync_views_to_async.find import View, rule_out, views_of

_NON_ATOMIC = "django.db.transaction.non_atomic_requests"


def about(view: View, problem: Problem) -> Problem:
    """The problem as said of the view: "`dash` stays sync: ..."."""
    return dataclasses.replace(problem, message=f"`{view.name}` stays sync: {problem.message}")


def _settings_check(view: View, imports: ImportTable, ctx: Context, atomic: tuple[bool, str] | None) -> None:
    """ATOMIC_REQUESTS (``atomic``: what the settings say, read once per file)."""
    non_atomic = any(imports.qualify(d.decorator) == _NON_ATOMIC for d in view.node.decorators)
    if atomic is None or non_atomic:
        return
    on, where = atomic
    if on:
        raise Refused(Problem("atomic-requests", f"{where} sets ATOMIC_REQUESTS, with which Django raises "
                              "RuntimeError for an async view; mark it `@transaction.non_atomic_requests`"))
    if where:
        raise Refused(Problem("settings-unknown", "cannot tell whether ATOMIC_REQUESTS is on: if it is off, "
                              f"-o sync-views-to-async.atomic-requests=off ({where})"))


def _used_elsewhere(views: list[View], ctx: Context) -> dict[str, Problem]:
    """Why each of ``views`` whose name the project uses besides routes and imports stays sync."""
    files = references.project_python_files(ctx.root, ctx.path)
    out = {}
    module = os.path.splitext(os.path.basename(ctx.path))[0]
    here = os.path.abspath(ctx.path)
    for name, (path, line, code) in references.other_uses([v.name for v in views], files, module).items():
        where = f"line {line}" if os.path.abspath(path) == here else f"{references.shown(path, ctx.path)}:{line}"
        out[name] = Problem("used-elsewhere", f"is used at {where} (`{code}`): a sync caller would get a coroutine")
    return out


class _Rewrite(cst.CSTTransformer):
    """``def`` -> ``async def`` for the chosen handlers; ``render(...)`` in them ->
    ``await sync_to_async(render)(...)``."""

    def __init__(self, chosen: set[int], imports: ImportTable, wrapper: str) -> None:
        self.chosen = chosen
        self.imports = imports
        self.wrapper = wrapper
        self.depth = 0  # inside a chosen def (nested defs are not entered: the check refuses them)
        self.wrapped = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if id(node) in self.chosen:
            self.depth += 1
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if id(original) in self.chosen:
            self.depth -= 1
            return updated.with_changes(asynchronous=cst.Asynchronous())
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.depth and self.imports.qualify(original.func) in loop.RENDERING:
            self.wrapped += 1
            thread = cst.Call(cst.Name(self.wrapper), [cst.Arg(updated.func)])
            return cst.Await(
                cst.Call(thread, updated.args, whitespace_before_args=updated.whitespace_before_args),
                lpar=[cst.LeftParen()],
                rpar=[cst.RightParen()],
            )
        return updated

    def _bare(self, value: cst.BaseExpression | None) -> cst.BaseExpression | None:
        if isinstance(value, cst.Await) and value.lpar and self.depth:
            return value.with_changes(lpar=[], rpar=[])
        return value

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return updated.with_changes(value=self._bare(updated.value))

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        value = self._bare(updated.value)
        assert value is not None
        return updated.with_changes(value=value)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        value = self._bare(updated.value)
        assert value is not None
        return updated.with_changes(value=value)


def transform(module: cst.Module, ctx: Context) -> cst.Module:
    if is_test_module(ctx.path):
        return module
    imports = ImportTable(module)
    chosen: list[View] = []
    atomic = None if ctx.option("atomic-requests") == "off" else view_settings.atomic_requests(ctx.path)
    for view in views_of(module, imports, ctx):
        withdrawn = next((ctx.withdrawn[p] for p in view.paths if p in ctx.withdrawn), None)
        if withdrawn is not None:
            ctx.refuse(view.node, withdrawn)
            continue
        if view.calls < 2:
            ctx.refuse(view.node, about(view, Problem("one-call", "makes one blocking HTTP call per request: nothing "
                                                      "would run concurrently")))
            continue
        try:
            rule_out(view, imports, ctx)
            _settings_check(view, imports, ctx, atomic)
        except Refused as refusal:
            ctx.refuse(view.node, about(view, refusal.problem))
            continue
        chosen.append(view)
    used = _used_elsewhere(chosen, ctx) if chosen else {}
    for view in chosen:
        if view.name in used:
            ctx.refuse(view.node, about(view, used[view.name]))
    chosen = [v for v in chosen if v.name not in used]
    if not chosen:
        return module
    local = next(iter(imports.locals_for(SYNC_TO_ASYNC)), None)
    wrapper = local or "sync_to_async"
    if local is None and (wrapper in imports.names or wrapper in module_level_names(module)):
        for view in chosen:
            ctx.refuse(view.node, about(view, Problem("name-taken", "the module binds `sync_to_async` to something "
                                                      "else, which a template render would need")))
        return module
    rewrite = _Rewrite({id(h) for v in chosen for h in v.handlers}, imports, wrapper)
    new = module.visit(rewrite)
    if rewrite.wrapped and local is None:
        new = fix_imports(new, {("asgiref.sync", "sync_to_async")}, set(), {})
    ctx.tentative.extend(p for v in chosen for p in v.paths)
    return new
