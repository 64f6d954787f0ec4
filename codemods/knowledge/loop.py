"""Event-loop facts: what an async view may call on the loop itself, and what it must run in a thread.

Data only (no libcst, no I/O). sync-views-to-async reads these tables to decide whether a view it
made async does nothing on the event loop that blocks it or needs the sync ORM; anything not
listed here counts as unknown, and an unknown call keeps the view sync.
"""

from __future__ import annotations

from codemods.knowledge import effects

# Modules whose functions and classes compute values on the loop without blocking it or touching
# the database: the pure modules of ``effects`` without the file-reading ones (``io``,
# ``pathlib``, ``os.path``: a read blocks), plus modules whose calls only draw randomness, hash,
# sign, translate or log (a log handler writing to a file is the usual cost of logging in async
# code; the loop is not held waiting on a peer).
LOOP_SAFE_MODULES = (
    *(m for m in effects.PURE_STDLIB_MODULES if m not in ("io", "pathlib", "os.path")),
    *effects.PURE_DJANGO_MODULES,
    "random", "logging", "hashlib", "hmac", "secrets", "copy", "os.environ",
    "django.utils.crypto", "django.utils.translation", "django.core.signing",
)
# Single functions of the same kind, by qualified name (``time.sleep`` is not among them).
LOOP_SAFE_FUNCTIONS = frozenset(
    {
        "time.time", "time.monotonic", "time.perf_counter", "time.time_ns", "time.monotonic_ns",
        "os.getenv", "django.shortcuts.reverse",
    }
)
# Builtins a view may call on the loop: ``effects.SAFE_BUILTINS`` (``open`` is not there: a file
# read blocks) and the builtin exception classes (``raise ValueError(...)``).
LOOP_SAFE_BUILTINS = effects.SAFE_BUILTINS | effects.BUILTIN_EXCEPTIONS
# Qualified names whose call builds a Django response (its methods and item assignment only set
# headers and cookies). ``TemplateResponse`` renders later: Django's async handler renders it in a
# thread (``sync_to_async(response.render)``), so its context may hold lazy querysets.
RESPONSE_CLASSES = frozenset(
    f"django.http.{name}" for name in (
        "HttpResponse", "JsonResponse", "HttpResponseRedirect", "HttpResponsePermanentRedirect",
        "HttpResponseNotModified", "HttpResponseBadRequest", "HttpResponseNotFound", "HttpResponseForbidden",
        "HttpResponseNotAllowed", "HttpResponseGone", "HttpResponseServerError", "Http404",
        "response.HttpResponse", "response.JsonResponse", "response.HttpResponseRedirect",
    )
) | frozenset({"django.template.response.TemplateResponse", "django.template.response.SimpleTemplateResponse"})
# Exceptions of Django a view raises to make a response (building one computes a value only).
DJANGO_EXCEPTIONS = frozenset(
    {"django.core.exceptions.PermissionDenied", "django.core.exceptions.SuspiciousOperation",
     "django.core.exceptions.BadRequest", "django.core.exceptions.ValidationError",
     "django.core.exceptions.ObjectDoesNotExist"}
)
# Functions that render a template where they are called: in an async view the template (and the
# lazy querysets, lazy relations and ``request.user`` it reads) is evaluated on the event loop,
# which raises ``SynchronousOnlyOperation``; the view awaits them through ``sync_to_async``, which
# runs them in Django's sync thread (what a sync view did).
RENDERING = frozenset(
    {"django.shortcuts.render", "django.template.loader.render_to_string"}
)
# ``redirect(to)`` resolves a model's ``get_absolute_url`` (which may query); with a URL or URL
# name (a string) it only reverses.
REDIRECT = "django.shortcuts.redirect"
# Where Django's settings object lives: reading ``settings.X`` is a plain attribute read.
SETTINGS = "django.conf.settings"
# The httpx response attributes and methods a view reads after an awaited request: the body is
# read by then (no ``stream=True``), so none of them does I/O.
HTTPX_RESPONSE_READS = frozenset(
    {
        "status_code", "text", "content", "headers", "url", "json", "raise_for_status", "is_success",
        "is_error", "is_redirect", "is_client_error", "is_server_error", "reason_phrase", "cookies",
        "encoding", "charset_encoding", "elapsed", "history", "request", "http_version", "links",
        "has_redirect_location", "next_request", "num_bytes_downloaded", "extensions",
    }
)
# The methods of a Django response that set or read its headers and cookies.
RESPONSE_METHODS = frozenset(
    {"set_cookie", "delete_cookie", "set_signed_cookie", "setdefault", "has_header", "get", "items",
     "headers", "write", "writelines", "__setitem__"}
)
# Attributes of a class-based view instance that only hold what ``View.setup`` stored.
VIEW_INSTANCE_READS = frozenset({"request", "args", "kwargs", "head", "http_method_names"})
# The class-based view bases whose ``dispatch`` awaits an async handler (``View.view_is_async``):
# Django's ``View`` itself. Generic views and mixins define sync methods of their own around the
# handlers (``get_context_data``, ``LoginRequiredMixin.dispatch``) and are not followed.
PLAIN_VIEW_BASES = frozenset({"django.views.View", "django.views.generic.View", "django.views.generic.base.View"})
# Methods of a class-based view that, defined sync beside async handlers, break it: ``dispatch``
# and ``http_method_not_allowed`` return the handler's coroutine unawaited or a response where
# a coroutine is expected; ``options`` is a handler Django does not check (``View.view_is_async``).
VIEW_METHODS_KEPT_SYNC_BREAK = frozenset({"dispatch", "http_method_not_allowed", "options"})
# The one setting that makes every async view fail: with ``ATOMIC_REQUESTS`` on a database,
# Django raises ``RuntimeError`` for an async view not marked ``non_atomic_requests``.
ATOMIC_REQUESTS = "ATOMIC_REQUESTS"
# Middleware of Django itself: every class of ``django.*`` middleware is both sync- and
# async-capable (Django 3.1+), so no request to an async view is adapted through a thread by it.
DJANGO_MIDDLEWARE_PREFIX = "django."
