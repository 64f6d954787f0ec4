"""Replace blocking ``requests`` calls inside ``async def`` with awaited ``httpx.AsyncClient`` calls.

What it does:
    Inside an ``async def``, ``requests.get/post/put/patch/delete/head/options/request(...)`` (found
    through the module's imports: ``import requests``, ``import requests as rq``,
    ``from requests import get``, also ``import requests`` inside the function) becomes ``await client.get(...)`` on one ``httpx.AsyncClient``
    opened around the smallest span of statements covering the calls (inside an ``if``/``with``/
    ``try`` block when all of them are there), under a name that clashes with nothing in the function.
    Calls may sit in loops, ``return``, ``if``/``while`` tests and list/set/dict comprehensions
    (which become async comprehensions). requests' defaults are kept explicitly:
    ``follow_redirects=True`` (except for ``head``; ``allow_redirects=`` is renamed),
    ``timeout=None`` unless a timeout is given (a ``(connect, read)`` literal becomes
    ``httpx.Timeout(read, connect=connect)``; a name must be a module constant number), a raw
    ``data=`` body becomes ``content=``, a second positional argument becomes the
    keyword requests gives it (``params=`` for get, ``data=`` for post/put/patch), and ``url=``
    (``request``'s ``method=``) passed by keyword stays so (httpx names them alike). ``import httpx``
    (or ``httpx2``, option ``http-client``) is added; the requests import is dropped once unused.

    Thread-wrapped calls are rewritten the same way when awaited where they are made:
    ``await sync_to_async(requests.get)(url)`` (or Channels' ``database_sync_to_async``, which
    only adds closing the thread's old database connections), ``await asyncio.to_thread(requests.get,
    url)``, ``await loop.run_in_executor(None, requests.get, url)``, each also with
    ``functools.partial(requests.post, url, json=...)`` as the function. ``sync_to_async``'s
    ``thread_sensitive=``/``executor=`` are dropped: they only choose the thread the call runs in,
    and no thread is used any more. A lambda awaited where it is wrapped is replaced by its body
    when that body makes a requests call (or reads a response of one) and nothing else that may
    block: ``await sync_to_async(lambda: requests.post(u, json=d))()`` -> ``await client.post(u,
    json=d, ...)``, ``await asyncio.to_thread(lambda: requests.get(u).json())`` ->
    ``(await client.get(u, ...)).json()``, ``await sync_to_async(lambda: r.json())()`` ->
    ``r.json()``. Its body may also hold literals, names, builtins such as ``str``/``len``,
    ``json``/``urllib`` functions, attributes one level deep (``obj.pk``, ``settings.URL``) and
    the reads of the view's ``request`` parameter that touch no database
    (``request.build_absolute_uri(...)``, ``request.COOKIES.get(...)``, ``request.headers``...).
    A lambda that refers to no requests name (an ORM query) is none of this codemod's business. Wrapped calls passed to an awaited ``asyncio.gather(...)``
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

    Every requests call made in an ``async def`` (through any import, a Session however it is
    reached, any thread wrapper or lambda) is either rewritten or named at its line: when a
    function is refused for a reason elsewhere, each of its calls without a reason of its own gets
    "``requests.get()`` stays blocking: this function is not rewritten".

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

    Responses are the values requests calls return (also through ``sync_to_async(lambda:
    requests.get(u))()``), followed through names read by read (a name re-bound from a response
    to something else is that something else after it; what one path binds counts wherever that
    path may lead, loops included): the value of another wrapped lambda
    (``await sync_to_async(lambda: device.type.name)()``) is none. On responses of rewritten calls
    (a name bound only to such calls, or the call itself):
    ``r.ok`` -> ``not r.is_error`` (both mean "not 4xx/5xx"; ``not r.ok`` -> ``r.is_error``),
    ``r.reason`` -> ``r.reason_phrase``,
    ``r.is_redirect`` -> ``r.has_redirect_location``, a local ``r: requests.Response`` annotation
    -> ``httpx.Response`` (never evaluated), the statement ``r.close()`` -> ``await r.aclose()``
    (an AsyncClient's response; its ``close()`` raises), and the statement ``r.raise_for_status()`` ->
    ``if r.is_error: r.raise_for_status()`` (httpx also raises for 1xx/3xx, e.g. an unfollowed
    redirect or a 304; requests only for 4xx/5xx); the statement
    ``requests.get(u).raise_for_status()`` first names the response (``response = await
    client.get(u, ...)``, a name free in the function). ``r.text`` and ``r.url`` are kept where
    their value only reaches a message: arguments of a logger call, ``print()``,
    ``warnings.warn()`` or a builtin exception raised (``raise RuntimeError(f"... {r.text}")``;
    not a framework's, which may become a response), through f-strings, ``%``/``+``, ``str()``,
    slices and str methods, or a name read only there. Such a message may
    read differently: without a charset requests decodes ``text/*`` as ISO-8859-1 and guesses for
    other types, httpx decodes as UTF-8; URLs are quoted differently (see "Refuses when").

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

    Bodies: a visibly raw body (str/bytes literal, ``x.encode()``, ``json.dumps(...)``, a view's
    ``request.body`` -- bytes: the parameter named ``request`` is Django's ``HttpRequest`` by
    convention --, or a local name only assigned such values) becomes ``content=``; anything else stays ``data=`` (httpx form-encodes a mapping and sends other
    values as raw content, with a deprecation warning for raw bytes).

    Not kept, by design (rare; review if they matter to you): calls of one function share a client,
    so cookies a response sets are sent by the later calls (each ``requests.get`` started with an
    empty jar); a ``json=`` body is the same JSON value in other bytes (httpx writes it compactly,
    non-ASCII as UTF-8; requests with ``", "`` separators and ``\\u`` escapes): a server that checks a
    signature over the body bytes sees the difference; httpx stops after 20 redirects (requests
    30); the User-Agent says httpx; with explicit ``proxies`` requests still honours ``NO_PROXY``,
    httpx does not; requests reads its CA
    bundle from ``REQUESTS_CA_BUNDLE``, httpx from ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (with the
    shared SSL context, read once when the module is imported, not per client); a Session's
    ``verify``/``proxies`` give way in requests to ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` and
    ``HTTP(S)_PROXY`` from the environment (unless its ``trust_env`` is False), the AsyncClient
    keeps them; requests sends credentials from ``~/.netrc`` (or ``$NETRC``) when a request has no
    auth, httpx does not; requests and httpx trust the certifi CA bundle, httpx2 the system's CA
    store; a ``params``/``data`` dict the codemod cannot see with ``None``/``True`` values is
    encoded differently, and a str body it cannot see is sent as UTF-8 (so is it by requests on
    urllib3 2; on urllib3 1.x as Latin-1, or a ``UnicodeEncodeError`` past it); exceptions that escape the function are httpx's, so a caller elsewhere
    catching requests' exceptions no longer does. ``verify="path"`` and ``cert=`` are kept as
    given: current httpx and httpx2 still honour them, with a deprecation warning.

Effects:
    Proven (read in the code): that each call is requests' (through the module's imports, a
    local Session or a thread wrapper), what its arguments are, which ``except`` clauses guard
    it and what they catch once it is httpx's, and that every use of its response -- and of a
    name that holds one on some path -- is one httpx answers alike or one rewritten to (else the
    function is refused). Assumed: the differences under "Not kept" do not matter to the program;
    above all that one client shared by the calls of a function (its cookie jar) and httpx's
    defaults (redirect limit, User-Agent, proxy and CA environment) change nothing it relies on;
    that a parameter named ``request`` is the view's ``HttpRequest`` (its ``body`` bytes); that a
    message (log record, printed line, exception text) reading a little differently changes
    nothing; and, for an unwrapped lambda, that reading an attribute one level deep from a local
    value (``obj.pk``) and the ``request`` reads it keeps query no database.

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
    - the call passes ``files`` (httpx gives a part without a Content-Type a guessed one, bare
      content the filename ``upload``, and raises on ``bytearray`` content: pass bytes, a file
      name and a type by hand), ``hooks``, ``trust_env`` or any argument not known to behave the
      same, ``*args``/``**kwargs``, a ``timeout=`` whose value is not visible (a number,
      ``float(...)``/``int(...)``, a ``(connect, read)`` literal or a module constant of those), or
      more positional arguments than can be mapped, or ``url=``/``method=`` besides positional ones;
    - ``params=`` is passed with a URL that may already hold a query string (requests appends the
      params, httpx replaces the query): the URL must be built from literal parts without ``?``
      (``BASE + "/items"``, ``f"{base}/items/{pk}"``, or a name assigned such a value);
    - the body is visibly a list/tuple (requests form-encodes pairs, httpx does not) or a non-ASCII
      str literal (requests on urllib3 1.x sends Latin-1, httpx UTF-8); a literal ``params``/``data`` dict holds ``True``/``False``/
      ``None`` (encoded differently);
    - a thread wrapper is not awaited where it is made, passes options other than
      ``thread_sensitive``/``executor``, or uses a loop/executor expression that may have effects;
    - a thread-wrapped lambda that makes a requests call takes parameters or arguments, also calls
      anything else (its work would move from the thread to the event loop, where it may block or
      query the database), reads an attribute two levels deep from a local value (``obj.owner.name``:
      a related object may be loaded) or ``request.user``/``request.session``, binds with ``:=``,
      or sits in a function holding an ``async def``;
    - on what may be a response of a rewritten call: ``.ok``, ``.reason``, ``.is_redirect`` other
      than on a name bound only to such calls (or the call itself), ``.raise_for_status`` other than
      as such a statement, ``.iter_content`` outside streaming, or ``.iter_lines``, ``.raw``,
      ``.apparent_encoding``, ``.encoding`` (different meaning, type or decoding in httpx;
      ``iter_lines`` yields bytes split by other rules than httpx's str lines); ``.text`` and
      ``.url`` other than in a message (above): without a charset the text is decoded differently;
      requests writes an empty path as ``/``, drops a lone ``?`` and quotes ``|[]^`` and a stray
      ``%``, httpx does not (``str(r.url)`` differs too);
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
    - a Session outlives the function (``SESSION = requests.Session()``, ``self.session = ...``,
      kept in a dict ``self.sessions[k] = requests.Session()``, or handed out by a function
      returning one of those, ``session = self._get_session(k)``) and is called from async code,
      bare or thread-wrapped: reported at each call, not rewritten (its cookies, auth and pooled
      connections persist across calls; an AsyncClient with that lifetime needs creating and
      closing code the program has no place for);
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
      uses the exception other than ``e.response`` (of ``HTTPError``), logging it, formatting it into
      a message (a log/print line, a builtin exception's: only the text differs, as for ``.text``)
      or ``raise ... from e`` (type and message differ);
    - a ``try`` around rewritten calls catches ``OSError``/``IOError``/``ConnectionError``/
      ``TimeoutError``/``ValueError`` (requests' exceptions derive from them, httpx's do not) with
      no handler at or before it catching ``requests.RequestException``/``Exception``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from codemods.candidates import Facts
from codemods.knowledge import http
from codemods.registry import Codemod, Context, register
from codemods.rules.requests_to_httpx.codes import CODES, PAGE

if TYPE_CHECKING:  # libcst is imported by transform only: a cached run never needs it
    import libcst as cst


@register
class RequestsToHttpx(Codemod):
    name = "requests-to-httpx"
    codes = CODES
    page = PAGE
    summary = "await httpx.AsyncClient calls instead of blocking requests calls in async functions"
    min_django = (3, 1)
    order = 10
    options: ClassVar[dict[str, Any]] = {"http-client": "auto", "ssl-context": "shared"}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "http-client": (*http.CLIENT_LIBRARIES, "auto"),
        "ssl-context": ("shared", "per-client"),
    }

    def precheck(self, source: str) -> bool:
        return "requests" in source and "async def" in source


    def candidate(self, facts: Facts) -> bool:
        # Rewrites (or refuses) requests calls, sessions and wrapped calls (sync_to_async,
        # to_thread, run_in_executor, functools.partial) inside async defs; every form reaches
        # requests through an import (the codemod resolves names through its ImportTable and stops
        # when requests is not imported). So: some async def, and requests imported anywhere.
        return bool(facts.async_defs) and facts.imports_module("requests")

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        from codemods.rules.requests_to_httpx.rewrite import transform

        return transform(module, ctx)
