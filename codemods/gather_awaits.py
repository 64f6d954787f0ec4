"""Run independent consecutive awaits concurrently with ``asyncio.gather`` (or a ``TaskGroup``).

What it does
    In the body of an ``async def``, a run of two or more consecutive statements that each await
    one call first thing -- ``x = await f(...)``, ``x: T = await f(...)``, ``await f(...)``, and
    the same with the awaited result post-processed by attribute reads, subscripts and
    ``.json()``/``.get()``/``.keys()``/``.values()``/``.items()``/``.decode()`` calls, as in
    ``a = (await client.get(u)).json()["k"]`` -- becomes one ``asyncio.gather(...)`` of the calls.

    - Without post-processing the results are unpacked straight into the targets:
      ``x, y = await asyncio.gather(f(...), g(...))`` (a bare await gets the throw-away ``_``, or
      ``_1``... if ``_`` is taken; when every result is thrown away the gather has no targets:
      ``await asyncio.gather(...)``). A local annotation is dropped (it is never evaluated).
    - With post-processing, or a target other than a plain name (``self.user = ...``,
      ``d[k] = ...``, ``x, y = ...``), the results go to fresh temporaries (``_a``...), then every
      such statement and every one after it is kept, in its original order, reading its
      temporary: ``a = _a.json()``. Annotations of those statements are kept.
    - Comments inside a run are kept: on the statement's own line, or next to its call inside
      ``gather(...)`` when the statement has no line left of its own (blank lines between the
      statements are not carried into the argument list).
    - Option ``style`` (``[tool.dj-asyncify.gather-awaits] style = "taskgroup"`` or
      ``-o gather-awaits.style=taskgroup``): instead of ``gather``, start the calls as tasks of an
      ``asyncio.TaskGroup`` and read ``task.result()`` after the block. ``TaskGroup`` (and
      ``BaseExceptionGroup``) need Python 3.11+: when the nearest pyproject.toml above the file
      has a ``requires-python`` (or Poetry's ``python`` dependency) admitting an older version,
      every run is refused with that reason rather than gathered -- whoever chose ``taskgroup``
      asked for its failure behaviour (the others are cancelled, see below), which ``gather``
      would silently drop; the fix is one setting (``style = "gather"`` or a higher
      ``requires-python``). With no ``requires-python`` found the ``TaskGroup`` is emitted: the
      code then requires Python 3.11+.
    ``import asyncio`` is added if missing: after the imports at the top of the module, or (with
    none) after the docstring and two blank lines before a ``def``/``class`` that follows.

Functions of other project modules
    A call of a run to a function imported from a module of the project -- ``from
    shop.services import add_item``, ``from . import services; services.add_item(...)``,
    ``import shop.services as s`` (module-level imports) -- is judged like a function of this
    module: the module's file is looked for next to this file, then in each folder above it up
    to the project root (the first folder holding pyproject.toml, setup.py, setup.cfg or
    manage.py; ``from .x`` imports from this file's package), parsed, and its top-level ``def``
    of that name analysed (with the functions of its module it calls; its own name then no
    longer decides, as for a function of this module). The same holds for the
    functions of this module that a run calls and that call such functions. The files are read
    only for the calls of a run, through ``codemods.project`` (a cached result is dropped when
    one of them changes). Methods, re-exported names, standard-library modules and functions
    these modules import from further modules are not followed: an unresolved callee keeps the
    rules of an unknown call (see below).

Why
    Awaiting one I/O call after another waits for the sum of their latencies; running them
    concurrently waits for the longest one only.

Example
    Before::

        async def view(request):
            user = await fetch_user(uid)
            feed = (await client.get(FEED_URL)).json()

    After::

        async def view(request):
            user, _feed = await asyncio.gather(fetch_user(uid), client.get(FEED_URL))
            feed = _feed.json()

    With ``style = "taskgroup"``::

        async def view(request):
            try:
                async with asyncio.TaskGroup() as tg:
                    _user = tg.create_task(fetch_user(uid))
                    _feed = tg.create_task(client.get(FEED_URL))
            except BaseExceptionGroup as exc:
                raise exc.exceptions[0] from None
            user = _user.result()
            feed = _feed.result().json()

Failure behaviour
    Sequentially, a failing call stops the ones after it from starting. ``gather``: all calls
    start together; the first exception propagates as itself, and the other calls keep running in
    the background until they finish. ``taskgroup``: the first failure cancels the other calls
    (nothing is left running, closer to the sequential behaviour) and is re-raised as itself
    (unwrapped from the ``ExceptionGroup``, so ``except Http404`` and Django's own handlers still
    match). Either way, the calls of a run are reads (see below), so the calls that ran early
    changed nothing; post-processing still runs in order, after all the calls. The arguments of
    all the calls are evaluated first, in the original order: when both a call and a later
    statement's argument (or two calls) would fail, which exception propagates may differ.

Refuses when (each with a diagnostic)
    Kept in place, splitting the run (the awaits before and after it are gathered separately);
    calls in the awaited call's arguments count, and ``wait_for``/``shield(f())`` is judged by
    ``f()``:
    - a bare ``await f(...)`` statement (its value thrown away: the call is made for its effect,
      e.g. ``await worker.run_job(job.job_id)`` before ``await job.result_info()``), unless the
      callee is known to be a read: a function of this module or of a project module analysed and
      found to write nothing, an HTTP GET/HEAD/OPTIONS on a known client (see below), an async ORM
      read, ``sleep(0)``;
    - a write, ordered with respect to every other call: ``.post/.put/.patch/.delete``,
      ``.request(...)`` unless its method is a literal GET/HEAD/OPTIONS, ``.stream``/``.send``, an
      async ORM/auth/session/cache write (``asave``, ``acreate``, ``aset``, ``alogin``,
      ``arefresh_from_db``...), ``sync_to_async(...)(...)``, or a function of this module (or a
      method of a class of this module, or a function of a project module, see above) that does
      any of these, assigns a global or mutates an object it was not given and did not create;
    - a call of a function neither this module nor a project module defines (see above), named
      as a write by its first word
      (``save_...``, ``create...``, ``send...``, ``notify...``, ``log...``, ``set...``; see
      ``WRITE_VERBS``) or with ``create``/``update``/``delete``/``send``... anywhere in its
      name, also inside a function of this module;
    - a call on Django's test client (``self.async_client``, the ``async_client`` fixture):
      each request runs the app and shares cookies, session and test database with the next;
    - a call that orders what follows it: ``sleep(...)`` (except ``sleep(0)``), ``.acquire()``/
      ``.wait()``/``.join()``/``.put()``/``.drain()``/``.close()``/``.connect()``/``.execute()``/
      ``.commit()``/``.rollback()``, ``.fetch()``/``.fetchrow()``/``.fetchone()``...,
      ``.receive()``/``.read()``/``.readline()``/``.get()`` without arguments, ``anext()``...
      (locks, events, queues, database connections, streams), also inside a function of this
      module;
    - a statement binding a name that a function nested here reads, that is declared
      ``global``/``nonlocal``, or that an enclosing ``finally`` reads (sequentially, an earlier
      name is bound even when a later call fails);
    - a statement writing into an object that is not a parameter or local of the function
      (``CACHE[k] = await ...`` on a module global: other code may read it).
    Starting a new group (the statement and the ones before it are not run together):
    - a data dependency: a call reads a name another statement of the group binds or writes
      into (``a`` of ``a.b = ...``), in either direction, or two statements bind the same name;
    - a function (or method) of this module, or a function of a project module, mutates a
      parameter (``append``/``extend``/
      ``update``/``+=``... on it, item or attribute assignment, ``del``) and the object passed for
      it is also used by the other statement;
    - an object is passed to a call that is not analysed (an unknown callee may change what it
      is given: ``worker.run_job(job.job_id)``) and used by the other statement (read, passed,
      or its method called; an attribute passed, ``job.job_id``, counts as its object); parameters
      annotated ``int``/``str``/``float``/``bool``/``bytes`` (and ``UUID``, ``Decimal``, dates)
      are values nothing can change, modules (``import x``) and attributes of Django's
      ``settings`` are not shared objects;
    - two statements call methods of the same receiver (``agent.run(a)`` twice; ``self.x()`` and
      ``self.store.y()``: an object and one of its attributes): an object may keep state between
      its calls. Not for calls analysed here (their mutations are judged as above), Django async
      ORM reads, and HTTP reads on a known client: a name bound only by ``async with
      httpx.AsyncClient(...) as c`` / ``c = httpx.AsyncClient(...)`` (also ``httpx2``,
      ``aiohttp.ClientSession``), or a parameter or variable annotated with one, in the function,
      an enclosing one or at module level -- what requests-to-httpx produces, so its
      ``client.get(a)``, ``client.get(b)`` are still gathered.
    Leaving the group or run as it is:
    - every call of a group is a Django async ORM read: no benefit, Django's async ORM runs on
      one thread;
    - the run is inside ``async with`` on ``atomic``/``transaction``, or inside a ``try`` with
      ``except`` handlers: the exception ordering is observable;
    - ``asyncio`` (or, for ``taskgroup``, ``BaseExceptionGroup``) means something else here;
    - the run is in a test: a function named ``test*`` in a test module (``test_*.py``,
      ``*_test.py``, ``tests.py``, a file under a ``tests``/``test`` folder) or a method of a test
      class (``Test*``/``*Tests`` in a test module, or any class with a ``...TestCase`` base), or a
      function nested in one. The order of a test's awaits is usually what it checks (one request
      after another, an effect then its result) and speed does not matter there. Only the runs
      that would otherwise be gathered are reported, once each; the other reasons are not
      reported in tests.
    Statements next to an await that cannot join a run (the await is not evaluated first,
    post-processing may have side effects, a target that calls something, several statements
    on one line, a comment that would be lost...) are reported with the reason. ``return await ...`` never joins a run.
    - style ``taskgroup`` while the project's ``requires-python`` admits Python < 3.11.
    Not checked: what an awaited call of a module outside the project (or not resolved, see
    above) does, when its result is used -- an unknown call is then taken for a read with no
    effect on the others (HTTP GET/HEAD/OPTIONS, ORM reads, other async clients) unless its name
    says it writes, or it shares an object with another statement (see above).
    Two GETs on the same httpx client run concurrently: a cookie that the first response sets is
    not sent with the second, as it would be sequentially.
    ``# dj-asyncify: skip`` on the ``def`` line skips the function.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import itertools
import os
import re
import sys
from pathlib import Path
from typing import Any, ClassVar

import libcst as cst

from codemods import project as _disk
from codemods.analysis import ImportTable, dotted_name, has_skip_comment, last_name, local_bindings
from codemods.registry import Codemod, Context, register

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# Attribute calls that write (HTTP methods with effects, streaming, sending a prepared request).
WRITE_METHODS = {"post", "put", "patch", "delete", "stream", "send"}
READ_HTTP = {"GET", "HEAD", "OPTIONS"}
# Awaited methods that wait for or signal other tasks, or change a connection's state: ordered.
SYNC_METHODS = {"acquire", "wait", "join", "put", "drain", "aclose", "close", "connect", "execute",
                "executemany", "commit", "rollback", "publish",
                # reads from one stream/socket/queue: each takes the next item, in order
                "receive", "recv", "read", "readline", "readexactly", "readuntil", "receive_json",
                "receive_text", "receive_bytes", "receive_from", "receive_json_from",
                "receive_output", "receive_nothing", "__anext__", "asend", "athrow",
                # one database connection/cursor runs one query at a time (asyncpg, aiosqlite...)
                "fetch", "fetchrow", "fetchval", "fetchone", "fetchmany", "fetchall", "cursor"}
# Async Django writes: ORM, related managers, instances, auth, sessions, cache.
ORM_WRITES = {
    "asave", "acreate", "aupdate", "adelete", "abulk_create", "abulk_update", "aget_or_create",
    "aupdate_or_create", "aadd", "aremove", "aset", "aclear", "arefresh_from_db",
    "acreate_user", "acreate_superuser", "aauthenticate", "alogin", "alogout",
    "aupdate_session_auth_hash", "acycle_key", "aflush", "apop", "aset_many", "adelete_many",
    "aincr", "adecr", "atouch", "aget_or_set", "aset_expiry", "aclear_expired",
    "aforce_login",  # test clients
}
# Receivers whose awaited calls always keep their order: Django's test client runs the whole
# app in-process for each request, sharing its cookies, session and the test database.
SEQUENTIAL_RECEIVERS = {"async_client"}
# Sync writes a helper of this module may make (through sync_to_async or a thread).
SYNC_WRITES = {"save", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
ORM_READS = {
    "aget", "afirst", "alast", "acount", "aexists", "aaggregate", "alatest", "aearliest",
    "acontains", "ain_bulk", "aexplain", "auser", "aget_object_or_404", "aget_list_or_404",
}
ORM_READ_FUNCTIONS = {"django.shortcuts.aget_object_or_404", "django.shortcuts.aget_list_or_404"}
MUTATORS = {"append", "extend", "update", "pop", "insert", "remove", "clear", "add", "discard",
            "setdefault", "popitem", "sort", "reverse"}
# Methods allowed in the post-processing of an awaited result (no effects on anything else).
POST_METHODS = {"json", "get", "keys", "values", "items", "decode"}
STYLES = ("gather", "taskgroup")
# Awaitables wrapping the coroutine passed first: the wrapped call is what runs.
WRAPPERS = {"wait_for", "shield", "ensure_future", "create_task"}
BUILTIN_NAMES = set(dir(builtins))
# A callee this module does not define, named with one of these verbs first (``send_email``,
# ``createOrder``, ``asave_report``), is taken for a write: its order is kept.
WRITE_VERBS = {
    "save", "create", "update", "upsert", "delete", "remove", "insert", "add", "set", "put",
    "post", "patch", "send", "emit", "notify", "publish", "broadcast", "dispatch", "enqueue",
    "queue", "push", "write", "upload", "store", "persist", "record", "log", "login", "logout",
    "register", "mark", "increment", "decrement", "incr", "decr", "reset", "clear", "flush",
    "commit", "rollback", "charge", "pay", "refund", "cancel", "submit", "sync", "release",
    "lock", "unlock", "invalidate", "purge", "bump", "touch", "destroy", "drop", "kill", "stop",
    "start", "move", "rename", "subscribe", "unsubscribe", "approve", "reject", "archive",
    "restore", "schedule", "trigger", "execute", "migrate", "assign", "grant", "revoke", "ban",
    "block", "follow", "unfollow", "like", "transfer", "deposit", "withdraw", "reserve", "book",
    "track", "apply", "attach", "detach", "link", "unlink", "enable", "disable", "activate",
    "deactivate", "confirm", "refresh", "import", "export", "sign", "invite", "accept", "decline",
}
# ... or with one of these anywhere in its name (``get_or_create_user``, ``fetch_and_update``).
STRONG_WRITE_WORDS = {"create", "save", "update", "delete", "insert", "upsert", "send", "write",
                      "remove", "publish", "notify"}


class _Names(cst.CSTVisitor):
    """Every Name in a subtree (over-collecting is conservative: it only causes refusals)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.calls: list[cst.Call] = []
        self.unsafe = False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_Await(self, node: cst.Await) -> None:
        self.unsafe = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.unsafe = True

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.unsafe = True

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.unsafe = True


