"""Effects as gather-awaits judges them: which awaited calls write, order what follows, or only read.

Data only (no libcst, no I/O). Where a shared table holds the fact (``orm``, ``http``), the set is
derived from it; where gather-awaits takes less than the shared table, the difference is named
(``tests/test_gather_awaits_policy.py`` pins each set, so a change to a shared table that would change
what gather-awaits gathers fails there first).
"""

from __future__ import annotations

import builtins

from codemods.knowledge import effects, http, orm

# Attribute calls that write: the unsafe HTTP methods, and httpx's ``stream`` (a request of any
# method, read as it arrives) and ``send`` (sends a prepared request of any method).
WRITE_METHODS = http.WRITE_METHODS | {"stream", "send"}
# The literal methods of ``client.request(method, url)`` that make it a read.
READ_HTTP = frozenset(m.upper() for m in http.READ_METHODS)
# Awaited methods that wait for or signal other tasks, or change a connection's state: ordered.
SYNC_METHODS = frozenset(
    {"acquire", "wait", "join", "put", "drain", "aclose", "close", "connect", "execute",
     "executemany", "commit", "rollback", "publish",
     # reads from one stream/socket/queue: each takes the next item, in order
     "receive", "recv", "read", "readline", "readexactly", "readuntil", "receive_json",
     "receive_text", "receive_bytes", "receive_from", "receive_json_from",
     "receive_output", "receive_nothing", "__anext__", "asend", "athrow",
     # one database connection/cursor runs one query at a time (asyncpg, aiosqlite...)
     "fetch", "fetchrow", "fetchval", "fetchone", "fetchmany", "fetchall", "cursor"}
)

# Session and cache writes that gather-awaits' table never listed: an awaited call of one is judged
# by its name like any unknown call (``asetdefault``, ``aincr_version`` are no write verbs), so
# taking them for writes would change which runs gather -- a change to make on purpose, with tests.
ORM_WRITES_NOT_TAKEN = frozenset(
    {"asetdefault", "aset_test_cookie", "adelete_test_cookie", "aincr_version", "adecr_version"}
)
# Async Django writes the shared ORM table does not hold: ``SessionStore.aclear_expired()`` (a class
# method, on no receiver the table knows) and the test clients' ``aforce_login()``.
ORM_WRITES_EXTRA = frozenset({"aclear_expired", "aforce_login"})
# Async Django writes: ORM, related managers, instances, auth, sessions, cache.
ORM_WRITES = (
    orm.names(orm.QUERYSET, orm.RELATED, orm.USER_MANAGER, orm.INSTANCE, effect=orm.WRITE)
    | {q.rpartition(".")[2] for q, (_, _, _, effect) in orm.FUNCTIONS.items() if effect == orm.WRITE}
    | (orm.names(orm.SESSION, orm.CACHE, effect=orm.WRITE) - ORM_WRITES_NOT_TAKEN)
    | ORM_WRITES_EXTRA
)
# Sync ORM writes a helper of this module may make (through sync_to_async or a thread): the sync
# twins of the QuerySet and instance writes, less ``update`` (also ``dict.update``: as a mutator it
# is judged by the object it changes, so a helper updating a dict of its own writes nothing),
# ``delete`` (an attribute call of it is a write already, see WRITE_METHODS) and
# ``refresh_from_db`` (it re-reads the row: not taken for a write of a helper).
SYNC_WRITES = orm.sync_names(orm.names(orm.QUERYSET, orm.INSTANCE, effect=orm.WRITE)) - {
    "update", "delete", "refresh_from_db"
}
# Module-level async reads: Django's shortcuts. Not ``aprefetch_related_objects`` (it fills the
# caches of the instances it is given) nor auth's ``aget_user`` (never listed here).
ORM_READ_FUNCTIONS = frozenset(
    q for q, (module, _, _, effect) in orm.FUNCTIONS.items()
    if module == "django.shortcuts" and effect == orm.READ
)
# ``request.auser()`` (Django 5.0): the request's user, loaded from the session.
REQUEST_READS = frozenset({"auser"})
# Async ORM reads, by method name: the QuerySet reads, ``request.auser()`` and the shortcuts. The
# session, cache and permission reads of the shared table are not taken (never listed here; being
# one makes a call a known read, excuses a shared receiver and makes a group "no benefit").
ORM_READS = (
    orm.names(orm.QUERYSET, effect=orm.READ)
    | REQUEST_READS
    | {q.rpartition(".")[2] for q in ORM_READ_FUNCTIONS}
)

# Receivers whose awaited calls always keep their order: Django's test client runs the whole
# app in-process for each request, sharing its cookies, session and the test database.
SEQUENTIAL_RECEIVERS = frozenset({"async_client"})
# Methods allowed in the post-processing of an awaited result (no effects on anything else).
POST_METHODS = frozenset({"json", "get", "keys", "values", "items", "decode"})
# Every builtin name, not only ``effects.SAFE_BUILTINS``: a builtin is never a function of the
# project, its name never marks it as a write, and the objects passed to one are not taken for
# shared with the other calls of a run.
BUILTIN_NAMES = frozenset(dir(builtins))
# Imported objects whose attributes are configuration: ``f(u, timeout=settings.T)`` passes a
# value, not the object.
CONFIG_OBJECTS = frozenset({"django.conf.settings"})

# What gather-awaits proves free of ordering effects inside a function it analyses, besides HTTP
# reads on known clients, async ORM reads and functions it analysed (see ``effect_free``):
# - calls (not awaited) of these methods: str and container reads, a decoded response body,
#   ``raise_for_status()``; a mutator is judged by the object it changes (``Func.mutated``);
DATA_METHODS = (
    POST_METHODS | effects.STR_METHODS | effects.MUTATORS
    | {"raise_for_status", "copy", "count", "index", "isoformat", "strftime", "timestamp",
       "total_seconds", "quantize"}
)
# - QuerySet builders (lazy: they run no query);
LAZY_ORM_METHODS = orm.LAZY_METHODS
# - builtins that compute a value, and the builtin exception classes (``raise ValueError(...)``);
PURE_BUILTINS = effects.SAFE_BUILTINS | {
    "getattr", "hasattr", "callable", "id", "hash", "issubclass", "map", "filter", "slice",
} | effects.BUILTIN_EXCEPTIONS
# - functions and classes of modules that compute values (``effects.PURE_*_MODULES``);
PURE_MODULES = effects.PURE_STDLIB_MODULES + effects.PURE_DJANGO_MODULES
# - the client classes and their settings: making a client sends nothing;
CLIENT_SETUP = http.ASYNC_CLIENT_CLASSES | {"httpx.Timeout", "httpx.Limits", "httpx2.Timeout",
                                            "httpx2.Limits", "aiohttp.ClientTimeout"}
# - calls on a logger (taken for no effect: a log record, whose order may change).
LOGGERS = effects.LOGGER_NAMES
