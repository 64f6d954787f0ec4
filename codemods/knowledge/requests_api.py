"""requests' API as requests-to-httpx sees it: functions, signatures, Response and Session attributes,
exceptions, each with what it becomes in httpx (or why it has no equivalent).

Data only: no libcst, no I/O.
"""

from __future__ import annotations

from codemods.knowledge import http

# The request functions of the ``requests`` module (also reachable as ``requests.api.<name>``) and
# the methods of the same names on a ``requests.Session``: the HTTP methods less ``trace`` (requests
# has no ``trace()``), plus the generic ``request(method, url)``.
METHODS = (*(m for m in http.METHODS if m != "trace"), "request")

# Second (and third) positional argument -> the keyword requests gives it, per requests' signatures
# (``get(url, params=None)``, ``post(url, data=None, json=None)``...). ``request`` takes its method
# and URL positionally and nothing else.
POSITIONAL: dict[str, tuple[str, ...]] = {
    "get": ("params",),
    "post": ("data", "json"),
    "put": ("data",),
    "patch": ("data",),
    "delete": (),
    "head": (),
    "options": (),
    "request": (),
}
# Session methods none of whose positional arguments after the URL are mapped: ``Session.get(url,
# **kwargs)`` takes keywords only, and ``Session.request``'s order (params, data, headers...) is not
# ``requests.request``'s.
SESSION_KEYWORD_ONLY = ("get", "request")

# Keyword arguments passed through unchanged (same meaning in httpx's client methods).
SAFE_KWARGS = {"params", "json", "headers", "auth"}
# Per-request arguments of requests that httpx takes only when the client is created.
# (``trust_env`` is no argument of requests' calls: only a Session attribute.)
CLIENT_KWARGS = ("verify", "cert", "proxies", "cookies")

# The Response class, by the names it is imported under (in annotations: ``r: requests.Response``).
RESPONSE_CLASSES = ("requests.Response", "requests.models.Response")
# Attributes whose meaning differs between requests' and httpx's Response (or that have no equivalent).
BAD_ATTRS = {
    "ok",
    "reason",
    "is_redirect",
    "iter_content",
    "iter_lines",
    "raw",
    "apparent_encoding",
    "raise_for_status",
    "url",
    # requests decodes a body without charset as ISO-8859-1 (text/*) or by guessing; httpx as UTF-8
    "text",
    "encoding",
}
# Attributes that differ only in the text they give: kept where that text only reaches a message (a
# log record, print, an exception's message), refused elsewhere, for this reason.
MESSAGE_ATTRS = {
    # requests decodes a body without charset as ISO-8859-1 (text/*), UTF-8 (JSON) or by detection
    "text": "requests decodes a body without charset as Latin-1 (text/*) or by guessing, httpx as UTF-8",
    # requests adds "/" to an empty path, drops a lone "?", quotes |[]^ and a stray %: httpx does not
    "url": "requests and httpx write it differently (quoting of |[]^ and a stray %, an empty path, a lone ?)",
}
# Response attributes rewritten (on a response of a rewritten call) to keep their meaning.
RENAMED_ATTRS = {"reason": "reason_phrase", "is_redirect": "has_redirect_location"}
# Every attribute rewritten: the renamed ones, ``ok`` -> ``not is_error``, and the statement
# ``r.raise_for_status()`` -> ``if r.is_error: r.raise_for_status()`` (httpx also raises for 1xx/3xx).
REWRITTEN_ATTRS = {"ok", "raise_for_status", *RENAMED_ATTRS}
# Response methods rewritten as statements (``r.close()`` -> ``await r.aclose()``): an AsyncClient's
# response closes with ``aclose()``; its ``close()`` raises RuntimeError.
RESPONSE_CLOSE = {"close": "aclose"}
# Response attributes that behave the same in httpx (headers/cookies only for lookups).
RESPONSE_SAME = {
    "status_code",
    "json",
    "content",
    "headers",
    "cookies",
    "history",
    "elapsed",
    "links",
    "iter_content",
}
# Response attributes that are mappings: the same in httpx for a lookup (``r.headers[k]``, ``.get(k)``,
# ``k in``), not otherwise (httpx lowercases header names when iterating; its cookie jar has other methods).
MAPPINGS = {"headers", "cookies"}
# Response methods that raise only exceptions of the library (or json's) once rewritten.
RESPONSE_METHODS = {"json", "raise_for_status", "close"}
# Attributes whose value is (or holds) a response: an exception's ``response``, a response's
# ``history`` and ``next``.
ELEMENT_ATTRS = {"response", "history", "next"}
# What code may do with a streamed response (inside the ``async with client.stream(...)`` block):
# attributes that read no body, and ``iter_content`` (-> ``aiter_bytes``).
STREAM_ATTRS = {
    "status_code", "headers", "ok", "reason", "is_redirect", "raise_for_status", "iter_content", "cookies",
    "history", "elapsed",
}  # fmt: skip
# ``iter_content()``'s default chunk size, in bytes (httpx's ``aiter_bytes()`` has none: it is written).
ITER_CONTENT_CHUNK_SIZE = 1

# requests exception -> the httpx exceptions that are raised in the same situations. requests'
# ConnectionError also covers connect timeouts and connections dropped mid-response; its
# RequestException also covers malformed URLs (httpx.InvalidURL is outside httpx.HTTPError) and, for
# ``r.json()``, decoding errors (json.JSONDecodeError with httpx, added where the try body calls it).
EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "RequestException": ("HTTPError", "InvalidURL"),
    "ConnectionError": ("NetworkError", "ConnectTimeout", "RemoteProtocolError", "ProxyError"),
    "Timeout": ("TimeoutException",),
    "ConnectTimeout": ("ConnectTimeout",),
    "ReadTimeout": ("ReadTimeout",),
    "HTTPError": ("HTTPStatusError",),
    "TooManyRedirects": ("TooManyRedirects",),
    "JSONDecodeError": (),  # json.JSONDecodeError
}
# What ``r.json()`` raises with httpx on a body that is no JSON (requests raises its JSONDecodeError).
JSON_ERROR = "json.JSONDecodeError"
# Builtin exceptions requests' exceptions derive from (RequestException is an OSError, some are
# ValueErrors); httpx's derive from none of them.
OS_ERRORS = {"OSError", "IOError", "EnvironmentError", "ConnectionError", "TimeoutError", "ValueError"}

# The Session class (and the ``session()`` factory), by the names it is made with.
SESSION_CLASSES = ("requests.Session", "requests.session", "requests.sessions.Session")
# Attributes of a Session that behave the same on an httpx AsyncClient.
SESSION_READ = {"headers"}
# Session attributes that become ``AsyncClient(...)`` arguments when set right after the Session is
# made, before any request (``proxies`` -> ``proxy=``). None is kept only where it means "not set"
# to both (SESSION_NONE_OK).
SESSION_SETTINGS = ("verify", "cert", "trust_env", "proxies", "max_redirects")
SESSION_NONE_OK = ("cert", "proxies")
