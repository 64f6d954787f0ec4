"""sync-views-to-async's diagnostic codes (DJA6xx, one per Problem kind) and its ``explain`` page.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code

PAGE = """
What it does:
    A sync view making two requests calls or more becomes async def; the run gathers the calls.

Why:
    Three 300 ms calls: 900 ms in sequence, 300 ms gathered (under ASGI and WSGI alike).

Example:
    Before::

        import requests
        from django.http import JsonResponse
        def dashboard(request):
            rates = requests.get(RATES, verify=False)
            stock = requests.get(STOCK, verify=False)
            return JsonResponse({"rates": rates.json(), "stock": stock.json()})
    After::

        import httpx
        from django.http import JsonResponse
        import asyncio
        async def dashboard(request):
            async with httpx.AsyncClient(verify=False) as client:
                rates, stock = await asyncio.gather(
                    client.get(RATES, follow_redirects=True, timeout=None),
                    client.get(STOCK, follow_redirects=True, timeout=None),
                )
            return JsonResponse({"rates": rates.json(), "stock": stock.json()})

Fix safety:
    Checked on the code the run ends: all calls converted, two at once, the rest known safe.
"""

CODES = (
    Code(
        "DJA601", "one-call", NOTE,
        "one blocking HTTP call: nothing to run concurrently",
        "The view waits on one call per request; as async it would answer no sooner. Left sync.",
    ),
    Code(
        "DJA602", "unknown-decorator", WARNING,
        "a decorator not known to accept an async view",
        "A decorator that calls the view and uses its result as a response breaks on a coroutine. Django's "
        "own decorators are known by version. If yours awaits coroutine views (or passes them through), "
        "make the view async by hand.",
    ),
    Code(
        "DJA603", "decorator-too-old", WARNING,
        "a Django decorator that takes async views only in a later version",
        "Raise --target-django once the project runs that version.",
    ),
    Code(
        "DJA604", "view-base", WARNING,
        "a class-based view on a base other than View",
        "Generic views and mixins run sync methods of their own around the handlers (get_context_data, a "
        "mixin's dispatch) that an async handler does not fit. Only classes deriving from View alone are "
        "converted.",
    ),
    Code(
        "DJA605", "view-method", WARNING,
        "the class defines dispatch, options or a coroutine method",
        "Those would stay sync beside async handlers: Django rejects a view with both kinds, or returns a "
        "coroutine unawaited.",
    ),
    Code(
        "DJA606", "atomic-requests", WARNING,
        "the ATOMIC_REQUESTS setting is on",
        "Django wraps each view in a transaction and raises RuntimeError for an async view not marked "
        "@transaction.non_atomic_requests.",
    ),
    Code(
        "DJA607", "settings-unknown", WARNING,
        "the settings cannot be read for ATOMIC_REQUESTS",
        "No manage.py or pytest configuration names DJANGO_SETTINGS_MODULE, or the module cannot be read. If "
        "ATOMIC_REQUESTS is off, say so: -o sync-views-to-async.atomic-requests=off.",
    ),
    Code(
        "DJA608", "used-elsewhere", WARNING,
        "the view is used elsewhere than in a route",
        "A sync caller (another view, a test calling it with a RequestFactory request, a subclass, a wrapper) "
        "would get a coroutine in place of a response. Convert the caller first, or by hand.",
    ),
    Code(
        "DJA609", "skip-comment", NOTE,
        "marked # dj-asyncify: skip",
        "The view is marked to be left alone.",
    ),
    Code(
        "DJA610", "name-taken", WARNING,
        "sync_to_async is bound to something else",
        "The module binds the name the rewrite needs to run render() in a thread.",
    ),
    Code(
        "DJA611", "left-blocking", WARNING,
        "another codemod leaves a blocking call in the view",
        "requests-to-httpx or async-orm refused a call in it (their diagnostic is quoted): as async, that call "
        "would block the event loop or raise SynchronousOnlyOperation. Fix what it names, then run again.",
    ),
    Code(
        "DJA612", "not-concurrent", NOTE,
        "its HTTP calls cannot run concurrently",
        "gather-awaits found no two calls it may run at once (they depend on each other, write, or have "
        "unknown effects: its note is quoted). As async the view would answer no sooner.",
    ),
    Code(
        "DJA613", "blocking-call", WARNING,
        "a call not known to be safe on the event loop",
        "Known reads only: a call the tables do not list (a library's, a cache's, a file's) may block the "
        "loop or query the database. Move it into a thread (sync_to_async) or out of the view, or convert "
        "by hand.",
    ),
    Code(
        "DJA614", "evaluates-queryset", WARNING,
        "a queryset evaluated on the event loop",
        "len(), list(), if, for, indexing or a response built from a queryset runs the query in the view, "
        "which raises SynchronousOnlyOperation in async code. Evaluate it with the async ORM by hand.",
    ),
    Code(
        "DJA615", "request-attribute", WARNING,
        "a request attribute that may query the database",
        "request.session and request.user load from the database (or a cache) on first use; in async code "
        "that raises SynchronousOnlyOperation. Django 5.0+: await request.auser(), the session's a-methods.",
    ),
    Code(
        "DJA616", "helper", WARNING,
        "a helper of the module that is not safe on the event loop",
        "The view calls a sync function of its module whose body does something not known safe (quoted).",
    ),
    Code(
        "DJA617", "db-method", WARNING,
        "a method called on a database object",
        "A model instance's methods (and a related manager's) may query. Await an async twin, by hand.",
    ),
    Code(
        "DJA618", "self-attribute", WARNING,
        "a class-based view attribute or method not followed",
        "Only self.request, self.args and self.kwargs are known; a method of the view may do anything.",
    ),
    Code(
        "DJA619", "nested-scope", WARNING,
        "a function, lambda or class inside the view",
        "What a nested scope runs, and when, is not followed.",
    ),
    Code(
        "DJA620", "statement", WARNING,
        "a statement or expression not followed",
        "del, global, match, yield and the like are outside what the check follows.",
    ),
    Code(
        "DJA621", "sync-with", WARNING,
        "a with block other than an httpx client or a TaskGroup",
        "A context manager (a transaction, a file, a lock) may block the loop or need the sync ORM.",
    ),
    Code(
        "DJA622", "rewritten-back", WARNING,
        "the rest of the run did not leave the view async",
        "A later codemod changed the view back; it stays sync.",
    ),
    Code(
        "DJA623", "sync-middleware", NOTE,
        "middleware that is not Django's own in MIDDLEWARE",
        "Django adapts sync-only middleware around an async view with a thread switch each way per request "
        "(about a millisecond). Check it is async-capable (async_capable = True), or accept the cost.",
    ),
)