def _names(node: cst.CSTNode) -> _Names:
    v = _Names()
    node.visit(v)
    return v


def _base(expr: cst.BaseExpression) -> str | None:
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _request_method(call: cst.Call) -> str | None:
    """The literal method of ``client.request("GET", url)`` / ``request(method="GET")``."""
    for i, arg in enumerate(call.args):
        if (arg.keyword is None and i == 0 and not arg.star) or (
            arg.keyword is not None and arg.keyword.value == "method"
        ):
            value = arg.value
            if isinstance(value, cst.SimpleString):
                text = value.evaluated_value
                return text.upper() if isinstance(text, str) else None
            return None
    return None


def _ordering_reason(call: cst.Call) -> str | None:
    """Why ``call`` orders what comes after it (a delay or a synchronisation), or None."""
    last = last_name(call.func)
    if last == "sleep":
        first = call.args[0].value if call.args else None
        if isinstance(first, cst.Integer) and first.value == "0":
            return None  # a bare yield to the event loop: no delay
        return "sleep() delays what follows it"
    if isinstance(call.func, cst.Attribute) and last in SYNC_METHODS:
        return (
            f"{last}() synchronises with other tasks, uses a connection that runs one thing at a "
            "time or reads the next item of a stream"
        )
    if isinstance(call.func, cst.Attribute) and last == "get" and not call.args:
        return "get() without arguments takes the next item of a queue"
    if isinstance(call.func, cst.Name) and last == "anext":
        return "anext() takes the next item of an iterator"
    return None


def _write_reason(call: cst.Call, sync_too: bool = False) -> str | None:
    """Why ``call`` is an order-sensitive write, judged by its own name; None if it is not one."""
    f = call.func
    if isinstance(f, cst.Call):
        inner = last_name(f.func)
        if inner in ("sync_to_async", "database_sync_to_async"):
            return f"{inner}(...)(...) may run any code"
        return None
    last = last_name(f)
    if isinstance(f, cst.Attribute):
        if last in WRITE_METHODS:
            return f"{last}()"
        if last == "request" and _request_method(call) not in READ_HTTP:
            return "request() with a method other than a literal GET/HEAD/OPTIONS"
        if sync_too and last in SYNC_WRITES:
            return f"{last}()"
    if last in ORM_WRITES:
        return f"{last}()"
    return None


