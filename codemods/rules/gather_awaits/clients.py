"""Known HTTP clients: which names are, in every binding of their scope, an httpx/aiohttp async client.

A GET/HEAD/OPTIONS on one is a read with no effect on the other calls of a run (apart from cookies,
see the docstring): ``async with httpx.AsyncClient() as c``, ``c = httpx.AsyncClient()``, a
parameter or variable annotated with the class -- in the function, an enclosing one or at module
level.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from codemods.analysis import bindings as b
from codemods.knowledge.effects_gather import READ_HTTP
from codemods.knowledge.http import ASYNC_CLIENT_CLASSES, CLIENT_CODE_KEYWORDS, READ_METHODS
from codemods.rules.gather_awaits.calls import request_method
from codemods.rules.gather_awaits.scopes import Frame, Site
from codemods.rules.gather_awaits.syntax import annotation_expr


class ClientBindings:
    """For every name a function (or the module) binds in its own scope: whether each binding
    is an HTTP client (``async with httpx.AsyncClient() as c``, ``c = httpx.AsyncClient()``,
    ``c: httpx.AsyncClient = ...``); nested functions and classes are not entered. The bindings
    are the shared collector's (``analysis.bindings``) but imports, ``global``/``nonlocal`` and
    comprehension targets, none of which binds a client here."""

    KINDS = frozenset({b.ASSIGN, b.ANNOTATED, b.AUGMENTED, b.FOR, b.WITH, b.EXCEPT, b.WALRUS, b.DEF, b.CLASS})

    def __init__(self, is_client: Any) -> None:
        self.is_client = is_client
        self.found: dict[str, list[bool]] = {}

    def add(self, node: cst.CSTNode) -> None:
        """Record the bindings of ``node`` (a function body or a module statement)."""
        for binding in b.collect_bindings(node):
            if binding.kind in self.KINDS:
                self.found.setdefault(binding.name, []).append(binding.whole and self._client(binding))

    def _client(self, binding: b.Binding) -> bool:
        if binding.kind in (b.ASSIGN, b.WITH):
            assert binding.value is not None
            return self.is_client(binding.value)
        if binding.kind == b.ANNOTATED:
            node = binding.node
            assert isinstance(node, cst.AnnAssign)
            return (node.value is not None and self.is_client(node.value)) or self.is_client(
                annotation_expr(node.annotation), call=False
            )
        return False


def http_read_receiver(call: cst.Call) -> str | None:
    """The receiver name of ``c.get(u)`` (head, options, ``request("GET", u)``): a read if ``c``
    is a known client; None when the call is no HTTP read by its shape."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    method = func.attr.value
    read = (method in READ_METHODS and bool(call.args)) or (
        method == "request" and request_method(call) in READ_HTTP
    )
    return func.value.value if read else None


def runs_code(arg: cst.Arg) -> bool:
    """A client argument that makes it run code of its own around each request (``auth=`` a
    ``(user, password)`` tuple excepted: basic auth, as requests-to-httpx emits it)."""
    if arg.star:
        return True
    if arg.keyword is None or arg.keyword.value not in CLIENT_CODE_KEYWORDS:
        return False
    return not (arg.keyword.value == "auth" and isinstance(arg.value, cst.Tuple) and len(arg.value.elements) == 2)


class ScopeBindings:
    """The bindings of the scopes of one module (a function's, the module's), each with whether
    it makes the name an HTTP client; collected once per scope, when first asked for."""

    def __init__(self, module: cst.Module, imports: Any, facts: Any = None) -> None:
        self.module = module
        self.imports = imports
        # names some function declares global/nonlocal: it may bind them to anything
        self.rebound: set[str] = (
            {n for group in (*facts.funcs.values(), *facts.methods.values()) for f in group for n in f.declared}
            if facts is not None else set()
        )
        self._scope_bindings: dict[int, dict[str, list[bool]]] = {}

    def of(self, node: cst.CSTNode) -> dict[str, list[bool]]:
        """Names bound in the scope of a function (its parameters too) or of the module, each with
        whether every binding makes it an HTTP client."""
        key = id(node)
        if key not in self._scope_bindings:
            v = ClientBindings(self.is_client)
            if isinstance(node, cst.FunctionDef):
                params = node.params
                for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                    v.found.setdefault(p.name.value, []).append(
                        self.is_client(annotation_expr(p.annotation), call=False)
                    )
                for p in (params.star_arg, params.star_kwarg):
                    if isinstance(p, cst.Param):
                        v.found.setdefault(p.name.value, []).append(False)
                v.add(node.body)
            else:
                for stmt in self.module.body:
                    v.add(stmt)
            self._scope_bindings[key] = v.found
        return self._scope_bindings[key]

    def is_client(self, expr: cst.BaseExpression | None, call: bool = True) -> bool:
        if call:
            if not isinstance(expr, cst.Call):
                return False
            if any(runs_code(arg) for arg in expr.args):
                return False  # runs code of its own around each request (hooks, auth...)
            expr = expr.func
        return expr is not None and self.imports.qualify(expr) in ASYNC_CLIENT_CLASSES

    def client_in(self, name: str, func: cst.FunctionDef | None, bound_there: bool) -> bool:
        """``name`` is a client in every binding: of ``func`` when it binds the name there
        (``bound_there``), else of the module."""
        if name in self.rebound:
            return False
        found = self.of(func if func is not None and bound_there else self.module).get(name)
        return bool(found) and all(found)


class KnownClients:
    """Answers "is this call an HTTP read on a known client?" for the frames of the walk."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.scopes = ScopeBindings(site.module, site.imports, site.facts)

    def known_client(self, name: str) -> bool:
        """``name`` is, in every binding of the scope it comes from, an HTTP client."""
        for outer in reversed(self.site.frames):
            if outer.func is None:
                continue
            fn = self.site.fn(outer)
            if name in fn.params or name in fn.locals:
                return self.scopes.client_in(name, outer.func, True)
        return self.scopes.client_in(name, None, False)

    def http_read(self, call: cst.Call, frame: Frame) -> bool:
        """``client.get(u)`` (head, options, request("GET", u)) on a known HTTP client."""
        name = http_read_receiver(call)
        return name is not None and self.known_client(name)
