"""Turn async views that gain nothing from async back into plain sync views.

What it does
    Rewrites an ``async def`` view whose only await is one Django ORM call with a sync twin (or
    that awaits nothing at all) into a plain ``def`` view: ``await X.objects.aget(...)`` becomes
    ``X.objects.get(...)``, ``await obj.asave()`` becomes ``obj.save()``,
    ``await aget_object_or_404(...)`` becomes ``get_object_or_404(...)``,
    ``await request.auser()`` becomes ``request.user``, ``async for`` becomes ``for``.
    Function views are top-level ``async def`` functions whose first parameter is ``request``, in
    ``views.py`` or a ``views/`` package; class-based views are the HTTP handlers (``get``,
    ``post`` ...) of a class deriving from a Django view.

Why
    Django's async ORM runs the sync ORM in a thread: a view whose only work is one query pays an
    event-loop hop and a thread switch for nothing. ("Don't use async for single database queries.")

Example
    Before::

        async def product(request, pk):
            item = await Product.objects.aget(pk=pk)
            return JsonResponse({"name": item.name})

    After::

        def product(request, pk):
            item = Product.objects.get(pk=pk)
            return JsonResponse({"name": item.name})

Refuses when
    - the view awaits anything besides one ORM call (option ``max-queries`` raises the count of
      ORM calls allowed in sequence), or uses ``async with``, ``yield`` or an async iterator that is
      not a queryset;
    - another function in the processed paths awaits or schedules the view (making it sync would
      break the caller);
    - a decorator is not one of Django's own (a third-party one may need a coroutine function);
    - a class-based view has a handler that cannot be converted, or bases that are not Django views
      (Django requires a view's handlers to be all sync or all async: all are converted, or none).
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, SameScope, has_skip_comment
from codemods.registry import Codemod, Context, register

HANDLERS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
QUERYSET_METHODS = frozenset(
    "aget acreate aget_or_create aupdate_or_create abulk_create abulk_update acount ain_bulk aiterator "
    "alatest aearliest afirst alast aaggregate aexists acontains aupdate adelete aexplain".split()
)
INSTANCE_METHODS = frozenset({"asave", "adelete", "arefresh_from_db", "aadd", "aremove", "aclear", "aset"})
SHORTCUTS = {
    "django.shortcuts.aget_object_or_404": "get_object_or_404",
    "django.shortcuts.aget_list_or_404": "get_list_or_404",
}


def _is_view_file(path: str) -> bool:
    norm = path.replace("\\", "/")
    return norm.endswith("views.py") or "/views/" in f"/{norm}"


class _BodyScan(SameScope, cst.CSTVisitor):
    """Collects what blocks conversion and the ORM awaits, without entering nested scopes."""

    def __init__(self, imports: ImportTable) -> None:
        self.imports = imports
        self.awaits: list[cst.Await] = []
        self.async_fors: list[cst.CSTNode] = []
        self.blockers: list[tuple[cst.CSTNode, str]] = []

    def visit_Await(self, node: cst.Await) -> None:
        self.awaits.append(node)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self.async_fors.append(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self.async_fors.append(node)

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            self.blockers.append((node, "uses `async with`"))

    def visit_Yield(self, node: cst.Yield) -> None:
        self.blockers.append((node, "is an async generator (streams its response)"))


def _sync_twin(await_node: cst.Await, imports: ImportTable) -> cst.BaseExpression | None:
    """The sync expression for an awaited Django async DB call, or None if it is not one."""
    call = await_node.expression
    if not isinstance(call, cst.Call):
        return None
    func = call.func
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        receiver = func.value
        if method == "auser" and not call.args and isinstance(receiver, cst.Name) and receiver.value == "request":
            return cst.Attribute(value=receiver, attr=cst.Name("user"))
        on_queryset = method in QUERYSET_METHODS and (
            "objects" in cst.Module([]).code_for_node(receiver) or isinstance(receiver, cst.Call)
        )
        if on_queryset or method in INSTANCE_METHODS:
            return call.with_changes(func=func.with_changes(attr=cst.Name(method[1:])))
        return None
    qualified = imports.qualify(func)
    if qualified in SHORTCUTS and isinstance(func, cst.Name):
        return call.with_changes(func=cst.Name(SHORTCUTS[qualified]))
    return None


class _Unasync(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.Await, cst.BaseExpression]) -> None:
        self.replacements = replacements

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        twin = self.replacements.get(original)
        if twin is None:
            return updated
        return twin.with_changes(lpar=original.lpar, rpar=original.rpar) if original.lpar else twin

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        return updated.with_changes(asynchronous=None)

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        return updated.with_changes(asynchronous=None)


class _Transformer(cst.CSTTransformer):
    def __init__(self, ctx: Context, imports: ImportTable, view_file: bool) -> None:
        self.ctx = ctx
        self.imports = imports
        self.view_file = view_file
        self.max_queries = int(ctx.option("max-queries"))
        self.depth = 0
        self.used_shortcuts: set[str] = set()

    # --- deciding
    def _convertible(self, func: cst.FunctionDef) -> tuple[dict[cst.Await, cst.BaseExpression] | None, str]:
        scan = _BodyScan(self.imports)
        func.body.visit(scan)
        if scan.blockers:
            return None, f"view {func.name.value!r} {scan.blockers[0][1]}"
        replacements: dict[cst.Await, cst.BaseExpression] = {}
        for aw in scan.awaits:
            twin = _sync_twin(aw, self.imports)
            if twin is None:
                code = cst.Module([]).code_for_node(aw.expression)
                return None, f"view {func.name.value!r} awaits `{code}`, which is not a Django DB call with a sync twin"
            replacements[aw] = twin
        queries = len(scan.awaits) + len(scan.async_fors)
        if queries > self.max_queries:
            return None, (
                f"view {func.name.value!r} makes {queries} DB calls (max-queries is {self.max_queries})"
            )
        for dec in func.decorators:
            qualified = self.imports.qualify(dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator)
            if not (qualified or "").startswith("django."):
                return None, f"view {func.name.value!r} has a decorator not known to accept a sync view"
        if func.name.value in self.ctx.project.awaited_names:
            return None, f"view {func.name.value!r} is awaited or scheduled elsewhere; it must stay a coroutine"
        return replacements, ""

    def _convert(self, func: cst.FunctionDef, replacements: dict[cst.Await, cst.BaseExpression]) -> cst.FunctionDef:
        for twin in replacements.values():
            if isinstance(twin, cst.Call) and isinstance(twin.func, cst.Name):
                self.used_shortcuts.add(twin.func.value)
        body = func.body.visit(_Unasync(replacements))
        note = "no await at all" if not replacements else "its only await is a DB call"
        self.ctx.fixed(func, f"view {func.name.value!r} made sync: {note}")
        return func.with_changes(asynchronous=None, body=body)

    # --- walking
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        params = original.params.params
        if (
            original.asynchronous is None
            or not self.view_file
            or not params
            or params[0].name.value != "request"
            or has_skip_comment(original)
        ):
            return updated
        replacements, reason = self._convertible(original)
        if replacements is None:
            self.ctx.report(original, reason)
            return updated
        return self._convert(original, replacements)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if has_skip_comment(original) or not isinstance(original.body, cst.IndentedBlock):
            return updated
        bases = [self.imports.qualify(arg.value) or "" for arg in original.bases]
        if not bases or not any(b.startswith("django.views") or b.startswith("django.contrib") for b in bases):
            return updated
        handlers = [
            s for s in original.body.body if isinstance(s, cst.FunctionDef) and s.name.value in HANDLERS
        ]
        if not any(h.asynchronous is not None for h in handlers):
            return updated
        name = original.name.value
        if not all(b.startswith("django.") for b in bases):
            self.ctx.report(original, f"view class {name!r} inherits handlers that cannot be checked; all must be sync or all async")
            return updated
        plans = {}
        for handler in handlers:
            if handler.asynchronous is None:
                continue
            replacements, reason = self._convertible(handler)
            if replacements is None:
                self.ctx.report(original, f"view class {name!r}: {reason}; its handlers must stay all async")
                return updated
            plans[handler] = replacements
        new_body = [self._convert(s, plans[s]) if s in plans else s for s in original.body.body]
        return updated.with_changes(body=updated.body.with_changes(body=new_body))


def _fix_imports(module: cst.Module, imports: ImportTable, added: set[str]) -> cst.Module:
    """Import the sync shortcuts used; drop the async ones no longer referenced."""
    code = module.code
    body = list(module.body)
    missing = sorted(n for n in added if imports.names.get(n) != f"django.shortcuts.{n}")
    for i, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        new_stmts = []
        for small in stmt.body:
            if (
                isinstance(small, cst.ImportFrom)
                and small.module is not None
                and cst.Module([]).code_for_node(small.module) == "django.shortcuts"
                and not isinstance(small.names, cst.ImportStar)
            ):
                keep = [
                    a for a in small.names
                    if not (a.asname is None and a.name.value in ("aget_object_or_404", "aget_list_or_404")
                            and code.count(a.name.value) == 1)
                ]
                keep += [cst.ImportAlias(name=cst.Name(n)) for n in missing]
                missing = []
                if not keep:
                    continue
                keep = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in keep]
                small = small.with_changes(names=keep, lpar=None, rpar=None)
            new_stmts.append(small)
        if new_stmts != list(stmt.body):
            body[i] = stmt.with_changes(body=new_stmts) if new_stmts else cst.RemovalSentinel.REMOVE
    body = [b for b in body if b is not cst.RemovalSentinel.REMOVE]
    if missing:
        line = cst.parse_statement(f"from django.shortcuts import {', '.join(missing)}\n")
        last_import = max(
            (i for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine)
             and all(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body)),
            default=-1,
        )
        body.insert(last_import + 1, line)
    return module.with_changes(body=body)


@register
class AsyncViewsToSync(Codemod):
    name = "async-views-to-sync"
    summary = "Async views whose only await is one ORM query (or none) become plain sync views"
    min_django = (4, 1)
    order = 30
    options = {"max-queries": 1}

    def precheck(self, source: str) -> bool:
        return "async def" in source

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        imports = ImportTable(module)
        transformer = _Transformer(ctx, imports, _is_view_file(ctx.path))
        new = module.visit(transformer)
        if transformer.used_shortcuts:
            new = _fix_imports(new, imports, transformer.used_shortcuts)
        return new