def _verb_write(call: cst.Call) -> str | None:
    """``save_order()``-like: a callee named as a write."""
    name = last_name(call.func)
    if name is None:
        return None
    words = [w.lower() for w in re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    if not words:
        return None
    first = words[0]
    if (
        first in WRITE_VERBS
        or (first.startswith("a") and first[1:] in WRITE_VERBS)
        or any(w in STRONG_WRITE_WORDS for w in words)
    ):
        return f"{name}() (named like a write; not defined in this module)"
    return None


# --------------------------------------------------------------------------- module callees
# Classes whose instances are HTTP clients: a GET/HEAD/OPTIONS on one is a read with no effect
# on the other calls of a run (apart from cookies, see the docstring).
HTTP_CLIENT_CLASSES = {"httpx.AsyncClient", "httpx2.AsyncClient", "aiohttp.ClientSession"}
HTTP_READ_METHODS = {"get", "head", "options"}
# Parameter annotations of values nothing can mutate: passing one to a call is harmless.
IMMUTABLE_TYPES = {"int", "str", "float", "bool", "bytes", "complex", "uuid.UUID", "UUID", "decimal.Decimal",
                   "Decimal", "datetime.date", "datetime.datetime", "date", "datetime"}
TEST_REFUSAL = (
    "not gathered in a test: the order of its awaits is usually what the test checks, and "
    "speed does not matter there"
)
# Imported objects whose attributes are configuration: ``f(u, timeout=settings.T)`` passes a
# value, not the object.
CONFIG_OBJECTS = {"django.conf.settings"}
# Test modules (by file name or folder) and test classes (by name or base).
TEST_FILE = re.compile(r"^(test_.*|.*_tests?|tests?)\.py$")
TEST_CLASS = re.compile(r"^Test|Tests?$|TestCase$")


def _is_test_path(path: str) -> bool:
    parts = Path(path).parts
    return bool(parts) and (TEST_FILE.match(parts[-1]) is not None or any(p in ("tests", "test") for p in parts[:-1]))


def _is_test_class(node: cst.ClassDef, test_module: bool) -> bool:
    if test_module and TEST_CLASS.search(node.name.value):
        return True
    return any((last_name(b.value) or "").endswith("TestCase") for b in node.bases)


def _annotation_name(annotation: cst.Annotation | None) -> cst.BaseExpression | None:
    """The annotation's expression (a string annotation parsed), or None."""
    if annotation is None:
        return None
    expr = annotation.annotation
    if isinstance(expr, cst.SimpleString):
        text = expr.evaluated_value
        if not isinstance(text, str):
            return None
        try:
            expr = cst.parse_expression(text)
        except Exception:  # noqa: BLE001 - LibCST raises more than its own errors on odd input
            return None
    return expr


class _Bindings(cst.CSTVisitor):
    """For every name a function (or the module) binds in its own scope: whether each binding
    is an HTTP client (``async with httpx.AsyncClient() as c``, ``c = httpx.AsyncClient()``,
    ``c: httpx.AsyncClient = ...``); nested functions and classes are not entered."""

    def __init__(self, is_client: Any) -> None:
        self.is_client = is_client
        self.found: dict[str, list[bool]] = {}

    def _all(self, node: cst.BaseExpression, value: bool) -> None:
        if isinstance(node, cst.Name):
            self.found.setdefault(node.value, []).append(value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._all(el.value, False)
        elif isinstance(node, cst.StarredElement):
            self._all(node.value, False)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._all(t.target, self.is_client(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        client = (node.value is not None and self.is_client(node.value)) or self.is_client(
            _annotation_name(node.annotation), call=False
        )
        self._all(node.target, client)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._all(node.target, False)

    def visit_For(self, node: cst.For) -> None:
        self._all(node.target, False)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._all(node.asname.name, self.is_client(node.item))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._all(node.name.name, False)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._all(node.target, False)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._all(node.name, False)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._all(node.name, False)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


# Method names so common on objects of other types (clients, querysets, dicts) that a call on a
# receiver other than self/cls is not taken for a call of a same-named method of this module.
GENERIC_METHODS = POST_METHODS | ORM_READS | {"head", "options", "request"}


def _callee_key(call: cst.Call) -> tuple[str, bool] | None:
    """(name, is-attribute-call) under which a module function/method may be the callee."""
    f = call.func
    if isinstance(f, cst.Name):
        return f.value, False
    if isinstance(f, cst.Attribute):
        receiver = f.value
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
            return f.attr.value, True
        if isinstance(receiver, cst.Call) and last_name(receiver.func) == "super":
            return f.attr.value, True
        if f.attr.value in GENERIC_METHODS:
            return None
        return f.attr.value, True
    return None


class _Func:
    """What one function of this module does to its parameters and the world."""

    def __init__(self, name: str, params: cst.Parameters, method: bool) -> None:
        self.name = name
        self.positional = [x.name.value for x in [*params.posonly_params, *params.params]]
        self.star = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None
        self.kwstar = params.star_kwarg.name.value if params.star_kwarg is not None else None
        self.params = [*self.positional, *(x.name.value for x in params.kwonly_params)]
        self.params += [x for x in (self.star, self.kwstar) if x]
        self.method = method
        self.top_level = False  # a def directly in the module (not in a class or function)
        self.origin: str | None = None  # the dotted module it comes from; None: this module
        self.mutated: set[str] = set()
        self.mutated_other: set[str] = set()
        self._locals: set[str] | None = None
        self.node: cst.FunctionDef | None = None
        self.nested_reads: set[str] = set()  # names read in functions/lambdas nested in it
        self.declared: set[str] = set()  # global/nonlocal names
        self.writes: str | None = None
        self.verb_calls: list[tuple[tuple[str, bool] | None, cst.Call]] = []
        # calls made in the body: (callee key, call) for the fixpoint
        self.calls: list[tuple[str, bool, cst.Call]] = []
        # functions of other project modules it calls (filled in only when needed)
        self.project_calls: list[tuple[_Func, cst.Call]] = []

    @property
    def locals(self) -> set[str]:
        """Names the function binds, parameters excepted (computed when first needed)."""
        if self._locals is None:
            assert self.node is not None
            self._locals = local_bindings(self.node) - set(self.params)
        return self._locals


def _hot_scopes(module: cst.Module) -> set[int]:
    """Ids of the defs/classes around a block of an ``async def`` where two statement lines
    holding an ``await`` follow each other: the only places the codemod can rewrite or report.

    Walks statements only (no LibCST visitor: it would rebuild every node it passes); only the
    statement lines directly in an ``async def`` are searched for an ``await`` -- anywhere else
    an ``await`` is a syntax error, and the transformer rewrites nothing there anyway."""
    hot: set[int] = set()
    scopes: list[cst.CSTNode] = []

    def suite(node: cst.BaseSuite, in_async: bool) -> None:
        if not isinstance(node, cst.IndentedBlock):
            return  # ``if x: a; b`` holds no block of statements to gather
        flags = [statement(stmt, in_async) for stmt in node.body]
        if any(a and b for a, b in itertools.pairwise(flags)):
            hot.update(id(scope) for scope in scopes)

    def statement(stmt: cst.BaseStatement, in_async: bool) -> bool:
        if isinstance(stmt, cst.SimpleStatementLine):
            return in_async and _has_await(stmt)
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            scopes.append(stmt)
            suite(stmt.body, isinstance(stmt, cst.FunctionDef) and stmt.asynchronous is not None)
            scopes.pop()
            return False
        for part in _suites(stmt):
            suite(part, in_async)
        return False

    for stmt in module.body:
        statement(stmt, False)
    return hot


def _suites(node: cst.CSTNode) -> list[cst.BaseSuite]:
    """The blocks of a compound statement (``elif``/``else``/handlers/``finally``/cases too)."""
    out: list[cst.BaseSuite] = []
    if isinstance(node, cst.If):
        out.append(node.body)
        if node.orelse is not None:
            out += _suites(node.orelse)
    elif isinstance(node, (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler,
                           cst.With, cst.MatchCase)):
        out.append(node.body)
    elif isinstance(node, (cst.For, cst.While)):
        out.append(node.body)
        if node.orelse is not None:
            out.append(node.orelse.body)
    elif isinstance(node, (cst.Try, cst.TryStar)):
        out.append(node.body)
        for handler in node.handlers:
            out.append(handler.body)
        for extra in (node.orelse, node.finalbody):
            if extra is not None:
                out.append(extra.body)
    elif isinstance(node, cst.Match):
        out += [case.body for case in node.cases]
    return out


class _ModuleFacts(cst.CSTVisitor):
    """One pass over the module: functions and methods (mutated parameters, writes, closures)
    and every name."""

    def __init__(self) -> None:
        self.funcs: dict[str, list[_Func]] = {}  # plain functions by name
        self.methods: dict[str, list[_Func]] = {}  # methods by name (any class)
        self.by_node: dict[int, _Func] = {}
        self.all_names: set[str] = set()
        self._stack: list[_Func] = []
        self._in_class: list[bool] = [False]
        self._scopes: list[tuple[str, Any]] = []  # ("func", _Func) / ("lambda", None) / ("class", node)
        self._awaited: set[int] = set()  # ids of calls directly awaited

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._in_class.append(True)
        self._scopes.append(("class", node))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._in_class.pop()
        self._scopes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._scopes.append(("lambda", None))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._scopes.pop()

    def visit_Name(self, node: cst.Name) -> None:
        self.all_names.add(node.value)
        deferred = False
        for kind, fn in reversed(self._scopes):
            if kind == "func" and deferred:
                fn.nested_reads.add(node.value)
            if kind != "class":
                deferred = True

    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(id(node.expression))

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        if self._stack:
            self._stack[-1].declared |= {item.name.value for item in node.names}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        method = self._in_class[-1]
        fn = _Func(node.name.value, node.params, method)
        fn.node = node
        fn.top_level = not self._scopes
        self.by_node[id(node)] = fn
        for dec in node.decorators:
            d = dec.decorator
            if last_name(d.func if isinstance(d, cst.Call) else d) in (
                "sync_to_async", "database_sync_to_async"
            ):
                fn.writes = "it runs in sync_to_async and may run any code"
        (self.methods if method else self.funcs).setdefault(fn.name, []).append(fn)
        self._stack.append(fn)
        self._in_class.append(False)
        self._scopes.append(("func", fn))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._stack.pop()
        self._in_class.pop()
        self._scopes.pop()

    def _hit(self, expr: cst.BaseExpression) -> None:
        if not self._stack:
            return
        fn, base = self._stack[-1], _base(expr)
        if base is None:
            return
        if base in fn.params:
            fn.mutated.add(base)
        else:
            fn.mutated_other.add(base)  # resolved in finish(): a local, or state others may read

    def visit_Call(self, node: cst.Call) -> None:
        if not self._stack:
            return
        fn = self._stack[-1]
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in MUTATORS:
            self._hit(node.func.value)
        if fn.writes is None:
            reason = _write_reason(node, sync_too=True)
            if reason is not None:
                fn.writes = f"it calls {reason}"
            elif id(node) in self._awaited:
                reason = _ordering_reason(node)
                if reason is not None:
                    fn.writes = f"it awaits {reason}"
        key = _callee_key(node)
        if key is not None:
            fn.calls.append((*key, node))
        mutator = isinstance(node.func, cst.Attribute) and node.func.attr.value in MUTATORS
        builtin = isinstance(node.func, cst.Name) and node.func.value in BUILTIN_NAMES
        if not mutator and not builtin and _verb_write(node) is not None:
            fn.verb_calls.append((key, node))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, (cst.Attribute, cst.Subscript)):
            self._hit(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # ``p += [x]`` extends a list in place, as ``p.x += 1`` and ``p[k] += 1`` write into p
        self._hit(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, (cst.Attribute, cst.Subscript)):
            self._hit(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
        for t in targets:
            value = t.value if isinstance(t, cst.Element) else t
            if isinstance(value, (cst.Attribute, cst.Subscript)):
                self._hit(value)

    def visit_Global(self, node: cst.Global) -> None:
        if self._stack:
            self._stack[-1].declared |= {item.name.value for item in node.names}
            if self._stack[-1].writes is None:
                self._stack[-1].writes = "it assigns a global"

    def callees(self, name: str, attribute: bool) -> list[_Func]:
        return self.methods.get(name, []) if attribute else self.funcs.get(name, [])

    def finish(self) -> None:
        """Propagate writes and parameter mutations through calls between module functions."""
        every = [f for group in (*self.funcs.values(), *self.methods.values()) for f in group]
        for fn in every:
            if fn.writes is None and fn.mutated_other:
                # a module global or a variable of an enclosing function: state others may read
                # (``locals`` costs a walk of the function: only asked for when something to check)
                foreign = sorted(fn.mutated_other - fn.locals)
                if foreign:
                    fn.writes = f"it mutates {foreign[0]!r}, which it does not own"
            for key, call in fn.verb_calls:
                if fn.writes is None and not (key and self.callees(*key)):
                    fn.writes = f"it calls {_verb_write(call)}"
        self.propagate(every)

    def propagate(self, every: list[_Func]) -> None:
        """The fixpoint of ``finish``: writes and parameter mutations flow from callee to caller.
        Calls to functions of other project modules count once added to ``project_calls``."""
        changed = True
        while changed:
            changed = False
            for fn in every:
                pairs = [(c, call, attribute) for key, attribute, call in fn.calls
                         for c in self.callees(key, attribute)]
                pairs += [(c, call, isinstance(call.func, cst.Attribute)) for c, call in fn.project_calls]
                for callee, call, attribute in pairs:
                        if callee is fn:
                            continue
                        if fn.writes is None and callee.writes is not None:
                            where = f" of {callee.origin}" if callee.origin else ""
                            fn.writes = f"it calls {callee.name}(){where}, and {callee.writes}"
                            changed = True
                        for obj in mutated_objects(callee, call, attribute):
                            if obj in fn.params and obj not in fn.mutated:
                                fn.mutated.add(obj)
                                changed = True


def mutated_objects(fn: _Func, call: cst.Call, attribute: bool) -> set[str]:
    """Base names of the objects a call to ``fn`` mutates (receiver included)."""
    if not fn.mutated:
        return set()
    out: set[str] = set()
    params = fn.positional
    offset = 0
    if attribute and fn.method:
        offset = 1
        if params and params[0] in fn.mutated and isinstance(call.func, cst.Attribute):
            base = _base(call.func.value)
            if base:
                out.add(base)
    pos = 0
    for arg in call.args:
        if arg.star:
            if fn.mutated - set(params[:offset]):
                out |= _names(arg.value).names
            continue
        if arg.keyword is not None:
            key = arg.keyword.value
            target = key if key in fn.params else fn.kwstar
        else:
            idx = pos + offset
            pos += 1
            target = fn.positional[idx] if idx < len(fn.positional) else fn.star
        base = _base(arg.value)
        if (target is None or target in fn.mutated) and base:
            out.add(base)
    return out


def _overlap(a: str, b: str) -> bool:
    """Dotted names of one object or of an object and one of its attributes."""
    pa, pb = a.split("."), b.split(".")
    n = min(len(pa), len(pb))
    return pa[:n] == pb[:n]


def _where(fn: _Func) -> str:
    return "here" if fn.origin is None else f"in {fn.origin}"


# --------------------------------------------------------------------------- project callees
# Files whose presence marks the project root: a module imported without dots is looked for in
# the folder of the file being rewritten and its parents, up to the first one holding one of
# these (the root itself included).
ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")
# Facts of the project modules parsed lately, by (file, dotted name, content hash): the runner
# rewrites many files of one app that import the same services module.
_LOADED: dict[tuple[str, str, str], _ModuleFacts | None] = {}
_LOADED_MAX = 64


def _import_bindings(module: cst.Module) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Local name -> (dots, dotted parts) of the module-level imports: ``import a.b`` binds
    ``a`` to ``(0, ("a",))``, ``import a.b as s`` binds ``s`` to ``(0, ("a", "b"))``,
    ``from .a import f`` binds ``f`` to ``(1, ("a", "f"))``. Imports inside ``if``/``try``
    blocks or functions are not resolved (the callee stays unknown)."""
    out: dict[str, tuple[int, tuple[str, ...]]] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    parts = tuple((dotted_name(alias.name) or "").split("."))
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        out[alias.asname.name.value] = (0, parts)
                    elif alias.asname is None:
                        out[parts[0]] = (0, parts[:1])
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                base = tuple(dotted_name(small.module).split(".")) if small.module is not None else ()
                for alias in small.names:
                    name = dotted_name(alias.name) or ""
                    local = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(local, cst.Name):
                        out[local.value] = (len(small.relative), (*base, name))
    return out


class _ProjectModules:
    """Top-level functions of the project modules this module imports, found on disk and
    analysed like this module's own functions. Files are read through ``codemods.project``
    (recorded: the runner's cached result for this file is dropped when one of them changes,
    appears or disappears), and only when a call of a run is looked up."""

    def __init__(self, module: cst.Module, path: str) -> None:
        self.module = module
        self.dir = Path(path).resolve().parent if path else Path.cwd()
        self._bindings: dict[str, tuple[int, tuple[str, ...]]] | None = None
        self._dirs: list[Path] | None = None
        self._modules: dict[tuple[int, tuple[str, ...]], _ModuleFacts | None] = {}

    def callees(self, call: cst.Call, shadowed: set[str]) -> list[_Func]:
        name = dotted_name(call.func)
        if name is None:
            return []
        parts = name.split(".")
        if parts[0] in shadowed:
            return []
        if self._bindings is None:
            self._bindings = _import_bindings(self.module)
        bound = self._bindings.get(parts[0])
        if bound is None:
            return []
        level, base = bound
        full = (*base, *parts[1:])
        module, func = full[:-1], full[-1]
        if not module and not level:
            return []
        facts = self._load(level, module)
        if facts is None:
            return []
        return [fn for fn in facts.funcs.get(func, []) if fn.top_level]

    def _search_dirs(self) -> list[Path]:
        if self._dirs is None:
            self._dirs = []
            for folder in (self.dir, *self.dir.parents):
                self._dirs.append(folder)
                if any(_disk.path_exists(folder / marker) for marker in ROOT_MARKERS):
                    break
        return self._dirs

    def _load(self, level: int, parts: tuple[str, ...]) -> _ModuleFacts | None:
        key = (level, parts)
        if key in self._modules:
            return self._modules[key]
        self._modules[key] = None
        if level == 0:
            if parts[0] in sys.stdlib_module_names:
                return None
            folders = self._search_dirs()
        elif level - 2 >= len(self.dir.parents):
            return None
        else:
            folders = [self.dir.parents[level - 2] if level > 1 else self.dir]
        dotted = "." * level + ".".join(parts)
        for folder in folders:
            candidates = (
                [folder.joinpath(*parts).with_suffix(".py"), folder.joinpath(*parts, "__init__.py")]
                if parts else [folder / "__init__.py"]
            )
            for cand in candidates:
                try:
                    text = _disk.read_text(cand)
                except (OSError, ValueError):
                    continue
                self._modules[key] = _module_facts(str(cand), dotted, text)
                return self._modules[key]
        return None


def _module_facts(path: str, dotted: str, text: str) -> _ModuleFacts | None:
    """The facts of another module of the project (None if it does not parse)."""
    key = (path, dotted, hashlib.blake2b(text.encode(), digest_size=16).hexdigest())
    if key not in _LOADED:
        try:
            module = cst.parse_module(text)
        except Exception:  # noqa: BLE001 - LibCST raises more than its own errors on odd input
            facts = None
        else:
            facts = _ModuleFacts()
            module.visit(facts)
            facts.finish()
            for group in (*facts.funcs.values(), *facts.methods.values()):
                for fn in group:
                    fn.origin = dotted
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = facts
    return _LOADED[key]


# --------------------------------------------------------------------------- requires-python
def _requires_python(start: Path) -> tuple[str, str] | None:
    """(specifier, where) from the nearest pyproject.toml at or above ``start``: PEP 621
    ``project.requires-python``, else Poetry's ``tool.poetry.dependencies.python``. Read through
    ``codemods.project`` (recorded)."""
    for folder in (start, *start.parents):
        path = folder / "pyproject.toml"
        try:
            text = _disk.read_text(path, "replace")
        except OSError:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        spec = data.get("project", {}).get("requires-python")
        if spec is None:
            poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
            spec = poetry.get("python") if isinstance(poetry, dict) else None
        if not isinstance(spec, str):
            return None
        try:
            return spec, os.path.relpath(path)
        except ValueError:  # another drive than the working folder's
            return spec, str(path)
    return None


_CLAUSE = re.compile(r"^(===|==|!=|~=|<=|>=|<|>|\^|~)?\s*v?(\d+(?:\.\d+)*)(\.\*)?$")


def _pad(v: tuple[int, ...], n: int = 3) -> tuple[int, ...]:
    return (v + (0,) * n)[:n] if len(v) < n else v


def _clause_admits(op: str, v: tuple[int, ...], wild: bool, x: tuple[int, ...]) -> bool:
    if wild or op in ("^", "~", "~="):
        n = {"^": 1, "~": min(len(v), 2), "~=": len(v) - 1}.get(op, len(v))
        prefix = x[:n] == v[:n]
        if op in ("==", "==="):
            return prefix
        if op == "!=":
            return not prefix
        return prefix and _pad(x) >= _pad(v)
    a, b = _pad(x, max(3, len(v))), _pad(v, max(3, len(v)))
    return {
        "": a == b, "==": a == b, "===": a == b, "!=": a != b,
        ">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b,
    }[op]


def _admits_before(spec: str, limit: tuple[int, int]) -> bool | None:
    """Whether the version specifier admits a Python older than ``limit`` (None: cannot tell).
    PEP 440 operators, and Poetry's ``^``/``~``/``||``; pre-releases are ignored."""
    alternatives = []
    for alternative in spec.split("||"):
        clauses = []
        for text in re.split(r",|\s+(?=[<>=!~^])", alternative.strip()):
            text = text.strip()
            if not text or text == "*":
                continue
            m = _CLAUSE.match(text)
            if m is None or (m.group(1) == "~=" and "." not in m.group(2)):
                return None
            v = tuple(int(p) for p in m.group(2).split("."))
            clauses.append((m.group(1) or "", v, bool(m.group(3))))
        alternatives.append(clauses)
    # Versions worth trying: every minor release before the limit at its first and a late patch,
    # and every version the specifier names, with the patch right after it.
    points = {(major, minor, patch) for major, top in ((2, 7), (3, limit[1] - 1))
              for minor in range(top + 1) for patch in (0, 99)}
    for clauses in alternatives:
        for _, v, _ in clauses:
            p = _pad(v)
            points |= {p, (*p[:2], p[2] + 1)}
    points = {p for p in points if p[:2] < limit}
    return any(all(_clause_admits(op, v, wild, x) for op, v, wild in clauses)
               for clauses in alternatives for x in points)


# --------------------------------------------------------------------------- statements
class _Stmt:
    """One statement that awaits a call first thing (optionally post-processing the result)."""

    def __init__(self, node: cst.SimpleStatementLine, small: cst.BaseSmallStatement,
                 target_node: cst.BaseExpression | None, value: cst.BaseExpression,
                 await_: cst.Await) -> None:
        self.node = node
        self.small = small
        self.target_node = target_node
        # a plain name target (bound directly by gather when nothing forces an own line)
        self.target = target_node.value if isinstance(target_node, cst.Name) else None
        self.value = value
        self.await_ = await_
        call = await_.expression
        assert isinstance(call, cst.Call)
        self.call: cst.Call = call
        self.has_post = value is not await_
        # a tuple/attribute/subscript target also needs a line of its own, in order
        self.needs_line = self.has_post or (target_node is not None and self.target is None)
        pre = _names(call)
        self.pre_names = pre.names
        self.calls = pre.calls  # the awaited call first, then calls in its arguments
        # the call(s) whose coroutine is awaited: ``f()`` of ``wait_for(f(), 5)`` too
        self.primary = [call]
        while last_name(self.primary[-1].func) in WRAPPERS:
            args = self.primary[-1].args
            if not args or args[0].keyword is not None or not isinstance(args[0].value, cst.Call):
                break
            self.primary.append(args[0].value)
        self.post_names = _names(value).names - self.pre_names if self.has_post else set()
        self.bound: set[str] = set()  # names the statement binds
        # receivers and handed objects of its calls (see _Transformer._shared), once computed
        self.shared: tuple[dict[str, str], dict[str, str]] | None = None
        self.written: set[str] = set()  # objects it writes into (``a`` of ``a.b = ...``)
        if target_node is not None:
            _target_names(target_node, self.bound, self.written)
            # names read by an attribute/subscript target are read after the call, in order
            self.post_names |= _names(target_node).names - self.bound


def _target_names(node: cst.BaseExpression, bound: set[str], written: set[str]) -> None:
    if isinstance(node, cst.Name):
        bound.add(node.value)
    elif isinstance(node, (cst.Tuple, cst.List)):
        for el in node.elements:
            _target_names(el.value, bound, written)
    elif isinstance(node, cst.StarredElement):
        _target_names(node.value, bound, written)
    elif isinstance(node, (cst.Attribute, cst.Subscript)):
        written.add(_base(node) or "")


def _target_problem(node: cst.BaseExpression) -> str | None:
    """Why an assignment target cannot be assigned later, on a line of its own."""
    if isinstance(node, cst.Name):
        return None
    if isinstance(node, (cst.Tuple, cst.List)):
        for el in node.elements:
            problem = _target_problem(el.value)
            if problem:
                return problem
        return None
    if isinstance(node, cst.StarredElement):
        return _target_problem(node.value)
    if isinstance(node, (cst.Attribute, cst.Subscript)):
        if _base(node) is None or not _simple(node):
            return "assigns to a target that computes something (call, nested expression)"
        return None
    return f"assigns to a {type(node).__name__.lower()} target"


def _simple(expr: cst.BaseExpression) -> bool:
    """Literals, names, attribute and item reads: evaluating it cannot affect anything."""
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(expr, cst.Attribute):
        return _simple(expr.value)
    if isinstance(expr, cst.Subscript):
        return _simple(expr.value) and all(
            isinstance(el.slice, cst.Index) and _simple(el.slice.value) for el in expr.slice
        )
    if isinstance(expr, cst.Tuple):
        return all(_simple(el.value) for el in expr.elements)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return isinstance(expr.expression, (cst.Integer, cst.Float))
    return False


def _split(value: cst.BaseExpression) -> cst.Await | str:
    """The await at the root of a post-processing chain, or why ``value`` is not one."""
    node = value
    while not isinstance(node, cst.Await):
        if isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Subscript):
            for el in node.slice:
                s = el.slice
                parts = [s.value] if isinstance(s, cst.Index) else [
                    x for x in (s.lower, s.upper, s.step) if x is not None
                ]
                if not all(_simple(x) for x in parts):
                    return "the result is indexed with something that is not a name or literal"
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method not in POST_METHODS:
                return f"the result is post-processed with .{method}(), which may have side effects"
            if not all(not a.star and _simple(a.value) for a in node.args):
                return f"the result's .{method}() gets arguments that are not names or literals"
            node = node.func.value
        else:
            return "the await is not the first thing its statement evaluates"
    return node


def _analyze(stmt: cst.BaseStatement) -> _Stmt | str | None:
    """A gatherable statement, the reason an awaiting statement is not one, or None (no await)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return None
    if not _has_await(stmt) or _is_gather(stmt):
        return None
    if any(isinstance(s, cst.Return) for s in stmt.body):
        return None
    if len(stmt.body) != 1:
        return "several statements on one line"
    small = stmt.body[0]
    target: cst.BaseExpression | None = None
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return "chained assignment"
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign):
        if small.value is None:
            return "annotation without a value"
        target, value = small.target, small.value
    elif isinstance(small, cst.Expr):
        value = small.value
    else:
        return f"await inside a {type(small).__name__.lower()} statement"
    if target is not None:
        problem = _target_problem(target)
        if problem:
            return problem
    root = _split(value)
    if isinstance(root, str):
        return root
    if not isinstance(root.expression, cst.Call):
        return "awaits something other than a call"
    if _names(root.expression).unsafe:
        return "the awaited call holds an await, walrus, lambda or yield"
    if len(_comments(small)) != len(_comments(root.expression)):
        return "a comment inside the statement, outside the awaited call, would be lost"
    return _Stmt(stmt, small, target, value, root)


class _AwaitFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Await(self, node: cst.Await) -> None:
        self.found = True


def _has_await(node: cst.CSTNode) -> bool:
    finder = _AwaitFinder()
    node.visit(finder)
    return finder.found


def _is_gather(stmt: cst.BaseStatement) -> bool:
    """An ``x, y = await asyncio.gather(...)`` statement (this codemod's own output)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    value = small.value if isinstance(small, (cst.Assign, cst.Expr)) else None
    return (
        isinstance(value, cst.Await)
        and isinstance(value.expression, cst.Call)
        and last_name(value.expression.func) == "gather"
    )


def _indent_tail(code: str, prefix: str) -> str:
    """Indent the continuation lines of ``code`` (left alone if a string could span lines)."""
    if '"""' in code or "'''" in code or "\\\n" in code:
        return code
    return "\n".join(line if n == 0 or not line else prefix + line for n, line in enumerate(code.split("\n")))


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.comments: list[cst.Comment] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.comments.append(node)


def _comments(node: cst.CSTNode) -> list[cst.Comment]:
    v = _Comments()
    node.visit(v)
    return v.comments


def _leading_text(lines: Any) -> list[str]:
    return [el.comment.value if el.comment is not None else "" for el in lines]


class _Blank(cst.CSTTransformer):
    """Blank lines inside a generated call: no indentation whitespace on them."""

    def leave_EmptyLine(self, original_node, updated_node):
        if updated_node.comment is None:
            return updated_node.with_changes(indent=False, whitespace=cst.SimpleWhitespace(""))
        return updated_node


def _same_children(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """``b`` is ``a`` rebuilt from the very same children (same objects, field by field)."""
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if x is y:
            continue
        if not (isinstance(x, (tuple, list)) and isinstance(y, (tuple, list)) and len(x) == len(y)):
            return False
        if not all(p is q for p, q in zip(x, y, strict=True)):
            return False
    return True


class _Frame:
    def __init__(self, func: cst.FunctionDef | None, active: bool, test: bool = False) -> None:
        self.func = func
        self.active = active
        self.test = test  # a test function or test class, or something nested in one
        self.guard = 0  # enclosing try-with-handlers / atomic blocks inside this function
        self.allocated: set[str] = set()  # fresh names handed out in this function
        self.finally_reads: list[set[str]] = []  # names read by enclosing finally blocks


class _Transformer(cst.CSTTransformer):
    def __init__(
        self, module: cst.Module, ctx: Context, style: str, facts: _ModuleFacts, hot: set[int]
    ) -> None:
        self.module = module
        self.hot = hot  # only the defs/classes around a block worth a look are entered
        self.ctx = ctx
        self.style = style
        self._imports: ImportTable | None = None
        self.facts = facts
        self.frames: list[_Frame] = [_Frame(None, False)]
        self.aio = _top_level_asyncio(module)
        self.module_names = facts.all_names
        self.need_import = False
        self._guards: list[bool] = []
        self.project = _ProjectModules(module, ctx.path)
        self._tg_refusal: str | None = None  # "" once known not to apply
        self._followed: set[int] = set()  # ids of the module functions already followed
        self.test_module = _is_test_path(ctx.path)
        self._scope_bindings: dict[int, dict[str, list[bool]]] = {}
        self._module_imports: set[str] | None = None

    @property
    def imports(self) -> ImportTable:
        if self._imports is None:
            self._imports = ImportTable(self.module)
        return self._imports

    def on_leave(self, original_node, updated_node):
        # LibCST rebuilds every node it walks through; a node whose children all came back
        # unchanged is handed back as the original, so an unchanged module stays the same object
        # (the runner then needs no code generation).
        result = super().on_leave(original_node, updated_node)
        if result is updated_node and updated_node is not original_node and _same_children(
            original_node, updated_node
        ):
            return original_node
        return result

    # --- scopes ----------------------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False  # blocks are rewritten from their statement lists

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        active = node.asynchronous is not None and not has_skip_comment(node)
        test = self.frames[-1].test or (self.test_module and node.name.value.startswith("test"))
        self.frames.append(_Frame(node, active, test))
        return id(node) in self.hot

    def leave_FunctionDef(self, original_node, updated_node):
        self.frames.pop()
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        test = self.frames[-1].test or _is_test_class(node, self.test_module)
        self.frames.append(_Frame(None, False, test))
        return id(node) in self.hot

    def leave_ClassDef(self, original_node, updated_node):
        self.frames.pop()
        return updated_node

    def visit_Try(self, node: cst.Try) -> None:
        self.frames[-1].guard += 1 if node.handlers else 0
        self._guards.append(bool(node.handlers))
        final = _names(node.finalbody).names if node.finalbody is not None else set()
        self.frames[-1].finally_reads.append(final)

    def leave_Try(self, original_node, updated_node):
        if self._guards.pop():
            self.frames[-1].guard -= 1
        self.frames[-1].finally_reads.pop()
        return updated_node

    def visit_TryStar(self, node) -> None:
        self.frames[-1].guard += 1
        self._guards.append(True)

    def leave_TryStar(self, original_node, updated_node):
        self._guards.pop()
        self.frames[-1].guard -= 1
        return updated_node

    def visit_With(self, node: cst.With) -> None:
        names = set()
        for item in node.items:
            names |= _names(item.item).names
        g = any("atomic" in n or "transaction" in n for n in names)
        self.frames[-1].guard += g
        self._guards.append(g)

    def leave_With(self, original_node, updated_node):
        if self._guards.pop():
            self.frames[-1].guard -= 1
        return updated_node

    # --- rewriting -------------------------------------------------------------
    def leave_IndentedBlock(self, original_node, updated_node):
        frame = self.frames[-1]
        if not frame.active:
            return updated_node
        body = list(updated_node.body)
        orig = list(original_node.body)
        infos = [_analyze(s) for s in orig]
        out: list[cst.BaseStatement] = []
        i = 0
        changed = False
        while i < len(orig):
            j = i
            while j < len(orig) and isinstance(infos[j], _Stmt):
                j += 1
            if j - i >= 2:
                run = [x for x in infos[i:j] if isinstance(x, _Stmt)]
                for segment in self._segments(run, frame):
                    new = self._rewrite(segment, frame) if len(segment) >= 2 else None
                    if new is not None:
                        out.extend(new)
                        changed = True
                    else:
                        out.extend(body[i : i + len(segment)])
                    i += len(segment)
            else:
                out.append(body[i])
                i += 1
        for k, info in enumerate(infos):
            if isinstance(info, str) and not frame.test:
                near = [n for n in (k - 1, k + 1) if 0 <= n < len(orig)]
                if any(isinstance(infos[n], _Stmt) or _is_gather(orig[n]) for n in near):
                    self.ctx.report(orig[k], f"not gathered with the await next to it: {info}")
        return updated_node.with_changes(body=out) if changed else updated_node

    def _segments(self, run: list[_Stmt], frame: _Frame) -> list[list[_Stmt]]:
        """Split a run where gathering must stop: a statement that must keep its place (a write,
        a synchronisation...) stands alone; a statement that conflicts with the current segment
        (data dependency, shared mutated argument) starts a new one. Each stop is reported."""
        # In a test only the runs that would be gathered are reported (once each, see the
        # docstring): the reasons for the others would be noise there.
        report = (lambda node, message: None) if frame.test else self.ctx.report
        segments: list[list[_Stmt]] = []
        current: list[_Stmt] = []
        for s in run:
            reason = self._barrier(s, frame)
            if reason is not None:
                report(s.node, reason)
                segments += [current, [s]] if current else [[s]]
                current = []
                continue
            conflict = next((c for x in current if (c := self._conflict(x, s, frame))), None)
            if conflict is not None:
                report(s.node, conflict)
                segments.append(current)
                current = []
            current.append(s)
        if current:
            segments.append(current)
        if frame.test:
            for seg in segments:
                if len(seg) >= 2 and not all(self._orm_read(s.call.func) for s in seg):
                    self.ctx.report(seg[0].node, TEST_REFUSAL)
            return [[s] for s in run]
        if any(len(seg) >= 2 for seg in segments):
            reason = self._context_refusal(frame)
            if reason is not None:
                self.ctx.report(run[0].node, reason)
                return [[s] for s in run]
        return segments

    def _fn(self, frame: _Frame) -> _Func:
        assert frame.func is not None
        return self.facts.by_node[id(frame.func)]

    def _context_refusal(self, frame: _Frame) -> str | None:
        """Why no run can be gathered here at all."""
        if frame.guard:
            return "exception ordering observable: inside try/except or a transaction block"
        if self.aio is None and "asyncio" in self.module_names:
            return "the name 'asyncio' is used for something else in this module"
        for outer in self.frames:
            if outer.func is None:
                continue
            fn = self._fn(outer)
            bound = fn.locals | set(fn.params)
            if self.aio in bound:
                return f"the name {self.aio!r} is bound locally"
            if self.style == "taskgroup" and "BaseExceptionGroup" in bound:
                return "the name 'BaseExceptionGroup' is bound locally"
        if self.style == "taskgroup" and "BaseExceptionGroup" in self.module_names:
            return "the name 'BaseExceptionGroup' is used in this module"
        return None

    def _barrier(self, s: _Stmt, frame: _Frame) -> str | None:
        """Why this statement must keep its place with respect to every other await."""
        func = s.call.func
        if isinstance(func, cst.Attribute) and last_name(func.value) in SEQUENTIAL_RECEIVERS:
            return (
                "order-sensitive: a Django test client request runs the app in-process and shares "
                "cookies, session and database with the next one"
            )
        if isinstance(s.call.func, cst.Call) and _write_reason(s.call) is None:
            return "cannot tell what the awaited call does"
        # the awaited call, and calls in its arguments (``client.get(url_for(o))``)
        for call in s.calls:
            reason = _write_reason(call)
            if reason is not None:
                return f"order-sensitive write: {reason}"
            for fn in self._callees(call):
                if fn.writes is not None:
                    return f"order-sensitive write: {fn.name}() is defined {_where(fn)} and {fn.writes}"
        # what is awaited (also inside ``wait_for(...)``): judged by its name too
        for call in s.primary:
            reason = _ordering_reason(call)
            if reason is not None:
                return f"order-sensitive: {reason}"
            builtin = isinstance(call.func, cst.Name) and call.func.value in BUILTIN_NAMES
            if not self._callees(call) and not builtin:
                reason = _verb_write(call)
                if reason is not None:
                    return f"order-sensitive write: {reason}"
        fn = self._fn(frame)
        for w in sorted(s.written):
            if (w not in fn.params and w not in fn.locals) or w in fn.declared:
                return f"writes into {w!r}, which is not a local of this function: others may read it"
        for t in sorted(s.bound | s.written):
            if t in fn.nested_reads:
                return f"data dependency on {t!r}: a function nested here reads it"
            if t in fn.declared:
                return f"data dependency on {t!r}: it is global/nonlocal, other code may read it"
            if any(t in names for names in frame.finally_reads):
                return (
                    f"a finally block reads {t!r}: if a later call fails, it would not have been "
                    "assigned yet"
                )
        if s.target_node is None:
            call = s.primary[-1]
            if not self._known_read(call, frame):
                name = dotted_name(call.func) or last_name(call.func) or "the call"
                return (
                    f"order-sensitive: the result of {name}() is not used, so it is awaited for its "
                    "effect (it is neither a function analysed here and found to write nothing nor "
                    "an HTTP GET/HEAD/OPTIONS on a known client)"
                )
        return None

    # --- what the calls of a run may share ----------------------------------------
    def _known_read(self, call: cst.Call, frame: _Frame) -> bool:
        """A call known to change nothing: a function of this module or of a project module
        analysed and found to write nothing, an HTTP read on a known client, an async ORM read,
        ``sleep(0)``."""
        callees = self._callees(call)
        if callees:
            return all(fn.writes is None for fn in callees)
        if self._http_read(call, frame) or self._orm_read(call.func):
            return True
        return last_name(call.func) == "sleep" and _ordering_reason(call) is None

    def _bindings(self, node: cst.CSTNode) -> dict[str, list[bool]]:
        """Names bound in the scope of a function (its parameters too) or of the module, each with
        whether every binding makes it an HTTP client."""
        key = id(node)
        if key not in self._scope_bindings:
            v = _Bindings(self._is_client)
            if isinstance(node, cst.FunctionDef):
                params = node.params
                for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                    v.found.setdefault(p.name.value, []).append(
                        self._is_client(_annotation_name(p.annotation), call=False)
                    )
                for p in (params.star_arg, params.star_kwarg):
                    if isinstance(p, cst.Param):
                        v.found.setdefault(p.name.value, []).append(False)
                node.body.visit(v)
            else:
                for stmt in self.module.body:
                    stmt.visit(v)
            self._scope_bindings[key] = v.found
        return self._scope_bindings[key]

    def _is_client(self, expr: cst.BaseExpression | None, call: bool = True) -> bool:
        if call:
            if not isinstance(expr, cst.Call):
                return False
            expr = expr.func
        return expr is not None and self.imports.qualify(expr) in HTTP_CLIENT_CLASSES

    def _known_client(self, name: str) -> bool:
        """``name`` is, in every binding of the scope it comes from, an HTTP client."""
        for outer in reversed(self.frames):
            if outer.func is None:
                continue
            fn = self._fn(outer)
            if name in fn.params or name in fn.locals:
                found = self._bindings(outer.func).get(name)
                return bool(found) and all(found)
        found = self._bindings(self.module).get(name)
        return bool(found) and all(found)

    def _http_read(self, call: cst.Call, frame: _Frame) -> bool:
        """``client.get(u)`` (head, options, request("GET", u)) on a known HTTP client."""
        func = call.func
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return False
        method = func.attr.value
        read = (method in HTTP_READ_METHODS and bool(call.args)) or (
            method == "request" and _request_method(call) in READ_HTTP
        )
        return read and self._known_client(func.value.value)

    def _module_import(self, name: str) -> bool:
        """``name`` is bound by ``import x`` (a module: calls on it are plain functions)."""
        if self._module_imports is None:
            self._module_imports = set()
            for node in self.imports.import_nodes:
                if isinstance(node, cst.Import):
                    for alias in node.names:
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            self._module_imports.add(alias.asname.name.value)
                        elif alias.asname is None:
                            self._module_imports.add((dotted_name(alias.name) or "").split(".")[0])
        return name in self._module_imports

    def _immutable_params(self, frame: _Frame) -> set[str]:
        out: set[str] = set()
        for outer in self.frames:
            if outer.func is None:
                continue
            params = outer.func.params
            for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                ann = _annotation_name(p.annotation)
                if ann is not None and dotted_name(ann) in IMMUTABLE_TYPES:
                    out.add(p.name.value)
        return out

    def _shared(self, s: _Stmt, frame: _Frame) -> tuple[dict[str, str], dict[str, str]]:
        """(receivers, handed): the objects whose methods the statement calls (dotted, e.g.
        ``agent``, ``self.client``) and the objects it passes to calls, each with the name of a
        call; calls known to leave them alone (functions analysed here, whose mutations are
        judged by ``mutated_objects``, HTTP reads on a known client, async ORM reads, builtins,
        dict-like reads in arguments) and modules are left out."""
        if s.shared is not None:
            return s.shared
        receivers: dict[str, str] = {}
        handed: dict[str, str] = {}
        immutable = self._immutable_params(frame)
        primary = {id(c) for c in s.primary}
        for call in s.calls:
            func = call.func
            if isinstance(func, cst.Name) and func.value in BUILTIN_NAMES:
                continue
            if self._callees(call) or self._http_read(call, frame) or self._orm_read(func):
                continue
            if id(call) not in primary and last_name(func) in POST_METHODS:
                continue
            name = dotted_name(func) or last_name(func) or "the call"
            if isinstance(func, cst.Attribute):
                receiver = dotted_name(func.value) or _base(func.value)
                if receiver and not self._module_import(receiver.split(".")[0]):
                    receivers.setdefault(receiver, name)
            for arg in call.args:
                base = _base(arg.value)
                if base and base not in immutable and not self._module_import(base) and not (
                    base != dotted_name(arg.value) and self.imports.qualify(cst.Name(base)) in CONFIG_OBJECTS
                ):
                    handed.setdefault(base, name)
        s.shared = (receivers, handed)
        return s.shared

    def _conflict(self, a: _Stmt, b: _Stmt, frame: _Frame) -> str | None:
        """Why ``a`` and the later ``b`` cannot run together."""
        for x, y in ((a, b), (b, a)):
            dep = (x.bound | x.written) & y.pre_names
            if dep:
                return f"data dependency on {min(dep)!r}"
        if a.bound & b.bound:
            return "data dependency: the same name is assigned twice"
        for x, y in ((a, b), (b, a)):
            for call in x.calls:
                for fn in self._callees(call):
                    mutated = mutated_objects(fn, call, isinstance(call.func, cst.Attribute))
                    shared = mutated & (y.pre_names | y.post_names)
                    if shared:
                        return (
                            f"shared argument {min(shared)!r} passed to a function that mutates "
                            f"it ({fn.name}() is defined {_where(fn)})"
                        )
        (recv_a, handed_a), (recv_b, handed_b) = self._shared(a, frame), self._shared(b, frame)
        for r, name in sorted(recv_a.items()):
            for q, other in sorted(recv_b.items()):
                if _overlap(r, q):
                    return (
                        f"same receiver {min(r, q, key=len)!r}: {name}() and {other}() are calls on "
                        "one object, which may keep state between them (not analysed here, nor an "
                        "HTTP read on a known client)"
                    )
        for x, y in ((a, b), (b, a)):
            handed = handed_a if x is a else handed_b
            shared = sorted(set(handed) & (y.pre_names | y.post_names))
            if shared:
                obj = shared[0]
                return (
                    f"shared argument {obj!r} passed to {handed[obj]}(), which is not analysed here "
                    "and may change it, and used by the other call"
                )
        return None

    def _callees(self, call: cst.Call) -> list[_Func]:
        """Functions ``call`` may run: of this module (by name), or of a project module it
        imports (only looked up here, i.e. for the calls of a run)."""
        key = _callee_key(call)
        found = self.facts.callees(*key) if key else []
        if found:
            self._follow_project_calls(found)
        shadowed: set[str] = set()
        for outer in self.frames:
            if outer.func is not None:
                fn = self._fn(outer)
                shadowed |= fn.locals | set(fn.params)
        return found + self.project.callees(call, shadowed)

    def _follow_project_calls(self, start: list[_Func]) -> None:
        """Give the functions of this module reachable from ``start`` what the project
        functions they call do (``helper(c)`` calling ``services.fill(c)`` mutates ``c``), then
        propagate again. Done once per function, when a run calls it (directly or not); the
        project functions' own calls into further modules are judged by their names only."""
        seen: dict[int, _Func] = {}
        todo = list(start)
        while todo:
            fn = todo.pop()
            if id(fn) in seen or id(fn) in self._followed or fn.origin is not None:
                continue
            seen[id(fn)] = fn
            for key, attribute, _call in fn.calls:
                todo.extend(self.facts.callees(key, attribute))
        self._followed |= set(seen)
        for fn in seen.values():
            shadowed = fn.locals | set(fn.params)
            for _key, _attribute, call in fn.calls:
                fn.project_calls += [(c, call) for c in self.project.callees(call, shadowed)]
        if any(fn.project_calls for fn in seen.values()):
            every = [f for group in (*self.facts.funcs.values(), *self.facts.methods.values()) for f in group]
            self.facts.propagate(every)

    def _orm_read(self, func: cst.BaseExpression) -> bool:
        if isinstance(func, cst.Attribute):
            return func.attr.value in ORM_READS
        return self.imports.qualify(func) in ORM_READ_FUNCTIONS

    def _fresh(self, frame: _Frame, base: str) -> str:
        """A name used nowhere in the module (nor handed out before in this function)."""
        name, k = base, 0
        while name in self.module_names or name in frame.allocated:
            k += 1
            name = f"{base}{k}" if not base[-1].isdigit() else f"{base}_{k}"
        frame.allocated.add(name)
        return name

    def _rewrite(self, run: list[_Stmt], frame: _Frame) -> list[cst.BaseStatement] | None:
        first = run[0].node
        if all(self._orm_read(s.call.func) for s in run):
            self.ctx.report(first, "no benefit: Django's async ORM runs on one thread")
            return None
        if self.style == "taskgroup":
            reason = self._taskgroup_refusal()
            if reason is not None:
                self.ctx.report(first, reason)
                return None
        aio = self.aio or "asyncio"
        if self.aio is None:
            self.need_import = True
        if self.style == "taskgroup":
            out = self._taskgroup(run, frame, aio)
            self.ctx.fixed(first, f"ran {len(run)} independent awaits in an asyncio.TaskGroup")
        else:
            out = self._gather(run, frame, aio)
            self.ctx.fixed(first, f"gathered {len(run)} independent awaits")
        return out

    def _taskgroup_refusal(self) -> str | None:
        """Why ``asyncio.TaskGroup`` cannot be emitted: the project admits Python < 3.11."""
        if self._tg_refusal is None:
            found = _requires_python(self.project.dir)
            reason = ""
            if found is not None and _admits_before(found[0], (3, 11)):
                spec, where = found
                reason = (
                    f"style taskgroup needs Python 3.11+ (asyncio.TaskGroup), but requires-python "
                    f"{spec!r} in {where} admits older versions: use style gather, or raise "
                    "requires-python"
                )
            self._tg_refusal = reason
        return self._tg_refusal or None

    def _post_line(self, s: _Stmt, value_code: str, idx: int) -> cst.BaseStatement:
        """``target = <post-processing of the result>`` keeping the statement's comments."""
        target = self.module.code_for_node(s.target_node) if s.target_node is not None else None
        if isinstance(s.small, cst.AnnAssign):
            annotation = self.module.code_for_node(s.small.annotation.annotation)
            text = f"{target}: {annotation} = {value_code}\n"
        elif target is not None:
            text = f"{target} = {value_code}\n"
        else:
            text = f"{value_code}\n"
        line = cst.parse_statement(text)
        assert isinstance(line, cst.SimpleStatementLine)
        return line.with_changes(
            leading_lines=s.node.leading_lines if idx else [],
            trailing_whitespace=s.node.trailing_whitespace,
        )

    def _result_code(self, s: _Stmt, result: cst.BaseExpression) -> str:
        return self.module.code_for_node(s.value.deep_replace(s.await_, result))

    def _gather(self, run: list[_Stmt], frame: _Frame, aio: str) -> list[cst.BaseStatement]:
        posts = [k for k, s in enumerate(run) if s.needs_line]
        first_post = posts[0] if posts else len(run)
        own_line = [k >= first_post and (s.needs_line or s.target is not None) for k, s in enumerate(run)]
        throw: str | None = None
        targets: list[str] = []
        for k, s in enumerate(run):
            if own_line[k]:
                targets.append(self._fresh(frame, f"_{s.target}" if s.target else "_result"))
            elif s.target is not None:
                targets.append(s.target)
            else:
                throw = throw or self._fresh(frame, "_")
                targets.append(throw)
        # Comments of statements without a line of their own go next to their call.
        args: list[tuple[list[str], str, str]] = []
        for k, s in enumerate(run):
            lead = [] if (k == 0 or own_line[k]) else _leading_text(s.node.leading_lines)
            comment = s.node.trailing_whitespace.comment
            trail = comment.value if comment is not None and not own_line[k] else ""
            args.append((lead, self.module.code_for_node(s.call), trail))
        one_line = ", ".join(code for _, code, _ in args)
        if any(lead or trail for lead, _, trail in args) or len(one_line) > 70 or "\n" in one_line:
            parts = []
            for lead, code, trail in args:
                parts.extend(f"    {c}" for c in lead if c)  # comments; no blank lines in a call
                parts.append(f"    {_indent_tail(code, '    ')},{'  ' + trail if trail else ''}")
            call_text = "(\n" + "\n".join(parts) + "\n)"
        else:
            call_text = f"({one_line})"
        # every result thrown away: no targets at all
        bind = "" if all(t == throw for t in targets) else f"{', '.join(targets)} = "
        stmt = cst.parse_statement(f"{bind}await {aio}.gather{call_text}\n")
        stmt = stmt.visit(_Blank())
        assert isinstance(stmt, cst.SimpleStatementLine)
        stmt = stmt.with_changes(leading_lines=run[0].node.leading_lines)
        out: list[cst.BaseStatement] = [stmt]
        for k, s in enumerate(run):
            if own_line[k]:
                out.append(self._post_line(s, self._result_code(s, cst.Name(targets[k])), k))
        return out

    def _taskgroup(self, run: list[_Stmt], frame: _Frame, aio: str) -> list[cst.BaseStatement]:
        tg = self._fresh(frame, "tg")
        exc = self._fresh(frame, "exc")
        own_line = [s.needs_line or s.target is not None for s in run]
        tasks = [
            self._fresh(frame, f"_{s.target}" if s.target else "_task") if own_line[k] else None
            for k, s in enumerate(run)
        ]
        lines = []
        for k, s in enumerate(run):
            if not own_line[k] and k:
                lines.extend(f"        {c}" if c else "" for c in _leading_text(s.node.leading_lines))
            comment = s.node.trailing_whitespace.comment
            trail = f"  {comment.value}" if comment is not None and not own_line[k] else ""
            create = f"{tg}.create_task({_indent_tail(self.module.code_for_node(s.call), '        ')})"
            lines.append(f"        {tasks[k] + ' = ' if tasks[k] else ''}{create}{trail}")
        text = (
            f"try:\n    async with {aio}.TaskGroup() as {tg}:\n" + "\n".join(lines) + "\n"
            f"except BaseExceptionGroup as {exc}:\n    raise {exc}.exceptions[0] from None\n"
        )
        stmt = cst.parse_statement(text).visit(_Blank())
        assert isinstance(stmt, cst.Try)
        out: list[cst.BaseStatement] = [stmt.with_changes(leading_lines=run[0].node.leading_lines)]
        for k, s in enumerate(run):
            if own_line[k]:
                result = cst.parse_expression(f"{tasks[k]}.result()")
                out.append(self._post_line(s, self._result_code(s, result), k))
        return out


def _top_level_asyncio(module: cst.Module) -> str | None:
    """Local name of a module-level ``import asyncio [as x]`` (imports in functions do not count)."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == "asyncio":
                        if alias.asname is None:
                            return "asyncio"
                        if isinstance(alias.asname.name, cst.Name):
                            return alias.asname.name.value
    return None


def _add_import(module: cst.Module) -> cst.Module:
    """``import asyncio`` after the imports at the top of the module (after the docstring when
    there are none, then two blank lines before a def or class that follows)."""
    body = list(module.body)
    idx = 0
    imports = False
    for n, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            break
        if n == 0 and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) and isinstance(
            stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)
        ):
            idx = 1
            continue
        if not all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            break
        idx, imports = n + 1, True
    line = cst.parse_statement("import asyncio\n")
    if idx and not imports:  # after the docstring: a blank line between them
        line = line.with_changes(leading_lines=[cst.EmptyLine()])
    if idx < len(body) and not imports and isinstance(body[idx], (cst.FunctionDef, cst.ClassDef)):
        after = body[idx]
        comments = [el for el in after.leading_lines if el.comment is not None]
        if len(after.leading_lines) - len(comments) < 2 or after.leading_lines[:2] != [cst.EmptyLine()] * 2:
            blank = [cst.EmptyLine(), cst.EmptyLine()]
            body[idx] = after.with_changes(leading_lines=[*blank, *comments])
    body.insert(idx, line)
    return module.with_changes(body=body)


@register
class GatherAwaits(Codemod):
    name = "gather-awaits"
    summary = "run consecutive independent awaits concurrently with asyncio.gather or a TaskGroup"
    min_django = (3, 1)
    order = 20
    options: ClassVar[dict[str, Any]] = {"style": "gather"}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {"style": STYLES}

    def precheck(self, source: str) -> bool:
        # The runner pre-checks the original text: requests-to-httpx (run first) makes awaits.
        return "async def" in source and (source.count("await") >= 2 or "requests" in source)

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        style = ctx.options.get("style", "gather")
        if style not in STYLES:
            raise ValueError(f"gather-awaits: style must be one of {', '.join(STYLES)}, not {style!r}")
        hot = _hot_scopes(module)
        if not hot:
            return module  # no two await statements follow each other in an async def
        facts = _ModuleFacts()
        module.visit(facts)
        facts.finish()
        t = _Transformer(module, ctx, style, facts, hot)
        new = module.visit(t)
        if t.need_import:
            new = _add_import(new)
        return new
