"""The rewrite: each planned view made sync (``async def`` -> ``def``, awaits -> sync names), and the run."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, has_skip_comment, name_uses
from codemods.knowledge.views import is_views_module
from codemods.problems import Problem, Refused
from codemods.registry import Context
from codemods.rules.async_views_to_sync.decide import Decider
from codemods.rules.async_views_to_sync.finding import handlers, is_test_module
from codemods.rules.async_views_to_sync.imports import DROPPABLE, fix_imports
from codemods.rules.async_views_to_sync.plan import Plan
from codemods.rules.async_views_to_sync.show import code, prefixed, short


class _Unasync(cst.CSTTransformer):
    """Rewrites one view body by its plan (not entering nested functions and classes)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        twin = self.plan.awaits.get(original)
        if twin is None:
            return updated
        if not original.lpar:
            return twin
        if isinstance(twin, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and "\n" not in code(original):
            return twin  # `(await request.auser()).pk` -> `request.user.pk`: the parentheses were for the await
        return twin.with_changes(lpar=original.lpar, rpar=original.rpar)

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.BaseSmallStatement:
        stmt = self.plan.statements.get(original)
        if stmt is None:
            return updated
        return stmt.with_changes(semicolon=original.semicolon)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if original in self.plan.iterators and isinstance(updated.func, cst.Attribute):
            return updated.with_changes(func=updated.func.with_changes(attr=cst.Name("iterator")))
        return updated

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        return updated.with_changes(asynchronous=None)

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        return updated.with_changes(asynchronous=None)


class _Transformer(cst.CSTTransformer):
    """Walks the module's top level: converts the function views and view classes the decider
    plans, reports the others."""

    def __init__(self, ctx: Context, imports: ImportTable, view_file: bool, module: cst.Module) -> None:
        self.ctx = ctx
        self.view_file = view_file
        self.decider = Decider(ctx, imports, module)
        self.needed_imports: set[tuple[str, str]] = set()
        self.converted = False

    def _convert(self, func: cst.FunctionDef, plan: Plan, label: str) -> cst.FunctionDef:
        self.needed_imports |= plan.imports
        self.converted = True
        body = func.body.visit(_Unasync(plan))
        if plan.calls == 0:
            note = "it awaits nothing, so async bought nothing"
        elif plan.calls == 1:
            note = "its only async work is one DB call, which async runs in a thread anyway"
        else:
            note = f"its async work is {plan.calls} DB calls in sequence, which async runs in a thread anyway"
        self.ctx.fixed(func, f"{label} made sync: {note}")
        return func.with_changes(asynchronous=None, body=body)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        params = [*original.params.posonly_params, *original.params.params]
        if (
            original.asynchronous is None
            or not self.view_file
            or not params
            or params[0].name.value != "request"
            or has_skip_comment(original)
        ):
            return updated
        label = f"view {original.name.value!r}"
        try:
            plan = self.decider.function_view(original)
        except Refused as refusal:
            self.ctx.refuse(original, prefixed(f"{label} left async: ", refusal.problem))
            return updated
        return self._convert(original, plan, label)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if not isinstance(original.body, cst.IndentedBlock) or has_skip_comment(original):
            return updated
        name = original.name.value
        label = f"view class {name!r}"
        classes = self.decider.classes
        family = self.decider.family_of.get(name)
        if family is None or classes.get(name) is not original:
            # Not known to be a view. Say so when its handlers look like view handlers.
            looks_like_view = any(
                h.asynchronous is not None and len(h.params.params) > 1 and h.params.params[1].name.value == "request"
                for h in handlers(original)
            )
            if looks_like_view and original.bases:
                note = next(
                    (
                        prefixed(f"handler {h.name.value!r} ", n) for h in handlers(original)
                        if h.asynchronous is not None
                        and (n := self.decider.body_note(h, is_method=True)) is not None
                    ),
                    None,
                )
                if note is not None:  # it does real async work: whatever its bases, it stays async
                    self.ctx.note(original, prefixed(f"{label} left async: ", note))
                    return updated
                shown = ", ".join(short(arg.value) for arg in original.bases)
                self.ctx.refuse(original, Problem(
                    "unknown-view-bases",
                    f"{label} left async: its bases ({shown}) are not known Django views, so its "
                    "inherited handlers cannot be checked",
                ))
            return updated
        if not any(h.asynchronous is not None for member in family for h in handlers(classes[member])):
            return updated
        plans, culprit, problem = self.decider.family(family)
        if problem is not None:
            if culprit != name:
                problem = prefixed(f"{culprit!r} (same hierarchy) ", problem)
            if any(h.asynchronous is not None for h in handlers(original)) or culprit == name:
                self.ctx.refuse(original, prefixed(f"{label} left async: ", problem))
            return updated
        new_body = [
            self._convert(s, plans[s], f"{label} handler {s.name.value!r}") if s in plans else s
            for s in original.body.body
        ]
        return updated.with_changes(body=updated.body.with_changes(body=new_body))


def transform(module: cst.Module, ctx: Context) -> cst.Module:
    """The codemod's run over one module (``AsyncViewsToSync.transform``)."""
    if is_test_module(ctx.path):
        return module  # views there exist to exercise async code paths: left alone, silently
    imports = ImportTable(module)
    view_file = is_views_module(ctx.path) or ctx.project.routes_to(ctx.path)
    transformer = _Transformer(ctx, imports, view_file, module)
    new = module.visit(transformer)
    if transformer.converted and (
        transformer.needed_imports or any(q in DROPPABLE for q in imports.names.values())
    ):
        new = fix_imports(new, transformer.needed_imports, name_uses(module))
    return new
