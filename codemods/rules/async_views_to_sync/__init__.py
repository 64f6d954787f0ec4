"""Turn async views that gain nothing from async back into plain sync views.

What it does
    Rewrites an ``async def`` view whose only await is one Django async DB call with a sync twin
    (or that awaits nothing at all) into a plain ``def`` view:

    - ``await X.objects.aget(...)`` -> ``X.objects.get(...)`` (every QuerySet/manager ``a...``
      method, on ``Model.objects``, ``self.model.objects``, ``self.get_queryset()``, a related
      manager of a model instance, or a local name bound to one of those, through lazy methods
      such as ``filter``/``order_by``);
    - ``await obj.asave()`` / ``adelete`` / ``arefresh_from_db`` and the related-manager
      ``aadd``/``aremove``/``aset``/``aclear`` -> the sync method, when ``obj`` is known to be a
      model instance (bound from an ORM call, a model class call, ``request.user`` ...);
    - ``await aget_object_or_404(...)`` / ``aget_list_or_404``, ``aprefetch_related_objects``,
      ``aauthenticate``/``alogin``/``alogout``/``aget_user``/``aupdate_session_auth_hash``
      -> the sync function (imports fixed: the sync names added, the async ones dropped when
      unused);
    - ``await request.auser()`` -> ``request.user``; ``await request.session.aget(...)`` and the
      other session methods -> the sync method (``await request.session.aset(k, v)`` as a
      statement -> ``request.session[k] = v``); ``await cache.aget(...)`` -> ``cache.get(...)``;
      user permission methods (``ahas_perm`` ...) and ``acreate_user``/``acreate_superuser``;
    - ``await sync_to_async(f)(...)`` -> ``f(...)``;
    - ``async for x in queryset`` (also ``[x async for x in queryset]``) -> ``for``; it counts as
      the one query.

    Function views are top-level ``async def`` functions whose first parameter is ``request``, in
    ``views.py``, a ``views/`` package, or a module that a urlconf of the project routes
    to (``from shop import api`` + ``path("", api.product)``, ``from .handlers import product``
    ..., see ``codemods.project``; ``async def`` functions elsewhere are left alone without a
    word, they need not be views); class-based views are the HTTP handlers (``get``,
    ``post`` ...) of a class deriving from Django views and view mixins (and classes of its module
    that do). Test modules are left alone without a word, function and class views alike, even
    when a urlconf (their own, for ``ROOT_URLCONF=__name__``) routes to them: views defined there
    exist to exercise async code paths. A test module is ``test_*.py``, ``*_test.py``,
    ``*_tests.py``, ``tests.py``, ``conftest.py`` or a file below a ``tests``/``test`` folder (the
    folders of the path relative to the working folder when the file is below it, else of the
    path as given). An await is recognised only when the receiver is plausibly Django's:
    ``client.aget(url)`` on an unknown ``client`` is not an ORM call, whatever the method is
    called, and neither is an API the target Django version lacks.

Effects
    Proven (read in the whole project, whatever paths are given): no code of the project awaits,
    schedules, wraps or registers the view by a name it can see; the view's decorators are known
    to accept sync views in the target Django version; its body makes only Django DB calls that
    have sync twins and reads nothing that tells the thread, loop, task or context it runs in.
    Assumed: no code outside the project root and no name computed at run time
    (``getattr(views, name)``) reaches the view as a coroutine function; the DB calls behave the
    same in Django's worker thread (where the async ORM ran them already).

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
    Two levels (each code's, in ``codes.py``): a view that does real async work (awaits other than Django DB
    calls, HTTP calls through an async client, awaits run concurrently, ``async with``, ``async
    for`` over something else, a stream, the event loop or where it runs) or is marked skip is
    considered and not applicable: a note, shown with ``-v`` only, and said of the body first,
    whatever else the view has. A view whose body would be made sync but that something else keeps
    async (a decorator, a caller, a wrapper, a subclass, a base, a name taken) is a warning,
    always shown. An ``async with httpx.AsyncClient()`` (requests-to-httpx writes one) reads "does
    real async work: its HTTP calls"; ``asyncio.gather``/``TaskGroup`` (gather-awaits writes them)
    "it runs awaits concurrently".

    - the view awaits anything besides Django DB calls, or more of them than option
      ``max-queries`` (default 1) allows, or an API newer than ``--target-django`` (then the name
      cannot be Django's); ``await qs.aiterator()`` (only ``async for`` takes it);
    - it uses ``async with``, ``yield`` (an async generator), an ``async for`` over something that
      is not a queryset, an async generator expression, a nested ``async def`` or a nested class
      with one, a coroutine function of its module without awaiting it, ``asyncio``/``anyio``/
      ``trio``/``asgiref`` (other than ``await sync_to_async(f)(...)`` with default options), or a
      ``StreamingHttpResponse`` whose content may be an async iterator (anything but a literal, a
      plain generator expression or a call of a sync ``def`` of the module);
    - it reads where it runs, which a sync view (run by Django in a worker thread, in a copy of the
      context, with no running loop) would see differently: ``threading.current_thread``/
      ``get_ident``/``get_native_id``/``main_thread``/``local`` (and ``_thread``'s),
      ``asyncio.current_task``/``get_running_loop``/``get_event_loop``/``all_tasks``, anything of
      ``contextvars``, ``asgiref.sync`` other than ``await sync_to_async(f)(...)``,
      ``asgiref.local.Local``, ``sys._getframe``, ``inspect.currentframe``/``stack``,
      ``traceback``'s stack functions, ``sniffio.current_async_library``; names resolved through
      the module's and the view's imports (aliases count), and module-level names bound to a
      ``threading.local()`` (or a subclass), ``ContextVar(...)`` or ``Local()``;
    - code of the project awaits, schedules or runs the view as a coroutine: ``await
      view(...)``, ``await views.view(...)``, ``c = view(...); await c``, the view given (called
      or not, also in a list, a starred comprehension or a keyword) to ``asyncio.run``/``gather``/
      ``wait``/``wait_for``/``as_completed``/``create_task``/``ensure_future``/
      ``run_until_complete``/``run_coroutine_threadsafe``/``async_to_sync``, anyio/trio
      ``start_soon``/``start`` ...; import aliases count under the imported name, a string
      naming it in ``getattr(views, "view")`` or a subscript (``vars(views)["view"]``), a
      name it is re-exported as (``from shop.views import view as other``) or bound to at module
      level (``other = views.view``, ``product = ProductView.as_view()``), a
      module-level container of another file holding it (``HANDLERS = {"count": view}``, then
      ``await HANDLERS[key](request)`` elsewhere), a function returning it or its call that is
      awaited (``await pick(kind)(request)``), and an ``import_string`` of its dotted path
      (written there, or in a module-level string such as a setting). For a class: its name
      (``await ProductView.as_view()(request)``), ``as_view`` on something unnamed, or a
      handler's name called on anything but a test or HTTP client (``await super().get(...)``,
      ``await self.view.get(...)``; not ``await self.async_client.get(...)``, the
      ``async_client`` fixture or a name bound to ``httpx.AsyncClient()``);
    - the view (``views.view``, or ``ViewClass.as_view()``) is given to a call, in a urlconf or
      at module level in any file of the project, that may wrap or register it and is not known
      to take a sync view as well as an async one (``path("", timed(views.view))``,
      ``router.add("x", views.view)``): such a wrapper may await it. The route calls,
      ``include``, ``functools.partial`` and the decorators listed below do not block;
    - a decorator is not one of Django's that accept a sync view as well as an async one
      (``login_required``, ``permission_required``, ``user_passes_test``, ``require_*``,
      ``csrf_*``, ``cache_page``, ``cache_control``, ``never_cache``, ``vary_on_*``,
      ``xframe_options_*``, ``gzip_page``, ``condition``/``etag``/``last_modified``,
      ``sensitive_*``, ``no_append_slash``, ``non_atomic_requests``, ``method_decorator`` of
      those), or the target Django is older than the version where it learnt async (5.0; 5.1
      for the auth ones; 5.2 for ``method_decorator``): such a view is broken as async today and
      converting would change what it does; fix it by hand;
    - a class-based view has a handler that cannot be converted or is marked skip, another
      coroutine method (``dispatch``, a helper), a base that is neither a Django view or view
      mixin nor a class of the same module, class keywords, or a class decorator not listed
      above. Django requires a view's handlers, inherited ones included, to be all sync or all
      async: a class and the classes of its module it derives from or that derive from it form
      one hierarchy whose async handlers are all converted, or none;
    - a class of that hierarchy has a subclass outside it, in another file of the project
      (directly or through classes of other files), that defines async request methods of its own
      (an HTTP handler, ``dispatch`` or ``http_method_not_allowed``): converting this module
      alone would leave that view with sync and async handlers (Django raises
      ``ImproperlyConfigured``; an async ``dispatch`` or ``options`` of a view that is no longer
      async returns an unawaited coroutine). The diagnostic names the subclass and its file;
      convert the two together by hand. Classes are matched by name across files, so a
      same-named class elsewhere may keep a view async needlessly; a subclass with only sync
      handlers, or none, does not block (its view becomes all sync);
    - the sync name it would import (``get_object_or_404`` ...) is already bound to something
      else in the module or the view.

    Imports: the sync names are added (in place of the async name in the same ``from`` import
    when that one is no longer used, else appended); async names the rewrite left unused are
    dropped, unless a string such as ``__all__`` names them.

    The project: callers, urlconfs and subclasses are looked for in every Python file of the
    project (the folder of the configuration's ``pyproject.toml``: in a git checkout the files git
    tracks or would add, else every file but virtualenvs and the default excludes), whatever paths
    are given (pre-commit gives only the staged files); the refusal names the file of the caller.
    Only the given paths are rewritten. Not seen: code outside the project root (an installed
    package that awaits a view of yours), names computed at run time (``getattr(views, name)``
    with a variable ``name``), and the scheduling forms the project index does not record (see
    ``codemods.project``). ``await sync_to_async(view)(request)`` is no reason to stay async:
    asgiref refuses a coroutine function there (TypeError), so that caller works only once the
    view is sync. A view that does sync DB work inside ``async def`` (which
    raises ``SynchronousOnlyOperation`` today) starts working.
    ``request.user`` is Django's lazy wrapper around the same user ``auser()`` returns: equal in
    every use but ``type(user) is User``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, ClassVar

from codemods.candidates import Facts
from codemods.knowledge import http
from codemods.registry import Codemod, Context, register
from codemods.rules.async_views_to_sync.codes import CODES, PAGE

if TYPE_CHECKING:  # libcst is imported by transform only: a cached run never needs it
    import libcst as cst


# Handler names a class-based view may define: View.http_method_names, plus dispatch.
_CANDIDATE_HANDLERS = frozenset({*http.METHODS, "dispatch"})

@register
class AsyncViewsToSync(Codemod):
    name = "async-views-to-sync"
    codes = CODES
    page = PAGE
    summary = "Async views whose only await is one ORM query (or none) become plain sync views"
    min_django = (4, 1)
    order = 30
    options: ClassVar[dict[str, Any]] = {"max-queries": 1}

    def precheck(self, source: str) -> bool:
        return "async def" in source


    def candidate(self, facts: Facts) -> bool:
        # Function views: an async def whose first parameter is ``request``, not inside a function
        # or class (module level, possibly under if/try/with), in a views module or one urls route
        # to (the path is not checked here). Class-based views: async handlers (get, post, ... of
        # View.http_method_names, and dispatch) directly in a class body. So: some async def
        # outside any def, lambda and class whose first positional parameter is ``request``, or
        # some async def directly in a class body (classes at any depth) named like a handler.
        for func in facts.outer_async_defs():
            args = [*func.args.posonlyargs, *func.args.args]
            if args and args[0].arg == "request":
                return True
        for node in facts.statements:
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.AsyncFunctionDef) and stmt.name in _CANDIDATE_HANDLERS:
                        return True
        return False

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        from codemods.rules.async_views_to_sync.rewrite import transform

        return transform(module, ctx)
