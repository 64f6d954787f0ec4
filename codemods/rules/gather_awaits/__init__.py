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

Example
    Before::

        import httpx


        async def fetch_user(client: httpx.AsyncClient, uid):
            return (await client.get(f"{USERS}/{uid}")).json()


        async def view(request, uid):
            async with httpx.AsyncClient() as client:
                user = await fetch_user(client, uid)
                feed = (await client.get(FEED_URL)).json()

    After::

        import httpx
        import asyncio


        async def fetch_user(client: httpx.AsyncClient, uid):
            return (await client.get(f"{USERS}/{uid}")).json()


        async def view(request, uid):
            async with httpx.AsyncClient() as client:
                user, _feed = await asyncio.gather(fetch_user(client, uid), client.get(FEED_URL))
                feed = _feed.json()

    With ``style = "taskgroup"``, the body of the ``async with``::

        try:
            async with asyncio.TaskGroup() as tg:
                _user = tg.create_task(fetch_user(client, uid))
                _feed = tg.create_task(client.get(FEED_URL))
        except BaseExceptionGroup as exc:
            raise exc.exceptions[0] from None
        user = _user.result()
        feed = _feed.result().json()

Effects
    Gathering runs calls that ran one after another at the same time, and runs the later ones
    even when an earlier one fails. So only calls known to be free of ordering effects are
    gathered; every other call keeps its place, and says so with ``-v`` only (a note naming the
    call: ``order kept: billing.charge_card() has unknown effects; if none, list it in
    gather-awaits.effect-free``).

    Proven (read in the code):
    - HTTP GET/HEAD/OPTIONS (``request("GET", ...)``) on a known client: ``httpx``/``httpx2``
      ``AsyncClient``, ``aiohttp.ClientSession`` (see "same receiver" below for how a name is
      known to be one), made without ``event_hooks``/``auth``/``transport``/``mounts`` (or
      aiohttp's ``trace_configs``/``middlewares``/``connector``, or ``**kwargs``; ``auth=`` a
      ``(user, password)`` tuple is fine): code of the
      project's own would run around each request;
    - Django async ORM reads (``aget``, ``afirst``, ``acount``... by method name, the async
      shortcuts, ``request.auser()``);
    - functions of this module, and top-level functions of project modules it imports (see
      below), read and found to call only such things: every call in them, awaited or not, must
      itself be known free -- one of the above, another function read and found free, a builtin
      that computes a value, a function of a module of computations (``json``, ``datetime``,
      ``re``, ``django.urls``... see ``knowledge.effects``), a str/dict method or
      ``.json()``/``.raise_for_status()`` (not awaited), a lazy QuerySet method, making a client
      -- and write nothing (no global assigned, no object mutated that it was not given and did
      not create), with no decorator (its wrapper is not read), no ``await`` of anything but a
      call (a future, an event), no ``async with`` but a client or an HTTP read, no
      ``async for`` but over a QuerySet. Found by name, a method of this module proves
      ``self.m()``/``cls.m()`` only when the caller's own class defines ``m`` (not
      ``api.m()``, ``super().m()``, nor an ``m`` inherited from elsewhere), and a module
      function is not the callee of a name the caller binds (a parameter ``load``).
    Assumed:
    - what the user declares: option ``effect-free``, a list of qualified names or fnmatch
      patterns (``[tool.dj-asyncify.gather-awaits] effect-free = ["myapp.services.fetch_*",
      "billing.client.Client.get_*"]``, or ``-o gather-awaits.effect-free=a,b``). A call is
      named by what it resolves to through the module's imports (``billing.charge_card`` for
      ``from billing import charge_card``), a function of this module by the module's dotted
      name (``shop.views.load``), a method by its parameter's annotated class
      (``api: Client``: ``billing.client.Client.get_rates``), a method of an object of unknown
      type by its text (``self.api.get_rates``). A declaration covers what the analysis cannot
      see, not a write it found (a declared function that POSTs is still refused), and leaves
      the other checks (data dependencies, shared objects) as they are;
    - calls on a logger (``logger.info(...)``): a log record, whose order may change;
    - a parameter annotated as a client (``client: httpx.AsyncClient``) is one (annotations are
      not checked at run time), and ``aget``/``afirst``/``acount``... are ORM reads on whatever
      object they are called (the names are Django's).
    Everything else keeps its order: an awaited call on a third-party or unknown object, a
    function not found or that calls one of those, a method on ``self.x``, whatever its name.

Functions of other project modules
    A call of a run to a function imported from a module of the project -- ``from
    shop.services import add_item``, ``from . import services; services.add_item(...)``,
    ``import shop.services as s`` (module-level imports) -- is judged like a function of this
    module: the module's file is looked for at the project root (the first folder above this
    file holding pyproject.toml, setup.py, setup.cfg or manage.py) and in its ``src``, where
    Python finds it (without a root: next to this file, then in each folder above it; ``from .x``
    imports from this file's package), parsed, and its top-level ``def``
    of that name analysed, with the functions of its module it calls and the project functions
    those import in turn. The files are read only for the calls of a run, through
    ``codemods.project`` (a cached result is dropped when one of them changes). Methods,
    re-exported names, standard-library and installed modules are not followed: such a callee's
    effects are unknown (see Effects).

Why
    Awaiting one I/O call after another waits for the sum of their latencies; running them
    concurrently waits for the longest one only.

Failure behaviour
    Sequentially, a failing call stops the ones after it from starting. ``gather``: all calls
    start together; the first exception propagates as itself, and the other calls keep running in
    the background until they finish. ``taskgroup``: the first failure cancels the other calls
    (nothing is left running, closer to the sequential behaviour) and is re-raised as itself
    (unwrapped from the ``ExceptionGroup``, so ``except Http404`` and Django's own handlers still
    match). Either way, the calls of a run are known free of ordering effects (see Effects), so
    the calls that ran early changed nothing; post-processing still runs in order, after all the calls. The arguments of
    all the calls are evaluated first, in the original order: when both a call and a later
    statement's argument (or two calls) would fail, which exception propagates may differ.

Refuses when (each with a diagnostic)
    Two levels (each code's, in ``codes.py``): a place considered and not applicable -- the awaits depend on each
    other or must keep their order, a statement shape not taken apart, no benefit (ORM
    reads only) -- is a note, shown with ``-v`` only; independent awaits left as they are (the name
    ``asyncio`` taken or bound, a ``try``/transaction around them, TaskGroup on an old Python) are
    warnings, always shown. ``sync_to_async(f)(...)`` keeps its place with "cannot tell what
    sync_to_async(f)(...) does": the function it runs is not looked into.

    Kept in place, splitting the run (the awaits before and after it are gathered separately);
    calls in the awaited call's arguments count, and ``wait_for``/``shield(f())`` is judged by
    ``f()``:
    - a call whose effects are not known (see Effects): a note, shown with ``-v`` only, e.g.
      ``await worker.run_job(job.job_id)`` before ``await job.result_info()``;
    - a write, ordered with respect to every other call: ``.post/.put/.patch/.delete``,
      ``.request(...)`` unless its method is a literal GET/HEAD/OPTIONS, ``.stream``/``.send``, an
      async ORM/auth/session/cache write (``asave``, ``acreate``, ``aset``, ``alogin``,
      ``arefresh_from_db``...), ``sync_to_async(...)(...)``, or a function of this module (or a
      method of a class of this module, or a function of a project module, see above) that does
      any of these, assigns a global or mutates an object it was not given and did not create;
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
    Statements next to an await that cannot join a run (the await is not evaluated first,
    post-processing may have side effects, a target that calls something, several statements
    on one line, a comment that would be lost...) are reported with the reason. ``return await ...`` never joins a run.
    - style ``taskgroup`` while the project's ``requires-python`` admits Python < 3.11.
    Not checked: what a call declared in ``effect-free`` does (see Effects).
    Two GETs on the same httpx client run concurrently: a cookie that the first response sets is
    not sent with the second, as it would be sequentially.
    ``# dj-asyncify: skip`` on the ``def`` line skips the function.

Left alone without a word
    Tests: a function named ``test*`` in a test module (``test_*.py``, ``*_test.py``,
    ``tests.py``, a file under a ``tests``/``test`` folder), a method of a test class
    (``Test*``/``*Tests`` in a test module, or any class with a ``...TestCase`` base), and
    functions nested in them. The order of a test's awaits is usually what it checks (one request
    after another, an effect then its result) and speed does not matter there. Helpers and
    fixtures of a test module are looked at as any other code.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, ClassVar

from codemods.candidates import Facts, involves_await, statement_lists
from codemods.registry import Codemod, Context, register
from codemods.rules.gather_awaits.codes import CODES, PAGE

if TYPE_CHECKING:  # libcst is imported lazily (in transform): a cached run never needs it
    import libcst as cst

STYLES = ("gather", "taskgroup")


@register
class GatherAwaits(Codemod):
    name = "gather-awaits"
    codes = CODES
    page = PAGE
    summary = "run consecutive independent awaits concurrently with asyncio.gather or a TaskGroup"
    min_django = (3, 1)
    order = 20
    options: ClassVar[dict[str, Any]] = {"style": "gather", "effect-free": []}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {"style": STYLES}

    def precheck(self, source: str) -> bool:
        # The runner pre-checks the original text: requests-to-httpx (run first) makes awaits.
        return "async def" in source and (source.count("await") >= 2 or "requests" in source)


    def candidate(self, facts: Facts) -> bool:
        # Looks at runs of >= 2 consecutive simple statements holding awaits, in blocks inside
        # async defs (``x = await f()``, ``await f()``, ``a = (await c.get(u)).json()``, ``return
        # await`` ...). So: some block at any depth below an async def (blocks of nested defs and
        # of if/for/with/try included) has two neighbouring simple statements (anything but def,
        # class, if, for, while, with, try, match) each holding an await or an async comprehension
        # anywhere in their expressions. Two statements on one line count. Tests are left alone
        # (``hot_scopes``, the same rule on the LibCST tree).
        memo: dict[int, bool] = {}
        for func in facts.async_defs_outside_tests():
            for block in statement_lists(func):
                for a, b in itertools.pairwise(block):
                    if involves_await(a, memo) and involves_await(b, memo):
                        return True
        return False

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        style = ctx.options.get("style", "gather")
        if style not in STYLES:
            raise ValueError(f"gather-awaits: style must be one of {', '.join(STYLES)}, not {style!r}")
        from codemods.rules.gather_awaits.rewrite import transform

        return transform(module, ctx, style)
