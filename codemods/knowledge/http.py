"""HTTP facts: the method names and their named subsets, and the async HTTP client classes."""

from __future__ import annotations

# The HTTP methods Django knows (``View.http_method_names``), lower case, in Django's order: also
# the request methods of Django's test clients and the handler names of a class-based view.
METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
# The handlers ``View.view_is_async`` checks: every method but ``options`` (Django supplies an
# ``options`` of matching kind itself).
VIEW_IS_ASYNC_METHODS = tuple(m for m in METHODS if m != "options")
# Methods of a class-based view whose result Django returns as the response: the handlers, and
# ``dispatch``/``http_method_not_allowed``, which it calls on the way.
VIEW_RESPONSE_METHODS = frozenset({*METHODS, "dispatch", "http_method_not_allowed"})
# Methods with no effect on the server by definition (RFC 9110 "safe"), less TRACE (which echoes
# the request: nobody calls it for data). Calls of these on a known client are reads.
READ_METHODS = frozenset({"get", "head", "options"})
# Unsafe methods: they change state on the server.
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
# Classes whose instances are async HTTP clients.
ASYNC_CLIENT_CLASSES = frozenset({"httpx.AsyncClient", "httpx2.AsyncClient", "aiohttp.ClientSession"})
# Keywords of a client's constructor that make it run code of its own around each request
# (hooks, auth flows that may refresh a token, custom transports, aiohttp's tracing and
# middlewares): such a client's GETs are not known to be plain reads.
CLIENT_CODE_KEYWORDS = frozenset(
    {"event_hooks", "auth", "transport", "mounts", "trace_configs", "middlewares", "connector"}
)
# The client libraries this tool emits, by option value.
CLIENT_LIBRARIES = ("httpx", "httpx2")
# A Django view receives its ``HttpRequest`` (DRF: ``Request``) as the parameter named ``request``, by
# convention; these of its attributes are bytes (``HttpRequest.body``: the raw request body).
REQUEST_PARAMETER = "request"
REQUEST_BYTES_ATTRS = frozenset({"body"})
