"""Replace blocking ``requests`` calls inside ``async def`` with awaited ``httpx.AsyncClient`` calls.

What it does:
    Inside an ``async def``, ``requests.get/post/put/patch/delete/head/options/request(...)`` (found
    through the module's imports: ``import requests``, ``import requests as rq``,
    ``from requests import get``) becomes ``await client.get(...)`` on one ``httpx.AsyncClient``
    opened around the smallest span of statements covering the calls (inside an ``if``/``with``/
    ``try`` block when all of them are there), under a name that clashes with nothing in the function.
    Calls may sit in loops, ``return``, ``if``/``while`` tests and list/set/dict comprehensions
    (which become async comprehensions). requests' defaults are kept explicitly:
    ``follow_redirects=True`` (except for ``head``; ``allow_redirects=`` is renamed),
    ``timeout=None`` unless a timeout is given (a ``(connect, read)`` literal becomes
    ``httpx.Timeout(read, connect=connect)``; a name must be a module constant number), a raw
    ``data=`` body becomes ``content=``, and a second positional argument becomes the
    keyword requests gives it (``params=`` for get, ``data=`` for post/put/patch). ``import httpx``
    (or ``httpx2``, option ``http-client``) is added; the requests import is dropped once unused.

    Thread-wrapped calls are rewritten the same way when awaited where they are made:
    ``await sync_to_async(requests.get)(url)``, ``await asyncio.to_thread(requests.get, url)``,
    ``await loop.run_in_executor(None, requests.get, url)``, each also with
    ``functools.partial(requests.post, url, json=...)`` as the function. ``sync_to_async``'s
    ``thread_sensitive=``/``executor=`` are dropped: they only choose the thread the call runs in,
    and no thread is used any more. Wrapped calls passed to an awaited ``asyncio.gather(...)``
    (directly, or as ``*[... for ...]`` / ``*(... for ...)``) become the coroutines
    ``client.get(...)``, which gather runs concurrently (``sync_to_async``'s default
    ``thread_sensitive=True`` ran them one at a time, an order gather never promised). The
    ``sync_to_async``/``functools``/``asyncio`` imports are dropped when the rewrite left them unused.

    ``except`` clauses catching requests exceptions (``requests.RequestException``,
    ``requests.exceptions.Timeout``, ``from requests.exceptions import HTTPError``...) whose ``try``
    body makes rewritten calls get the httpx exceptions raised in the same situations:
    ``RequestException`` -> ``HTTPError, InvalidURL`` (+ ``json.JSONDecodeError`` when the body calls
    ``.json()``), ``ConnectionError`` -> ``NetworkError, ConnectTimeout, RemoteProtocolError,
    ProxyError``, ``Timeout`` -> ``TimeoutException``, ``ConnectTimeout``/``ReadTimeout``/
    ``TooManyRedirects`` -> same names, ``HTTPError`` -> ``HTTPStatusError``, ``JSONDecodeError`` ->
    ``json.JSONDecodeError``. Handlers whose ``try`` body makes no rewritten call are left as they are.

    Client settings: ``verify=``, ``cert=``, ``cookies=`` and ``proxies={"http": P, "https": P}`` (->
    ``proxy=P``), which httpx takes only when the client is created, move to
    ``httpx.AsyncClient(...)`` when every call of the function passes the same ones, as constants
    or names the function does not assign.

    Sessions: ``with requests.Session() as s:`` and the line ``s = requests.Session()`` (then around
    the rest of its block) become ``async with httpx.AsyncClient() as s:``; ``s.get(...)`` & co
    (also ``sync_to_async(s.get)(...)``) are awaited with the same rules, ``s.headers`` setup and
    ``s.auth = (user, password)`` keep working, ``s.close()`` becomes ``await s.aclose()``.
    ``s.verify``, ``s.cert``, ``s.trust_env``, ``s.max_redirects = value`` and
    ``s.proxies = {"http": P, "https": P}`` on lines of their own right after the Session is made
    (before any other use of it; headers/auth setup and statements not naming it may come between)
    become arguments of ``httpx.AsyncClient(...)`` (``proxy=P``) and their lines go; the values must
    be constants or names the function does not assign, as for client settings. Both libraries
    count redirects the same way against ``max_redirects``, and ``trust_env = False`` means the same
    to both: no proxies from the environment, the library's default CA certificates (neither
    ``REQUESTS_CA_BUNDLE`` nor ``SSL_CERT_FILE``), no ``.netrc`` credentials (httpx never reads them).

    On responses of rewritten calls (a name bound only to such calls, or the call itself):
    ``r.ok`` -> ``not r.is_error`` (both mean "not 4xx/5xx"), ``r.reason`` -> ``r.reason_phrase``,
    ``r.is_redirect`` -> ``r.has_redirect_location``, a local ``r: requests.Response`` annotation
    -> ``httpx.Response`` (never evaluated), and the statement ``r.raise_for_status()`` ->
    ``if r.is_error: r.raise_for_status()`` (httpx also raises for 1xx/3xx, e.g. an unfollowed
    redirect or a 304; requests only for 4xx/5xx).

    TLS setup (option ``ssl-context``, default ``shared``): httpx builds a new SSL context for
    every client, loading the CA certificates each time (tens of ms of CPU during which the event
    loop serves nothing). Clients without ``verify``/``cert`` settings (nor a ``trust_env`` other
    than ``True``: the shared context reads ``SSL_CERT_FILE``) get
    ``verify=_HTTPX_SSL_CONTEXT``, one module-level ``httpx.create_ssl_context()`` (made as httpx
    makes its default one) bound after the imports; an existing ``NAME = httpx.create_ssl_context()``
    at module level is reused. ``per-client`` leaves ``httpx.AsyncClient()`` bare.

    Streaming: the line ``r = requests.get(url, stream=True)`` becomes
    ``async with client.stream("GET", url, ...) as r:`` around the rest of its block, and
    ``for chunk in r.iter_content(n)`` becomes ``async for chunk in r.aiter_bytes(n)`` (``n`` is 1
    when not given, requests' default). ``stream=False`` is dropped.

    Bodies: a visibly raw body (str/bytes literal, ``x.encode()``, ``json.dumps(...)``, or a local
    name only assigned such values) becomes ``content=``; anything else stays ``data=`` (httpx form-encodes a mapping and sends other
    values as raw content, with a deprecation warning for raw bytes).

    Not kept, by design (rare; review if they matter to you): calls of one function share a client,
    so cookies a response sets are sent by the later calls (each ``requests.get`` started with an
    empty jar); httpx stops after 20 redirects (requests 30); the User-Agent says httpx; with
    explicit ``proxies`` requests still honours ``NO_PROXY``, httpx does not; requests reads its CA
    bundle from ``REQUESTS_CA_BUNDLE``, httpx from ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (with the
    shared SSL context, read once when the module is imported, not per client); a Session's
    ``verify``/``proxies`` give way in requests to ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` and
    ``HTTP(S)_PROXY`` from the environment (unless its ``trust_env`` is False), the AsyncClient
    keeps them; requests sends credentials from ``~/.netrc`` (or ``$NETRC``) when a request has no
    auth, httpx does not; requests and httpx trust the certifi CA bundle, httpx2 the system's CA
    store; a ``params``/``data`` dict the codemod cannot see with ``None``/``True`` values is
    encoded differently; exceptions that escape the function are httpx's, so a caller elsewhere
    catching requests' exceptions no longer does. ``verify="path"`` and ``cert=`` are kept as
    given: current httpx and httpx2 still honour them, with a deprecation warning.

Why:
    A requests call blocks the event loop for the whole round trip: every other request served by
    the same worker waits.

Example:
    Before::

        import requests

        async def view(request):
            return requests.get(URL).json()

    After::

        import httpx

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


        async def view(request):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).json()

Refuses when:
    - the call is in a nested sync function, lambda, class body or generator expression (cannot
      await there, or would turn it into an async generator);
    - the calls of one function disagree on ``verify``/``cert``/``proxies``/``cookies``, pass them
      computed in the function, on a Session call, or pass ``proxies`` of another shape;
    - the call passes ``hooks``, ``files``, ``trust_env`` or any argument not known to behave the
      same, ``*args``/``**kwargs``, a ``timeout=`` whose value is not visible (a number, a
      ``(connect, read)`` literal or a module constant number), or more positional arguments than
      can be mapped;
    - ``params=`` is passed with a URL that may already hold a query string (requests appends the
      params, httpx replaces the query): the URL must be built from literal parts without ``?``
      (``BASE + "/items"``, ``f"{base}/items/{pk}"``, or a name assigned such a value);
    - the body is visibly a list/tuple (requests form-encodes pairs, httpx does not) or a non-ASCII
      str literal (Latin-1 vs UTF-8); a literal ``params``/``data`` dict holds ``True``/``False``/
      ``None`` (encoded differently);
    - a thread wrapper is not awaited where it is made, wraps a lambda, passes options other than
      ``thread_sensitive``/``executor``, or uses a loop/executor expression that may have effects;
    - on what may be a response of a rewritten call: ``.ok``, ``.reason``, ``.is_redirect`` other
      than on a name bound only to such calls (or the call itself), ``.raise_for_status`` other than
      as such a statement, ``.iter_content`` outside streaming, or ``.iter_lines``, ``.raw``,
      ``.apparent_encoding``, ``.url``, ``.text``, ``.encoding`` (different meaning, type or
      decoding in httpx; ``iter_lines`` yields bytes split by other rules than httpx's str lines);
    - a response of a rewritten call leaves the function (returned, yielded, passed to a call
      other than ``asyncio.gather``/``len``/a logger, stored in an attribute or item, formatted,
      captured by a nested function): code elsewhere may expect a requests Response. Responses are
      followed through names, containers, loops, comprehensions and ``except ... as e``
      (``e.response``); attributes of other objects (``self.client.url``) are not concerned;
    - a response is used as a truth value (``if r:``; requests' is falsy for 4xx/5xx);
    - a response of a rewritten call is used through another attribute than ``status_code``,
      ``json``, ``content``, ``history``, ``elapsed``, ``links``, the rewritten ones above, or
      ``headers``/``cookies`` other than for a lookup (``r.headers[k]``, ``.get(k)``, ``k in``):
      httpx lowercases header names when iterating and its cookie jar has other methods;
    - a streamed response is used after its block, in a nested scope, or other than through
      ``for ... in r.iter_content(n)`` and attributes that read no body (``status_code``,
      ``headers``, ``ok``...); ``stream=True`` on a call that is not ``name = <call>`` on its own line;
    - a Session is created at module or class level (``SESSION = requests.Session()``,
      ``self.session = requests.Session()``) and called from async code: reported, not rewritten;
    - a local Session is used outside its block, in a nested scope, returned or passed on, or set up
      other than through ``headers``, ``auth`` and the settings above (``s.headers = {...}``,
      ``s.mount(...)``, ``s.stream``; ``s.params``: requests adds them to the URL's query string,
      httpx merges them over it); a setting is assigned after the Session was first used, in a
      nested block or on a line with other statements, twice, to a value computed in the function,
      to ``None`` (``verify``/``trust_env``/``max_redirects``), or ``proxies`` of another shape;
    - ``auth=`` is not a ``(user, password)`` tuple (requests' auth objects do not work in httpx);
    - the function uses ``requests`` other than as a call (exceptions, ``Session``, a stored
      ``sync_to_async(requests.get)``...);
    - an ``except`` clause catches a requests exception with no exact httpx match (``SSLError``,
      ``InvalidURL``...), its ``try`` body also calls something that may raise requests exceptions
      itself (anything but the rewritten calls, response/data methods, builtins, logging, json...),
      also decodes with ``json.loads`` where ``json.JSONDecodeError`` would be added, or the handler
      uses the exception other than ``e.response`` (of ``HTTPError``), logging or ``raise ... from e``
      (type and message differ);
    - a ``try`` around rewritten calls catches ``OSError``/``IOError``/``ConnectionError``/
      ``TimeoutError``/``ValueError`` (requests' exceptions derive from them, httpx's do not) with
      no handler at or before it catching ``requests.RequestException``/``Exception``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

import libcst as cst

from codemods.analysis import ImportTable, SameScope, dotted_name, has_skip_comment, local_bindings
from codemods.registry import Codemod, Context, register

METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
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
# Response attributes rewritten (on a response of a rewritten call) to keep their meaning.
RENAMED_ATTRS = {"reason": "reason_phrase", "is_redirect": "has_redirect_location"}
REWRITTEN_ATTRS = {"ok", "raise_for_status", *RENAMED_ATTRS}
# Response attributes that behave the same in httpx (headers/cookies only for lookups).
_RESPONSE_SAME = {"status_code", "json", "content", "headers", "cookies", "history", "elapsed", "links", "iter_content"}
_MAPPINGS = {"headers", "cookies"}
# Keyword arguments passed through unchanged (same meaning in httpx's client methods).
SAFE_KWARGS = {"params", "json", "headers", "auth"}
# Second (and third) positional argument -> keyword, per requests' signatures.
POSITIONAL = {
    "get": ("params",),
    "post": ("data", "json"),
    "put": ("data",),
    "patch": ("data",),
    "delete": (),
    "head": (),
    "options": (),
    "request": (),
}
_OS_ERRORS = {"OSError", "IOError", "EnvironmentError", "ConnectionError", "TimeoutError", "ValueError"}
# Scopes where no await can go. List/set/dict comprehensions in an async def may await (they become
# async comprehensions, evaluated eagerly as before); a generator expression would become an async
# generator, which its consumer (sum(), "".join()...) cannot iterate.
_SCOPES = (cst.Lambda, cst.ClassDef, cst.GeneratorExp)


def _qualified_method(call: cst.Call, imports: ImportTable, shadowed: set[str]) -> str | None:
    q = imports.qualify(call.func, shadowed)
    if q is None or not q.startswith("requests."):
        return None
    method = q[len("requests.") :]
    if method in METHODS or method.startswith("api.") and method[4:] in METHODS:
        return method.rpartition(".")[2]
    return None


_WRAPPER_OPTIONS = {"thread_sensitive", "executor"}  # sync_to_async options: only pick the thread
_LISTISH = (cst.List, cst.Tuple, cst.ListComp, cst.GeneratorExp, cst.Set, cst.SetComp)


_TIGHT_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def _kwarg(
    key: str, value: cst.BaseExpression, comma: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
) -> cst.Arg:
    """``key=value`` as this module writes new keyword arguments (no spaces around ``=``)."""
    return cst.Arg(keyword=cst.Name(key), value=value, equal=_TIGHT_EQUAL, comma=comma)


@dataclasses.dataclass
class _Req:
    """One requests call, however it was written: the method and the arguments requests receives."""

    method: str
    args: list[cst.Arg]
    form: str  # "call", "sync_to_async", "asyncio.to_thread", "run_in_executor"
    refs: list[cst.CSTNode]  # the ``requests.get`` references it consumes (not uses of their own)
    session: str | None = None  # the local Session it is made on (becomes that AsyncClient)


def _is_raw_body(expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]) -> bool:
    """Visibly a str/bytes body: a string literal, ``x.encode()`` or ``json.dumps(...)``."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if not isinstance(expr, cst.Call):
        return False
    if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "encode":
        return True
    return imports.qualify(expr.func, shadowed) == "json.dumps"


