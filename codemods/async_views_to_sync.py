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
    ``views.py``, a ``views/`` package, or a module that a urlconf in the processed paths routes
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
    - code in the processed paths awaits, schedules or runs the view as a coroutine: ``await
      view(...)``, ``await views.view(...)``, ``c = view(...); await c``, the view given (called
      or not, also in a list, a starred comprehension or a keyword) to ``asyncio.run``/``gather``/
      ``wait``/``wait_for``/``as_completed``/``create_task``/``ensure_future``/
      ``run_until_complete``/``run_coroutine_threadsafe``/``async_to_sync``, anyio/trio
      ``start_soon``/``start`` ...; import aliases count under the imported name. For a class: its
      name (``await ProductView.as_view()(request)``), ``as_view`` on something unnamed, or a
      handler's name called on anything but a test or HTTP client (``await super().get(...)``,
      ``await self.view.get(...)``; not ``await self.async_client.get(...)``, the
      ``async_client`` fixture or a name bound to ``httpx.AsyncClient()``);
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
    - a class of that hierarchy has a subclass outside it, in another file of the processed paths
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

    Not seen: subclasses defined outside the processed paths, callers that await
    ``SomeView.as_view()(request)`` directly, and the scheduling forms the project index does not
    record (see ``codemods.project``). A view that does sync DB work inside ``async def`` (which
    raises ``SynchronousOnlyOperation`` today) starts working.
    ``request.user`` is Django's lazy wrapper around the same user ``auser()`` returns: equal in
    every use but ``type(user) is User``.
