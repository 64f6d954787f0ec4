'''Run independent consecutive awaits concurrently with ``asyncio.gather``.

What it does
    In the body of an ``async def``, a run of two or more consecutive statements of the forms
    ``x = await f(...)``, ``x: T = await f(...)`` and ``await f(...)`` becomes one
    ``x, y = await asyncio.gather(f(...), g(...))``. Bare awaits get a throw-away target (``_``,
    or ``_1``, ``_2``... if ``_`` is used in the function). ``import asyncio`` is added if missing.

Why
    Awaiting one I/O call after another waits for the sum of their latencies; ``gather`` waits
    for the longest one only.

Example
    Before::

        async def view(request):
            user = await fetch_user(uid)
            feed = await fetch_feed(uid)

    After::

        async def view(request):
            user, feed = await asyncio.gather(fetch_user(uid), fetch_feed(uid))

Refuses when
    - a statement of the run reads a name another statement of the run binds (data dependency);
    - a call is a write (``post``/``put``/``patch``/``delete``/``request``/``stream``, an async
      ORM write such as ``asave``/``acreate``, or ``sync_to_async(...)(...)``): order-sensitive;
    - every call is a Django async ORM read: no benefit, Django's async ORM runs on one thread;
    - the run is inside ``async with`` on ``atomic``/``transaction``, or inside a ``try`` with
      ``except`` handlers: the exception ordering is observable;
    - the same name is passed to two calls of the run and one callee is a function of this
      module that mutates one of its parameters;
    - ``asyncio`` is bound locally in the function to something else.
    Notes: a local annotation (``x: T = await ...``) is dropped (it is never evaluated inside a
    function). Outside a ``try``/``except``, if one call raises, the others of the run have
    already been started and keep running. A run of statements carrying comments is left alone. ``# dj-asyncify: skip`` on the ``def``
    line skips the function.
'''

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, has_skip_comment, last_name, local_bindings
from codemods.registry import Codemod, Context, register

WRITE_METHODS = {"post", "put", "patch", "delete", "request", "stream"}
ORM_WRITES = {
    "asave", "acreate", "aupdate", "adelete", "abulk_create", "abulk_update", "aget_or_create",
    "aupdate_or_create", "aadd", "aremove", "aset", "aclear",
}
ORM_READS = {
    "aget", "afirst", "alast", "acount", "aexists", "aaggregate", "alatest", "aearliest",
    "acontains", "ain_bulk", "aget_object_or_404",
}
MUTATORS = {"append", "extend", "update", "pop", "insert", "remove", "clear", "add", "discard",
            "setdefault", "popitem", "sort", "reverse"}


class _Names(cst.CSTVisitor):
    """Every Name in a subtree (over-collecting is conservative: it only causes refusals)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.unsafe = False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Await(self, node: cst.Await) -> None:
        self.unsafe = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.unsafe = True

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.unsafe = True

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.unsafe = True


def _names(node: cst.CSTNode) -> _Names:
    v = _Names()
    node.visit(v)
    return v




class _MutatorFinder(cst.CSTVisitor):
    """Module functions that mutate one of their parameters (``p.append(..)``, ``p.x = ..``, ``p[k] = ..``)."""

    def __init__(self) -> None:
        self.mutating: set[str] = set()
        self._params: list[set[str]] = []
        self._names: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        p = node.params
        allp = [*p.posonly_params, *p.params, *p.kwonly_params]
        for star in (p.star_arg, p.star_kwarg):
            if isinstance(star, cst.Param):
                allp.append(star)
        self._params.append({x.name.value for x in allp})
        self._names.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._params.pop()
        self._names.pop()

    def _base(self, expr: cst.BaseExpression) -> str | None:
        while isinstance(expr, (cst.Attribute, cst.Subscript)):
            expr = expr.value
        return expr.value if isinstance(expr, cst.Name) else None

    def _hit(self, expr: cst.BaseExpression) -> None:
        if self._params and self._base(expr) in self._params[-1]:
            self.mutating.add(self._names[-1])

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in MUTATORS:
            self._hit(node.func.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, (cst.Attribute, cst.Subscript)):
            self._hit(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, (cst.Attribute, cst.Subscript)):
            self._hit(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        if isinstance(node.target, (cst.Attribute, cst.Subscript)):
            self._hit(node.target)


def _candidate(stmt: cst.BaseStatement) -> tuple[str | None, cst.Call] | None:
    """(target name or None, awaited call) if ``stmt`` is a gatherable await statement."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    if stmt.trailing_whitespace.comment is not None:
        return None
    small = stmt.body[0]
    target: str | None = None
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1 or not isinstance(small.targets[0].target, cst.Name):
            return None
        target, value = small.targets[0].target.value, small.value
    elif isinstance(small, cst.AnnAssign):
        if not isinstance(small.target, cst.Name) or small.value is None:
            return None
        target, value = small.target.value, small.value
    elif isinstance(small, cst.Expr):
        value = small.value
    else:
        return None
    if not isinstance(value, cst.Await) or value.lpar or not isinstance(value.expression, cst.Call):
        return None
    call = value.expression
    if _names(call).unsafe:
        return None
    return target, call