def _literal_values_problem(expr: cst.BaseExpression, key: str) -> str | None:
    # requests leaves out None values and writes True as "True"; httpx writes "" and "true".
    if isinstance(expr, cst.Dict):
        for el in expr.elements:
            v = el.value if isinstance(el, cst.DictElement) else None
            if isinstance(v, cst.Name) and v.value in ("True", "False", "None"):
                return f"passes {key}= with a {v.value} value (requests and httpx encode it differently)"
    return None


def _body_problem(expr: cst.BaseExpression, known: _Known | None = None) -> str | None:
    values = known.values(expr) if known is not None else None
    if values and any(isinstance(v, _LISTISH) for v in values):
        return "passes a body assigned a list/tuple (requests form-encodes pairs, httpx does not)"
    if isinstance(expr, _LISTISH):
        return "passes a list/tuple body (requests form-encodes pairs, httpx does not)"
    if isinstance(expr, cst.SimpleString) and "b" not in expr.prefix.lower():
        try:
            value = expr.evaluated_value
        except Exception:  # noqa: BLE001 - unusual literal: be safe
            return "passes a str body that cannot be checked"
        if isinstance(value, str) and not value.isascii():
            return "passes a non-ASCII str body (requests sends it as Latin-1, httpx as UTF-8)"
    return _literal_values_problem(expr, "data")


# Per-request arguments of requests that httpx takes only when the client is created.
# (``trust_env`` is no argument of requests' calls: only a Session attribute.)
CLIENT_KWARGS = ("verify", "cert", "proxies", "cookies")


