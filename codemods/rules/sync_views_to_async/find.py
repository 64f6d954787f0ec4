"""Finding the sync views worth making async (two blocking HTTP calls or more) and what rules one out first."""

from __future__ import annotations

import dataclasses

import libcst as cst

from codemods.analysis import ImportTable, SameScope, has_skip_comment
from codemods.analysis.decorators import unsupported
from codemods.knowledge import http, loop, requests_api
from codemods.knowledge.views import is_view_base, is_views_module
from codemods.problems import Problem, Refused
from codemods.registry import Context
from codemods.rules.async_views_to_sync.show import short, version

_REQUESTS_CALLS = frozenset(f"requests.{m}" for m in requests_api.METHODS) | frozenset(
    f"requests.api.{m}" for m in requests_api.METHODS
)
_SESSION_METHODS = frozenset(requests_api.METHODS)


@dataclasses.dataclass
class View:
    """A sync view: a function, or a class whose handlers are converted together."""

    name: str
    node: cst.FunctionDef | cst.ClassDef
    handlers: list[cst.FunctionDef]
    calls: int  # the most blocking HTTP calls one handler makes

    @property
    def paths(self) -> list[tuple[str, ...]]:
        if isinstance(self.node, cst.FunctionDef):
            return [(self.name,)]
        return [(self.name, h.name.value) for h in self.handlers]


class _HttpCalls(SameScope, cst.CSTVisitor):
    """The blocking requests calls of one def: ``requests.get(...)`` (any import spelling) and
    methods of a Session the def makes (``s = requests.Session()``, ``with requests.Session() as s``)."""

    def __init__(self, imports: ImportTable) -> None:
        self.imports = imports
        self.sessions: set[str] = set()
        self.count = 0

    def _is_session(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Call) and self.imports.qualify(node.func) in requests_api.SESSION_CLASSES

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._is_session(node.value):
            self.sessions.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self._is_session(node.item) and node.asname is not None and isinstance(node.asname.name, cst.Name):
            self.sessions.add(node.asname.name.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if self.imports.qualify(func) in _REQUESTS_CALLS or (
            isinstance(func, cst.Attribute)
            and func.attr.value in _SESSION_METHODS
            and isinstance(func.value, cst.Name)
            and func.value.value in self.sessions
        ):
            self.count += 1


def http_calls(func: cst.FunctionDef, imports: ImportTable) -> int:
    counter = _HttpCalls(imports)
    func.body.visit(counter)
    return counter.count


def _handlers(cls: cst.ClassDef) -> list[cst.FunctionDef]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return []
    return [s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value in http.METHODS]


def views_of(module: cst.Module, imports: ImportTable, ctx: Context) -> list[View]:
    """The module's sync views with at least one blocking HTTP call: module-level functions whose
    first parameter is ``request`` (in a views module or one a urlconf routes to), and classes
    with HTTP handlers deriving from a Django view."""
    function_views = is_views_module(ctx.path) or ctx.project.routes_to(ctx.path)
    out: list[View] = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.asynchronous is None and function_views:
            params = [*stmt.params.posonly_params, *stmt.params.params]
            if params and params[0].name.value == http.REQUEST_PARAMETER:
                n = http_calls(stmt, imports)
                if n:
                    out.append(View(stmt.name.value, stmt, [stmt], n))
        elif isinstance(stmt, cst.ClassDef):
            handlers = _handlers(stmt)
            if not handlers or all(h.asynchronous is not None for h in handlers):
                continue
            if not any(is_view_base(imports.qualify(b.value) or "") for b in stmt.bases):
                continue
            n = max(http_calls(h, imports) for h in handlers)
            if n:
                out.append(View(stmt.name.value, stmt, handlers, n))
    return out


def _decorator_problem(dec: cst.BaseExpression, imports: ImportTable, ctx: Context) -> Problem | None:
    """None when the decorator is known to take an async view on the target Django; else why."""
    found = unsupported(dec, imports, ctx.target_django)
    if found is None:
        return None
    kind, shown, since = found
    if kind == "method":
        return Problem("decorator-too-old", f"uses method_decorator, which wraps async methods only since Django "
                       f"{version(since)}")
    if kind == "unknown":
        return Problem("unknown-decorator", f"has the decorator `{short(shown)}`, not known to accept an async view; "
                       "if it does, convert by hand")
    return Problem("decorator-too-old", f"has the decorator `{short(shown)}`, which takes async views only since "
                   f"Django {version(since)} (target {version(ctx.target_django)})")


def rule_out(view: View, imports: ImportTable, ctx: Context) -> None:
    """Raise ``Refused`` when the view cannot be made async, whatever its body does: a skip
    comment, a decorator, the shape of its class (checks that read other files come last)."""
    if has_skip_comment(view.node) or any(has_skip_comment(h) for h in view.handlers):
        raise Refused(Problem("skip-comment", "is marked `# dj-asyncify: skip`"))
    for dec in view.node.decorators:
        why = _decorator_problem(dec.decorator, imports, ctx)
        if why is not None:
            raise Refused(why)
    if isinstance(view.node, cst.ClassDef):
        _class_shape(view.node, view.handlers, imports, ctx)


def _class_shape(cls: cst.ClassDef, handlers: list[cst.FunctionDef], imports: ImportTable, ctx: Context) -> None:
    bases = [imports.qualify(b.value) or short(b.value) for b in cls.bases]
    if cls.keywords or len(bases) != 1 or bases[0] not in loop.PLAIN_VIEW_BASES:
        other = next((b for b in bases if b not in loop.PLAIN_VIEW_BASES), bases[0] if bases else "?")
        raise Refused(Problem("view-base", f"derives from `{other}`, whose own sync methods (a generic view's, a "
                              "mixin's dispatch) would run around async handlers; only `View` is followed"))
    assert isinstance(cls.body, cst.IndentedBlock)
    for stmt in cls.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in loop.VIEW_METHODS_KEPT_SYNC_BREAK:
            raise Refused(Problem("view-method", f"defines `{stmt.name.value}`, which would stay sync beside "
                                  "async handlers"))
        if isinstance(stmt, cst.FunctionDef) and stmt.asynchronous is not None:
            raise Refused(Problem("view-method", f"already has the coroutine method `{stmt.name.value}`"))
    for h in handlers:
        for dec in h.decorators:
            why = _decorator_problem(dec.decorator, imports, ctx)
            if why is not None:
                raise Refused(why)