class _Frame:
    def __init__(self, func: cst.FunctionDef | None, active: bool) -> None:
        self.func = func
        self.active = active
        self.guard = 0  # enclosing try-with-handlers / atomic blocks inside this function
        self.used: set[str] | None = None
        self.bound: set[str] | None = None


class _Transformer(cst.CSTTransformer):
    def __init__(self, module: cst.Module, ctx: Context) -> None:
        self.module = module
        self.ctx = ctx
        self.imports = ImportTable(module)
        finder = _MutatorFinder()
        module.visit(finder)
        self.mutating = finder.mutating
        self.frames: list[_Frame] = [_Frame(None, False)]
        self.aio = _top_level_asyncio(module)
        self.module_names = _names(module).names
        self.need_import = False
        self._guards: list[bool] = []

    # --- scopes ----------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        active = node.asynchronous is not None and not has_skip_comment(node)
        self.frames.append(_Frame(node, active))

    def leave_FunctionDef(self, original_node, updated_node):
        self.frames.pop()
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.frames.append(_Frame(None, False))

    def leave_ClassDef(self, original_node, updated_node):
        self.frames.pop()
        return updated_node

    def visit_Try(self, node: cst.Try) -> None:
        self.frames[-1].guard += 1 if node.handlers else 0
        self._guards.append(bool(node.handlers))

    def leave_Try(self, original_node, updated_node):
        if self._guards.pop():
            self.frames[-1].guard -= 1
        return updated_node

    def visit_TryStar(self, node) -> None:
        self.frames[-1].guard += 1
        self._guards.append(True)

    def leave_TryStar(self, original_node, updated_node):
        self._guards.pop()
        self.frames[-1].guard -= 1
        return updated_node

    def visit_With(self, node: cst.With) -> None:
        names = set()
        for item in node.items:
            names |= _names(item.item).names
        g = any("atomic" in n or "transaction" in n for n in names)
        self.frames[-1].guard += g
        self._guards.append(g)

    def leave_With(self, original_node, updated_node):
        if self._guards.pop():
            self.frames[-1].guard -= 1
        return updated_node

    # --- rewriting -------------------------------------------------------------
    def leave_IndentedBlock(self, original_node, updated_node):
        frame = self.frames[-1]
        if not frame.active:
            return updated_node
        body = list(updated_node.body)
        orig = list(original_node.body)
        out: list[cst.BaseStatement] = []
        i = 0
        changed = False
        while i < len(orig):
            run = []
            j = i
            while j < len(orig):
                c = _candidate(orig[j])
                if c is None or (run and orig[j].leading_lines):  # type: ignore[union-attr]
                    break
                run.append((orig[j], *c))
                j += 1
            if len(run) >= 2:
                new = self._gather(run, frame)
                if new is not None:
                    out.append(new)
                    changed = True
                else:
                    out.extend(body[i:j])
                i = j
            else:
                out.append(body[i])
                i += 1
        return updated_node.with_changes(body=out) if changed else updated_node

    def _refusal(self, run, frame: _Frame) -> str | None:
        first = run[0][0]
        if frame.guard:
            return "exception ordering observable: inside try/except or a transaction block"
        calls = [c for _, _, c in run]
        for call in calls:
            f = call.func
            last = last_name(f)
            if isinstance(f, cst.Attribute) and last in WRITE_METHODS or last in ORM_WRITES:
                return f"order-sensitive write: {last}()"
            if isinstance(f, cst.Call):
                inner = last_name(f.func)
                if inner == "sync_to_async":
                    return "order-sensitive write: sync_to_async(...)(...)"
                return "cannot tell what the awaited call does"
        if all(self._orm_read(c.func) for c in calls):
            return "no benefit: Django's async ORM runs on one thread"
        reads = [_names(c).names for c in calls]
        targets = [t for _, t, _ in run]
        for a in range(len(run)):
            for b in range(len(run)):
                if a != b and targets[a] is not None and targets[a] in reads[b]:
                    return f"data dependency on {targets[a]!r}"
        named = [t for t in targets if t is not None]
        if len(set(named)) != len(named):
            return "data dependency: the same name is assigned twice"
        for a in range(len(calls)):
            for b in range(a + 1, len(calls)):
                shared = self._name_args(calls[a]) & self._name_args(calls[b])
                fa, fb = calls[a].func, calls[b].func
                callees = {f.value for f in (fa, fb) if isinstance(f, cst.Name)}
                if shared and callees & self.mutating:
                    return f"shared argument {min(shared)!r} passed to a function that mutates it"
        if frame.bound is None:
            assert frame.func is not None
            frame.bound = local_bindings(frame.func)
            frame.used = _names(frame.func).names
        if self.aio is None and "asyncio" in self.module_names:
            return "the name 'asyncio' is used for something else in this module"
        for outer in self.frames:
            if outer.func is not None and outer.bound is None:
                outer.bound = local_bindings(outer.func)
            if outer.bound and self.aio in outer.bound:
                return f"the name {self.aio!r} is bound locally"
        del first
        return None

    def _orm_read(self, func: cst.BaseExpression) -> bool:
        if isinstance(func, cst.Attribute):
            return func.attr.value in ORM_READS
        return self.imports.qualify(func) == "django.shortcuts.aget_object_or_404"

    @staticmethod
    def _name_args(call: cst.Call) -> set[str]:
        return {a.value.value for a in call.args if isinstance(a.value, cst.Name)}

    def _gather(self, run, frame: _Frame) -> cst.BaseStatement | None:
        reason = self._refusal(run, frame)
        first = run[0][0]
        if reason is not None:
            self.ctx.report(first, reason)
            return None
        used = frame.used or set()
        throw = "_"
        k = 0
        while throw in used:
            k += 1
            throw = f"_{k}"
        targets = [t if t is not None else throw for _, t, _ in run]
        aio = self.aio or "asyncio"
        if self.aio is None:
            self.need_import = True
        calls = ", ".join(self.module.code_for_node(c) for _, _, c in run)
        stmt = cst.parse_statement(f"{', '.join(targets)} = await {aio}.gather({calls})\n")
        self.ctx.fixed(first, f"gathered {len(run)} independent awaits")
        return stmt.with_changes(leading_lines=first.leading_lines)


