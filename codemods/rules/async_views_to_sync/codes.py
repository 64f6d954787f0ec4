"""async-views-to-sync's diagnostic codes (DJA3xx, one per Problem kind) and its ``explain`` page.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code, Problem

PAGE = """
What it does:
    An async def view (function or class-based handlers) whose only await is one Django async DB
    call with a sync twin, or that awaits nothing, becomes a plain def view: await X.objects.aget()
    becomes X.objects.get(), await obj.asave() becomes obj.save(), request.auser() becomes
    request.user; imports are fixed. Only views modules and modules a urlconf routes to; no tests.

Why:
    Django's async ORM runs the sync ORM in a thread: a view whose only work is one query pays an
    event-loop hop and a thread switch for nothing.

Example:
    Before::

        async def product(request, pk):
            item = await Product.objects.aget(pk=pk)
            return JsonResponse({"name": item.name})

    After::

        def product(request, pk):
            item = Product.objects.get(pk=pk)
            return JsonResponse({"name": item.name})

Fix safety:
    A view is converted only when the whole project shows nothing awaiting, scheduling or wrapping
    it, its decorators accept sync views on the target Django, and it reads nothing of its thread,
    loop or context. Class views convert all of a hierarchy's handlers or none. A view left async
    because it does other async work (or is marked skip) gets a note (-v only); one blocked by code
    elsewhere, a decorator, a base, a name clash or such a read gets a warning (always shown).
