"""requests-to-httpx's diagnostic codes (DJA1xx, one per Problem kind) and the short page ``explain`` prints.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import WARNING, Code

PAGE = """
What it does:
    In an async def, requests calls (requests.get(...), a local Session's, or one wrapped in
    sync_to_async/asyncio.to_thread/run_in_executor) become awaited calls on one httpx.AsyncClient.
    requests' defaults are kept explicitly; except clauses get the matching httpx exceptions.

Why:
    A requests call blocks the event loop for the whole round trip: every other request served by
    the same worker waits.

Example:
    Before::

        import requests

        async def view(request):
            return requests.get(URL, verify=False).json()

    After::

        import httpx

        async def view(request):
            async with httpx.AsyncClient(verify=False) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).json()

Fix safety:
    A call is rewritten only when its arguments, its except clauses and every use of its response
    behave alike in httpx; else it stays, with a warning (always shown) saying why. Notes (-v): none
    here, every reason leaves a blocking call. Not kept, by design: one client (cookie jar) per
    function, httpx's redirect limit, User-Agent and proxy/CA environment (see --full).
"""

CODES = (
    Code(
        "DJA101", "shared-session", WARNING,
        "requests Session that outlives the function",
        "The Session lives at module or class level, on self, in a dict or comes from a helper: an AsyncClient "
        "per function would lose its state (cookies, open connections), and a long-lived AsyncClient needs "
        "code to open and close it with the app, which the codemod does not write. Make the Session in the "
        "function, or replace it by hand with an AsyncClient you manage.",
    ),
    Code(
        "DJA102", "nested-sync-scope", WARNING,
        "requests call in a nested sync scope",
        "An await is not allowed in a nested sync function, lambda, class body or generator expression, and "
        "making that scope async would change what it returns to its callers. Move the call into the async "
        "def itself, or make the nested function async by hand.",
    ),
    Code(
        "DJA103", "not-awaited", WARNING,
        "thread-wrapped requests call not awaited where it is made",
        "The wrapper (sync_to_async, asyncio.to_thread, run_in_executor) is stored or passed on before it is "
        "awaited, so the codemod cannot tell when the request runs. Await it where it is made, or pass it "
        "straight to an awaited asyncio.gather().",
    ),
    Code(
        "DJA104", "function-value", WARNING,
        "requests function used as a value, not called",
        "requests.get and the like are stored, passed or wrapped in a way the codemod does not follow, so the "
        "call they end up in cannot be rewritten. Call the function directly in the async def.",
    ),
    Code(
        "DJA105", "client-setting-computed", WARNING,
        "verify=, cert=, proxies= or cookies= computed in the function",
        "httpx takes these only when the client is created; moved there, the value would be evaluated before "
        "the statements that compute it. Use a constant or a name the function does not assign.",
    ),
    Code(
        "DJA106", "client-settings-disagree", WARNING,
        "calls disagree on verify=, cert=, proxies= or cookies=",
        "The calls of one function share one AsyncClient, and httpx sets these once per client. Give every "
        "call the same values, or split the calls into separate functions.",
    ),
    Code(
        "DJA107", "list-body", WARNING,
        "request body that is a list or tuple",
        "requests form-encodes a list of pairs; httpx does not. Pass a dict, or encode the body yourself (a "
        "str or bytes body becomes content=).",
    ),
    Code(
        "DJA108", "proxies-shape", WARNING,
        "proxies other than {'http': P, 'https': P}",
        "httpx takes one proxy= per client; different proxies per scheme would need per-scheme transports, "
        "which the codemod does not write. Use one proxy for both schemes, or configure httpx mounts by hand.",
    ),
    Code(
        "DJA109", "unknown-kwarg", WARNING,
        "argument without a same-behaving per-request httpx equivalent",
        "hooks=, files=, trust_env= and any argument not known to behave the same in httpx would be dropped "
        "or change meaning. Rewrite the call by hand with httpx's API.",
    ),
    Code(
        "DJA110", "too-many-positional", WARNING,
        "more positional arguments than can be mapped to keywords",
        "Only the URL (and the method for request()) plus the one argument requests takes next positionally "
        "(params for get, data for post/put/patch) are mapped. Pass the others by keyword.",
    ),
    Code(
        "DJA111", "too-few-positional", WARNING,
        "fewer positional arguments than the call needs",
        "The URL (for request(), the method and the URL) is passed by keyword or missing, and the rewrite "
        "maps it only as a positional argument. Pass it positionally.",
    ),
    Code(
        "DJA112", "params-with-query", WARNING,
        "params= with a URL that may already hold a query string",
        "requests appends the params to the URL's query string, httpx replaces it. Build the URL from literal "
        "parts without '?' (BASE + \"/items\", an f-string, or a name assigned such a value).",
    ),
    Code(
        "DJA113", "non-ascii-body", WARNING,
        "non-ASCII str body",
        "requests on urllib3 1.x sends a str body encoded as Latin-1, httpx always as UTF-8 (as requests does "
        "on urllib3 2): which bytes the server gets depends on the installed urllib3. Encode the body "
        "yourself (body.encode(\"utf-8\") or the encoding the server expects).",
    ),
    Code(
        "DJA114", "star-args", WARNING,
        "call with *args or **kwargs",
        "The arguments cannot be checked, so the codemod cannot tell whether httpx takes them alike. Pass the "
        "arguments explicitly.",
    ),
    Code(
        "DJA115", "auth-object", WARNING,
        "auth= that is not a (user, password) tuple",
        "requests' auth objects (HTTPDigestAuth, custom AuthBase classes...) do not work in httpx. Pass a "
        "(user, password) tuple, or rewrite the call with an httpx.Auth by hand.",
    ),
    Code(
        "DJA116", "literal-bool-none", WARNING,
        "params, data or headers dict literal holding True, False or None",
        "requests leaves None values out and writes True as 'True'; httpx writes an empty value and 'true'. "
        "Write the values as the strings the server expects, or drop the keys.",
    ),
    Code(
        "DJA117", "unchecked-str-body", WARNING,
        "str body literal that cannot be checked",
        "The codemod could not evaluate the literal to check it is ASCII (requests sends Latin-1, httpx "
        "UTF-8). Write it as a plain str literal, or encode it yourself.",
    ),
    Code(
        "DJA118", "stream-not-literal", WARNING,
        "stream= that is not a literal True or False",
        "Whether the response is streamed decides the shape of the rewrite (an async with block or a plain "
        "await). Write stream=True or stream=False.",
    ),
    Code(
        "DJA119", "timeout-not-visible", WARNING,
        "timeout= whose value is not visible",
        "A (connect, read) tuple means something else to httpx, so the codemod must see the value. Write a "
        "number, float(...)/int(...), a (connect, read) literal, or a module constant of those.",
    ),
    Code(
        "DJA120", "client-kwarg-on-session", WARNING,
        "verify=, cert=, proxies= or cookies= on a Session call",
        "An AsyncClient takes these only when it is created, and the Session's calls share one client. Set "
        "verify, cert or proxies on the Session (s.verify = ...) right after creating it, or drop them.",
    ),
    Code(
        "DJA121", "wrapped-lambda", WARNING,
        "requests call wrapped in a lambda that does more",
        "An awaited thread-wrapped lambda whose body is a requests call (and what is known not to block) is "
        "rewritten as its body; this one also calls other code, reads a related object, takes parameters or "
        "is not awaited where it is made, which would then run on the event loop. Wrap the requests function "
        "itself, e.g. sync_to_async(requests.get)(url), and keep the rest in the thread.",
    ),
    Code(
        "DJA122", "handler-unknown-call", WARNING,
        "try body also calls code that may raise requests exceptions",
        "After the rewrite the except clause catches httpx's exceptions, so requests exceptions raised by "
        "that other call would no longer be caught. Move the other call out of the try, or catch both by "
        "hand.",
    ),
    Code(
        "DJA123", "exception-no-equivalent", WARNING,
        "caught requests exception without an exact httpx match",
        "Exceptions such as SSLError or InvalidURL have no httpx exception raised in exactly the same "
        "situations. Catch a broader exception (requests.RequestException), or rewrite the handler by hand.",
    ),
    Code(
        "DJA124", "handler-json-loads", WARNING,
        "try body also decodes JSON with the json module",
        "The rewrite adds json.JSONDecodeError to the handler (httpx's .json() raises it), which would then "
        "also catch errors of that json.loads() that escaped before. Move the json.loads() out of the try.",
    ),
    Code(
        "DJA125", "json-name-taken", WARNING,
        "the name json is taken, json.JSONDecodeError is needed",
        "The rewritten handler must catch json.JSONDecodeError (raised by httpx's .json()), but json names "
        "something else in this module. Rename it, or import the json module as json.",
    ),
    Code(
        "DJA126", "handler-non-name", WARNING,
        "exception bound to a target that is not a plain name",
        "The codemod checks how the handler uses the caught exception, which it can do only for a plain name "
        "(except ... as e). Bind it to a name.",
    ),
    Code(
        "DJA127", "exception-response", WARNING,
        "exception's .response read where httpx's has none",
        "The handler catches more than requests.HTTPError, and of the httpx exceptions it would catch only "
        "HTTPStatusError has .response. Catch requests.HTTPError alone in the handler that reads .response.",
    ),
    Code(
        "DJA128", "exception-used", WARNING,
        "caught exception used beyond .response, logging or raise from",
        "After the rewrite it is an httpx exception, with another type and message. Use it only in logging, "
        "raise ... from e or e.response, or review the code that reads it and rewrite by hand.",
    ),
    Code(
        "DJA129", "os-error-handler", WARNING,
        "except OSError, ValueError or the like around requests calls",
        "requests' exceptions derive from OSError/IOError/ConnectionError/TimeoutError/ValueError, httpx's do "
        "not: the handler would stop catching them. Catch requests.RequestException (or Exception) before it.",
    ),
    Code(
        "DJA130", "response-escapes", WARNING,
        "response leaves the function",
        "It is returned, yielded, passed to a call, stored in an attribute, item or global, or formatted: "
        "code elsewhere may expect a requests Response. Return the data you need (r.json(), r.content) "
        "instead.",
    ),
    Code(
        "DJA131", "response-truth", WARNING,
        "response used as a truth value",
        "A requests Response is false for 4xx/5xx (it means r.ok); an httpx one is always true. Write the "
        "test you mean, e.g. if r.ok: (rewritten to not r.is_error).",
    ),
    Code(
        "DJA132", "response-nested-scope", WARNING,
        "response used in a nested function, lambda or class",
        "The nested scope may outlive the function and be given a requests Response elsewhere. Read what it "
        "needs from the response before and pass that instead.",
    ),
    Code(
        "DJA133", "response-attribute", WARNING,
        "response attribute without a same-behaving httpx equivalent",
        "Attributes such as .encoding, .iter_lines, .raw or .apparent_encoding have another meaning or type in "
        "httpx; .text and .url are kept only where they reach a message (a log, print, a builtin exception), "
        "as requests and httpx decode a body without charset and quote URLs differently. Use .content, .json() "
        "or .status_code.",
    ),
    Code(
        "DJA134", "response-mapping", WARNING,
        "response headers or cookies used other than for a lookup",
        "httpx lowercases header names when iterating, and its cookie jar has other methods. Look values up "
        "by key (r.headers[k], .get(k), k in r.headers).",
    ),
    Code(
        "DJA135", "session-setting-late", WARNING,
        "requests Session setting not set right after the Session is made",
        "An AsyncClient takes verify, cert, trust_env, proxies and max_redirects only when created. Set them "
        "on lines of their own right after requests.Session(), before the Session is used.",
    ),
    Code(
        "DJA136", "session-setting-twice", WARNING,
        "requests Session setting set twice",
        "It becomes one AsyncClient(...) argument, which cannot take two values. Set it once.",
    ),
    Code(
        "DJA137", "session-setting-none", WARNING,
        "requests Session setting set to None",
        "requests then uses its default, httpx would take None as the value (verify, trust_env, "
        "max_redirects). Drop the line, or set the value you want.",
    ),
    Code(
        "DJA138", "session-setting-computed", WARNING,
        "requests Session setting computed in the function",
        "Moved into AsyncClient(...), the value would be evaluated before the statements that compute it. Use "
        "a constant or a name the function does not assign.",
    ),
    Code(
        "DJA139", "session-outside-block", WARNING,
        "local Session used outside the block that owns it",
        "The AsyncClient that replaces it exists only inside an async with block. Keep every use of the "
        "Session in the block where it is made.",
    ),
    Code(
        "DJA140", "session-used", WARNING,
        "local Session used other than for requests, headers, auth or close()",
        "Anything else (mount(), returning or passing it on, other attributes) has no same-behaving "
        "AsyncClient equivalent or would hand an AsyncClient to code expecting a Session. Rewrite by hand.",
    ),
    Code(
        "DJA141", "session-nested-scope", WARNING,
        "local Session used in a nested function, lambda or class",
        "The nested scope may outlive the async with block the AsyncClient lives in. Use the Session only in "
        "the function that makes it.",
    ),
    Code(
        "DJA142", "session-params", WARNING,
        "params set on a requests Session",
        "requests adds them to each URL's query string, keeping the URL's own and leaving out None values; "
        "httpx merges them over it and sends None as an empty value. Pass params= per call instead.",
    ),
    Code(
        "DJA143", "session-attribute", WARNING,
        "requests Session attribute without a same-behaving AsyncClient setting",
        "Only headers, auth = (user, password), verify, cert, trust_env, proxies and max_redirects are known "
        "to behave the same. Rewrite the Session by hand.",
    ),
    Code(
        "DJA144", "stream-not-assigned", WARNING,
        "stream=True other than as name = <call> on its own line",
        "A streamed httpx response lives in an async with block, which the codemod opens around the rest of "
        "the block after such a line. Assign the streamed call to a name on a line of its own.",
    ),
    Code(
        "DJA145", "stream-used", WARNING,
        "streamed response used other than through iter_content()",
        "Only for ... in r.iter_content(n) and attributes that read no body (status_code, headers, ok...) are "
        "rewritten for httpx's stream. Read the body only through iter_content().",
    ),
    Code(
        "DJA146", "stream-used-outside", WARNING,
        "streamed response used outside the statements after it",
        "httpx's streamed response is open only inside the async with block the rewrite makes. Use it only in "
        "the statements after the call, in the same block.",
    ),
    Code(
        "DJA147", "iter-content-args", WARNING,
        "iter_content() with arguments other than the chunk size",
        "Only the chunk size maps to httpx's aiter_bytes(n) (decode_unicode= is not mapped). Pass only the "
        "chunk size and decode the bytes yourself.",
    ),
    Code(
        "DJA148", "stream-nested-scope", WARNING,
        "streamed response used in a nested function, lambda or class",
        "The nested scope may outlive the async with block the stream is open in. Read the stream in the "
        "function that makes the call.",
    ),
    Code(
        "DJA149", "wrapper-option", WARNING,
        "thread wrapper with an option that cannot be kept",
        "Only sync_to_async's thread_sensitive= and executor= are dropped safely (they choose the thread, and "
        "no thread is used after the rewrite). Drop the other option, or rewrite by hand.",
    ),
    Code(
        "DJA150", "executor-expression", WARNING,
        "run_in_executor() executor expression may have side effects",
        "The rewrite drops the executor argument, and with it whatever evaluating it does. Pass None or a "
        "plain name.",
    ),
    Code(
        "DJA151", "executor-keywords", WARNING,
        "run_in_executor() with keyword arguments",
        "run_in_executor() takes no keyword arguments for the function (the call would raise TypeError). Use "
        "functools.partial(requests.get, url, ...) for keywords.",
    ),
    Code(
        "DJA152", "loop-expression", WARNING,
        "run_in_executor() on a loop expression that may have side effects",
        "The rewrite drops the loop expression, and with it whatever evaluating it does. Call "
        "run_in_executor() on a plain name, asyncio.get_running_loop() or asyncio.get_event_loop().",
    ),
    Code(
        "DJA153", "keyword-twice", WARNING,
        "keyword given both to partial() and to the call",
        "The merged call would pass one keyword twice. Give each keyword in one place.",
    ),
    Code(
        "DJA154", "requests-value", WARNING,
        "requests used other than as a direct call",
        "The function names requests, or something of it (requests.codes, an adapter...), other than in a "
        "call the codemod rewrites, so it cannot tell what that code does with it. Rewrite that use by hand.",
    ),
    Code(
        "DJA155", "session-value", WARNING,
        "requests Session class used other than as requests.Session()",
        "A Session made with arguments, subclassed or passed on cannot be replaced by an AsyncClient alike. "
        "Make it with requests.Session() in the function, or rewrite by hand.",
    ),
    Code(
        "DJA156", "url-keyword", WARNING,
        "the URL (or method) passed both by keyword and positionally",
        "requests would fail with a TypeError here (two values for one parameter); the codemod leaves the "
        "call as it is. Pass the URL and the method once.",
    ),
    Code(
        "DJA157", "function-refused", WARNING,
        "requests call left blocking: its function is refused",
        "Nothing in a function is rewritten while any of its requests calls cannot be: this call is named so "
        "that no blocking call goes unseen. Fix the other diagnostics of the function, or move this call out "
        "of it.",
    ),
    Code(
        "DJA158", "multipart-files", WARNING,
        "multipart files= whose encoding differs in httpx",
        "httpx builds multipart parts differently: a part without a Content-Type gets a guessed one, bare "
        "content is named upload, and bytearray content raises. Give each part bytes, a file name and a "
        "content type explicitly, then convert the call by hand.",
    ),
)