def _top_level_asyncio(module: cst.Module) -> str | None:
    """Local name of a module-level ``import asyncio [as x]`` (imports in functions do not count)."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == "asyncio":
                        if alias.asname is None:
                            return "asyncio"
                        if isinstance(alias.asname.name, cst.Name):
                            return alias.asname.name.value
    return None


def _add_import(module: cst.Module) -> cst.Module:
    body = list(module.body)
    idx = 0
    for n, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            s = stmt.body[0]
            if n == 0 and isinstance(s, cst.Expr) and isinstance(s.value, (cst.SimpleString, cst.ConcatenatedString)):
                idx = 1
                continue
            if isinstance(s, cst.ImportFrom) and isinstance(s.module, cst.Name) and s.module.value == "__future__":
                idx = n + 1
                continue
        break
    body.insert(idx, cst.parse_statement("import asyncio\n"))
    return module.with_changes(body=body)


@register
class GatherAwaits(Codemod):
    name = "gather-awaits"
    summary = "run consecutive independent awaits concurrently with asyncio.gather"
    min_django = (3, 1)
    order = 20

    def precheck(self, source: str) -> bool:
        return "async def" in source and source.count("await") >= 2

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        t = _Transformer(module, ctx)
        new = module.visit(t)
        if t.need_import:
            new = _add_import(new)
        return new
