"""requests-to-httpx's diagnostic codes (DJA1xx, one per Problem kind) and the short page ``explain`` prints.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import WARNING, Code

PAGE = ""

CODES = (
    Code("DJA101", "shared-session", WARNING, "calls …, a requests Session shared at module/class level: not rewritten (…)"),
    Code("DJA102", "nested-sync-scope", WARNING, "requests call in a nested sync scope (cannot be awaited there)"),
    Code("DJA103", "not-awaited", WARNING, "…(requests.…) is not awaited where it is made"),
    Code("DJA104", "function-value", WARNING, "uses … other than as a direct call (as a function value)"),
    Code("DJA105", "client-setting-computed", WARNING, "passes …= computed in the function (…)"),
    Code("DJA106", "client-settings-disagree", WARNING, "calls in this function disagree on … (…)"),
    Code("DJA107", "list-body", WARNING, "passes a body assigned a list/tuple (requests form-encodes pairs, httpx does not)"),
    Code("DJA108", "proxies-shape", WARNING, "passes proxies= other than {'http': P, 'https': P} (httpx would need per-scheme transports)"),
    Code("DJA109", "unknown-kwarg", WARNING, "passes …= (no per-request equivalent with the same behaviour in httpx)"),
    Code("DJA110", "too-many-positional", WARNING, "passes more positional arguments than can be mapped to httpx keywords"),
    Code("DJA111", "too-few-positional", WARNING, "passes fewer positional arguments than expected"),
    Code("DJA112", "params-with-query", WARNING, "passes params= with a URL that may already hold a query string (requests appends the params to it, httpx replaces it)"),
    Code("DJA113", "non-ascii-body", WARNING, "passes a non-ASCII str body (requests on urllib3 1.x sends it as Latin-1, httpx as UTF-8)"),
    Code("DJA114", "star-args", WARNING, "passes *args/**kwargs (cannot check the arguments)"),
    Code("DJA115", "auth-object", WARNING, "passes an auth= that is not a (user, password) tuple (requests' auth objects differ)"),
    Code("DJA116", "literal-bool-none", WARNING, "passes …= with a … value (requests and httpx encode it differently)"),
    Code("DJA117", "unchecked-str-body", WARNING, "passes a str body that cannot be checked"),
    Code("DJA118", "stream-not-literal", WARNING, "passes a stream= that is not a literal True/False"),
    Code("DJA119", "timeout-not-visible", WARNING, "passes a timeout= whose value is not visible here (a (connect, read) tuple means something else to httpx): write a number or a tuple literal"),
    Code("DJA120", "client-kwarg-on-session", WARNING, "passes …= on a Session call (an AsyncClient takes it only when created)"),
    Code("DJA121", "wrapped-lambda", WARNING, "a requests call wrapped in a lambda"),
    Code("DJA122", "handler-unknown-call", WARNING, "its try body also calls …(), which may raise requests exceptions that an httpx handler would not catch"),
    Code("DJA123", "exception-no-equivalent", WARNING, "catches requests' …, which has no exact httpx equivalent"),
    Code("DJA124", "handler-json-loads", WARNING, "its try body also decodes JSON with the json module (caught only after the rewrite)"),
    Code("DJA125", "json-name-taken", WARNING, "needs json.JSONDecodeError but the name json is taken"),
    Code("DJA126", "handler-non-name", WARNING, "binds the exception to a non-name target"),
    Code("DJA127", "exception-response", WARNING, "reads ….response, which only httpx's HTTPStatusError has"),
    Code("DJA128", "exception-used", WARNING, "uses the caught exception … (httpx's has another type and message)"),
    Code("DJA129", "os-error-handler", WARNING, "catches …, which covers requests' exceptions but not httpx's"),
    Code("DJA130", "response-escapes", WARNING, "a response leaves the function (…), …"),
    Code("DJA131", "response-truth", WARNING, "uses a response as a truth value …"),
    Code("DJA132", "response-nested-scope", WARNING, "a response is used in a nested scope …"),
    Code("DJA133", "response-attribute", WARNING, "uses .…, which …"),
    Code("DJA134", "response-mapping", WARNING, "a response used as a mapping"),
    Code("DJA135", "session-setting-late", WARNING, "a Session setting set after the Session is used"),
    Code("DJA136", "session-setting-twice", WARNING, "a Session setting set twice"),
    Code("DJA137", "session-setting-none", WARNING, "a Session setting set to None"),
    Code("DJA138", "session-setting-computed", WARNING, "a Session setting computed in the function"),
    Code("DJA139", "session-outside-block", WARNING, "the requests Session … is used outside the block that owns it"),
    Code("DJA140", "session-used", WARNING, "uses the requests Session … …"),
    Code("DJA141", "session-nested-scope", WARNING, "uses the requests Session … in a nested scope"),
    Code("DJA142", "session-params", WARNING, "sets ….params (…)"),
    Code("DJA143", "session-attribute", WARNING, "sets ….… (no same-behaving AsyncClient setting)"),
    Code("DJA144", "stream-not-assigned", WARNING, "stream=True other than as `name = <call>` on a line of its own"),
    Code("DJA145", "stream-used", WARNING, "uses the streamed response … …"),
    Code("DJA146", "stream-used-outside", WARNING, "the streamed response … …"),
    Code("DJA147", "iter-content-args", WARNING, "iter_content() with arguments other than the chunk size"),
    Code("DJA148", "stream-nested-scope", WARNING, "uses the streamed response … in a nested scope"),
    Code("DJA149", "wrapper-option", WARNING, "…(…) with an option that cannot be kept"),
    Code("DJA150", "executor-expression", WARNING, "run_in_executor() with an executor expression that may have side effects"),
    Code("DJA151", "executor-keywords", WARNING, "run_in_executor() with keyword arguments"),
    Code("DJA152", "loop-expression", WARNING, "run_in_executor() on a loop expression that may have side effects"),
    Code("DJA153", "keyword-twice", WARNING, "passes a keyword twice"),
    Code("DJA154", "requests-value", WARNING, "uses requests other than as a direct call"),
    Code("DJA155", "session-value", WARNING, "uses a requests Session other than as a direct call"),
    Code("DJA156", "url-keyword", WARNING, "passes the URL (or method) both by keyword and positionally"),
    Code("DJA157", "function-refused", WARNING, "requests call left blocking: its function is refused for a reason reported elsewhere"),
    Code("DJA158", "multipart-files", WARNING, "passes files= (httpx's multipart encoding differs: guessed part Content-Types, bytearray content rejected)"),
)