"""

CODES = (
    Code(
        "DJA301", "wrapped-elsewhere", WARNING,
        "view given to a call not known to accept a sync view",
        "A call in the project (a urlconf wrapper, a registry, a decorator applied by hand) receives the "
        "view, and may await it: made sync, it would hand that code a plain function where a coroutine "
        "function was expected. Check the wrapper: if it takes sync views too, convert the view by hand.",
    ),
    Code(
        "DJA302", "subclassed-elsewhere", WARNING,
        "view class subclassed in another file with async handlers",
        "A class in another file derives from it (directly or through other classes) and has async request "
        "methods of its own: converting this module alone would leave that view with both sync and async "
        "handlers, which Django rejects (ImproperlyConfigured). Convert the two together by hand.",
    ),
    Code(
        "DJA303", "awaited-elsewhere", WARNING,
        "view awaited or scheduled by code of the project",
        "Something awaits it (await view(...), gather, create_task, async_to_sync...) or, for a handler, "
        "awaits a call of the same name (await super().get(...)): it must stay a coroutine function. Convert "
        "the caller first, or leave the view async.",
    ),
    Code(
        "DJA304", "async-library-use", NOTE,
        "view uses asyncio, anyio, trio or asgiref",
        "Such calls need the event loop, which a sync view does not run on (only await sync_to_async(f)(...) "
        "with default options is unwrapped). Nothing to do: the view keeps its async work.",
    ),
    Code(
        "DJA305", "async-for-not-queryset", NOTE,
        "async for over something that is not a queryset",
        "Only async for over a queryset has a sync twin (a plain for). Nothing to do: the view does real "
        "async iteration.",
    ),
    Code(
        "DJA306", "too-many-queries", NOTE,
        "view makes more DB calls than max-queries allows",
        "A view with several queries may gain from async. Raise the async-views-to-sync.max-queries option "
        "(default 1) if you want such views sync too.",
    ),
    Code(
        "DJA307", "skip-comment", NOTE,
        "marked # dj-asyncify: skip",
        "The view or handler is marked to be left alone. Remove the comment to let the codemod convert it.",
    ),
    Code(
        "DJA308", "class-keywords", WARNING,
        "view class with class keywords",
        "Class keywords (a metaclass=...) may change how the class and its handlers are built, which the "
        "codemod cannot check. Convert the class by hand if the metaclass does not care.",
    ),
    Code(
        "DJA309", "coroutine-method", WARNING,
        "view class has another coroutine method",
        "An async dispatch or helper may await the handlers, which would get a plain value once they are "
        "sync. Convert that method too, by hand, or leave the class async.",
    ),
    Code(
        "DJA310", "unknown-base", WARNING,
        "view class base that cannot be checked",
        "Django requires a view's handlers, inherited ones included, to be all sync or all async, and this "
        "base is neither a known Django view or mixin nor a class of this module. Convert by hand.",
    ),
    Code(
        "DJA311", "not-a-db-call", NOTE,
        "awaits something that is not a Django DB call with a sync twin",
        "Only awaits of Django DB calls with a sync twin (aget, asave, aget_object_or_404...) on a receiver "
        "plausibly Django's are made sync. Nothing to do: the view does other async work.",
    ),
    Code(
        "DJA312", "api-too-new", NOTE,
        "awaits an API newer than the target Django version",
        "Django has no such method at --target-django, so the call cannot be Django's and has no known sync "
        "twin. Raise --target-django if the project uses a newer Django.",
    ),
    Code(
        "DJA313", "sync-name-taken", WARNING,
        "the sync function's name means something else here",
        "The rewrite would import the sync twin (get_object_or_404...) under a name the module or the view "
        "already binds to something else. Rename that binding.",
    ),
    Code(
        "DJA314", "sync-to-async-options", WARNING,
        "awaits sync_to_async(f) with options",
        "Any option but thread_sensitive=True (the default) changes the thread f runs in; called directly in "
        "a sync view it would run in Django's worker thread. Drop the options if the thread does not matter.",
    ),
    Code(
        "DJA315", "session-aset", WARNING,
        "session.aset() other than as a statement with two arguments",
        "session.aset has no sync method, only session[key] = value, which is a statement, not a value. Write "
        "await request.session.aset(k, v) as a statement of its own, with two positional arguments.",
    ),
    Code(
        "DJA316", "async-streaming", NOTE,
        "streams a response whose content may be an async iterator",
        "A StreamingHttpResponse over an async iterator needs an async view. Only a literal, a plain "
        "generator expression or a call of a sync def of the module is known to be sync. Nothing to do.",
    ),
    Code(
        "DJA317", "unknown-decorator", WARNING,
        "decorator not known to accept a sync view",
        "An unknown decorator may await the view or check that it is a coroutine function. If it takes sync "
        "views too, convert the view by hand.",
    ),
    Code(
        "DJA318", "decorator-too-old", WARNING,
        "decorator that supports async views only in a newer Django",
        "On the target Django the decorator does not support async views, so the view is broken as async "
        "today, and converting it would change what it does. Fix it by hand (or raise --target-django).",
    ),
    Code(
        "DJA319", "nested-coroutine-function", NOTE,
        "view defines a nested coroutine function",
        "A nested async def (an async iterator, a task) needs the event loop the view runs on. Nothing to do: "
        "the view does real async work.",
    ),
    Code(
        "DJA320", "reads-where-it-runs", NOTE,
        "view reads its thread, loop, task or context",
        "A sync view runs in a worker thread, not on the event loop (another thread, no running loop, a "
        "copied context), and would read something else. Convert by hand if that read does not matter.",
    ),
    Code(
        "DJA321", "imports-async-library", NOTE,
        "view imports asyncio, anyio, trio or asgiref",
        "What the view imports from those libraries needs the event loop. Nothing to do: the view does real "
        "async work.",
    ),
    Code(
        "DJA322", "async-with", NOTE,
        "view uses async with",
        "An async context manager needs the event loop. Nothing to do: the view does real async work.",
    ),
    Code(
        "DJA323", "async-generator", NOTE,
        "view is an async generator",
        "It yields, so it streams its response asynchronously; a sync def would be a plain generator. Nothing "
        "to do.",
    ),
    Code(
        "DJA324", "unawaited-coroutine", NOTE,
        "view uses a coroutine function of its module without awaiting it",
        "It passes on, stores or schedules the coroutine function instead of awaiting it, which needs an "
        "event loop to run. Nothing to do: the view does real async work.",
    ),
    Code(
        "DJA325", "async-generator-expression", NOTE,
        "view builds an async generator expression",
        "An async generator needs the event loop. Nothing to do: the view does real async work.",
    ),
    Code(
        "DJA327", "http-calls", NOTE,
        "view opens an async HTTP client: real async work",
        "The view awaits HTTP calls through an async client (as requests-to-httpx writes them), which a sync "
        "view could not do without blocking a thread. Nothing to fix.",
    ),
    Code(
        "DJA328", "concurrent-awaits", NOTE,
        "view runs awaits concurrently: real async work",
        "The view awaits asyncio.gather/wait or uses a TaskGroup (as gather-awaits writes them): async buys "
        "it concurrency. Nothing to fix.",
    ),
    Code(
        "DJA326", "unknown-view-bases", WARNING,
        "class with async view handlers on unknown bases",
        "Its handlers look like view handlers, but its bases are not known Django views, so the inherited "
        "handlers cannot be checked (Django requires all sync or all async). Convert it by hand if it is a "
        "view.",
    ),
)

# The kinds that are notes: a view considered and not a candidate (it does real async work, reads
# where it runs, or is marked skip). ``Decider`` decides the body first, so such a view gets its
# note whatever else keeps it async.
NOTE_KINDS = frozenset(c.kind for c in CODES if c.level == NOTE)


def is_note(problem: Problem) -> bool:
    return problem.kind in NOTE_KINDS
