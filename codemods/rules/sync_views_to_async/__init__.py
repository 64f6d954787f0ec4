"""Make sync views that wait on several blocking HTTP calls async, so that the calls run concurrently.

What it does
    A sync view - a module-level function whose first parameter is ``request`` in a views module
    (``views.py``, ``views/``) or a module a urlconf routes to, or a class deriving from Django's
    ``View`` alone, all its HTTP handlers together - whose body makes two blocking ``requests``
    calls or more (``requests.get(...)``, any spelling of the import, methods of a ``Session`` it
    makes) becomes ``async def``. It runs first; in the same run the other codemods finish the
    body: requests-to-httpx turns the calls into awaited ``httpx.AsyncClient`` calls, gather-awaits
    runs the independent ones in one ``asyncio.gather``, async-orm turns its queries into their
    awaited twins. ``render(...)``/``render_to_string(...)`` in the view become
    ``await sync_to_async(render)(...)``: the template, with the lazy querysets, lazy relations
    and ``request.user`` it reads, is evaluated in Django's sync thread as before
    (``TemplateResponse`` needs nothing: Django renders it in that thread itself).

Why
    A sync view waits for each call in turn: three 300 ms upstream calls answer in about 900 ms.
    Gathered in an async view they answer in about 300 ms. That holds under WSGI too: Django runs
    an async view in an event loop of its own for each request, so the gathered calls still
    overlap. Every other view is left sync (async-views-to-sync turns pointless async views back).

Example
    Before::

        import requests
        from django.http import JsonResponse


        def dashboard(request):
            rates = requests.get(RATES, verify=False)
            stock = requests.get(STOCK, verify=False)
            return JsonResponse({"rates": rates.json(), "stock": stock.json()})

    After::

        import httpx
        from django.http import JsonResponse
        import asyncio


        async def dashboard(request):
            async with httpx.AsyncClient(verify=False) as client:
                rates, stock = await asyncio.gather(
                    client.get(RATES, follow_redirects=True, timeout=None),
                    client.get(STOCK, follow_redirects=True, timeout=None),
                )
            return JsonResponse({"rates": rates.json(), "stock": stock.json()})

Verified, not predicted
    The conversion is tentative until the run over the file ends. The view stays async only if,
    in the code the run ends with: requests-to-httpx and async-orm reported nothing inside it (a
    call they refused would block the loop or raise ``SynchronousOnlyOperation``); some
    ``asyncio.gather`` (or ``TaskGroup``) runs two HTTP calls or more at once; and everything else
    it does on the event loop is known safe (known reads only): plain data (literals, decoded
    JSON, settings, URL parameters), the request's own reads (``GET``, ``POST``, ``headers``,
    ``META``, ``body``, ``build_absolute_uri()``...), httpx and Django responses, lazy querysets
    being built and handed to awaited calls, builtins and pure standard-library or Django helpers
    (``knowledge.loop``), and sync helpers of the module whose bodies are safe in the same way.
    Otherwise the file is run again with the view left sync, and the diagnostic says what blocked
    it, quoting the other codemod's reason where it is one.

Refuses when
    - a decorator is not known to take async views on the target Django (Django's own are known
      by version: ``login_required`` from 5.1, ``require_http_methods``, ``csrf_exempt``, the
      cache decorators from 5.0; ``method_decorator`` around them from 5.2);
    - a class derives from anything but ``View`` (generic views and mixins run sync methods of
      their own around the handlers), or defines ``dispatch``, ``options``,
      ``http_method_not_allowed`` or a coroutine method;
    - the settings turn ``ATOMIC_REQUESTS`` on (Django raises ``RuntimeError`` for an async view
      not marked ``non_atomic_requests``) or cannot be read (``atomic-requests`` option: ``auto``,
      or ``off`` to say it is off);
    - the view's name is used anywhere in the project's Python files but in its definition, an
      import or a urlconf route (a sync caller, a ``RequestFactory`` test calling it, a subclass,
      a wrapper would get a coroutine);
    - the body reads ``request.session`` or ``request.user`` (async-orm rewrites the user on 5.0+
      where it can), evaluates a queryset on the loop (``len``, ``list``, ``if``, ``for``, a
      response built from it), calls a method of a model instance, enters a ``with`` block other
      than the httpx client, calls anything not known safe, defines nested functions, or its
      calls cannot be gathered (they depend on each other or write: gather-awaits' reason).
    A view with a single blocking call is left sync with a note (``-v``): nothing would overlap.
    When the settings list middleware that is not Django's own, a converted view gets a note:
    sync-only middleware switches threads around every request to it.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, ClassVar

from codemods.candidates import Facts
from codemods.knowledge import http, requests_api
from codemods.knowledge.layout import is_test_module
from codemods.registry import Codemod, Context, register
from codemods.rules.sync_views_to_async.codes import CODES, PAGE

if TYPE_CHECKING:  # libcst is imported by transform only: a cached run never needs it
    import libcst as cst

    from codemods.problems import Problem

_METHODS = frozenset(requests_api.METHODS)


def _may_call_http(node: ast.AST, names: set[str]) -> bool:
    """Some call in ``node`` of a requests-like method (``x.get(...)``) or of a name imported from
    requests."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            if (isinstance(f, ast.Attribute) and f.attr in _METHODS) or (isinstance(f, ast.Name) and f.id in names):
                return True
    return False


@register
class SyncViewsToAsync(Codemod):
    name = "sync-views-to-async"
    codes = CODES
    page = PAGE
    summary = "Sync views that wait on several blocking HTTP calls become async views that gather them"
    min_django = (3, 1)
    order = 5
    options: ClassVar[dict[str, Any]] = {"atomic-requests": "auto"}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {"atomic-requests": ("auto", "off")}

    def precheck(self, source: str) -> bool:
        return "requests" in source and "def " in source

    def candidate(self, facts: Facts) -> bool:
        # A module-level sync def whose first parameter is ``request``, or a class with a sync
        # method named like a handler, calling a requests-like method or a name from requests.
        if facts.path and is_test_module(tuple(facts.path.replace("\\", "/").split("/"))):
            return False
        if not facts.imports_module("requests"):
            return False
        names = {
            a.asname or a.name
            for n in facts.statements
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("requests")
            for a in n.names
        }
        for stmt in facts.tree.body:
            if isinstance(stmt, ast.FunctionDef):
                args = [*stmt.args.posonlyargs, *stmt.args.args]
                if args and args[0].arg == http.REQUEST_PARAMETER and _may_call_http(stmt, names):
                    return True
            elif isinstance(stmt, ast.ClassDef):
                for s in stmt.body:
                    if isinstance(s, ast.FunctionDef) and s.name in http.METHODS and _may_call_http(s, names):
                        return True
        return False

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        from codemods.rules.sync_views_to_async.rewrite import transform

        return transform(module, ctx)

    def verify(
        self, final: cst.Module, ctx: Context, records: list[tuple[Any, ...]]
    ) -> dict[tuple[str, ...], Problem]:
        from codemods.rules.sync_views_to_async.verify import verify

        return verify(final, ctx, records, self.name)
