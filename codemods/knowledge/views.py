"""Django view facts: handler names, view-safe decorators, streaming responses, where-it-runs reads.

Data only, and two rules over names (which classes are Django views, which modules hold views by
convention): no libcst, no I/O.
"""

from __future__ import annotations

from codemods.knowledge import http


def _names(text: str) -> list[str]:
    return text.split()


# The HTTP handlers of a class-based view: the methods Django's ``View.dispatch`` looks up by the
# request's method (``View.http_method_names``).
HANDLERS = frozenset(http.METHODS)

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
# method_decorator, and the version from which it wraps async methods as async.
METHOD_DECORATOR = ("django.utils.decorators.method_decorator", (5, 2))

STREAMING = frozenset({"django.http.StreamingHttpResponse", "django.http.response.StreamingHttpResponse"})

# What a view may read that tells the thread, task, loop, context or call stack it runs in: as a
# sync view it runs in a worker thread (another thread, no running loop, a copied context, asgiref
# frames on the stack) and would see something else. Qualified name -> what it reads.
THREAD = "the current thread or thread-local state"
LOOP = "the running event loop or task"
STACK = "the call stack"
IDENTITY = {
    **dict.fromkeys(
        ("threading." + n for n in _names("current_thread currentThread get_ident get_native_id main_thread local")),
        THREAD,
    ),
    **dict.fromkeys(("_thread." + n for n in _names("get_ident get_native_id _local")), THREAD),
    "asgiref.local.Local": "asgiref's thread- and task-local state",
    **dict.fromkeys(
        _names("sys._getframe sys._current_frames inspect.currentframe inspect.stack traceback.extract_stack "
               "traceback.format_stack traceback.print_stack traceback.walk_stack"),
        STACK,
    ),
    **dict.fromkeys(
        _names("sniffio.current_async_library anyio.get_current_task trio.lowlevel.current_task"), LOOP
    ),
}
# asyncio functions (any of its modules) that read the running loop or task.
LOOP_NAMES = frozenset(_names("current_task get_running_loop _get_running_loop get_event_loop all_tasks"))
# Module-level values a view reads thread- or context-bound state through.
HOLDER_FACTORIES = frozenset(
    {"threading.local", "_thread._local", "asgiref.local.Local", "contextvars.ContextVar"}
)


def is_view_base(qualified: str) -> bool:
    """A Django class-based view or view mixin (``django.views.View``, ``...generic.DetailView``,
    ``django.contrib.auth.mixins.LoginRequiredMixin``, ``django.contrib.auth.views.LoginView`` ...)."""
    if qualified.startswith("django.views."):
        return True
    return qualified.startswith("django.contrib.") and (".views." in qualified or ".mixins." in qualified)


def is_views_module(path: str) -> bool:
    """A module where Django projects keep views by convention: ``views.py`` (``*views.py``) or a
    file of a ``views/`` package."""
    norm = path.replace("\\", "/")
    return norm.endswith("views.py") or "/views/" in f"/{norm}"


# ``HttpRequest`` attributes and methods that only read what the request already holds (no
# database, no I/O: ``request.user`` and ``request.session`` are left out, both may query the
# database; under ASGI the body is read before the view runs). The mappings among them
# (``COOKIES``, ``GET``, ``POST``, ``META``, ``headers``) are read with ``.get`` too.
REQUEST_READS = frozenset(
    _names(
        "COOKIES GET POST META headers method path path_info scheme content_type content_params "
        "encoding body build_absolute_uri get_host get_port get_full_path get_full_path_info is_secure"
    )
)
REQUEST_MAPPINGS = frozenset(_names("COOKIES GET POST META headers"))
