"""gather-awaits's diagnostic codes (DJA2xx, one per Problem kind) and the short page ``explain`` prints.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code

PAGE = ""

CODES = (
    Code("DJA201", "test-client", NOTE, "order-sensitive: a Django test client request runs the app in-process and shares cookies, session and database with the next one"),
    Code("DJA202", "opaque-call", NOTE, "cannot tell what the awaited call does"),
    Code("DJA203", "same-name", NOTE, "data dependency: the same name is assigned twice"),
    Code("DJA204", "write", NOTE, "order-sensitive write: …"),
    Code("DJA205", "ordering", NOTE, "order-sensitive: …"),
    Code("DJA206", "foreign-write", NOTE, "writes into …, which is not a local of this function: others may read it"),
    Code("DJA207", "nested-read", NOTE, "data dependency on …: a function nested here reads it"),
    Code("DJA208", "declared-name", NOTE, "data dependency on …: it is global/nonlocal, other code may read it"),
    Code("DJA209", "finally-read", NOTE, "a finally block reads …: if a later call fails, it would not have been assigned yet"),
    Code("DJA210", "unknown-effects", NOTE, "order kept: effects of … are unknown…; declare it in gather-awaits.effect-free if it has none"),
    Code("DJA211", "data-dependency", NOTE, "data dependency on …"),
    Code("DJA212", "handed-object", NOTE, "shared argument … passed to …(), which is not analysed here and may change it, and used by the other call"),
    Code("DJA213", "callee-writes", NOTE, "order-sensitive write: …() is defined … and …"),
    Code("DJA214", "same-receiver", NOTE, "same receiver …: …() and …() are calls on one object, which may keep state between them (not analysed here, nor an HTTP read on a known client)"),
    Code("DJA215", "mutated-argument", NOTE, "shared argument … passed to a function that mutates it (…() is defined …)"),
    Code("DJA216", "in-test", NOTE, "not gathered in a test: the order of its awaits is usually what the test checks, and speed does not matter there"),
    Code("DJA217", "orm-only", NOTE, "no benefit: Django's async ORM runs on one thread"),
    Code("DJA218", "exception-ordering", NOTE, "exception ordering observable: inside try/except or a transaction block"),
    Code("DJA219", "asyncio-taken", WARNING, "the name 'asyncio' is used for something else in this module"),
    Code("DJA220", "exception-group-taken", WARNING, "the name 'BaseExceptionGroup' is used in this module"),
    Code("DJA221", "asyncio-bound", WARNING, "the name … is bound locally"),
    Code("DJA222", "exception-group-bound", WARNING, "the name 'BaseExceptionGroup' is bound locally"),
    Code("DJA223", "taskgroup-python", WARNING, "style taskgroup needs Python 3.11+ (asyncio.TaskGroup), but requires-python … in … admits older versions: use style gather, or raise requires-python"),
    Code("DJA224", "target-kind", NOTE, "assigns to a … target"),
    Code("DJA225", "several-statements", NOTE, "several statements on one line"),
    Code("DJA226", "awaits-non-call", NOTE, "awaits something other than a call"),
    Code("DJA227", "unsafe-call", NOTE, "the awaited call holds an await, walrus, lambda or yield"),
    Code("DJA228", "comment-lost", WARNING, "a comment inside the statement, outside the awaited call, would be lost"),
    Code("DJA229", "computed-target", NOTE, "assigns to a target that computes something (call, nested expression)"),
    Code("DJA230", "chained-assignment", NOTE, "chained assignment"),
    Code("DJA231", "bare-annotation", NOTE, "annotation without a value"),
    Code("DJA232", "statement-kind", NOTE, "await inside a … statement"),
    Code("DJA233", "await-not-first", NOTE, "the await is not the first thing its statement evaluates"),
    Code("DJA234", "computed-index", NOTE, "the result is indexed with something that is not a name or literal"),
    Code("DJA235", "post-method", NOTE, "the result is post-processed with .…(), which may have side effects"),
    Code("DJA236", "post-arguments", NOTE, "the result's .…() gets arguments that are not names or literals"),
)
