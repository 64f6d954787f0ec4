"""gather-awaits's diagnostic codes (DJA2xx, one per Problem kind) and the short page ``explain`` prints.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code

PAGE = """
What it does:
    In an async def, consecutive statements that each await one call first thing (x = await f(),
    await f(), (await c.get(u)).json()) become one asyncio.gather(...) of the calls (option style =
    taskgroup: an asyncio.TaskGroup, Python 3.11+).

Why:
    Awaits one after another wait for the sum of their latencies; run together, for the longest only.

Example:
    Before::

        import httpx

        async def view(request, client: httpx.AsyncClient):
            user = await client.get(USER_URL)
            feed = await client.get(FEED_URL)

    After::

        import httpx
        import asyncio

        async def view(request, client: httpx.AsyncClient):
            user, feed = await asyncio.gather(client.get(USER_URL), client.get(FEED_URL))

Fix safety:
    Only calls known free of ordering effects are gathered (HTTP reads on a known client, async ORM
    reads, functions read and found free, option effect-free); writes, locks, data dependencies,
    shared objects and try/except keep their order (notes, -v only); tests are not looked at.
    Warnings: a name clash, a comment that would be lost, taskgroup on Python < 3.11.
"""

CODES = (
    Code(
        "DJA201", "test-client", NOTE,
        "call on Django's test client",
        "Each test client request runs the app in-process and shares cookies, session and test database "
        "with the next one, so their order matters. Nothing to do: the call keeps its place.",
    ),
    Code(
        "DJA202", "opaque-call", NOTE,
        "awaited call of a computed callable",
        "The awaited function is itself the result of a call (make_handler()(x)), so the codemod cannot "
        "tell what runs. Bind the callable to a name first, or accept the order as it is.",
    ),
    Code(
        "DJA203", "same-name", NOTE,
        "two awaits assign the same name",
        "Two statements of the group bind one name (x = await f(); x = await g()), which is taken as a "
        "dependency between them. Use two names if the awaits are independent.",
    ),
    Code(
        "DJA204", "write", NOTE,
        "awaited call that writes",
        "An HTTP POST/PUT/PATCH/DELETE, a stream or send, an async ORM/auth/session/cache write or a "
        "sync_to_async call is kept in its place, ordered with respect to every other call. Nothing to do "
        "if the order matters; else reorder the code by hand.",
    ),
    Code(
        "DJA205", "ordering", NOTE,
        "awaited call that orders what follows it",
        "sleep(), acquire(), wait(), join(), queue, stream and database-connection calls (also inside a "
        "function of this module) synchronise with other code, which gathering would break. The call keeps "
        "its place.",
    ),
    Code(
        "DJA206", "foreign-write", NOTE,
        "writes into an object that is not a local of the function",
        "Other code may read that object (a module global, say), and would see it written at another time. "
        "Assign to a local name and store it afterwards, if the order does not matter.",
    ),
    Code(
        "DJA207", "nested-read", NOTE,
        "assigns a name that a nested function reads",
        "The nested function may run between the awaits and see the name assigned at another time. Nothing "
        "to do if that matters; else use another name for the result.",
    ),
    Code(
        "DJA208", "declared-name", NOTE,
        "assigns a global or nonlocal name",
        "Other code may read the name between the awaits, and would see it assigned at another time. Assign "
        "a local name and copy it afterwards, if the order does not matter.",
    ),
    Code(
        "DJA209", "finally-read", NOTE,
        "assigns a name that an enclosing finally block reads",
        "Run one after another, the name is bound even when a later call fails; gathered, it would not be "
        "when the finally block reads it. The statement keeps its place.",
    ),
    Code(
        "DJA210", "unknown-effects", NOTE,
        "awaited call whose effects are unknown",
        "Only calls known free of ordering effects (HTTP reads on a known client, ORM reads, functions read "
        "and found free) are gathered. If the call has none, list it in the gather-awaits.effect-free "
        "option.",
    ),
    Code(
        "DJA211", "data-dependency", NOTE,
        "data dependency between two awaits of a run",
        "One statement reads a name another one of the group assigns or writes into (either way round), so "
        "they cannot run at the same time. Nothing to do: the run is split there.",
    ),
    Code(
        "DJA212", "handed-object", NOTE,
        "shared object passed to a call that is not analysed",
        "A callee the codemod does not read may change what it is given, and the other statement uses the "
        "same object (an attribute passed counts as its object). The run is split there; if the callee "
        "changes nothing, gather the two by hand.",
    ),
    Code(
        "DJA213", "callee-writes", NOTE,
        "awaited function that writes",
        "The function (of this module or a project module) does a write, assigns a global or mutates an "
        "object it was not given and did not create, so it keeps its order. Nothing to do if that matters.",
    ),
    Code(
        "DJA214", "same-receiver", NOTE,
        "two calls on one object",
        "An object may keep state between its calls (not checked for calls analysed here, ORM reads or HTTP "
        "reads on a known client). The run is split there; if the calls share no state, gather them by "
        "hand.",
    ),
    Code(
        "DJA215", "mutated-argument", NOTE,
        "shared object passed to a function that mutates it",
        "A function of this module or a project module changes that parameter, and the other statement uses "
        "the same object, so their order matters. Nothing to do: the run is split there.",
    ),
    Code(
        "DJA216", "in-test", NOTE,
        "awaits in a test (retired: no longer reported)",
        "Tests are left alone without a word now (the order of a test's awaits is usually what the test "
        "checks, and speed does not matter there); the number stays taken.",
    ),
    Code(
        "DJA217", "orm-only", NOTE,
        "every call of the group is a Django async ORM read",
        "Django's async ORM runs its queries on one thread, one after another, so gathering them gains "
        "nothing. Nothing to do.",
    ),
    Code(
        "DJA218", "exception-ordering", WARNING,
        "awaits inside try/except or a transaction block",
        "Which exception is raised first, and what ran before it, is observable there; gathering would "
        "change it. Move the awaits out of the try or the atomic block if that does not matter.",
    ),
    Code(
        "DJA219", "asyncio-taken", WARNING,
        "the name asyncio means something else in this module",
        "asyncio is not imported, and import asyncio, which the rewrite needs, would rebind that name. "
        "Rename the other binding, or import asyncio under another name (import asyncio as aio).",
    ),
    Code(
        "DJA220", "exception-group-taken", WARNING,
        "the name BaseExceptionGroup is used in this module",
        "Style taskgroup catches BaseExceptionGroup, the builtin, to re-raise the first failure. Rename the "
        "other binding, or use style gather.",
    ),
    Code(
        "DJA221", "asyncio-bound", WARNING,
        "the module's asyncio name is bound in the function",
        "The rewrite calls asyncio.gather (or TaskGroup) through the module's name for asyncio, which the "
        "function (or an enclosing one) rebinds. Rename the local binding.",
    ),
    Code(
        "DJA222", "exception-group-bound", WARNING,
        "the name BaseExceptionGroup is bound in the function",
        "Style taskgroup catches the builtin BaseExceptionGroup, which the local binding would hide. Rename "
        "the local binding, or use style gather.",
    ),
    Code(
        "DJA223", "taskgroup-python", WARNING,
        "style taskgroup while requires-python admits Python < 3.11",
        "asyncio.TaskGroup and BaseExceptionGroup need Python 3.11+; falling back to gather would silently "
        "drop the failure behaviour taskgroup was chosen for. Set style = gather, or raise requires-python.",
    ),
    Code(
        "DJA224", "target-kind", NOTE,
        "assigns the await's result to an unsupported target",
        "Only names, attributes, subscripts and tuples/lists of them are assigned from a gather's results. "
        "Assign the result to a plain name instead.",
    ),
    Code(
        "DJA225", "several-statements", NOTE,
        "several statements on the await's line",
        "The rewrite moves whole statements and cannot keep the others of the line (a = await f(); b = 1) "
        "in place. Put the await on a line of its own.",
    ),
    Code(
        "DJA226", "awaits-non-call", NOTE,
        "awaits something other than a call",
        "Only awaited calls are gathered: a task, future or other awaitable held in a name may already run "
        "or be awaited elsewhere. Nothing to do.",
    ),
    Code(
        "DJA227", "unsafe-call", NOTE,
        "awaited call holding an await, walrus, lambda or yield",
        "Moved into gather(...), it would run or bind at another time. Compute those parts in statements of "
        "their own first.",
    ),
    Code(
        "DJA228", "comment-lost", NOTE,
        "comment in the statement outside the awaited call",
        "Only comments on the statement's line or inside the call are carried into the rewrite; this one "
        "would be lost. Move the comment to its own line above the statement.",
    ),
    Code(
        "DJA229", "computed-target", NOTE,
        "assigns to a target that computes something",
        "A target such as get_obj().x or d[f(k)] would be evaluated at another time after the rewrite. "
        "Assign to a plain name, then store it.",
    ),
    Code(
        "DJA230", "chained-assignment", NOTE,
        "chained assignment of an await",
        "a = b = await f() is not rewritten. Assign one name, then copy it (b = a).",
    ),
    Code(
        "DJA231", "bare-annotation", NOTE,
        "annotation without a value",
        "The await sits in the annotation of a bare x: <annotation>, which assigns nothing to gather. "
        "Nothing to do.",
    ),
    Code(
        "DJA232", "statement-kind", NOTE,
        "await inside an unsupported statement",
        "Only x = await f(...), x: T = await f(...) and a bare await join a run (not x += await f(), del, "
        "raise...). Assign the result to a name first.",
    ),
    Code(
        "DJA233", "await-not-first", NOTE,
        "the await is not the first thing its statement evaluates",
        "The statement does more than await a call and read its result (foo(await f()), 1 + await f()); the "
        "rest would run at another time once the call is gathered. Await into a name first.",
    ),
    Code(
        "DJA234", "computed-index", NOTE,
        "result indexed with something that is not a name or literal",
        "The index would be evaluated at another time after the rewrite. Compute it into a name first.",
    ),
    Code(
        "DJA235", "post-method", NOTE,
        "result post-processed with a method that may have side effects",
        "Only .json(), .get(), .keys(), .values(), .items() and .decode() are known to compute a value. "
        "Await into a name, then call the method on it in the next statement.",
    ),
    Code(
        "DJA236", "post-arguments", NOTE,
        "post-processing method given arguments that are not names or literals",
        "The arguments would be evaluated at another time after the rewrite. Compute them into names first.",
    ),
)