def _is_constant(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None")
    if isinstance(expr, (cst.Tuple, cst.List)):
        return all(_is_constant(el.value) for el in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(el, cst.DictElement) and _is_constant(el.key) and _is_constant(el.value) for el in expr.elements
        )
    return False


def _proxy_value(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The single proxy of ``{"http": P, "https": P}`` (same P for both schemes), else None."""
    if not isinstance(expr, cst.Dict) or len(expr.elements) != 2:
        return None
    keys, values = set(), set()
    value: cst.BaseExpression | None = None
    for el in expr.elements:
        if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
            return None
        keys.add(el.key.evaluated_value)
        values.add(cst.Module(body=[]).code_for_node(el.value))
        value = el.value
    return value if keys == {"http", "https"} and len(values) == 1 else None


def _client_value_problem(key: str, value: cst.BaseExpression) -> str | None:
    if key == "proxies" and _proxy_value(value) is None and not (isinstance(value, cst.Name) and value.value == "None"):
        return "passes proxies= other than {'http': P, 'https': P} (httpx would need per-scheme transports)"
    return None


def _stable(expr: cst.BaseExpression, assigned: Collection[str]) -> bool:
    """Same value when evaluated where the client is opened: constants and names the function
    does not assign (module names, parameters it never rebinds)."""
    if _is_constant(expr):
        return True
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(el, cst.DictElement) and _stable(el.key, assigned) and _stable(el.value, assigned)
            for el in expr.elements
        )
    if isinstance(expr, (cst.Tuple, cst.List)):
        return all(_stable(el.value, assigned) for el in expr.elements)
    name = dotted_name(expr)
    return name is not None and name.split(".")[0] not in assigned


def _positional(method: str, session: bool) -> tuple[str, ...]:
    """Keywords of the positional arguments after the URL (Session.get/request take none)."""
    if session and method in ("get", "request"):
        return ()
    return POSITIONAL[method]


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _is_number(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.Integer, cst.Float)) or (isinstance(expr, cst.Name) and expr.value == "None")


def _timeout_tuple(expr: cst.BaseExpression) -> bool:
    """requests' ``(connect, read)`` timeout written as a literal."""
    return isinstance(expr, cst.Tuple) and len(expr.elements) == 2 and all(_is_number(el.value) for el in expr.elements)


class _Known:
    """What the function and module show about a name's value: module constants (``TIMEOUT = 10``)
    and the values a function assigns to its locals."""

    def __init__(self, constants: dict[str, cst.BaseExpression], local: _Locals) -> None:
        self.constants = constants
        self.local = local

    def values(self, expr: cst.BaseExpression) -> list[cst.BaseExpression | None] | None:
        if not isinstance(expr, cst.Name):
            return None
        if expr.value in self.local.params:
            return None  # its value comes from the caller
        if expr.value in self.local.values:
            return self.local.values[expr.value]
        if expr.value in self.local.shadowed:
            return None  # a parameter: unknown
        if expr.value in self.constants:
            return [self.constants[expr.value]]
        return None


def _call_problem(req: _Req, known: _Known | None = None) -> str | None:
    """Why this call cannot be rewritten keeping behaviour, or None."""
    method = req.method
    n_pos = 2 if method == "request" else 1
    extra = _positional(method, req.session is not None)
    positional = 0
    for arg in req.args:
        if arg.star:
            return "passes *args/**kwargs (cannot check the arguments)"
        if arg.keyword is None:
            if positional >= n_pos and positional - n_pos < len(extra):
                key = extra[positional - n_pos]
                problem = _body_problem(arg.value, known) if key == "data" else _literal_values_problem(arg.value, key)
                if problem:
                    return problem
            positional += 1
            continue
        key = arg.keyword.value
        if key == "auth" and not (
            (isinstance(arg.value, cst.Tuple) and len(arg.value.elements) == 2)
            or (isinstance(arg.value, cst.Name) and arg.value.value == "None")
        ):
            return "passes an auth= that is not a (user, password) tuple (requests' auth objects differ)"
        if key in SAFE_KWARGS or key == "allow_redirects":
            problem = _literal_values_problem(arg.value, key) if key in ("params", "headers") else None
            if problem:
                return problem
            continue
        if key == "data":
            problem = _body_problem(arg.value, known)
            if problem:
                return problem
            continue
        if key == "stream":
            if not (isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False")):
                return "passes a stream= that is not a literal True/False"
            continue
        if key == "timeout":
            values = known.values(arg.value) if known is not None else None
            if not (
                _is_number(arg.value)
                or _timeout_tuple(arg.value)
                or (values and all(v is not None and _is_number(v) for v in values))
            ):
                return (
                    "passes a timeout= whose value is not visible here (a (connect, read) tuple means "
                    "something else to httpx): write a number or a tuple literal"
                )
            continue
        if key in CLIENT_KWARGS:
            if req.session is not None:
                return f"passes {key}= on a Session call (an AsyncClient takes it only when created)"
            problem = _client_value_problem(key, arg.value)
            if problem:
                return problem
            continue
        return f"passes {key}= (no per-request equivalent with the same behaviour in httpx)"
    if positional > n_pos + len(extra):
        return "passes more positional arguments than can be mapped to httpx keywords"
    if positional < n_pos:
        return "passes fewer positional arguments than expected"
    positional_args = [a for a in req.args if a.keyword is None]
    has_params = any(a.keyword is not None and a.keyword.value == "params" for a in req.args) or (
        extra[:1] == ("params",) and len(positional_args) > n_pos
    )
    url = positional_args[n_pos - 1].value
    if has_params and not _query_free(url, known):
        return (
            "passes params= with a URL that may already hold a query string (requests appends the "
            "params to it, httpx replaces it)"
        )
    return None


def _query_free(url: cst.BaseExpression, known: _Known | None, depth: int = 0) -> bool:
    """True if the URL expression visibly has no query string: built from literal parts without
    "?" (``BASE + "/items"``, ``f"{BASE}/items/{pk}"``), or a name holding such a value."""
    if isinstance(url, cst.SimpleString):
        return "?" not in url.value
    if isinstance(url, cst.ConcatenatedString):
        return _query_free(url.left, known, depth) and _query_free(url.right, known, depth)  # type: ignore[arg-type]
    if isinstance(url, cst.FormattedString):
        texts = [p.value for p in url.parts if isinstance(p, cst.FormattedStringText)]
        return bool(texts) and not any("?" in t for t in texts)
    if isinstance(url, cst.BinaryOperation) and isinstance(url.operator, cst.Add):
        parts = _plus_parts(url)
        literal = [p for p in parts if isinstance(p, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))]
        return bool(literal) and all(_query_free(p, known, depth) for p in literal)
    values = known.values(url) if known is not None and depth < 3 else None
    return bool(values) and all(v is not None and _query_free(v, known, depth + 1) for v in values)


def _plus_parts(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return [*_plus_parts(expr.left), *_plus_parts(expr.right)]
    return [expr]


def _session_method(expr: cst.BaseExpression, sessions: Collection[str]) -> tuple[str, str] | None:
    """(session, method) for ``s.get`` where ``s`` is a local requests Session."""
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value in sessions
        and expr.attr.value in METHODS
    ):
        return expr.value.value, expr.attr.value
    return None


def _resolve_callable(
    expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str], sessions: Collection[str] = ()
) -> tuple[str, list[cst.Arg], cst.CSTNode, str | None] | str | None:
    """``requests.get``, ``session.get`` or ``functools.partial(requests.get, ...)``: (method, bound
    args, reference, session).

    A str is a reason to refuse; None means the callable is not a requests function."""
    sm = _session_method(expr, sessions)
    if sm is not None:
        return sm[1], [], expr, sm[0]
    q = imports.qualify(expr, shadowed)
    if q is not None and q.startswith("requests."):
        method = q[len("requests.") :]
        method = method.removeprefix("api.")
        return (method, [], expr, None) if method in METHODS else None
    if isinstance(expr, cst.Call) and imports.qualify(expr.func, shadowed) == "functools.partial":
        if not expr.args or expr.args[0].keyword is not None or expr.args[0].star:
            return None
        inner = _resolve_callable(expr.args[0].value, imports, shadowed, sessions)
        if isinstance(inner, tuple):
            return inner[0], [*inner[1], *expr.args[1:]], inner[2], inner[3]
        return inner
    if isinstance(expr, cst.Lambda):
        return "a lambda (wrap the requests function itself, e.g. sync_to_async(requests.get)(url))"
    return None


def _merge(bound: list[cst.Arg], given: Sequence[cst.Arg]) -> list[cst.Arg] | str:
    """Arguments of ``partial(f, *bound)(*given)``, positional first."""
    everything = [*bound, *given]
    positional = [a for a in everything if a.keyword is None]
    keywords = [a for a in everything if a.keyword is not None]
    seen: set[str] = set()
    for a in keywords:
        assert a.keyword is not None
        if a.keyword.value in seen:
            return f"gives {a.keyword.value}= twice (partial and call)"
        seen.add(a.keyword.value)
    return [*positional, *keywords]


def _match(
    call: cst.Call, imports: ImportTable, shadowed: set[str], sessions: Collection[str] = ()
) -> _Req | str | None:
    """The requests call ``call`` makes (plainly, on a local Session or through a thread wrapper), a
    reason to refuse it, or None when it is not a requests call."""
    method = _qualified_method(call, imports, shadowed)
    if method is not None:
        return _Req(method, list(call.args), "call", [call.func])
    sm = _session_method(call.func, sessions)
    if sm is not None:
        return _Req(sm[1], list(call.args), "call", [call.func], sm[0])
    func = call.func
    form: str
    target: cst.BaseExpression
    given: Sequence[cst.Arg]
    if isinstance(func, cst.Call) and imports.qualify(func.func, shadowed) == "asgiref.sync.sync_to_async":
        if not func.args or func.args[0].keyword is not None or func.args[0].star:
            return None
        form, target, given = "sync_to_async", func.args[0].value, call.args
        options = func.args[1:]
    elif imports.qualify(func, shadowed) == "asyncio.to_thread":
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        form, target, given = "asyncio.to_thread", call.args[0].value, call.args[1:]
        options = []
    elif isinstance(func, cst.Attribute) and func.attr.value == "run_in_executor":
        if len(call.args) < 2 or any(a.keyword is not None or a.star for a in call.args[:2]):
            return None
        form, target, given = "run_in_executor", call.args[1].value, call.args[2:]
        options = []
    else:
        return None
    resolved = _resolve_callable(target, imports, shadowed, sessions)
    if resolved is None:
        return None
    if isinstance(resolved, str):
        return f"{form}() of {resolved}"
    method, bound, ref, session = resolved
    for opt in options:
        if opt.keyword is None or opt.keyword.value not in _WRAPPER_OPTIONS:
            return f"{form}(requests.{method}) with an option that cannot be kept"
    if form == "run_in_executor":
        executor = call.args[0].value
        if not isinstance(executor, cst.Name):
            return "run_in_executor() with an executor expression that may have side effects"
        if any(a.keyword is not None for a in given):
            return "run_in_executor() with keyword arguments"
        receiver = func.value if isinstance(func, cst.Attribute) else None
        if not isinstance(receiver, cst.Name) and not (
            isinstance(receiver, cst.Call)
            and imports.qualify(receiver.func, shadowed)
            in ("asyncio.get_event_loop", "asyncio.get_running_loop")
            and not receiver.args
        ):
            return "run_in_executor() on a loop expression that may have side effects"
    args = _merge(bound, given)
    if isinstance(args, str):
        return f"{form}(requests.{method}) {args}"
    return _Req(method, args, form, [ref], session)



# ----------------------------------------------------------------------------- exceptions
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
_JSON_ERROR = "json.JSONDecodeError"
_BUILTINS_SAFE = {
    "len", "str", "int", "float", "bool", "dict", "list", "tuple", "set", "isinstance", "print", "min",
    "max", "sorted", "sum", "any", "all", "range", "enumerate", "zip", "repr", "round", "abs",
}  # fmt: skip
_SAFE_MODULES = {"json", "logging", "asyncio", "datetime", "time", "math", "re", "uuid", "decimal"}
_LOGGERS = {"logger", "log", "LOGGER", "LOG", "_logger", "_log", "logging"}
_RESPONSE_METHODS = {"json", "raise_for_status", "close"}
_DATA_METHODS = {
    "get", "items", "keys", "values", "append", "extend", "format", "strip", "split", "lower", "upper",
    "encode", "decode", "startswith", "endswith", "join", "update", "pop", "setdefault", "copy", "replace",
}  # fmt: skip


def _strip_await(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.expression if isinstance(expr, cst.Await) else expr


def _exception_name(expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]) -> str | None:
    """``Timeout`` for ``requests.Timeout``/``requests.exceptions.Timeout``/an imported alias."""
    q = imports.qualify(expr, shadowed)
    if q is None or not q.startswith("requests."):
        return None
    rest = q[len("requests.") :].removeprefix("exceptions.")
    return rest if "." not in rest else None


def _handler_types(handler: cst.ExceptHandler) -> list[cst.BaseExpression]:
    if handler.type is None:
        return []
    if isinstance(handler.type, cst.Tuple):
        return [el.value for el in handler.type.elements]
    return [handler.type]


class _Locals:
    """What the names of one function hold, as far as visible: responses of requests calls, or
    plain data (``r.json()``, literals, items of those). Anything else is unknown."""

    def __init__(self, body: cst.BaseSuite, imports: ImportTable, shadowed: set[str]) -> None:
        self.imports, self.shadowed = imports, shadowed
        collector = _AssignCollector()
        body.visit(collector)
        values = collector.values
        finder = _SessionFinder(imports, shadowed)
        body.visit(finder)
        # names bound once, to requests.Session() (checked further by _SessionCheck)
        self.sessions = {n for n in finder.names if len(values.get(n, [])) == 1}
        self.session_nodes = finder.nodes
        # set from _SessionCheck: AsyncClient arguments per Session, ids of the lines they came from
        self.session_settings: dict[str, list[cst.Arg]] = {}
        self.setup_lines: set[int] = set()
        self.assigned = set(values)  # names the function assigns (not parameters it leaves alone)
        self.values = values
        self.params: set[str] = set()  # set by the caller
        self.responses = {
            n
            for n, vs in values.items()
            if vs and all(isinstance(v, cst.Call) and self.match(v) is not None for v in vs)
        }
        # names bound once to a call with stream=True (checked further by _StreamCheck)
        self.streams = {
            n for n in self.responses if len(values[n]) == 1 and _streams(self.match(values[n][0]))  # type: ignore[arg-type]
        }
        self.data: set[str] = set()
        changed = True
        while changed:
            changed = False
            for n, vs in values.items():
                if n not in self.data and n not in self.responses and vs and all(self._is_data(v) for v in vs):
                    self.data.add(n)
                    changed = True
        # names that may hold a response of a rewritten call, or a container of some (flow-insensitive)
        self.tainted: set[str] = set()
        handlers = _RequestsHandlers(imports, shadowed)
        body.visit(handlers)
        self.tainted |= handlers.names  # ``except requests.HTTPError as e``: e.response
        changed = True
        while changed:
            changed = False
            for n, srcs in collector.sources.items():
                if n not in self.tainted and any(self.response_valued(v) for v in srcs):
                    self.tainted.add(n)
                    changed = True

    def match(self, call: cst.Call) -> _Req | str | None:
        return _match(call, self.imports, self.shadowed, self.sessions)

    def response_valued(self, expr: cst.BaseExpression) -> bool:
        """True if the value of ``expr`` may be a response of a rewritten call, or hold one."""
        local = self
        if isinstance(expr, cst.Name):
            return expr.value in local.tainted
        if isinstance(expr, cst.Await):
            return self.response_valued(expr.expression)
        if isinstance(expr, cst.Subscript):  # an item of a container of responses
            return not local.is_response(expr.value) and self.response_valued(expr.value)
        if isinstance(expr, cst.Attribute):
            return expr.attr.value in _ELEMENT_ATTRS and self.response_valued(expr.value)
        if isinstance(expr, cst.Call):
            if local.match(expr) is not None:
                return True
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("pop", "copy", "get") and isinstance(
                func.value, cst.Name
            ):
                return func.value.value in local.tainted and func.value.value not in local.responses
            gather = local.imports.qualify(func, local.shadowed) == "asyncio.gather"
            return gather and any(self.response_valued(a.value) for a in expr.args)
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return any(self.response_valued(el.value) for el in expr.elements)
        if isinstance(expr, cst.Dict):
            return any(isinstance(el, cst.DictElement) and self.response_valued(el.value) for el in expr.elements)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self.response_valued(expr.elt)
        if isinstance(expr, cst.DictComp):
            return self.response_valued(expr.value)
        if isinstance(expr, cst.IfExp):
            return self.response_valued(expr.body) or self.response_valued(expr.orelse)
        if isinstance(expr, cst.BooleanOperation):
            return self.response_valued(expr.left) or self.response_valued(expr.right)
        if isinstance(expr, cst.StarredElement):
            return self.response_valued(expr.value)
        if isinstance(expr, cst.NamedExpr):
            return self.response_valued(expr.value)
        return False


    def is_response(self, expr: cst.BaseExpression) -> bool:
        expr = _strip_await(expr)
        if isinstance(expr, cst.Name):
            return expr.value in self.responses
        return isinstance(expr, cst.Call) and self.match(expr) is not None

    def _is_data(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, (cst.Dict, cst.List, cst.SimpleString, cst.Integer, cst.Float)):
            return True
        if isinstance(expr, cst.Name):
            return expr.value in self.data
        if isinstance(expr, cst.Subscript):
            return self._is_data(expr.value)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            if expr.func.attr.value == "json":
                return self.is_response(expr.func.value)
            if expr.func.attr.value == "get":
                return self._is_data(expr.func.value)
        return False

    def call_is_safe(self, call: cst.Call) -> bool:
        """True if ``call`` cannot raise a requests exception (it runs no code that may use requests)."""
        func = call.func
        if isinstance(func, cst.Name) and func.value in _BUILTINS_SAFE and func.value not in self.shadowed:
            return func.value not in self.imports.names
        q = self.imports.qualify(func, self.shadowed)
        if q is not None and q.split(".")[0] in _SAFE_MODULES:
            return True
        if isinstance(func, cst.Attribute):
            receiver = func.value
            if isinstance(receiver, cst.Name) and receiver.value in _LOGGERS:
                return True
            if func.attr.value in _RESPONSE_METHODS and self.is_response(receiver):
                return True
            if func.attr.value in _DATA_METHODS and (
                self._is_data(receiver) or isinstance(receiver, (cst.SimpleString, cst.FormattedString))
            ):
                return True
        return False


def _gathered_targets(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> list[tuple[str, cst.BaseExpression]] | None:
    """``a, b = await asyncio.gather(x, y)``: [("a", x), ("b", y)] (the name ``gather`` suffices:
    the values are only used to recognise requests calls, which are checked on their own)."""
    if not (
        isinstance(target, (cst.Tuple, cst.List))
        and isinstance(value, cst.Call)
        and isinstance(value.func, (cst.Name, cst.Attribute))
        and (value.func.value if isinstance(value.func, cst.Name) else value.func.attr.value) == "gather"
        and all(not a.star and a.keyword is None for a in value.args)
        and len(target.elements) == len(value.args)
        and all(isinstance(el.value, cst.Name) for el in target.elements)
    ):
        return None
    return [(el.value.value, a.value) for el, a in zip(target.elements, value.args)]  # type: ignore[attr-defined]


class _Mentions(cst.CSTVisitor):
    def __init__(self, local: _Locals) -> None:
        self.local = local
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.local.tainted:
            self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        if not self.found and self.local.match(node) is not None:
            self.found = True


class _RequestsHandlers(SameScope, cst.CSTVisitor):
    """Names bound by ``except <requests exception> as e``."""

    def __init__(self, imports: ImportTable, shadowed: set[str]) -> None:
        self.imports, self.shadowed = imports, shadowed
        self.names: set[str] = set()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if (
            node.name is not None
            and isinstance(node.name.name, cst.Name)
            and any(_exception_name(t, self.imports, self.shadowed) for t in _handler_types(node))
        ):
            self.names.add(node.name.name.value)


# Calls that may take responses as arguments without the response reaching code that expects a
# requests Response: gather returns them (tracked as values), len counts a list of them, loggers
# only format them.
def _is_safe_sink(call: cst.Call, local: _Locals) -> bool:
    func = call.func
    if local.imports.qualify(func, local.shadowed) == "asyncio.gather":
        return True
    if isinstance(func, cst.Name) and func.value == "len" and "len" not in local.shadowed:
        return True  # of a list of responses
    return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in _LOGGERS


_ELEMENT_ATTRS = {"response", "history", "next"}  # attributes whose value is (or holds) a response


class _EscapeCheck(SameScope, cst.CSTVisitor):
    """A response of a rewritten call must not leave the function (returned, yielded, passed to a
    call, stored in an attribute or item, captured by a nested function, formatted): whoever gets
    it expects a requests Response. Inside the function its uses are checked attribute by attribute."""

    def __init__(self, local: _Locals) -> None:
        self.local = local
        self.problems: list[tuple[cst.CSTNode, str]] = []
        self._outer: set[str] = set()  # names declared global/nonlocal

    def _sink(self, node: cst.CSTNode, expr: cst.BaseExpression | None, how: str) -> None:
        if expr is not None and self.local.response_valued(expr):
            self.problems.append(
                (node, f"a response leaves the function ({how}), where code may expect a requests Response")
            )

    def visit_Return(self, node: cst.Return) -> None:
        self._sink(node, node.value, "returned")

    def visit_Yield(self, node: cst.Yield) -> None:
        value = node.value
        self._sink(node, value if isinstance(value, cst.BaseExpression) else None, "yielded")

    def visit_Call(self, node: cst.Call) -> None:
        if _is_safe_sink(node, self.local):
            return
        for a in node.args:
            self._sink(node, a.value, "passed to a call")

    def visit_Global(self, node: cst.Global) -> None:
        self._outer.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self._outer.update(n.name.value for n in node.names)

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(not isinstance(t.target, (cst.Name, cst.Tuple, cst.List)) for t in node.targets):
            self._sink(node, node.value, "stored in an attribute or item")
        elif any(n in self._outer for t in node.targets for n in _target_names(t.target)):
            self._sink(node, node.value, "stored in a global or nonlocal name")

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self._sink(node, node.expression, "formatted as text")

    # A requests Response is falsy for 4xx/5xx (``__bool__`` is ``ok``); an httpx one is always true.
    def _truth(self, node: cst.CSTNode, expr: cst.BaseExpression | None) -> None:
        if expr is not None and self.local.is_response(expr):
            self.problems.append((node, "uses a response as a truth value (requests: r.ok; httpx: always true)"))

    def visit_If(self, node: cst.If) -> None:
        self._truth(node, node.test)

    def visit_While(self, node: cst.While) -> None:
        self._truth(node, node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._truth(node, node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._truth(node, node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self._truth(node, node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._truth(node, node.expression)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._truth(node, node.left)
        self._truth(node, node.right)

    def _nested(self, node: cst.CSTNode) -> bool:
        finder = _Mentions(self.local)
        node.visit(finder)
        if finder.found:
            self.problems.append((node, "a response is used in a nested scope (it may outlive the function)"))
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._nested(node) if node.asynchronous is None else False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._nested(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self._nested(node)


class _AssignCollector(SameScope, cst.CSTVisitor):
    """name -> every value assigned to it by ``name = value``; other bindings give None."""

    def __init__(self) -> None:
        self.values: dict[str, list[cst.BaseExpression | None]] = {}
        # name -> every expression its value comes from (any binding), for the taint analysis
        self.sources: dict[str, list[cst.BaseExpression]] = {}

    def _source(self, target: cst.BaseExpression | None, value: cst.BaseExpression | None) -> None:
        if value is not None:
            for n in _target_names(target):
                self.sources.setdefault(n, []).append(value)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = _strip_await(node.value)
        for t in node.targets:
            self._source(t.target, node.value)
            gathered = _gathered_targets(t.target, value)
            if gathered is not None:
                for name, item in gathered:
                    self.values.setdefault(name, []).append(item)
            elif isinstance(t.target, cst.Name):
                self.values.setdefault(t.target.value, []).append(_strip_await(node.value))
            else:
                for n in _target_names(t.target):
                    self.values.setdefault(n, []).append(None)

    def _other(self, target: cst.BaseExpression | None) -> None:
        for n in _target_names(target):
            self.values.setdefault(n, []).append(None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._other(node.target)
        self._source(node.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.values.setdefault(node.target.value, []).append(_strip_await(node.value))
        else:
            self._other(node.target)
        self._source(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._other(node.target)
        self._source(node.target, node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._other(node.asname.name)
            self._source(node.asname.name, node.item)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._other(node.target)
        self._source(node.target, node.value)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._other(node.target)
        self._source(node.target, node.iter)


def _target_names(target: cst.BaseExpression | None) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _target_names(el.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


class _Guarded(SameScope, cst.CSTVisitor):
    """The calls a ``try`` body makes (the ones its handlers guard)."""

    def __init__(self, local: _Locals) -> None:
        self.local = local
        self.requests_calls = 0  # calls that raise other exceptions once rewritten
        self.network_calls = 0  # ... of which not r.json() (that raises a ValueError with both)
        self.json_calls = False  # r.json(): raises requests' JSONDecodeError, a RequestException
        self.json_loads = False  # json.loads/load: raises json.JSONDecodeError with both clients
        self.unknown: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        local = self.local
        if local.match(node) is not None:
            self.requests_calls += 1
            self.network_calls += 1
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "json":
            self.json_calls = True
        if (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("json", "raise_for_status")
            and local.is_response(node.func.value)
        ):
            self.requests_calls += 1  # raises httpx's exceptions (or json's) once rewritten
            self.network_calls += node.func.attr.value != "json"
            return
        if local.imports.qualify(node.func, local.shadowed) in ("json.loads", "json.load"):
            self.json_loads = True
        if not local.call_is_safe(node):
            self.unknown.append(node)


def _streams(req: _Req | str | None) -> bool:
    """True for a requests call passing stream=True."""
    if not isinstance(req, _Req):
        return False
    return any(
        a.keyword is not None
        and a.keyword.value == "stream"
        and isinstance(a.value, cst.Name)
        and a.value.value == "True"
        for a in req.args
    )


# What code may do with a streamed response (inside the ``async with client.stream(...)`` block).
_STREAM_ATTRS = {
    "status_code", "headers", "ok", "reason", "is_redirect", "raise_for_status", "iter_content", "cookies",
    "history", "elapsed",
}  # fmt: skip


def _stream_assign(stmt: cst.BaseStatement) -> str | None:
    """``r`` when ``stmt`` is the line ``r = <call>`` (the call checked by the caller)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    assign = stmt.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    return target.value if isinstance(target, cst.Name) else None


class _NameCount(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name, self.count = name, 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.count += 1


def _count(nodes: Sequence[cst.CSTNode], name: str) -> int:
    counter = _NameCount(name)
    for n in nodes:
        n.visit(counter)
    return counter.count


class _StreamCheck(SameScope, cst.CSTVisitor):
    """A streamed response must be consumed inside the ``async with`` that replaces its assignment:
    every use of it in the statements after that assignment, in the same block, and only through
    ``for x in r.iter_content(n)`` and attributes that read no body."""

    def __init__(self, local: _Locals, body: cst.BaseSuite) -> None:
        self.local = local
        self.body = body
        self.problems: list[tuple[cst.CSTNode, str]] = []
        self._placed: set[int] = set()  # stream calls in a well-placed assignment
        self._ok: set[int] = set()  # Name nodes used in an allowed way

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        for i, stmt in enumerate(node.body):
            name = _stream_assign(stmt)
            if name is None or name not in self.local.streams:
                continue
            assert isinstance(stmt, cst.SimpleStatementLine)
            assign = stmt.body[0]
            assert isinstance(assign, cst.Assign)
            if _count([self.body], name) != _count(node.body[i:], name):
                self.problems.append(
                    (stmt, f"the streamed response {name} is used outside the statements after it")
                )
                continue
            self._placed.add(id(_strip_await(assign.value)))
            self._ok.add(id(assign.targets[0].target))

    def visit_Call(self, node: cst.Call) -> None:
        req = self.local.match(node)
        if _streams(req) and id(node) not in self._placed:
            self.problems.append((node, "stream=True other than as `name = <call>` on a line of its own"))

    def visit_For(self, node: cst.For) -> None:
        it = node.iter
        if (
            isinstance(it, cst.Call)
            and isinstance(it.func, cst.Attribute)
            and it.func.attr.value == "iter_content"
            and isinstance(it.func.value, cst.Name)
            and it.func.value.value in self.local.streams
            and node.asynchronous is None
        ):
            if not it.args or (
                len(it.args) == 1
                and not it.args[0].star
                and (it.args[0].keyword is None or it.args[0].keyword.value == "chunk_size")
            ):
                self._ok.add(id(it.func.value))
            else:
                self.problems.append((it, "iter_content() with arguments other than the chunk size"))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value = node.value
        if (
            isinstance(value, cst.Name)
            and value.value in self.local.streams
            and node.attr.value in _STREAM_ATTRS
            and node.attr.value != "iter_content"
        ):
            self._ok.add(id(value))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.local.streams and id(node) not in self._ok:
            why = "other than through `for ... in r.iter_content(n)` and attributes that read no body"
            self.problems.append((node, f"uses the streamed response {node.value} {why}"))

    def _nested(self, node: cst.CSTNode) -> bool:
        for name in self.local.streams:
            if _count([node], name):
                self.problems.append((node, f"uses the streamed response {name} in a nested scope"))
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._nested(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._nested(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self._nested(node)


def _is_session_call(call: cst.Call, imports: ImportTable, shadowed: set[str]) -> bool:
    """``requests.Session()`` (or ``requests.session()``), without arguments."""
    q = imports.qualify(call.func, shadowed)
    return not call.args and q in ("requests.Session", "requests.session", "requests.sessions.Session")


class _SessionFinder(SameScope, cst.CSTVisitor):
    """Names bound by ``s = requests.Session()`` (a line of its own) or ``with requests.Session() as s:``."""

    def __init__(self, imports: ImportTable, shadowed: set[str]) -> None:
        self.imports, self.shadowed = imports, shadowed
        self.names: set[str] = set()
        self.nodes: dict[int, str] = {}  # id of the requests.Session() call -> name

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        name = _stream_assign(node)
        value = node.body[0].value if name is not None else None  # type: ignore[attr-defined]
        if isinstance(value, cst.Call) and _is_session_call(value, self.imports, self.shadowed):
            assert name is not None
            self.names.add(name)
            self.nodes[id(value)] = name

    def visit_With(self, node: cst.With) -> None:
        if len(node.items) != 1 or node.asynchronous is not None:
            return
        item = node.items[0]
        if (
            isinstance(item.item, cst.Call)
            and _is_session_call(item.item, self.imports, self.shadowed)
            and item.asname is not None
            and isinstance(item.asname.name, cst.Name)
        ):
            self.names.add(item.asname.name.value)
            self.nodes[id(item.item)] = item.asname.name.value


# Attributes of a Session that behave the same on an httpx AsyncClient.
_SESSION_READ = {"headers"}
# Session attributes that become ``AsyncClient(...)`` arguments when set right after the Session is
# made, before any request (``proxies`` -> ``proxy=``, see ``_client_args``). None is kept only where
# it means "not set" to both.
_SESSION_SETTINGS = ("verify", "cert", "trust_env", "proxies", "max_redirects")
_SESSION_NONE_OK = ("cert", "proxies")


def _is_setup_line(stmt: cst.BaseStatement, name: str) -> bool:
    """A line that only sets up the Session ``name`` (makes no request, reads nothing from it):
    ``name.attr = v``, ``name.headers[k] = v``, ``name.headers.update(...)``."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if _count([small], name) != 1:
            return False
        if isinstance(small, cst.Assign):
            for t in small.targets:
                target = t.target
                if isinstance(target, cst.Subscript):
                    target = target.value
                    if not (isinstance(target, cst.Attribute) and target.attr.value == "headers"):
                        return False
                if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
                    return False
                if target.value.value != name:
                    return False
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            func = small.value.func
            if not (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Attribute)
                and func.value.attr.value == "headers"
                and isinstance(func.value.value, cst.Name)
                and func.value.value.value == name
            ):
                return False
        else:
            return False
    return True


class _SessionCheck(SameScope, cst.CSTVisitor):
    """A local Session must live only inside the ``async with`` that replaces it: every use after
    its creation in the same block (or inside its ``with``), none in nested scopes, and only as
    ``s.get(...)`` & co (also thread-wrapped), ``s.headers`` (not reassigned), ``s.auth = (u, p)``,
    ``s.close()`` and, in the statements right after its creation (before any other use),
    ``s.verify``/``cert``/``trust_env``/``proxies``/``max_redirects = <value>``, which become
    arguments of the AsyncClient (``settings``; their lines, ``setup_lines``, are dropped)."""

    def __init__(self, local: _Locals, body: cst.BaseSuite) -> None:
        self.local = local
        self.body = body
        self.problems: list[tuple[cst.CSTNode, str]] = []
        self._ok: set[int] = set()
        self.settings: dict[str, list[cst.Arg]] = {}  # Session name -> AsyncClient arguments
        self.setup_lines: set[int] = set()  # ids of the lines that set them
        self._movable: dict[int, cst.SimpleStatementLine] = {}  # id of the Assign -> its line

    def _setup(self, name: str, stmts: Sequence[cst.BaseStatement]) -> None:
        """Marks the settings assignments among the statements after ``name`` is made, up to the
        first that uses it other than to set it up (statements not naming it are passed over)."""
        for stmt in stmts:
            if not _count([stmt], name):
                continue
            if not _is_setup_line(stmt, name):
                return
            assert isinstance(stmt, cst.SimpleStatementLine)
            small = stmt.body[0]
            if len(stmt.body) == 1 and isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Attribute) and target.attr.value in _SESSION_SETTINGS:
                    self._movable[id(small)] = stmt

    def _setting_problem(self, node: cst.Assign, name: str, attr: str) -> str | None:
        """Why ``name.attr = value`` cannot become an AsyncClient argument, or None (then it is one)."""
        line = self._movable.get(id(node))
        if line is None:
            return (
                "other than on a line of its own right after requests.Session(), before the Session is "
                "used (an AsyncClient takes it only when created)"
            )
        value = node.value
        known = self.settings.setdefault(name, [])
        if any(a.keyword is not None and a.keyword.value == attr for a in known):
            return "twice"
        if isinstance(value, cst.Name) and value.value == "None" and attr not in _SESSION_NONE_OK:
            return "to None (requests then uses its default, httpx would take None as the value)"
        if not _stable(value, self.local.assigned):
            return "to a value computed in the function (moved to the client, it would be evaluated earlier)"
        if attr == "proxies" and _client_value_problem(attr, value):
            return "to other than {'http': P, 'https': P} (httpx would need per-scheme transports)"
        known.append(_kwarg(attr, value))
        self.setup_lines.add(id(line))
        return None

    def _placement(self, name: str, inside: Sequence[cst.CSTNode], node: cst.CSTNode) -> None:
        if _count([self.body], name) != _count(inside, name):
            self.problems.append((node, f"the requests Session {name} is used outside the block that owns it"))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        for i, stmt in enumerate(node.body):
            name = _stream_assign(stmt)
            if name is not None and name in self.local.sessions:
                value = stmt.body[0].value  # type: ignore[attr-defined]
                if self.local.session_nodes.get(id(value)) == name:
                    self._placement(name, node.body[i:], stmt)
                    self._ok.add(id(stmt.body[0].targets[0].target))  # type: ignore[attr-defined]
                    self._setup(name, node.body[i + 1 :])

    def visit_With(self, node: cst.With) -> None:
        if len(node.items) == 1 and self.local.session_nodes.get(id(node.items[0].item)) is not None:
            name = self.local.session_nodes[id(node.items[0].item)]
            self._placement(name, [node], node)
            assert node.items[0].asname is not None
            self._ok.add(id(node.items[0].asname.name))
            if isinstance(node.body, cst.IndentedBlock):
                self._setup(name, node.body.body)

    def visit_Call(self, node: cst.Call) -> None:
        req = self.local.match(node)
        if isinstance(req, _Req) and req.session is not None:
            for ref in req.refs:
                if isinstance(ref, cst.Attribute):
                    self._ok.add(id(ref.value))
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "close"
            and isinstance(func.value, cst.Name)
            and func.value.value in self.local.sessions
            and not node.args
        ):
            self._ok.add(id(func.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            target = t.target
            if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
                continue
            if target.value.value not in self.local.sessions:
                continue
            value = node.value
            name, attr = target.value.value, target.attr.value
            self._ok.add(id(target.value))
            if attr == "auth" and isinstance(value, cst.Tuple) and len(value.elements) == 2:
                continue
            if attr in _SESSION_SETTINGS:
                problem = self._setting_problem(node, name, attr)
                if problem:
                    self.problems.append((node, f"sets {name}.{attr} {problem}"))
            elif attr == "params":
                why = "requests adds them to each URL's query string, keeping the URL's own and leaving out None"
                why += " values; httpx merges them over it and sends None as an empty value"
                self.problems.append((node, f"sets {name}.params ({why})"))
            else:
                self.problems.append((node, f"sets {name}.{attr} (no same-behaving AsyncClient setting)"))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value = node.value
        if isinstance(value, cst.Name) and value.value in self.local.sessions and node.attr.value in _SESSION_READ:
            self._ok.add(id(value))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.local.sessions and id(node) not in self._ok:
            self.problems.append(
                (node, f"uses the requests Session {node.value} other than for requests, headers, auth or close()")
            )

    def _nested(self, node: cst.CSTNode) -> bool:
        for name in self.local.sessions:
            if _count([node], name):
                self.problems.append((node, f"uses the requests Session {name} in a nested scope"))
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._nested(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._nested(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self._nested(node)


def _gather_calls(gather: cst.Call) -> list[tuple[cst.Call, int]]:
    """Calls passed to ``asyncio.gather(a(), b())`` / ``gather(*[f(x) for x in xs])`` / ``gather(*(...))``,
    each with 1 when it sits in a generator expression (a nested scope), else 0."""
    out: list[tuple[cst.Call, int]] = []
    for arg in gather.args:
        value = arg.value
        if not arg.star and isinstance(value, cst.Call):
            out.append((value, 0))
        elif arg.star == "*" and isinstance(value, (cst.ListComp, cst.GeneratorExp)) and isinstance(value.elt, cst.Call):
            out.append((value.elt, int(isinstance(value, cst.GeneratorExp))))
        elif arg.star == "*" and isinstance(value, (cst.List, cst.Tuple)):
            out.extend((el.value, 0) for el in value.elements if isinstance(el.value, cst.Call))
    return out


def _is_response_annotation(expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]) -> bool:
    return imports.qualify(expr, shadowed) in ("requests.Response", "requests.models.Response")


def _raise_for_status_target(line: cst.SimpleStatementLine, local: _Locals) -> cst.Attribute | None:
    """``r.raise_for_status`` when ``line`` is exactly ``r.raise_for_status()`` on a response name."""
    if len(line.body) != 1 or not isinstance(line.body[0], cst.Expr):
        return None
    call = line.body[0].value
    if not isinstance(call, cst.Call) or call.args or not isinstance(call.func, cst.Attribute):
        return None
    func = call.func
    if func.attr.value != "raise_for_status" or not isinstance(func.value, cst.Name):
        return None
    return func if local.is_response(func.value) else None


def _guarded(try_node: cst.Try, local: _Locals) -> _Guarded:
    g = _Guarded(local)
    try_node.body.visit(g)
    return g


def _handler_problem(
    handler: cst.ExceptHandler, names: list[str], guarded: _Guarded, imports: ImportTable
) -> str | None:
    """Why this handler's requests exceptions cannot become httpx ones, or None."""
    for name in names:
        if name not in EXCEPTIONS:
            return f"catches requests' {name}, which has no exact httpx equivalent"
    if guarded.unknown:
        callee = dotted_name(guarded.unknown[0].func) or "a call"
        return (
            f"its try body also calls {callee}(), which may raise requests exceptions that an httpx "
            "handler would not catch"
        )
    json_error = "JSONDecodeError" in names or ("RequestException" in names and guarded.json_calls)
    if json_error:
        if guarded.json_loads:
            return "its try body also decodes JSON with the json module (caught only after the rewrite)"
        if imports.names.get("json", "json") != "json":
            return "needs json.JSONDecodeError but the name json is taken"
    if handler.name is not None:
        as_name = handler.name.name
        if not isinstance(as_name, cst.Name):
            return "binds the exception to a non-name target"
        uses = _ExceptionUses(as_name.value)
        handler.body.visit(uses)
        if uses.bad is not None:
            return uses.bad
        if uses.response and set(names) != {"HTTPError"}:
            return f"reads {as_name.value}.response, which only httpx's HTTPStatusError has"
    return None


class _ExceptionUses(SameScope, cst.CSTVisitor):
    """How a handler uses its exception: ``e.response`` and logging are fine (the text differs only in
    logs); ``str(e)`` or anything else would see a different type or message."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.response = False
        self.bad: str | None = None
        self._ok: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.value.value == self.name and node.attr.value == "response":
            self.response = True
            self._ok.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in _LOGGERS:
            for a in node.args:
                if isinstance(a.value, cst.Name) and a.value.value == self.name:
                    self._ok.add(id(a.value))

    def visit_Raise(self, node: cst.Raise) -> None:
        if node.cause is not None and isinstance(node.cause.item, cst.Name):
            self._ok.add(id(node.cause.item))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self._ok and self.bad is None:
            self.bad = f"uses the caught exception {self.name} (httpx's has another type and message)"


def _httpx_types(names: list[str], module: str, json_error: bool) -> list[str]:
    out: list[str] = []
    for name in names:
        out.extend(f"{module}.{n}" for n in EXCEPTIONS[name])
    if json_error:
        out.append(_JSON_ERROR)
    return list(dict.fromkeys(out))


def _type_expr(dotted: str) -> cst.BaseExpression:
    return cst.parse_expression(dotted)



class _Analyzer(cst.CSTVisitor):
    """Finds requests calls in one async function and the reasons to refuse it."""

    def __init__(
        self, imports: ImportTable, shadowed: set[str], local: _Locals, shared: tuple[set[str], set[str]]
    ) -> None:
        self.imports = imports
        self.shadowed = shadowed
        self.local = local
        self.shared = shared
        self.constants: dict[str, cst.BaseExpression] = {}
        # client settings of the first call ({key: code}, their Args), all calls must agree
        self.client_settings: tuple[dict[str, str], list[cst.Arg]] | None = None
        self.needs_json = False
        self.streamed = False  # some call passes stream=
        self.calls = 0
        self.problems: list[tuple[cst.CSTNode, str]] = []
        self.names: set[str] = set()
        self._nested = 0  # depth inside sync scopes where await is impossible
        self._call_funcs: set[int] = set()
        self._awaited: set[int] = set()
        # wrapped calls that are arguments of an awaited asyncio.gather -> their expected nesting
        self._gather_args: dict[int, int] = {}
        self._statement_rfs: set[int] = set()
        self._lookups: set[int] = set()  # r.headers / r.cookies used as r.headers[k], .get(k), k in

    def _enter(self, node: cst.CSTNode) -> None:
        self._nested += 1

    def _leave(self, node: cst.CSTNode) -> None:
        self._nested -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.asynchronous is not None:
            return False  # handled on its own
        self._nested += 1
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            self._nested -= 1

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _SCOPES):
            self._nested += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, _SCOPES):
            self._nested -= 1

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def _builtin_caught(self, handler: cst.ExceptHandler) -> list[str]:
        """Builtin exception names a handler catches (not names imported from requests)."""
        out = []
        for expr in _handler_types(handler):
            if isinstance(expr, cst.Name) and self.imports.qualify(expr, self.shadowed) is None:
                out.append(expr.value)
        return out

    def _check_os_errors(self, node: cst.Try, guarded: _Guarded) -> None:
        # requests' exceptions are OSErrors (some ValueErrors); httpx's are not: a handler for those
        # stops catching network errors, unless a handler before it (or itself) catches them all.
        covered = False
        for handler in node.handlers:
            builtins = self._builtin_caught(handler)
            requests_names = [n for n in map(self._exception, _handler_types(handler)) if n]
            if handler.type is None or {"Exception", "BaseException"} & set(builtins) or "RequestException" in requests_names:
                covered = True
            if covered:
                continue
            for name in builtins:
                if name in _OS_ERRORS:
                    self.problems.append(
                        (handler, f"catches {name}, which covers requests' exceptions but not httpx's")
                    )

    def _exception(self, expr: cst.BaseExpression) -> str | None:
        return _exception_name(expr, self.imports, self.shadowed)

    def visit_Try(self, node: cst.Try) -> None:
        guarded: _Guarded | None = None
        if any(set(self._builtin_caught(h)) & _OS_ERRORS for h in node.handlers):
            guarded = _guarded(node, self.local)
            if guarded.network_calls:
                self._check_os_errors(node, guarded)
        for handler in node.handlers:
            types = _handler_types(handler)
            found = [(t, _exception_name(t, self.imports, self.shadowed)) for t in types]
            names = [n for _, n in found if n is not None]
            if not names:
                continue
            self._call_funcs.update(id(t) for t, n in found if n is not None)
            if guarded is None:
                guarded = _guarded(node, self.local)
            if guarded.requests_calls == 0:
                continue  # guards no call of this function's that is rewritten: left as it is
            problem = _handler_problem(handler, names, guarded, self.imports)
            if problem:
                self.problems.append((handler, f"except clause {problem}"))
            elif "JSONDecodeError" in names or ("RequestException" in names and guarded.json_calls):
                self.needs_json = True

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        # ``r: requests.Response = ...``: a local annotation is never evaluated; it becomes httpx's
        if _is_response_annotation(node.annotation.annotation, self.imports, self.shadowed):
            self._call_funcs.add(id(node.annotation.annotation))

    def visit_Await(self, node: cst.Await) -> None:
        if isinstance(node.expression, cst.Call):
            self._awaited.add(id(node.expression))
            if self.imports.qualify(node.expression.func, self.shadowed) == "asyncio.gather":
                for call, in_generator in _gather_calls(node.expression):
                    self._gather_args[id(call)] = self._nested + in_generator

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
            self._mark_lookup(node.func.value)
        if id(node) in self.local.session_nodes:
            self._call_funcs.add(id(node.func))
            self.calls += 1
            return
        shared = _shared_session(node.func, self.shared, self.shadowed)
        if shared is not None:
            why = "one AsyncClient per function would change its state; a shared one needs lifecycle code"
            self.problems.append(
                (node, f"calls {shared}, a requests Session shared at module/class level: not rewritten ({why})")
            )
            return
        req = self.local.match(node)
        if req is None:
            return
        self.calls += 1
        if isinstance(req, str):
            self.problems.append((node, f"cannot map {req}"))
            return
        self._call_funcs.update(id(r) for r in req.refs)
        self.streamed = self.streamed or any(a.keyword is not None and a.keyword.value == "stream" for a in req.args)
        gathered = req.form != "call" and self._gather_args.get(id(node)) == self._nested
        if self._nested and not gathered:
            self.problems.append((node, "requests call in a nested sync scope (cannot be awaited there)"))
            return
        if req.form != "call" and id(node) not in self._awaited and not gathered:
            self.problems.append((node, f"{req.form}(requests.{req.method}) is not awaited where it is made"))
            return
        problem = _call_problem(req, _Known(self.constants, self.local))
        if problem:
            where = "" if req.form == "call" else f" (through {req.form})"
            self.problems.append((node, f"requests.{req.method}(){where} {problem}"))
            return
        if req.session is None:
            settings = {
                a.keyword.value: cst.Module(body=[]).code_for_node(a.value)
                for a in req.args
                if a.keyword is not None and a.keyword.value in CLIENT_KWARGS
            }
            for a in req.args:
                if a.keyword is not None and a.keyword.value in CLIENT_KWARGS and not self._stable(a.value):
                    why = "moved to the client, it would be evaluated earlier"
                    self.problems.append((node, f"passes {a.keyword.value}= computed in the function ({why})"))
            if self.client_settings is None:
                self.client_settings = (settings, [a for a in req.args if a.keyword and a.keyword.value in settings])
            elif self.client_settings[0] != settings:
                why = "httpx sets them once per client"
                self.problems.append((node, f"calls in this function disagree on {'/'.join(CLIENT_KWARGS)} ({why})"))

    def _stable(self, expr: cst.BaseExpression) -> bool:
        return _stable(expr, self.local.assigned)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        target = _raise_for_status_target(node, self.local)
        if target is not None:
            self._statement_rfs.add(id(target))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        attr = node.attr.value
        maybe = self.local.response_valued(node.value)
        if maybe and attr in BAD_ATTRS and not (
            attr in REWRITTEN_ATTRS
            and self.local.is_response(node.value)
            and (attr != "raise_for_status" or id(node) in self._statement_rfs)
        ) and not (
            attr == "iter_content" and isinstance(node.value, cst.Name) and node.value.value in self.local.streams
        ):  # iter_content on a streamed response: checked by _StreamCheck
            if attr == "raise_for_status":
                why = "rewritten only as a statement `name.raise_for_status()` on a response name"
            elif attr in REWRITTEN_ATTRS:
                why = "rewritten only on a response of a rewritten call"
            else:
                why = "differs between requests and httpx"
            self.problems.append((node, f"uses .{attr}, which {why}"))
        elif maybe and attr not in BAD_ATTRS and self.local.is_response(node.value):
            if attr not in _RESPONSE_SAME:
                self.problems.append((node, f"uses .{attr} of a response (no same-behaving httpx equivalent)"))
            elif attr in _MAPPINGS and id(node) not in self._lookups:
                why = "httpx lowercases header names when iterating; its cookie jar has other methods"
                self.problems.append((node, f"uses a response's .{attr} other than to look one up ({why})"))
        return self._check_requests_use(node)

    def _mark_lookup(self, expr: cst.BaseExpression) -> None:
        if isinstance(expr, cst.Attribute) and expr.attr.value in _MAPPINGS:
            self._lookups.add(id(expr))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._mark_lookup(node.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                self._mark_lookup(target.comparator)

    def _check_requests_use(self, node: cst.BaseExpression) -> bool:
        if id(node) in self._call_funcs:
            return False
        q = self.imports.qualify(node, self.shadowed)
        if q is not None and (q == "requests" or q.startswith("requests.")):
            if q.rpartition(".")[2] in METHODS:
                self.problems.append((node, f"uses {q} other than as a direct call (as a function value)"))
            else:
                self.problems.append((node, f"uses {q} other than as a direct call"))
            return False
        return True


class _NameUseChecker(cst.CSTVisitor):
    """Flags a bare Name (not under an Attribute we already checked) resolving to requests."""

    def __init__(self, analyzer: _Analyzer) -> None:
        self.a = analyzer

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        # dotted names are checked as a whole by the analyzer
        return dotted_name(node) is None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node.asynchronous is None  # a nested async def is handled on its own

    def visit_Call(self, node: cst.Call) -> bool:
        if id(node.func) in self.a._call_funcs:
            for arg in node.args:
                arg.visit(self)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        self.a._check_requests_use(node)


class _Rewriter(SameScope, cst.CSTTransformer):
    def __init__(
        self,
        imports: ImportTable,
        shadowed: set[str],
        client: str,
        local: _Locals,
        module_name: str,
        ssl_name: str | None = None,
    ) -> None:
        self.imports = imports
        self.shadowed = shadowed
        self.client = client
        self.local = local
        self.module_name = module_name
        self.ssl_name = ssl_name
        self._made: set[int] = set()

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(body=self._blocks(self._drop_setup(original_node, updated_node)))

    def _drop_setup(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> list[cst.BaseStatement]:
        """The block without the Session settings lines that became AsyncClient arguments; their
        comments go to the next statement."""
        if not self.local.setup_lines or not any(id(st) in self.local.setup_lines for st in original.body):
            return list(updated.body)
        out: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for orig, new in zip(original.body, updated.body, strict=True):
            if id(orig) not in self.local.setup_lines:
                out.append(new.with_changes(leading_lines=[*carried, *new.leading_lines]) if carried else new)
                carried = []
                continue
            assert isinstance(new, cst.SimpleStatementLine)
            carried.extend(line for line in new.leading_lines if line.comment is not None)
            if new.trailing_whitespace.comment is not None:
                carried.append(cst.EmptyLine(comment=new.trailing_whitespace.comment))
        if carried or not out:
            out.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried))
        return out

    def _raw_body(self, expr: cst.BaseExpression) -> bool:
        """Visibly str/bytes: see ``_is_raw_body``; also a local name only ever assigned such values."""
        if isinstance(expr, cst.Name) and expr.value not in self.local.params:
            values = self.local.values.get(expr.value)
            return bool(values) and all(
                v is not None and _is_raw_body(v, self.imports, self.shadowed) for v in values
            )
        return _is_raw_body(expr, self.imports, self.shadowed)

    def _async_client(self, session: str) -> cst.Call:
        return _new_client(self.module_name, self.local.session_settings.get(session, []), self.ssl_name)

    def _blocks(self, stmts: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """``r = await c.stream(...)`` / ``s = requests.Session()`` lines become ``async with`` blocks
        around the rest of their block."""
        for i, stmt in enumerate(stmts):
            name = _stream_assign(stmt)
            if name is None:
                continue
            assign = stmt.body[0]  # type: ignore[attr-defined]
            item: cst.BaseExpression | None = None
            if name in self.local.sessions and isinstance(assign.value, cst.Call) and _is_session_call(
                assign.value, self.imports, self.shadowed
            ):
                item = self._async_client(name)
            elif name in self.local.streams:
                call = assign.value.expression if isinstance(assign.value, cst.Await) else None
                if (
                    isinstance(call, cst.Call)
                    and isinstance(call.func, cst.Attribute)
                    and call.func.attr.value == "stream"
                    and isinstance(call.func.value, cst.Name)
                    and call.func.value.value in (self.client, *self.local.sessions)
                ):
                    item = call
            if item is None:
                continue
            rest = self._blocks(stmts[i + 1 :]) or [cst.SimpleStatementLine(body=[cst.Pass()])]
            block = cst.With(
                asynchronous=cst.Asynchronous(),
                items=[cst.WithItem(item=item, asname=cst.AsName(name=cst.Name(name)))],
                body=cst.IndentedBlock(body=rest),
                leading_lines=stmt.leading_lines,
            )
            return [*stmts[:i], block]
        return stmts

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        if len(original_node.items) != 1:
            return updated_node
        item = original_node.items[0]
        if (
            isinstance(item.item, cst.Call)
            and _is_session_call(item.item, self.imports, self.shadowed)
            and item.asname is not None
            and isinstance(item.asname.name, cst.Name)
            and item.asname.name.value in self.local.sessions
        ):
            new_item = updated_node.items[0].with_changes(item=self._async_client(item.asname.name.value))
            return updated_node.with_changes(asynchronous=cst.Asynchronous(), items=[new_item])
        return updated_node

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        it = updated_node.iter
        if (
            isinstance(it, cst.Call)
            and isinstance(it.func, cst.Attribute)
            and it.func.attr.value == "iter_content"
            and isinstance(it.func.value, cst.Name)
            and it.func.value.value in self.local.streams
        ):
            # requests' default chunk size is 1 byte
            args = [it.args[0].with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)] if it.args else [
                cst.Arg(cst.Integer("1"))
            ]
            return updated_node.with_changes(
                asynchronous=cst.Asynchronous(),
                iter=it.with_changes(func=it.func.with_changes(attr=cst.Name("aiter_bytes")), args=args),
            )
        return updated_node

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> cst.AnnAssign:
        if _is_response_annotation(original_node.annotation.annotation, self.imports, self.shadowed):
            new = cst.Attribute(value=cst.Name(self.module_name), attr=cst.Name("Response"))
            return updated_node.with_changes(annotation=updated_node.annotation.with_changes(annotation=new))
        return updated_node

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        guarded = _guarded(original_node, self.local)
        if guarded.requests_calls == 0:
            return updated_node
        handlers = []
        for handler in updated_node.handlers:
            types = _handler_types(handler)
            names = [_exception_name(t, self.imports, self.shadowed) for t in types]
            if not any(names):
                handlers.append(handler)
                continue
            json_error = "JSONDecodeError" in names or ("RequestException" in names and guarded.json_calls)
            new: list[str] = []
            for t, n in zip(types, names):
                if n is None:
                    new.append(cst.Module(body=[]).code_for_node(t))
                else:
                    new.extend(_httpx_types([n], self.module_name, False))
            if json_error:
                new.append(_JSON_ERROR)
            new = list(dict.fromkeys(new))
            assert handler.type is not None
            if len(new) == 1 and not isinstance(handler.type, cst.Tuple):
                new_type = _type_expr(new[0])
            else:
                new_type = cst.Tuple(
                    elements=[
                        cst.Element(
                            _type_expr(d),
                            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                            if i < len(new) - 1
                            else cst.MaybeSentinel.DEFAULT,
                        )
                        for i, d in enumerate(new)
                    ]
                )
            handlers.append(handler.with_changes(type=new_type))
        return updated_node.with_changes(handlers=handlers)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        node = updated_node
        if isinstance(node.func, cst.Await) and not node.func.lpar:
            node = node.with_changes(
                func=node.func.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            )
        func = original_node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "close"
            and isinstance(func.value, cst.Name)
            and func.value.value in self.local.sessions
            and not original_node.args
        ):
            aclose = node.with_changes(func=node.func.with_changes(attr=cst.Name("aclose")))  # type: ignore[attr-defined]
            return cst.Await(expression=aclose.with_changes(lpar=[], rpar=[]), lpar=node.lpar, rpar=node.rpar)
        if self.imports.qualify(original_node.func, self.shadowed) == "asyncio.gather":
            return self._gather(node)
        req = self.local.match(original_node)
        if not isinstance(req, _Req) or req.form != "call":
            return node
        call = self._client_call(req.method, list(node.args), node.whitespace_before_args, req.session)
        return cst.Await(expression=call, lpar=node.lpar, rpar=node.rpar)

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        inner = updated_node.expression
        if not isinstance(inner, cst.Call):
            return updated_node
        req = self.local.match(inner)
        if not isinstance(req, _Req) or req.form == "call":
            return updated_node
        return updated_node.with_changes(expression=self._wrapped_call(req))

    def _wrapped_call(self, req: _Req) -> cst.Call:
        """``client.get(...)`` (not awaited) for a thread-wrapped call."""
        args = [
            a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            if i < len(req.args) - 1
            and (
                not isinstance(a.comma, cst.Comma)
                or (isinstance(a.comma.whitespace_after, cst.SimpleWhitespace) and not a.comma.whitespace_after.value)
            )
            else a
            for i, a in enumerate(req.args)
        ]
        if args and isinstance(args[-1].comma, cst.Comma) and isinstance(
            args[-1].comma.whitespace_after, cst.SimpleWhitespace
        ):
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)  # a partial's trailing comma
        return self._client_call(req.method, args, cst.SimpleWhitespace(""), req.session)

    def _unwrap(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Call):
            req = self.local.match(expr)
            if isinstance(req, _Req) and req.form != "call":
                return self._wrapped_call(req).with_changes(lpar=expr.lpar, rpar=expr.rpar)
        return expr

    def _gather(self, call: cst.Call) -> cst.Call:
        """``asyncio.gather(sync_to_async(requests.get)(u), ...)``: each wrapped call becomes the
        coroutine ``client.get(u, ...)`` (gather awaits them together, as it did the wrappers)."""
        args = []
        for arg in call.args:
            value = arg.value
            if not arg.star:
                value = self._unwrap(value)
            elif arg.star == "*" and isinstance(value, (cst.ListComp, cst.GeneratorExp)):
                value = value.with_changes(elt=self._unwrap(value.elt))
            elif arg.star == "*" and isinstance(value, (cst.List, cst.Tuple)):
                value = value.with_changes(elements=[el.with_changes(value=self._unwrap(el.value)) for el in value.elements])
            args.append(arg.with_changes(value=value))
        return call.with_changes(args=args)

    def _client_call(
        self,
        method: str,
        given: list[cst.Arg],
        whitespace_before_args: cst.BaseParenthesizableWhitespace,
        session: str | None = None,
    ) -> cst.Call:
        n_pos = 2 if method == "request" else 1
        extra = _positional(method, session is not None)
        args: list[cst.Arg] = []
        pos = 0
        keys = set()
        for arg in given:
            if arg.keyword is None:
                if pos >= n_pos:
                    key = extra[pos - n_pos]
                    if key == "data" and self._raw_body(arg.value):
                        key = "content"
                    arg = arg.with_changes(keyword=cst.Name(key), equal=_TIGHT_EQUAL)
                pos += 1
            if arg.keyword is not None:
                key = arg.keyword.value
                if key == "allow_redirects":
                    arg = arg.with_changes(keyword=cst.Name("follow_redirects"))
                elif key == "data" and self._raw_body(arg.value):
                    arg = arg.with_changes(keyword=cst.Name("content"))
                elif key == "timeout" and _timeout_tuple(arg.value):
                    connect, read = (el.value for el in arg.value.elements)  # type: ignore[attr-defined]
                    arg = arg.with_changes(value=cst.parse_expression(
                        f"{self.module_name}.Timeout({_code(read)}, connect={_code(connect)})"
                    ))
                keys.add(arg.keyword.value)
            args.append(arg)

        def kw(name: str, value: str) -> cst.Arg:
            return _kwarg(name, cst.Name(value))

        moved = [a for a in args if a.keyword is not None and a.keyword.value in CLIENT_KWARGS]
        if moved:  # set on the client (see _client_settings)
            last_comma = args[-1].comma
            args = [a for a in args if a not in moved]
            if args:
                args[-1] = args[-1].with_changes(comma=last_comma)
        stream = [a for a in args if a.keyword is not None and a.keyword.value == "stream"]
        if stream:
            last_comma = args[-1].comma
            args = [a for a in args if a not in stream]
            if args:
                args[-1] = args[-1].with_changes(comma=last_comma)
            if stream[0].value.value == "True":  # type: ignore[attr-defined]
                if method != "request":
                    args.insert(0, cst.Arg(cst.SimpleString(f'"{method.upper()}"')))
                method = "stream"
        new: list[cst.Arg] = []
        if method != "head" and "follow_redirects" not in keys:
            new.append(kw("follow_redirects", "True"))
        if "timeout" not in keys:
            new.append(kw("timeout", "None"))
        if new:
            after_last: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace("")
            if args:
                last = args[-1]
                # the space before ``)`` (a newline in a multi-line call) moves after the added ones
                after_last = last.whitespace_after_arg
                last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
                if last.comma is cst.MaybeSentinel.DEFAULT or last.comma is None:
                    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                    trailing: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
                else:
                    trailing = last.comma
                    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            else:
                trailing = cst.MaybeSentinel.DEFAULT
            # one argument per line (a trailing comma before a newline): the added ones too
            separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if isinstance(trailing, cst.Comma) and isinstance(trailing.whitespace_after, cst.ParenthesizedWhitespace):
                if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) and isinstance(
                    args[-2].comma.whitespace_after, cst.ParenthesizedWhitespace
                ):
                    separator = args[-2].comma
                elif isinstance(whitespace_before_args, cst.ParenthesizedWhitespace):
                    separator = cst.Comma(whitespace_after=whitespace_before_args)
                args[-1] = args[-1].with_changes(comma=separator)
            for i, a in enumerate(new):
                if i < len(new) - 1:
                    a = a.with_changes(comma=separator)
                else:
                    a = a.with_changes(comma=trailing, whitespace_after_arg=after_last)
                args.append(a)
        return cst.Call(
            func=cst.Attribute(value=cst.Name(session or self.client), attr=cst.Name(method)),
            args=args,
            whitespace_before_args=whitespace_before_args,
        )

    def _paren(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Await) and not expr.lpar:
            return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return expr

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        node = updated_node.with_changes(value=self._paren(updated_node.value))
        attr = original_node.attr.value
        if attr not in ("ok", *RENAMED_ATTRS) or not self.local.is_response(original_node.value):
            return node
        if attr in RENAMED_ATTRS:
            return node.with_changes(attr=cst.Name(RENAMED_ATTRS[attr]))
        # requests' ok: status below 400 (and not 4xx/5xx); httpx's is_error is exactly 4xx/5xx.
        negated = cst.UnaryOperation(
            operator=cst.Not(),
            expression=node.with_changes(attr=cst.Name("is_error"), lpar=[], rpar=[]),
            lpar=[cst.LeftParen(), *node.lpar],
            rpar=[*node.rpar, cst.RightParen()],
        )
        self._made.add(id(negated))
        return negated

    def _unparen(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if id(expr) in self._made and len(expr.lpar) == 1:
            return expr.with_changes(lpar=[], rpar=[])
        return expr

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.If:
        return updated_node.with_changes(test=self._unparen(updated_node.test))

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> cst.While:
        return updated_node.with_changes(test=self._unparen(updated_node.test))

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        if updated_node.value is None:
            return updated_node
        return updated_node.with_changes(value=self._unparen(updated_node.value))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return updated_node.with_changes(value=self._unparen(updated_node.value))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        target = _raise_for_status_target(original_node, self.local)
        if target is None:
            return updated_node
        assert isinstance(target.value, cst.Name)
        # requests raises only for 4xx/5xx; httpx also for 1xx/3xx (an unfollowed redirect, a 304).
        return cst.If(
            test=cst.Attribute(value=cst.Name(target.value.value), attr=cst.Name("is_error")),
            body=cst.IndentedBlock(body=[updated_node.with_changes(leading_lines=[])]),
            leading_lines=updated_node.leading_lines,
        )

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.Subscript:
        return updated_node.with_changes(value=self._paren(updated_node.value))


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


class _Transformer(cst.CSTTransformer):
    def __init__(
        self,
        imports: ImportTable,
        ctx: Context,
        module_name: str,
        shared: tuple[set[str], set[str]],
        ssl: _SharedSSL | None = None,
    ) -> None:
        self.shared = shared
        self.ssl = ssl
        self.imports = imports
        self.requests_names = {n for n, q in imports.names.items() if q == "requests" or q.startswith("requests.")}
        self.ctx = ctx
        self.module_name = module_name
        self.changed = False
        self.needs_json = False
        self.constants: dict[str, cst.BaseExpression] = {}
        self.used_before: set[str] = set()  # names the rewritten functions used
        self.prepass = _Prepass(self.requests_names, shared)  # run by the caller before the walk

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False  # no function definition in there: keep the walk cheap

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if original_node.asynchronous is None or has_skip_comment(original_node):
            return updated_node
        if not isinstance(original_node.body, cst.IndentedBlock):
            return updated_node
        if id(original_node) not in self.prepass.relevant:
            return updated_node  # nothing here refers to requests: the common case, kept cheap
        shadowed = local_bindings(original_node)
        local = _Locals(original_node.body, self.imports, shadowed)
        ps = original_node.params
        local.params = {p.name.value for p in [*ps.posonly_params, *ps.params, *ps.kwonly_params]} | {
            p.name.value for p in (ps.star_arg, ps.star_kwarg) if isinstance(p, cst.Param)
        }
        analyzer = _Analyzer(self.imports, shadowed, local, self.shared)
        analyzer.constants = self.constants
        original_node.body.visit(analyzer)
        original_node.body.visit(_NameUseChecker(analyzer))
        escape_check = _EscapeCheck(local)
        original_node.body.visit(escape_check)
        analyzer.problems.extend(escape_check.problems)
        if analyzer.streamed:
            stream_check = _StreamCheck(local, original_node.body)
            original_node.body.visit(stream_check)
            analyzer.problems.extend(stream_check.problems)
        if local.sessions:
            session_check = _SessionCheck(local, original_node.body)
            original_node.body.visit(session_check)
            analyzer.problems.extend(session_check.problems)
            local.session_settings, local.setup_lines = session_check.settings, session_check.setup_lines
        if analyzer.calls == 0:
            # Nothing rewritable: only report blocking requests calls we could not make async.
            analyzer.problems = [
                (n, m)
                for n, m in analyzer.problems
                if "nested sync scope" in m
                or "as a function value" in m
                or "shared at module/class" in m
                or "requests.Session" in m
            ]
        if analyzer.problems:
            for node, msg in analyzer.problems:
                self.ctx.report(node, msg)
            return updated_node
        if analyzer.calls == 0:
            return updated_node
        # names read or bound anywhere in the function (nested scopes too; not ``x.client``)
        all_names = _ModuleNames()
        original_node.visit(all_names)
        used = shadowed | all_names.names
        client, i = "client", 1
        while client in used:
            client, i = f"client_{i}", i + 1
        body = updated_node.body
        assert isinstance(body, cst.IndentedBlock)
        settings = analyzer.client_settings[1] if analyzer.client_settings else []
        ssl_name = None
        if self.ssl is not None and self.ssl.name not in shadowed:
            ssl_name = self.ssl.name
        rewriter = _Rewriter(self.imports, shadowed, client, local, self.module_name, ssl_name)
        new_body = body.visit(rewriter)
        self.needs_json = self.needs_json or analyzer.needs_json
        assert isinstance(new_body, cst.IndentedBlock)
        item = cst.WithItem(
            item=_new_client(self.module_name, settings, ssl_name), asname=cst.AsName(name=cst.Name(client))
        )
        self.changed = True
        self.used_before |= all_names.names
        # keep the module's name counts current without another walk of the whole module
        received, result = _ModuleNames(counts=True), _ModuleNames(counts=True)
        updated_node.visit(received)
        new_node = updated_node.with_changes(body=_wrap_block(new_body, client, item))
        new_node.visit(result)
        if self.ssl is not None and ssl_name is not None and result.counts and result.counts[ssl_name]:
            self.ssl.used = True
        self.prepass.counts.subtract(received.counts)
        self.prepass.counts.update(result.counts)
        self.ctx.fixed(original_node, f"requests calls now use {self.module_name}.AsyncClient")
        return new_node


def _shared_session(
    func: cst.BaseExpression, shared: tuple[set[str], set[str]], shadowed: set[str]
) -> str | None:
    """``SESSION.get``/``self.session.get`` on a Session created at module or class level."""
    if not isinstance(func, cst.Attribute) or func.attr.value not in METHODS:
        return None
    names, attrs = shared
    value = func.value
    if isinstance(value, cst.Name) and value.value in names and value.value not in shadowed:
        return value.value
    if isinstance(value, cst.Attribute) and value.attr.value in attrs:
        return dotted_name(value) or value.attr.value
    return None


class _ModuleNames(cst.CSTVisitor):
    """Every Name used outside import statements (with ``counts=True``, how often)."""

    def __init__(self, counts: bool = False) -> None:
        self.names: set[str] = set()
        self.counts: Counter[str] | None = Counter() if counts else None

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # ``client.get``: the attribute name is not a use of ``get``
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)
        if self.counts is not None:
            self.counts[node.value] += 1


class _Prepass(_ModuleNames):
    """One walk of the module: how often each name is used (to know, after the rewrite, which
    imports are still used) and which async functions mention requests or a shared Session (the
    only ones worth analysing)."""

    def __init__(self, requests_names: set[str], shared: tuple[set[str], set[str]]) -> None:
        super().__init__(counts=True)
        self.watch = requests_names | shared[0]
        self.attrs = shared[1]
        self.relevant: set[int] = set()
        self._stack: list[cst.FunctionDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.pop()

    def _mark(self) -> None:
        self.relevant.update(id(f) for f in self._stack)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if node.attr.value in self.attrs:
            self._mark()
        return super().visit_Attribute(node)

    def visit_Name(self, node: cst.Name) -> None:
        super().visit_Name(node)
        if node.value in self.watch:
            self._mark()


class _SharedSessions(cst.CSTVisitor):
    """Sessions that outlive one call: ``NAME = requests.Session()`` at module level, and
    ``NAME = requests.Session()`` in a class body or ``self.NAME = requests.Session()`` (any method).
    Walks statements only (expressions hold no assignment statement)."""

    def __init__(self, imports: ImportTable) -> None:
        self.imports = imports
        self.sessions: set[str] = set()
        self.attrs: set[str] = set()
        self._depth = 0  # inside functions
        self._classes = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes += 1

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes -= 1

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            return False
        return super().on_visit(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if not (isinstance(node.value, cst.Call) and _is_session_call(node.value, self.imports, set())):
            return
        for t in node.targets:
            target = t.target
            if isinstance(target, cst.Name) and self._depth == 0:
                (self.attrs if self._classes else self.sessions).add(target.value)
            elif isinstance(target, cst.Attribute):
                self.attrs.add(target.attr.value)


@dataclasses.dataclass
class _SharedSSL:
    """The module-level SSL context the new clients share (option ``ssl-context``, default
    ``shared``): ``name`` is an existing ``NAME = httpx.create_ssl_context()`` at module level or a
    fresh name to bind after the imports (``existing`` False); ``used`` once a client takes it."""

    name: str
    existing: bool
    used: bool = False

    @classmethod
    def for_module(cls, module: cst.Module, module_name: str, taken: Collection[str]) -> _SharedSSL:
        for stmt in module.body:
            if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
                continue
            small = stmt.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Call)
                and not small.value.args
                and dotted_name(small.value.func) == f"{module_name}.create_ssl_context"
            ):
                return cls(small.targets[0].target.value, existing=True)
        base = f"_{module_name.upper()}_SSL_CONTEXT"
        name, i = base, 1
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        return cls(name, existing=False)

    def statement(self, module_name: str) -> cst.SimpleStatementLine:
        return cst.SimpleStatementLine(
            body=[
                cst.Assign(
                    targets=[cst.AssignTarget(target=cst.Name(self.name))],
                    value=cst.Call(func=cst.Attribute(value=cst.Name(module_name), attr=cst.Name("create_ssl_context"))),
                )
            ],
            leading_lines=[
                cst.EmptyLine(),
                cst.EmptyLine(
                    comment=cst.Comment(
                        "# TLS setup shared by the AsyncClients of this module: made once, as loading the CA"
                    )
                ),
                cst.EmptyLine(comment=cst.Comment("# certificates for every new client is slow.")),
            ],
        )


def _new_client(module_name: str, settings: list[cst.Arg], ssl_name: str | None) -> cst.Call:
    """``httpx.AsyncClient(...)`` with the per-request settings all calls share (or a Session's);
    without ``verify``/``cert`` among them, ``verify=<shared SSL context>`` when there is one (httpx
    builds the same default context per client otherwise). Not with a ``trust_env`` other than
    ``True``: the shared context reads ``SSL_CERT_FILE``/``SSL_CERT_DIR``, a client made with
    ``trust_env=False`` does not."""
    args = _client_args(settings)
    keys = {a.keyword.value for a in args if a.keyword is not None}
    trusting = all(
        isinstance(a.value, cst.Name) and a.value.value == "True"
        for a in args
        if a.keyword is not None and a.keyword.value == "trust_env"
    )
    if ssl_name is not None and not keys & {"verify", "cert"} and trusting:
        arg = _kwarg("verify", cst.Name(ssl_name))
        if args:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(arg)
    return cst.Call(func=cst.Attribute(value=cst.Name(module_name), attr=cst.Name("AsyncClient")), args=args)


def _client_args(given: list[cst.Arg]) -> list[cst.Arg]:
    """AsyncClient(...) arguments for the per-request settings all calls share."""
    out: list[cst.Arg] = []
    for a in given:
        assert a.keyword is not None
        key, value = a.keyword.value, a.value
        if key == "proxies":
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            proxy = _proxy_value(value)
            assert proxy is not None
            key, value = "proxy", proxy
        out.append(_kwarg(key, value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    if out:
        out[-1] = out[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return out


def _wrap_block(block: cst.IndentedBlock, client: str, item: cst.WithItem) -> cst.IndentedBlock:
    """``block`` with its statements that use ``client`` (the smallest span covering them) inside
    ``async with <item>:``; when that span is one ``if``/``with`` whose only uses are in one of its
    blocks, the client is opened inside that block instead."""
    stmts = list(block.body)
    idx = [i for i, st in enumerate(stmts) if _count([st], client)]
    if not idx:
        return block  # every call was made on a local Session
    first, last = idx[0], idx[-1]
    if first == last:
        st = stmts[first]
        if isinstance(st, cst.If) and not _count([st.test], client) and isinstance(st.body, cst.IndentedBlock):
            in_body = _count([st.body], client) > 0
            orelse = st.orelse
            if not in_body and isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
                new_else = orelse.with_changes(body=_wrap_block(orelse.body, client, item))
                stmts[first] = st.with_changes(orelse=new_else)
                return block.with_changes(body=stmts)
            if in_body and (orelse is None or not _count([orelse], client)):
                stmts[first] = st.with_changes(body=_wrap_block(st.body, client, item))
                return block.with_changes(body=stmts)
        if (
            isinstance(st, cst.Try)
            and isinstance(st.body, cst.IndentedBlock)
            and _count([st.body], client) == _count([st], client)
        ):  # inside the try: errors opening the client (bad cert/proxy settings) stay guarded
            stmts[first] = st.with_changes(body=_wrap_block(st.body, client, item))
            return block.with_changes(body=stmts)
        if (
            isinstance(st, cst.With)
            and not any(_count([i], client) for i in st.items)
            and isinstance(st.body, cst.IndentedBlock)
        ):
            stmts[first] = st.with_changes(body=_wrap_block(st.body, client, item))
            return block.with_changes(body=stmts)
    span = stmts[first : last + 1]
    lead = span[0].leading_lines
    span[0] = span[0].with_changes(leading_lines=[])
    with_stmt = cst.With(
        asynchronous=cst.Asynchronous(), items=[item], body=cst.IndentedBlock(body=span), leading_lines=lead
    )
    return block.with_changes(body=[*stmts[:first], with_stmt, *stmts[last + 1 :]])


def _keep_names(stmt: cst.ImportFrom, kept: list[cst.ImportAlias]) -> cst.ImportFrom:
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return stmt.with_changes(
        names=kept, lpar=stmt.lpar if len(kept) > 1 else None, rpar=stmt.rpar if len(kept) > 1 else None
    )


# Modules whose imports the rewrite may leave unused (the thread wrappers); dropped only then.
_WRAPPER_MODULES = ("asyncio", "functools", "asgiref.sync")


def _used_names(module: cst.Module) -> set[str]:
    collector = _ModuleNames()
    module.visit(collector)
    return collector.names


def _fix_imports(
    module: cst.Module,
    module_name: str,
    used_before: set[str],
    needs_json: bool = False,
    used: set[str] | None = None,
    ssl: _SharedSSL | None = None,
) -> cst.Module:
    if used is None:
        used = _used_names(module)
    made_unused = used_before - used
    body: list[cst.BaseStatement] = []
    has_httpx = False
    has_json = not needs_json
    last_import = -1
    # where the requests import was (the new import goes there), and blank lines/comments of
    # dropped import lines (kept for the next line, so import groups stay apart)
    requests_at: int | None = None
    requests_lines: Sequence[cst.EmptyLine] = ()
    pending: Sequence[cst.EmptyLine] = ()
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            new_small: list[cst.BaseSmallStatement] = []
            for s in stmt.body:
                if isinstance(s, cst.Import):
                    names = []
                    for a in s.names:
                        full = dotted_name(a.name)
                        if full == module_name and a.asname is None:
                            has_httpx = True
                        if full == "json" and a.asname is None:
                            has_json = True
                        if full == "requests" or (full or "").startswith("requests."):
                            local = a.asname.name.value if a.asname else "requests"  # type: ignore[union-attr]
                            if local not in used:
                                continue
                        if full in _WRAPPER_MODULES:
                            local = a.asname.name.value if a.asname else full  # type: ignore[union-attr]
                            if local in made_unused:
                                continue
                        names.append(a)
                    if names:
                        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                        new_small.append(s.with_changes(names=names))
                elif (
                    s.module is not None
                    and (dotted_name(s.module) or "").split(".")[0] == "requests"
                    and not s.relative
                    and not isinstance(s.names, cst.ImportStar)
                ):
                    kept = [
                        a
                        for a in s.names
                        if (a.asname.name.value if a.asname else a.name.value) in used  # type: ignore[union-attr]
                    ]
                    if kept:
                        new_small.append(_keep_names(s, kept))
                elif (
                    s.module is not None
                    and dotted_name(s.module) in _WRAPPER_MODULES
                    and not s.relative
                    and not isinstance(s.names, cst.ImportStar)
                ):
                    kept = [
                        a
                        for a in s.names
                        if (a.asname.name.value if a.asname else a.name.value) not in made_unused  # type: ignore[union-attr]
                    ]
                    if kept:
                        new_small.append(_keep_names(s, kept) if len(kept) < len(s.names) else s)
                else:
                    new_small.append(s)
            if not new_small:
                had_requests = any(
                    (dotted_name(a.name) or "").split(".")[0] == "requests"
                    for s in stmt.body
                    if isinstance(s, cst.Import)
                    for a in s.names
                ) or any(
                    isinstance(s, cst.ImportFrom) and s.module is not None and (dotted_name(s.module) or "").startswith("requests")
                    for s in stmt.body
                )
                if had_requests and requests_at is None:
                    requests_at, requests_lines = len(body), stmt.leading_lines
                elif stmt.leading_lines and not pending:
                    pending = stmt.leading_lines
                continue
            new_small[-1] = new_small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            stmt = stmt.with_changes(body=new_small)
            if pending and not stmt.leading_lines:
                stmt = stmt.with_changes(leading_lines=pending)
            pending = ()
            body.append(stmt)
            last_import = len(body) - 1
        else:
            if pending and not stmt.leading_lines:
                stmt = stmt.with_changes(leading_lines=pending)
            pending = ()
            body.append(stmt)
    if not has_httpx and requests_at is not None:
        imp = cst.SimpleStatementLine(
            body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(module_name))])], leading_lines=requests_lines
        )
        body.insert(requests_at, imp)
        has_httpx = True
        if last_import >= requests_at:
            last_import += 1
        else:
            last_import = requests_at
    for needed, name in ((has_json, "json"), (has_httpx, module_name)):
        if needed:
            continue
        imp = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(name))])])
        if last_import >= 0:
            last_import += 1
            body.insert(last_import, imp)
        else:
            pos = 1 if body and _is_docstring(body[0]) else 0
            body.insert(pos, imp)
            last_import = pos
    if ssl is not None and ssl.used and not ssl.existing:
        stmt = ssl.statement(module_name)
        after = body[last_import + 1] if last_import + 1 < len(body) else None
        if after is not None and not after.leading_lines:  # keep code apart from the new lines
            body[last_import + 1] = after.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(last_import + 1, stmt)
    return module.with_changes(body=body)


def _module_constants(module: cst.Module) -> dict[str, cst.BaseExpression]:
    """``NAME = <number>`` at module level, for names bound nowhere else at module level."""
    seen: dict[str, list[cst.BaseExpression]] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            for n in _target_names(getattr(stmt, "target", None)):
                seen.setdefault(n, []).append(cst.Name("object"))
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                seen.setdefault(stmt.name.value, []).append(cst.Name("object"))
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for t in small.targets:
                    for n in _target_names(t.target):
                        seen.setdefault(n, []).append(small.value if isinstance(t.target, cst.Name) else cst.Name("x"))
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                for n in _target_names(small.target):
                    seen.setdefault(n, []).append(cst.Name("x"))
    return {
        n: vs[0]
        for n, vs in seen.items()
        if len(vs) == 1 and (_is_number(vs[0]) or isinstance(vs[0], (cst.SimpleString, cst.ConcatenatedString)))
    }


@register
class RequestsToHttpx(Codemod):
    name = "requests-to-httpx"
    summary = "await httpx.AsyncClient calls instead of blocking requests calls in async functions"
    min_django = (3, 1)
    order = 10
    options: ClassVar[dict[str, Any]] = {"http-client": "auto", "ssl-context": "shared"}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "http-client": ("httpx", "httpx2", "auto"),
        "ssl-context": ("shared", "per-client"),
    }

    def precheck(self, source: str) -> bool:
        return "requests" in source and "async def" in source

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        imports = ImportTable(module)
        if not any(v == "requests" or v.startswith("requests.") for v in imports.names.values()):
            return module
        choice = ctx.option("http-client")
        if choice == "auto":
            choice = "httpx2" if getattr(ctx.project, "uses_httpx2", False) else "httpx"
        finder = _SharedSessions(imports)
        module.visit(finder)
        shared = (finder.sessions, finder.attrs)
        t = _Transformer(imports, ctx, choice, shared)
        module.visit(t.prepass)
        if ctx.option("ssl-context") == "shared":
            t.ssl = _SharedSSL.for_module(module, choice, t.prepass.counts.keys() | set(imports.names))
        t.constants = _module_constants(module)
        new = module.visit(t)
        if not t.changed:
            return module
        # an import of a thread wrapper is dropped only if a rewritten function used it and nothing does now
        used = {n for n, c in t.prepass.counts.items() if c > 0}
        return _fix_imports(new, choice, t.used_before, t.needs_json, used, t.ssl)