"""

from __future__ import annotations

import bisect
import os
from typing import Any, ClassVar

import libcst as cst

from codemods.analysis import ImportTable, dotted_name, has_skip_comment, local_bindings, name_uses
from codemods.registry import Codemod, Context, register


def _names(text: str) -> list[str]:
    return text.split()


HANDLERS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})

# method -> first Django version with it, per receiver kind ------------------------------------
_QS = dict.fromkeys(
    _names("aget acreate aget_or_create aupdate_or_create abulk_create abulk_update acount ain_bulk "
    "alatest aearliest afirst alast aaggregate aexists acontains aupdate adelete aexplain"),
    (4, 1),
)
QUERYSET_METHODS = {
    **_QS,
    **dict.fromkeys(_names("aadd aremove aclear aset"), (4, 2)),  # related managers
    **dict.fromkeys(_names("acreate_user acreate_superuser"), (5, 2)),  # UserManager
}
INSTANCE_METHODS = {
    **dict.fromkeys(_names("asave adelete arefresh_from_db"), (4, 2)),
    **dict.fromkeys(
        _names("ahas_perm ahas_perms ahas_module_perms aget_all_permissions aget_user_permissions "
        "aget_group_permissions"),
        (5, 2),
    ),
}
SESSION_METHODS = dict.fromkeys(
    _names("aget apop asetdefault aset_test_cookie atest_cookie_worked adelete_test_cookie aupdate ahas_key akeys "
    "avalues aitems aget_expiry_age aget_expiry_date aset_expiry aget_expire_at_browser_close aflush "
    "acycle_key aexists acreate asave adelete aload aset"),
    (5, 1),
)
CACHE_METHODS = dict.fromkeys(
    _names("aadd aget aset atouch adelete aget_many aget_or_set ahas_key aincr adecr aset_many adelete_many aclear "
    "aincr_version adecr_version"),
    (4, 0),
)
# Methods whose awaited result is a model instance (for ``obj = await ...; await obj.asave()``).
_INSTANCE_RESULTS = frozenset(_names("aget acreate afirst alast alatest aearliest acreate_user acreate_superuser"))
_PAIR_RESULTS = frozenset({"aget_or_create", "aupdate_or_create"})
# Module functions: qualified async name -> (module of the sync twin, sync name, since).
FUNCTIONS = {
    "django.shortcuts.aget_object_or_404": ("django.shortcuts", "get_object_or_404", (5, 0)),
    "django.shortcuts.aget_list_or_404": ("django.shortcuts", "get_list_or_404", (5, 0)),
    "django.db.models.aprefetch_related_objects": ("django.db.models", "prefetch_related_objects", (5, 0)),
    "django.db.models.query.aprefetch_related_objects": (
        "django.db.models.query", "prefetch_related_objects", (5, 0)),
    **{
        f"django.contrib.auth.a{n}": ("django.contrib.auth", n, (5, 0))
        for n in ("authenticate", "login", "logout", "get_user", "update_session_auth_hash")
    },
}
SYNC_TO_ASYNC = "asgiref.sync.sync_to_async"
LAZY_METHODS = frozenset(
    _names("all filter exclude order_by select_related prefetch_related annotate alias values values_list only defer "
    "distinct using select_for_update reverse none extra dates datetimes union intersection difference "
    "complex_filter raw")
)
MANAGER_ATTRS = frozenset({"objects", "_default_manager", "_base_manager"})
STREAMING = frozenset({"django.http.StreamingHttpResponse", "django.http.response.StreamingHttpResponse"})
ASYNC_LIBS = ("asyncio", "anyio", "trio", "asgiref")

# What a view may read that tells the thread, task, loop, context or call stack it runs in: as a
# sync view it runs in a worker thread (another thread, no running loop, a copied context, asgiref
# frames on the stack) and would see something else. Qualified name -> what it reads.
_THREAD = "the current thread or thread-local state"
_LOOP = "the running event loop or task"
_STACK = "the call stack"
IDENTITY = {
    **dict.fromkeys(
        ("threading." + n for n in _names("current_thread currentThread get_ident get_native_id main_thread local")),
        _THREAD,
    ),
    **dict.fromkeys(("_thread." + n for n in _names("get_ident get_native_id _local")), _THREAD),
    "asgiref.local.Local": "asgiref's thread- and task-local state",
    **dict.fromkeys(
        _names("sys._getframe sys._current_frames inspect.currentframe inspect.stack traceback.extract_stack "
               "traceback.format_stack traceback.print_stack traceback.walk_stack"),
        _STACK,
    ),
    **dict.fromkeys(
        _names("sniffio.current_async_library anyio.get_current_task trio.lowlevel.current_task"), _LOOP
    ),
}
_LOOP_NAMES = frozenset(_names("current_task get_running_loop _get_running_loop get_event_loop all_tasks"))
# Module-level values a view reads thread- or context-bound state through.
_HOLDER_FACTORIES = frozenset(
    {"threading.local", "_thread._local", "asgiref.local.Local", "contextvars.ContextVar"}
)


def _identity(qualified: str) -> str | None:
    """What reading ``qualified`` tells about where the code runs, or None."""
    if qualified in IDENTITY:
        return IDENTITY[qualified]
    head = qualified.partition(".")[0]
    if head == "contextvars":
        return "context variables"
    if head == "asyncio" and qualified.rpartition(".")[2] in _LOOP_NAMES:
        return _LOOP
    if qualified.startswith("asgiref.sync.") and qualified != SYNC_TO_ASYNC:
        return "asgiref's sync/async bridging, which depends on the thread and loop it runs in"
    return None

# Decorators that accept a sync view and an async one alike, with the version that taught them
# async (checked in Django's source: each branches on iscoroutinefunction(view)).
_V50 = {
    f"django.views.decorators.{mod}.{name}": (5, 0)
    for mod, names in {
        "http": "require_http_methods require_GET require_POST require_safe condition etag last_modified",
        "cache": "cache_page cache_control never_cache",
        "csrf": "csrf_exempt csrf_protect requires_csrf_token ensure_csrf_cookie",
        "vary": "vary_on_headers vary_on_cookie",
        "clickjacking": "xframe_options_deny xframe_options_sameorigin xframe_options_exempt",
        "common": "no_append_slash",
        "debug": "sensitive_variables sensitive_post_parameters",
        "gzip": "gzip_page",
    }.items()
    for name in names.split()
}
SAFE_DECORATORS = {
    **_V50,
    **{
        f"django.contrib.auth.decorators.{n}": (5, 1)
        for n in ("login_required", "permission_required", "user_passes_test", "login_not_required")
    },
    "django.contrib.admin.views.decorators.staff_member_required": (5, 1),
    # only marks the view (ATOMIC_REQUESTS then leaves it alone), sync or async
    "django.db.transaction.non_atomic_requests": (4, 1),
}
METHOD_DECORATOR = ("django.utils.decorators.method_decorator", (5, 2))


def _is_view_base(qualified: str) -> bool:
    """A Django class-based view or view mixin (``django.views.View``, ``...generic.DetailView``,
    ``django.contrib.auth.mixins.LoginRequiredMixin``, ``django.contrib.auth.views.LoginView`` ...)."""
    if qualified.startswith("django.views."):
        return True
    return qualified.startswith("django.contrib.") and (".views." in qualified or ".mixins." in qualified)


def _is_view_file(path: str) -> bool:
    norm = path.replace("\\", "/")
    return norm.endswith("views.py") or "/views/" in f"/{norm}"


def _is_test_module(path: str) -> bool:
    """A test module: ``test_*.py``, ``*_test.py``, ``*_tests.py``, ``tests.py``, ``conftest.py``, or
    any file below a ``tests``/``test`` folder. The folders counted are those of the path relative
    to the working folder when the file is below it, else of the path as given (so a checkout that
    itself lives in a folder named ``test`` is not taken for tests when run from inside it)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        rel = path
    if rel.startswith(".."):
        rel = path
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return False
    name = parts[-1]
    stem = name.removesuffix(".py")
    if (
        stem in ("tests", "conftest")
        or stem.startswith("test_")
        or stem.endswith(("_test", "_tests"))
    ):
        return True
    return any(p in ("tests", "test") for p in parts[:-1])


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _short(node: cst.CSTNode, limit: int = 60) -> str:
    """Code for a diagnostic: on one line, long expressions cut."""
    text = " ".join(_code(node).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _version(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


class _Refused(Exception):
    """Raised while planning a view: the message says why it stays async."""


# --------------------------------------------------------------------------- what names are
class _Assignments(cst.CSTVisitor):
    """Name -> the values bound to it in one function body (not nested scopes); for/comp targets
    are recorded as ``("iter", iterable)``, tuple unpacking of a pair as ``("pair0", value)``."""

    def __init__(self) -> None:
        self.values: dict[str, list[tuple[str, cst.BaseExpression]]] = {}
        self.other: set[str] = set()  # bound in ways we do not follow (with-as, except, walrus ...)

    def _bind(self, target: cst.BaseExpression, how: str, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.values.setdefault(target.value, []).append((how, value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for i, el in enumerate(target.elements):
                if i == 0 and how == "value":
                    self._bind(el.value, "pair0", value)
                else:
                    self._mark(el.value)

    def _mark(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.other.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._mark(el.value)
        elif isinstance(target, cst.StarredElement):
            self._mark(target.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind(t.target, "value", node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, "value", node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._mark(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, "iter", node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, "iter", node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._mark(node.asname.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._mark(node.target)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._mark(node.name.name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.other.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.other.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _Kinds:
    """What an expression in a view is: "request", "queryset" (manager or QuerySet), "instance"
    (model instance), "session", "cache", or None (unknown)."""

    def __init__(
        self, func: cst.FunctionDef, imports: ImportTable, is_method: bool, module_names: frozenset[str] = frozenset()
    ) -> None:
        self.imports = imports
        self.module_names = module_names  # bound at module level other than by imports
        self.shadowed = local_bindings(func)
        params = [*func.params.posonly_params, *func.params.params]
        self.self_name = params[0].name.value if is_method and params else None
        request_index = 1 if is_method else 0
        self.request_name = params[request_index].name.value if len(params) > request_index else None
        scan = _Assignments()
        func.body.visit(scan)
        self.values = scan.values
        self.other = scan.other
        self._busy: set[str] = set()

    def _qualify(self, node: cst.BaseExpression) -> str:
        return self.imports.qualify(node, self.shadowed) or ""

    def _is_model_class(self, node: cst.BaseExpression) -> bool:
        qualified = self._qualify(node)
        parts = qualified.split(".")
        return len(parts) > 2 and "models" in parts[:-1] and not qualified.startswith("django.db.")

    def of_name(self, name: str) -> str | None:
        if name == self.request_name and name not in self.values and name not in self.other:
            return "request"
        if name in self.other or name not in self.values:
            return None
        if name in self._busy:
            return "cycle"  # `qs = qs.filter(...)`: decided by the name's other bindings
        self._busy.add(name)
        try:
            kinds = {self._bound(how, value) for how, value in self.values[name]} - {"cycle"}
        finally:
            self._busy.discard(name)
        return kinds.pop() if len(kinds) == 1 else None

    def _bound(self, how: str, value: cst.BaseExpression) -> str | None:
        if how == "iter":
            return "instance" if self.of(value) == "queryset" or self._is_aiterator(value) else None
        if isinstance(value, cst.Await) and isinstance(value.expression, cst.Call):
            call = value.expression
            func = call.func
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                receiver = self.of(func.value)
                if method == "auser" and receiver == "request":
                    return "instance" if how == "value" else None
                if receiver == "queryset":
                    if method in _INSTANCE_RESULTS and how == "value":
                        return "instance"
                    if method in _PAIR_RESULTS and how == "pair0":
                        return "instance"
                return None
            if self._qualify(func) == "django.shortcuts.aget_object_or_404" and how == "value":
                return "instance"
            return None
        if how != "value":
            return None
        if isinstance(value, cst.Call) and self._is_model_class(value.func):
            return "instance"
        return self.of(value)

    def _is_aiterator(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "aiterator"
            and self.of(node.func.value) == "queryset"
        )

    def of(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Name):
            if self._qualify(node) == "django.core.cache.cache":
                return "cache"
            return self.of_name(node.value)
        if isinstance(node, cst.Attribute):
            attr = node.attr.value
            if self.self_name and isinstance(node.value, cst.Name) and node.value.value == self.self_name:
                if attr == "request":
                    return "request"
                if attr == "object":
                    return None
            if attr in MANAGER_ATTRS:
                return "queryset"
            base = self.of(node.value)
            if base == "request":
                return {"session": "session", "user": "instance"}.get(attr)
            if base == "instance":
                return "queryset"  # a related manager
            if self._is_model_class(node.value):
                return "queryset"  # a custom manager on a model class
            return None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            attr = node.func.attr.value
            if attr in LAZY_METHODS:
                base = self.of(node.func.value)
                return base if base in ("queryset", "cycle") else None
            if (
                attr == "get_queryset"
                and self.self_name
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value == self.self_name
            ):
                return "queryset"
            return None
        if isinstance(node, cst.Subscript) and self._qualify(node.value) == "django.core.cache.caches":
            return "cache"
        return None


# --------------------------------------------------------------------------- planning one view
class _Plan:
    def __init__(self) -> None:
        self.awaits: dict[cst.Await, cst.BaseExpression] = {}
        self.statements: dict[cst.Expr, cst.BaseSmallStatement] = {}
        self.iterators: set[cst.Call] = set()  # qs.aiterator() calls that become qs.iterator()
        self.imports: set[tuple[str, str]] = set()  # (module, name) the rewrite needs
        self.calls = 0


class _BodyScan(cst.CSTVisitor):
    """Everything in a view body that matters, without entering nested scopes' awaits."""

    def __init__(
        self,
        kinds: _Kinds,
        imports: ImportTable,
        module_async: set[str],
        module_sync: set[str],
        holders: dict[str, str] | None = None,
    ) -> None:
        self.kinds = kinds
        self.imports = imports
        self.module_async = module_async
        self.module_sync = module_sync
        self.holders = holders or {}  # module-level name -> what it holds (a thread-local ...)
        self.local_imports: dict[str, str] = {}  # names imported inside the view -> qualified
        self.awaits: list[cst.Await] = []
        self.async_fors: list[cst.For | cst.CompFor] = []
        self.blockers: list[str] = []
        self.async_lib_refs: list[cst.BaseExpression] = []
        self.awaited_funcs: set[cst.BaseExpression] = set()  # reported as awaits, not as bare uses
        self.depth = 0

    def _block(self, reason: str) -> None:
        self.blockers.append(reason)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.asynchronous is not None:
            self._block(f"defines the coroutine function {node.name.value!r} (an async iterator or task)")
            return False
        self.depth += 1
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.depth += 1  # its async methods are caught above (an async iterator class, say)
        return True

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _code(alias.name)
            self._async_import(full)
            local = _code(alias.asname.name) if alias.asname else full.split(".")[0]
            self.local_imports[local] = full if alias.asname else local

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            module = _code(node.module)
            self._async_import(module)
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    local = _code(alias.asname.name) if alias.asname else alias.name.value
                    self.local_imports[local] = f"{module}.{alias.name.value}"

    def _qualify(self, node: cst.BaseExpression) -> str:
        """Qualified name through the view's own imports, then the module's."""
        name = dotted_name(node)
        if name is not None:
            head, _, rest = name.partition(".")
            if head in self.local_imports:
                full = self.local_imports[head]
                return f"{full}.{rest}" if rest else full
        return self.imports.qualify(node, self.kinds.shadowed) or ""

    def _identity_read(self, node: cst.BaseExpression) -> None:
        what = _identity(self._qualify(node))
        if what is None and isinstance(node, cst.Name) and node.value not in self.kinds.shadowed:
            what = self.holders.get(node.value)
        if what is not None:
            self._block(
                f"reads {what} (`{_short(node)}`): as a sync view it would run in a worker thread, not on the "
                "event loop (another thread, no running loop, a copied context), and see something else"
            )

    def _async_import(self, module: str) -> None:
        if module.split(".")[0] in ASYNC_LIBS:
            self._block(f"imports {module}, which needs the event loop")

    def visit_Await(self, node: cst.Await) -> None:
        self.awaits.append(node)
        if isinstance(node.expression, cst.Call):
            self.awaited_funcs.add(node.expression.func)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self.async_fors.append(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self.async_fors.append(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            if comp.asynchronous is not None:
                self._block(f"builds an async generator `{_short(node)}`")
                return
            comp = comp.inner_for_in

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            self._block("uses `async with`")

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.depth == 0:
            self._block("is an async generator (streams its response)")

    def visit_Name(self, node: cst.Name) -> None:
        self._identity_read(node)
        if node.value in self.module_async and node.value not in self.kinds.shadowed and node not in self.awaited_funcs:
            self._block(f"uses the coroutine function {node.value!r} without awaiting it")
        qualified = self.imports.qualify(node, self.kinds.shadowed) or ""
        if qualified.split(".")[0] in ASYNC_LIBS:
            self.async_lib_refs.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._identity_read(node)
        # Only the head of an attribute chain can be a name bound to a module.
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # not the keyword's name
        return False

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.imports.qualify(node.func, self.kinds.shadowed) or ""
        if qualified not in STREAMING:
            return
        content = next(
            (a.value for a in node.args if a.keyword is None or a.keyword.value == "streaming_content"), None
        )
        if content is None or isinstance(content, (cst.List, cst.Tuple, cst.SimpleString, cst.GeneratorExp)):
            return
        if (
            isinstance(content, cst.Call)
            and isinstance(content.func, cst.Name)
            and content.func.value in self.module_sync
            and content.func.value not in self.kinds.shadowed
        ):
            return
        self._block(f"streams a response from `{_short(content)}`, which may be an async iterator")


def _since_ok(ctx: Context, since: tuple[int, int], what: str) -> None:
    if ctx.target_django < since:
        raise _Refused(
            f"awaits `{what}`, which Django has only since {_version(since)} "
            f"(target is {_version(ctx.target_django)}), so it is not Django's"
        )


def _plan_await(aw: cst.Await, kinds: _Kinds, imports: ImportTable, ctx: Context, plan: _Plan,
                statement: cst.Expr | None) -> None:
    call = aw.expression
    shown = _short(call)
    not_db = _Refused(f"awaits `{shown}`, which is not a Django DB call with a sync twin")
    if not isinstance(call, cst.Call):
        raise not_db
    func = call.func
    # await sync_to_async(f)(...)
    if isinstance(func, cst.Call) and (imports.qualify(func.func, kinds.shadowed) == SYNC_TO_ASYNC):
        if not func.args or func.args[0].keyword is not None or func.args[0].star:
            raise not_db
        for extra in func.args[1:]:
            if not (
                extra.keyword is not None
                and extra.keyword.value == "thread_sensitive"
                and isinstance(extra.value, cst.Name)
                and extra.value.value == "True"
            ):
                raise _Refused(f"awaits `{shown}`, whose sync_to_async options change where it runs")
        target = func.args[0].value
        if not isinstance(target, (cst.Name, cst.Attribute)):
            raise not_db
        plan.awaits[aw] = call.with_changes(func=target)
        return
    qualified = imports.qualify(func, kinds.shadowed) or ""
    if qualified in FUNCTIONS:
        module, sync_name, since = FUNCTIONS[qualified]
        _since_ok(ctx, since, shown)
        if isinstance(func, cst.Attribute):  # auth.alogin(...) through `from django.contrib import auth`
            plan.awaits[aw] = call.with_changes(func=func.with_changes(attr=cst.Name(sync_name)))
            return
        bound = imports.names.get(sync_name)
        if (
            sync_name in kinds.shadowed
            or sync_name in kinds.module_names
            or bound not in (None, f"{module}.{sync_name}")
        ):
            raise _Refused(f"the name {sync_name!r} already means something else here")
        plan.imports.add((module, sync_name))
        plan.awaits[aw] = call.with_changes(func=cst.Name(sync_name))
        return
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        receiver = kinds.of(func.value)
        table = {
            "queryset": QUERYSET_METHODS,
            "instance": INSTANCE_METHODS,
            "session": SESSION_METHODS,
            "cache": CACHE_METHODS,
        }.get(receiver or "", {})
        if receiver == "request" and method == "auser" and not call.args:
            _since_ok(ctx, (5, 0), shown)
            plan.awaits[aw] = cst.Attribute(value=func.value, attr=cst.Name("user"))
            return
        if method not in table:
            raise not_db
        _since_ok(ctx, table[method], shown)
        if receiver == "session" and method == "aset":
            args = call.args
            if statement is None or len(args) != 2 or any(a.keyword or a.star for a in args):
                raise _Refused(f"awaits `{shown}`: session.aset has no sync method, only `session[key] = value`")
            plan.statements[statement] = cst.Assign(
                targets=[cst.AssignTarget(cst.Subscript(
                    value=func.value, slice=[cst.SubscriptElement(cst.Index(args[0].value))]))],
                value=args[1].value,
            )
            return
        plan.awaits[aw] = call.with_changes(func=func.with_changes(attr=cst.Name(method[1:])))
        return
    raise not_db


class _StatementOf(cst.CSTVisitor):
    """Await -> the expression statement it is the whole of (``await x`` on its own line)."""

    def __init__(self) -> None:
        self.found: dict[cst.Await, cst.Expr] = {}

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Await):
            self.found[node.value] = node


def _decorator_ok(dec: cst.BaseExpression, imports: ImportTable, ctx: Context, inner: bool = False) -> str | None:
    """None if the decorator accepts a sync view as well as an async one on the target; else why not."""
    target = dec.func if isinstance(dec, cst.Call) else dec
    qualified = imports.qualify(target) or ""
    if qualified == METHOD_DECORATOR[0] and isinstance(dec, cst.Call) and dec.args and not inner:
        if ctx.target_django < METHOD_DECORATOR[1]:
            return (f"uses method_decorator, which supports async methods only since Django "
                    f"{_version(METHOD_DECORATOR[1])}: it is broken as async today; fix it by hand")
        first = dec.args[0].value
        decorators = [e.value for e in first.elements] if isinstance(first, (cst.List, cst.Tuple)) else [first]
        for d in decorators:
            why = _decorator_ok(d, imports, ctx, inner=True)
            if why:
                return why
        return None
    if qualified not in SAFE_DECORATORS:
        return f"has the decorator `{_short(dec)}`, not known to accept a sync view in place of an async one"
    since = SAFE_DECORATORS[qualified]
    if ctx.target_django < since:
        return (f"has the decorator `{_short(dec)}`, which supports async views only since Django {_version(since)}: "
                f"the view is broken as async on the target {_version(ctx.target_django)}; fix it by hand")
    return None


# --------------------------------------------------------------------------- rewriting
class _Unasync(cst.CSTTransformer):
    def __init__(self, plan: _Plan) -> None:
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
        if isinstance(twin, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and "\n" not in _code(original):
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
    def __init__(self, ctx: Context, imports: ImportTable, view_file: bool, module: cst.Module) -> None:
        self.ctx = ctx
        self.imports = imports
        self.view_file = view_file
        self.max_queries = int(ctx.option("max-queries"))
        self.needed_imports: set[tuple[str, str]] = set()
        self.converted = False
        self.module_async = {
            s.name.value for s in module.body if isinstance(s, cst.FunctionDef) and s.asynchronous is not None
        }
        self.module_sync = {
            s.name.value for s in module.body if isinstance(s, cst.FunctionDef) and s.asynchronous is None
        }
        self.module_names = frozenset(_module_level_names(module))
        self.holders = _context_holders(module, imports)
        self.classes = _module_classes(module)
        self.family_of = _view_families(self.classes, imports)
        self.decisions: dict[str, tuple[dict[cst.FunctionDef, _Plan], str, str]] = {}

    # --- deciding
    def _plan(self, func: cst.FunctionDef, is_method: bool) -> _Plan:
        """How to convert ``func``; raises _Refused with the reason it must stay async."""
        for dec in func.decorators:
            why = _decorator_ok(dec.decorator, self.imports, self.ctx)
            if why:
                raise _Refused(why)
        kinds = _Kinds(func, self.imports, is_method, self.module_names)
        scan = _BodyScan(kinds, self.imports, self.module_async - {func.name.value}, self.module_sync, self.holders)
        func.body.visit(scan)
        if scan.blockers:
            raise _Refused(scan.blockers[0])
        statements = _StatementOf()
        func.body.visit(statements)
        plan = _Plan()
        for aw in scan.awaits:
            _plan_await(aw, kinds, self.imports, self.ctx, plan, statements.found.get(aw))
        allowed_refs = sum(
            1 for aw in plan.awaits if isinstance(aw.expression, cst.Call) and isinstance(aw.expression.func, cst.Call)
        )
        if len(scan.async_lib_refs) > allowed_refs:
            names = [n for n in scan.async_lib_refs if self.imports.qualify(n) != SYNC_TO_ASYNC]
            shown = names[0].value if names else "sync_to_async"
            raise _Refused(f"uses `{shown}` outside `await sync_to_async(f)(...)`; it needs the event loop")
        for loop in scan.async_fors:
            it = loop.iter
            if kinds.of(it) == "queryset":
                continue
            if kinds._is_aiterator(it):
                assert isinstance(it, cst.Call)
                plan.iterators.add(it)
                continue
            raise _Refused(f"iterates `{_short(it)}` with `async for`, which is not a queryset")
        plan.calls = len(scan.awaits) + len(scan.async_fors)
        if plan.calls > self.max_queries:
            raise _Refused(f"makes {plan.calls} DB calls (max-queries is {self.max_queries})")
        return plan

    def _convert(self, func: cst.FunctionDef, plan: _Plan, label: str) -> cst.FunctionDef:
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

    # --- walking
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
        name = original.name.value
        label = f"view {name!r}"
        try:
            if name in self.ctx.project.awaited_names:
                raise _Refused("is awaited or scheduled elsewhere in the processed paths; it must stay a coroutine")
            plan = self._plan(original, is_method=False)
        except _Refused as refusal:
            self.ctx.report(original, f"{label} left async: {refusal}")
            return updated
        return self._convert(original, plan, label)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if not isinstance(original.body, cst.IndentedBlock) or has_skip_comment(original):
            return updated
        name = original.name.value
        label = f"view class {name!r}"
        family = self.family_of.get(name)
        if family is None or self.classes.get(name) is not original:
            # Not known to be a view. Say so when its handlers look like view handlers.
            looks_like_view = any(
                h.asynchronous is not None and len(h.params.params) > 1 and h.params.params[1].name.value == "request"
                for h in _handlers(original)
            )
            if looks_like_view and original.bases:
                shown = ", ".join(_short(arg.value) for arg in original.bases)
                self.ctx.report(
                    original,
                    f"{label} left async, all handlers: its bases ({shown}) are not known Django views, so its "
                    "inherited handlers cannot be checked",
                )
            return updated
        if not any(h.asynchronous is not None for member in family for h in _handlers(self.classes[member])):
            return updated
        key = family[0]
        if key not in self.decisions:
            self.decisions[key] = self._decide_family(family)
        plans, culprit, reason = self.decisions[key]
        if reason:
            if culprit != name:
                reason = f"in the same class hierarchy, {culprit!r} {reason}"
            if any(h.asynchronous is not None for h in _handlers(original)) or culprit == name:
                self.ctx.report(original, f"{label} left async, all handlers: {reason}")
            return updated
        new_body = [
            self._convert(s, plans[s], f"{label} handler {s.name.value!r}") if s in plans else s
            for s in original.body.body
        ]
        return updated.with_changes(body=updated.body.with_changes(body=new_body))

    def _decide_family(self, family: list[str]) -> tuple[dict[cst.FunctionDef, _Plan], str, str]:
        """Plans for every async handler of a family of view classes of this module (a class with
        its local bases and subclasses): all of them, or (plans, culprit, why) with no plans."""
        plans: dict[cst.FunctionDef, _Plan] = {}
        awaited = self.ctx.project.awaited_names
        for member in family:
            cls = self.classes[member]
            try:
                if has_skip_comment(cls):
                    raise _Refused("is marked `# dj-asyncify: skip`")
                for arg in cls.bases:
                    if not (
                        _is_view_base(self.imports.qualify(arg.value) or "")
                        or (isinstance(arg.value, cst.Name) and arg.value.value in self.classes)
                        or (isinstance(arg.value, cst.Name) and arg.value.value == "object")
                    ):
                        raise _Refused(
                            f"inherits from `{_short(arg.value)}`, which cannot be checked (its handlers must be "
                            "all sync or all async)"
                        )
                if cls.keywords:
                    raise _Refused("has class keywords (a metaclass?) that cannot be checked")
                for dec in cls.decorators:
                    why = _decorator_ok(dec.decorator, self.imports, self.ctx)
                    if why:
                        raise _Refused(why)
                methods = [s for s in cls.body.body if isinstance(s, cst.FunctionDef)] if isinstance(
                    cls.body, cst.IndentedBlock) else []
                others = [m.name.value for m in methods if m.asynchronous is not None and m.name.value not in HANDLERS]
                if others:
                    raise _Refused(f"has the coroutine method {others[0]!r}, which may await its handlers")
                if member in awaited or "as_view" in awaited:
                    raise _Refused("is (or an `as_view()` view is) awaited or scheduled elsewhere in the processed paths")
                for handler in _handlers(cls):
                    if handler.asynchronous is None:
                        continue
                    if has_skip_comment(handler):
                        raise _Refused(f"handler {handler.name.value!r} is marked `# dj-asyncify: skip`")
                    if handler.name.value in awaited:
                        raise _Refused(
                            f"something in the processed paths awaits a `.{handler.name.value}(...)` call, which may "
                            "be this handler (e.g. `await super().get(...)` in a subclass; calls on a test or HTTP "
                            "client such as `self.async_client` or `httpx.AsyncClient()` do not count)"
                        )
                    try:
                        plans[handler] = self._plan(handler, is_method=True)
                    except _Refused as refusal:
                        raise _Refused(f"handler {handler.name.value!r} {refusal}") from None
            except _Refused as refusal:
                return {}, member, str(refusal)
        for member in family:
            why = self._subclassed_elsewhere(member, family)
            if why:
                return {}, member, why
        return plans, "", ""

    def _subclassed_elsewhere(self, name: str, family: list[str]) -> str:
        """Why ``name`` must keep its async handlers because of a subclass outside its family
        (in another file, or in this one through a class of another file), or ""."""
        here = os.path.abspath(self.ctx.path)
        found = [
            (path, sub) for path, sub in self.ctx.project.async_subclasses.get(name, ())
            if not (path == here and sub in family)
        ]
        if not found:
            return ""
        path, sub = found[0]
        where = "another file"
        if path:
            try:
                where = os.path.relpath(path)
            except ValueError:
                where = path
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return (
            f"is subclassed, directly or through other classes, by {sub!r} in {where}{more}, which has async "
            "request methods; converting this module alone would leave that view with both sync and async "
            "handlers, which Django rejects (ImproperlyConfigured); convert them together by hand"
        )


def _handlers(cls: cst.ClassDef) -> list[cst.FunctionDef]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return []
    return [s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value in HANDLERS]


class _ClassCollector(cst.CSTVisitor):
    """Classes defined at module level (also inside module-level ``if``/``try`` blocks)."""

    def __init__(self) -> None:
        self.classes: dict[str, cst.ClassDef] = {}
        self.twice: set[str] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if node.name.value in self.classes:
            self.twice.add(node.name.value)
        self.classes[node.name.value] = node
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False


def _context_holders(module: cst.Module, imports: ImportTable) -> dict[str, str]:
    """Module-level names holding thread- or context-bound state: ``_state = threading.local()``,
    ``request_id = ContextVar("id")``, ``local = Local()`` (asgiref), a class deriving from
    ``threading.local`` -> what they hold."""
    holders: dict[str, str] = {}
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            if any(imports.qualify(arg.value) in _HOLDER_FACTORIES for arg in stmt.bases):
                holders[stmt.name.value] = "thread-local state"
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                targets, value = [t.target for t in small.targets], small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                targets, value = [small.target], small.value
            else:
                continue
            func = value.func if isinstance(value, cst.Call) else None
            qualified = (imports.qualify(func) if func is not None else None) or ""
            if qualified not in _HOLDER_FACTORIES and not (
                isinstance(func, cst.Name) and func.value in holders
            ):
                continue
            what = "a context variable" if qualified.startswith("contextvars.") else "thread-local state"
            for t in targets:
                if isinstance(t, cst.Name):
                    holders[t.value] = f"{what} of the module"
    return holders


def _module_classes(module: cst.Module) -> dict[str, cst.ClassDef]:
    collector = _ClassCollector()
    module.visit(collector)
    # a name defined twice (if/else variants) cannot be resolved to one class
    return {n: c for n, c in collector.classes.items() if n not in collector.twice}


def _view_families(classes: dict[str, cst.ClassDef], imports: ImportTable) -> dict[str, list[str]]:
    """Class name -> the names of its family: the module's classes linked to it through base
    classes (bases and subclasses, transitively), for families where some class derives from a
    Django view. Members are listed in definition order."""
    parent: dict[str, str] = {n: n for n in classes}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for name, cls in classes.items():
        for arg in cls.bases:
            if isinstance(arg.value, cst.Name) and arg.value.value in classes and arg.value.value not in imports.names:
                parent[find(name)] = find(arg.value.value)
    groups: dict[str, list[str]] = {}
    for name in classes:
        groups.setdefault(find(name), []).append(name)
    out: dict[str, list[str]] = {}
    for members in groups.values():
        if any(_is_view_base(imports.qualify(arg.value) or "") for m in members for arg in classes[m].bases):
            for m in members:
                out[m] = members
    return out


# --------------------------------------------------------------------------- imports
_DROPPABLE = set(FUNCTIONS) | {SYNC_TO_ASYNC}


def _module_level_names(module: cst.Module) -> set[str]:
    """Names the module binds at top level by def, class or assignment (not by import)."""
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets = (
                    [t.target for t in small.targets] if isinstance(small, cst.Assign)
                    else [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
                )
                names.update(t.value for t in targets if isinstance(t, cst.Name))
    return names


def _top_level_from_imports(module: cst.Module) -> dict[str, str]:
    """Local name -> qualified name, for ``from M import n`` statements at the top of the module."""
    bound: dict[str, str] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative \
                    and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    local = _code(alias.asname.name) if alias.asname else alias.name.value
                    bound[local] = f"{_code(small.module)}.{alias.name.value}"
    return bound


def _rebuild_aliases(
    small: cst.ImportFrom, drop: set[str], replace: dict[str, str], append: list[str]
) -> list[cst.ImportAlias]:
    """The import's aliases with ``drop`` removed, ``replace`` renamed in place (async name -> its
    sync twin) and ``append`` added (at their sorted place when the names are sorted, else at the
    end), keeping the statement's comma and line layout."""
    assert not isinstance(small.names, cst.ImportStar)
    old = list(small.names)
    trailing = old[-1].comma
    out: list[cst.ImportAlias] = []
    for alias in old:
        local = _code(alias.asname.name) if alias.asname else alias.name.value
        if local in drop:
            continue
        if local in replace:
            alias = alias.with_changes(name=cst.Name(replace[local]), asname=None)
        out.append(alias)
    if not out and not append:
        return []
    if append:
        sep = next((a.comma for a in old[:-1] if isinstance(a.comma, cst.Comma)), None)
        sep = sep or cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        keys = [_code(a.name).lower() for a in out]
        in_order = keys == sorted(keys)
        for name in append:
            at = bisect.bisect(keys, name.lower()) if in_order else len(out)
            keys.insert(at, name.lower())
            out.insert(at, cst.ImportAlias(name=cst.Name(name), comma=sep))
        # every name but the last needs a separating comma like its neighbours
        out = [a if isinstance(a.comma, cst.Comma) and a.comma is not trailing else a.with_changes(comma=sep) for a in out]
    out[-1] = out[-1].with_changes(comma=trailing)
    return out


def _fix_imports(module: cst.Module, needed: set[tuple[str, str]], used_before: set[str]) -> cst.Module:
    """Add ``from M import name`` for the sync twins used; drop the async imports that the rewrite
    left unused (an import that was unused before stays: it is not ours to remove; one named in a
    string, as in ``__all__``, stays too). A dropped async name whose sync twin is needed from the
    same module is replaced in place."""
    bound = _top_level_from_imports(module)
    used_after = name_uses(module)
    code = module.code
    missing = sorted((m, n) for m, n in needed if bound.get(n) != f"{m}.{n}")
    body = list(module.body)
    for i, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        new_stmts: list[cst.BaseSmallStatement] = []
        for small in stmt.body:
            if (
                not isinstance(small, cst.ImportFrom)
                or small.module is None
                or small.relative
                or isinstance(small.names, cst.ImportStar)
            ):
                new_stmts.append(small)
                continue
            source = _code(small.module)
            wanted = [n for m, n in missing if m == source]
            drop: set[str] = set()
            replace: dict[str, str] = {}
            for alias in small.names:
                local = _code(alias.asname.name) if alias.asname else alias.name.value
                full = f"{source}.{alias.name.value}"
                if (
                    full in _DROPPABLE
                    and local in used_before
                    and local not in used_after
                    and f'"{local}"' not in code
                    and f"'{local}'" not in code
                ):
                    twin = FUNCTIONS.get(full, ("", "", None))[1]
                    if twin in wanted:
                        replace[local] = twin
                        wanted.remove(twin)
                    else:
                        drop.add(local)
            missing = [(m, n) for m, n in missing if m != source]
            if drop or replace or wanted:
                aliases = _rebuild_aliases(small, drop, replace, wanted)
                if not aliases:
                    continue
                small = small.with_changes(names=aliases)
            new_stmts.append(small)
        if new_stmts != list(stmt.body):
            if new_stmts:
                new_stmts[-1] = new_stmts[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                body[i] = stmt.with_changes(body=new_stmts)
            else:
                body[i] = None  # type: ignore[call-overload]
    body = [b for b in body if b is not None]
    if missing:
        at = 0
        for k, s in enumerate(body):
            if isinstance(s, cst.SimpleStatementLine) and (
                all(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body)
                or (k == 0 and isinstance(s.body[0], cst.Expr) and isinstance(s.body[0].value, cst.SimpleString))
            ):
                at = k + 1
        for offset, (m, n) in enumerate(missing):
            body.insert(at + offset, cst.parse_statement(f"from {m} import {n}\n"))
    return module.with_changes(body=body)


@register
class AsyncViewsToSync(Codemod):
    name = "async-views-to-sync"
    summary = "Async views whose only await is one ORM query (or none) become plain sync views"
    min_django = (4, 1)
    order = 30
    options: ClassVar[dict[str, Any]] = {"max-queries": 1}

    def precheck(self, source: str) -> bool:
        return "async def" in source

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        if _is_test_module(ctx.path):
            return module  # views there exist to exercise async code paths: left alone, silently
        imports = ImportTable(module)
        view_file = _is_view_file(ctx.path) or ctx.project.routes_to(ctx.path)
        transformer = _Transformer(ctx, imports, view_file, module)
        new = module.visit(transformer)
        if transformer.converted and (
            transformer.needed_imports or any(q in _DROPPABLE for q in imports.names.values())
        ):
            new = _fix_imports(new, transformer.needed_imports, name_uses(module))
        return new
