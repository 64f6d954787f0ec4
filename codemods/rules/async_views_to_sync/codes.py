"""async-views-to-sync's diagnostic codes (DJA3xx, one per Problem kind) and the short page ``explain`` prints.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code

PAGE = ""

CODES = (
    Code("DJA301", "wrapped-elsewhere", WARNING, "is given to `…(...)`……, which is not known to accept a sync view in place of an async one (it may await it)"),
    Code("DJA302", "subclassed-elsewhere", WARNING, "is subclassed, directly or through other classes, by … in ……, which has async request methods; converting this module alone would leave that view with both sync and async handlers, which Django rejects (ImproperlyConfigured); convert them together by hand"),
    Code("DJA303", "awaited-elsewhere", WARNING, "is awaited or scheduled …; it must stay a coroutine"),
    Code("DJA304", "async-library-use", NOTE, "uses `…` outside `await sync_to_async(f)(...)`; it needs the event loop"),
    Code("DJA305", "async-for-not-queryset", NOTE, "iterates `…` with `async for`, which is not a queryset"),
    Code("DJA306", "too-many-queries", NOTE, "makes … DB calls (max-queries is …)"),
    Code("DJA307", "skip-comment", NOTE, "is marked `# dj-asyncify: skip`"),
    Code("DJA308", "class-keywords", WARNING, "has class keywords (a metaclass?) that cannot be checked"),
    Code("DJA309", "coroutine-method", NOTE, "has the coroutine method …, which may await its handlers"),
    Code("DJA310", "unknown-base", WARNING, "inherits from `…`, which cannot be checked (its handlers must be all sync or all async)"),
    Code("DJA311", "not-a-db-call", NOTE, "awaits `…`, which is not a Django DB call with a sync twin"),
    Code("DJA312", "api-too-new", WARNING, "awaits `…`, which Django has only since … (target is …), so it is not Django's"),
    Code("DJA313", "sync-name-taken", WARNING, "the name … already means something else here"),
    Code("DJA314", "sync-to-async-options", NOTE, "awaits `…`, whose sync_to_async options change where it runs"),
    Code("DJA315", "session-aset", NOTE, "awaits `…`: session.aset has no sync method, only `session[key] = value`"),
    Code("DJA316", "async-streaming", NOTE, "streams a response from `…`, which may be an async iterator"),
    Code("DJA317", "unknown-decorator", WARNING, "has the decorator `…`, not known to accept a sync view in place of an async one"),
    Code("DJA318", "decorator-too-old", WARNING, "has the decorator `…`, which supports async views only since Django …: the view is broken as async on the target …; fix it by hand"),
    Code("DJA319", "nested-coroutine-function", NOTE, "defines the coroutine function … (an async iterator or task)"),
    Code("DJA320", "reads-where-it-runs", WARNING, "reads … (`…`): as a sync view it would run in a worker thread, not on the event loop (another thread, no running loop, a copied context), and see something else"),
    Code("DJA321", "imports-async-library", NOTE, "imports …, which needs the event loop"),
    Code("DJA322", "async-with", NOTE, "uses `async with`"),
    Code("DJA323", "async-generator", NOTE, "is an async generator (streams its response)"),
    Code("DJA324", "unawaited-coroutine", NOTE, "uses the coroutine function … without awaiting it"),
    Code("DJA325", "async-generator-expression", NOTE, "builds an async generator `…`"),
    Code("DJA327", "http-calls", NOTE, "the view opens an async HTTP client: it does real async work"),
    Code("DJA328", "concurrent-awaits", NOTE, "the view runs awaits concurrently: async buys it concurrency"),
    Code("DJA326", "unknown-view-bases", WARNING, "… left async: its bases (…) are not known Django views, so its inherited handlers cannot be checked"),
)
