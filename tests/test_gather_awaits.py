import asyncio
import contextlib
import sys
import textwrap
import threading
from http.server import ThreadingHTTPServer

import pytest

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests import harness
from tests.harness import rewrite as rewrite_as_is

# Most tests here check the shape of a rewrite, or a refusal, with callees the module neither
# defines nor imports (``fetch_user(uid)``, ``client.get(u)`` on an unknown ``client``). Under the
# effect-free policy such a call keeps its order unless the user declares it free of ordering
# effects, so these tests declare every call, as a user may (``effect-free = ["*"]``): what the
# analysis proves (writes, shared objects, data dependencies...) still decides. The tests of the
# policy itself (``test_effect_free_*``) use the ``*_as_is`` functions: nothing declared.
DECLARE_ALL = {"effect-free": ["*"]}


def _declared(kwargs):
    options = kwargs.pop("options", None) or {}
    return {**kwargs, "options": {**DECLARE_ALL, **options}}


def check_transformed(codemod, before, after, **kwargs):
    return harness.check_transformed(codemod, before, after, levels=("refused", "note"), **_declared(kwargs))


def check_noop(codemod, source, reason, **kwargs):
    # A reason is reported as a warning or a note by its kind (pinned per kind in
    # tests/test_true_reasons.py): either counts here.
    return harness.check_noop(codemod, source, reason, levels=("refused", "note"), **_declared(kwargs))


def rewrite(codemod, source, **kwargs):
    return rewrite_as_is(codemod, source, **_declared(kwargs))


check_transformed_as_is = harness.check_transformed


def check_noop_as_is(codemod, source, reason, **kwargs):
    return harness.check_noop(codemod, source, reason, levels=("refused", "note"), **kwargs)


def _notes(outcome):
    """The messages of the notes (shown with -v only) of an outcome."""
    return [d.message for d in outcome.diagnostics if d.kind == "note"]
from tests.upstream import _Handler as _UpstreamHandler

# Running code that uses asyncio.TaskGroup needs Python 3.11+ (emitting it does not).
needs_taskgroup = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup needs Python 3.11+")
STYLES_RUN = ["gather", pytest.param("taskgroup", marks=needs_taskgroup)]

CM = "gather-awaits"


@pytest.fixture(autouse=True)
def _outside_any_project(tmp_path, monkeypatch):
    """Run with a working folder that no pyproject.toml sits above: the relative paths these tests
    hand to the codemod ("example.py") would otherwise name a file of this repository, whose
    requires-python (>=3.10) makes the taskgroup style refuse every run."""
    monkeypatch.chdir(tmp_path)


def test_gathers_two_assignments_and_adds_import():
    check_transformed(
        CM,
        """\
        async def view(uid, page):
            # load both
            user = await fetch_user(uid)
            feed: list = await fetch_feed(page)
            return user, feed
        """,
        """\
        import asyncio


        async def view(uid, page):
            # load both
            user, feed = await asyncio.gather(fetch_user(uid), fetch_feed(page))
            return user, feed
        """,
    )


def test_bare_await_gets_fresh_name_and_existing_import_reused():
    check_transformed(
        CM,
        '''\
        """Doc."""
        from __future__ import annotations
        import asyncio as aio


        async def two():
            return 2


        async def f(_):
            a = await one()
            await two()
            return a
        ''',
        '''\
        """Doc."""
        from __future__ import annotations
        import asyncio as aio


        async def two():
            return 2


        async def f(_):
            a, _1 = await aio.gather(one(), two())
            return a
        ''',
    )


def test_import_after_docstring_and_future():
    # Every result thrown away: a gather with no targets (the callees are read-only functions
    # of this module, so their bare awaits may run together).
    check_transformed(
        CM,
        '''\
        """Doc."""
        from __future__ import annotations

        async def f():
            await one()
            await two()

        async def one():
            return 1

        async def two():
            return 2
        ''',
        '''\
        """Doc."""
        from __future__ import annotations
        import asyncio

        async def f():
            await asyncio.gather(one(), two())

        async def one():
            return 1

        async def two():
            return 2
        ''',
    )


@pytest.mark.parametrize(
    "head, expected_head",
    [
        # after the last of the module's imports, not above them (isort's first line stays first)
        (
            "from http import HTTPStatus\nimport json\n\nimport httpx\n\n\n",
            "from http import HTTPStatus\nimport json\n\nimport httpx\nimport asyncio\n\n\n",
        ),
        # no import: after the docstring, then two blank lines before the def
        ('"""Doc."""\n', '"""Doc."""\n\nimport asyncio\n\n\n'),
        # nothing above the def: the import, then two blank lines
        ("", "import asyncio\n\n\n"),
        ("# a comment\n\n", "# a comment\n\nimport asyncio\n\n\n"),
    ],
)
def test_import_asyncio_placement(head, expected_head):
    body = "async def f(a, b):\n    x = await g(a)\n    y = await h(b)\n    return x, y\n"
    gathered = "async def f(a, b):\n    x, y = await asyncio.gather(g(a), h(b))\n    return x, y\n"
    check_transformed(CM, head + body, expected_head + gathered)


def test_sync_function_is_noop():
    check_noop(CM, "def f():\n    a = g()\n    b = h()\n", None)


def test_single_await_is_noop():
    check_noop(CM, "async def f():\n    a = await g()\n    return a\n", None)


def test_skip_comment():
    check_noop(CM, "async def f():  # dj-asyncify: skip\n    a = await g()\n    b = await h()\n", None)


@pytest.mark.parametrize(
    "body, reason",
    [
        ("a = await g()\n    b = await h(a)", "data dependency on 'a'"),
        ("a = await g()\n    b = await h(a.x)", "data dependency on 'a'"),
        ("a = await g(b)\n    b = await h()", "data dependency on 'b'"),
        ("a = await client.post(u)\n    b = await h()", "order-sensitive write"),
        ("a = await g()\n    await obj.asave()", "order-sensitive write"),
        ("a = await sync_to_async(work)()\n    b = await h()", "order kept: cannot tell what sync_to_async(work)(...) does"),
        ("a = await M.objects.aget(pk=1)\n    b = await M.objects.acount()",
         "no benefit: Django's async ORM runs on one thread"),
    ],
)
def test_refusals(body, reason):
    check_noop(CM, f"async def f(client, obj, M):\n    {body}\n    return a\n", reason)


def test_refuses_inside_atomic():
    src = """\
    async def f():
        async with transaction.atomic():
            a = await g()
            b = await h()
    """
    check_noop(CM, src, "exception ordering observable")


def test_refuses_inside_try_except_but_not_try_finally():
    check_noop(
        CM,
        """\
        async def f():
            try:
                a = await g()
                b = await h()
            except ValueError:
                pass
        """,
        "exception ordering observable",
    )
    check_transformed(
        CM,
        """\
        import asyncio
        async def f():
            try:
                a = await g()
                b = await h()
            finally:
                pass
        """,
        """\
        import asyncio
        async def f():
            try:
                a, b = await asyncio.gather(g(), h())
            finally:
                pass
        """,
    )


def test_refuses_shared_argument_to_mutating_function():
    src = """\
    async def add(items):
        items.append(1)

    async def f(items):
        a = await add(items)
        b = await count(items)
    """
    check_noop(CM, src, "shared argument 'items'")


def test_asyncio_shadowed_locally_refused():
    check_noop(CM, "async def f(asyncio):\n    a = await g()\n    b = await h()\n", "asyncio")


def test_comments_in_a_run_are_kept_and_blank_lines_not_inside_the_call():
    check_transformed(
        CM,
        """\
        import asyncio
        async def f():
            # both
            a = await g()  # the g
            # note

            b = await h()
            return a, b
        """,
        """\
        import asyncio
        async def f():
            # both
            a, b = await asyncio.gather(
                g(),  # the g
                # note
                h(),
            )
            return a, b
        """,
    )


# The events are named, not passed: an object handed to an unknown callee and used by another
# call of the run is shared state, which keeps the calls apart.
CONCURRENCY_SRC = """\
async def both():
    a = await waiter("first", "second")
    b = await waiter("second", "first")
    return a, b
"""


def _run(src):
    ns = {}
    events = {}

    async def waiter(mine, other):
        events[other].set()
        await events[mine].wait()
        return "ok"

    ns["waiter"] = waiter
    exec(compile(src, "<src>", "exec"), ns)  # noqa: S102 - runs the rewritten code

    async def main():
        events.update(first=asyncio.Event(), second=asyncio.Event())
        return await asyncio.wait_for(ns["both"](), 2)

    return asyncio.run(main())


def test_concurrency_proof():
    # waiter("first", "second") sets the second event then waits on the first: sequentially
    # the first call never returns.
    with pytest.raises((TimeoutError, asyncio.TimeoutError)):
        _run(CONCURRENCY_SRC)
    out = rewrite(CM, CONCURRENCY_SRC)
    assert "asyncio.gather(" in out.source
    assert _run(out.source) == ("ok", "ok")


def test_orm_reads_through_shortcut_import():
    check_noop(
        CM,
        """\
        from django.shortcuts import aget_object_or_404
        async def f(M):
            a = await aget_object_or_404(M, pk=1)
            b = await M.objects.afirst()
        """,
        "no benefit",
    )


def test_function_local_asyncio_import_is_not_reused():
    # a function-local `import asyncio` does not bind the name for f: refuse rather than guess
    check_noop(
        CM,
        """\
        def other():
            import asyncio
        async def f():
            a = await g()
            b = await h()
        """,
        "the name 'asyncio' is bound or used in this module other than by a top-level `import asyncio`",
    )


def test_module_level_asyncio_name_refused():
    check_noop(CM, "asyncio = None\nasync def f():\n    a = await g()\n    b = await h()\n", "asyncio")


def test_nested_block_and_mixed_run():
    check_transformed(
        CM,
        """\
        import asyncio
        async def f(xs):
            for x, y in xs:
                a = await g(x)
                b = await h(y)
                print(a, b)
        """,
        """\
        import asyncio
        async def f(xs):
            for x, y in xs:
                a, b = await asyncio.gather(g(x), h(y))
                print(a, b)
        """,
    )


# --------------------------------------------------------------------------- awaits in expressions
def test_post_processed_results_go_through_temporaries_in_order():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u, v, _a):
            a = (await client.get(u)).json()
            b: dict = (await client.get(v)).json()["items"][0]
            (await client.head(u)).status_code
            return a, b
        """,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u, v, _a):
            _a1, _b, _result = await asyncio.gather(client.get(u), client.get(v), client.head(u))
            a = _a1.json()
            b: dict = _b.json()["items"][0]
            _result.status_code
            return a, b
        """,
    )


def test_plain_awaits_before_the_first_post_processing_bind_directly():
    # `a` may be bound early (nothing runs before it); `c` comes after a post-processing
    # statement that may raise, so it keeps its own line and is bound in order.
    check_transformed(
        CM,
        """\
        import asyncio
        async def f(client, u):
            a = await one()
            b = (await client.get(u)).json().get("k", a)
            c = await two()
            return a, b, c
        """,
        """\
        import asyncio
        async def f(client, u):
            a, _b, _c = await asyncio.gather(one(), client.get(u), two())
            b = _b.json().get("k", a)
            c = _c
            return a, b, c
        """,
    )


def test_post_processing_may_read_earlier_results():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u, v):
            a = (await client.get(u)).json()
            b = (await client.get(v)).json()[a]
        """,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u, v):
            _a, _b = await asyncio.gather(client.get(u), client.get(v))
            a = _a.json()
            b = _b.json()[a]
        """,
    )


@pytest.mark.parametrize(
    "second, reason",
    [
        ("b = (await client.get(v)).process()", ".process(), which may have side effects"),
        ("b = len(await client.get(v))", "not the first thing its statement evaluates"),
        ("b = (await client.get(v)).json()[key()]", "indexed with something"),
        ("self.b[key()] = await client.get(v)", "assigns to a target that computes something"),
        ("b = c = await client.get(v)", "chained assignment"),
        ("b = await client.get(v); c = 1", "several statements on one line"),
    ],
)
def test_statement_that_cannot_join_is_reported(second, reason):
    check_noop(CM, f"async def f(self, client, u, v):\n    a = await client.get(u)\n    {second}\n", reason)


def test_return_never_joins_and_is_silent():
    check_noop(CM, "async def f(client, u, v):\n    a = await client.get(u)\n    return await client.get(v)\n", None)


@pytest.mark.parametrize(
    "call",
    ["client.post(u)", "client.put(u)", "client.patch(u)", "client.delete(u)", 'client.request("POST", u)',
     "client.request(m, u)", "client.send(req)", "cache.aset(k, 1)", "obj.arefresh_from_db()", "alogin(r, user)"],
)
def test_writes_are_ordered(call):
    check_noop(CM, f"async def f(client, u, m, req, cache, obj, r, user):\n    a = await client.get(u)\n    b = await {call}\n", "order-sensitive write")


def test_http_reads_are_gathered():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u):
            a = await client.options(u)
            b = await client.request("get", u)
            c = await client.request(method="HEAD", url=u)
        """,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u):
            a, b, c = await asyncio.gather(
                client.options(u),
                client.request("get", u),
                client.request(method="HEAD", url=u),
            )
        """,
    )


def test_orm_read_with_http_read_is_gathered():
    check_transformed(
        CM,
        """\
        import asyncio
        async def f(request, client, M):
            user = await request.auser()
            data = (await client.get(URL)).json()
        """,
        """\
        import asyncio
        async def f(request, client, M):
            user, _data = await asyncio.gather(request.auser(), client.get(URL))
            data = _data.json()
        """,
    )


def test_closure_reading_a_target_refused():
    check_noop(
        CM,
        """\
        async def f(client, u):
            def later():
                return a
            a = await client.get(u)
            b = await client.get(u)
            return later()
        """,
        "a function nested here reads it",
    )


# --------------------------------------------------------------------------- real HTTP, end to end
class _StatefulHandler(_UpstreamHandler):
    """The upstream endpoints plus two with state, for one server per test:

    - ``/meet/<name>``: waits until ``server.parties`` requests are inside at once (a barrier),
      answers ``{"name", "met": true}``; after ``server.wait`` seconds alone, ``"met": false``.
      Two requests can only meet if the client has both in flight at the same time.
    - ``/counter``: POST increments after the next GET has been answered (or ``server.wait``
      seconds); GET answers the value. Sequential POST-then-GET reads 1; concurrent reads 0.
    """

    def _handle(self) -> None:
        srv = self.server
        head = self.path.split("?")[0].strip("/").split("/")
        if head[0] == "meet":
            try:
                srv.barrier.wait(timeout=srv.wait)
                met = True
            except threading.BrokenBarrierError:
                met = False
            self._send(200, {"name": head[1], "met": met})
        elif head[0] == "counter" and self.command == "POST":
            srv.got_get.wait(timeout=srv.wait)
            with srv.lock:
                srv.count += 1
            self._send(200, {"count": srv.count})
        elif head[0] == "counter":
            with srv.lock:
                value = srv.count
            self._send(200, {"count": value})
            srv.got_get.set()
        else:
            super()._handle()

    do_GET = do_POST = do_HEAD = _handle


@contextlib.contextmanager
def _stateful_server(wait: float, parties: int = 2):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StatefulHandler)
    server.daemon_threads = True
    server.wait = wait
    server.barrier = threading.Barrier(parties)
    server.lock = threading.Lock()
    server.count = 0
    server.got_get = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _pipeline(src: str, **options) -> str:
    settings = Settings(select=("requests-to-httpx", CM), options={CM: options})
    out = transform_source(textwrap.dedent(src), "views.py", settings, ProjectIndex())
    assert out.error is None, out.error
    compile(out.source, "views.py", "exec")
    return out.source


def _call(src: str, name: str, *args):
    ns: dict = {}
    exec(compile(textwrap.dedent(src), "<view>", "exec"), ns)  # noqa: S102 - runs the code under test
    return asyncio.run(ns[name](*args))


LEGACY_VIEW = """\
import requests


async def dashboard(base):
    user = requests.get(base + "/json", params={"who": "user"}).json()
    # the feed
    feed = requests.get(base + "/json", params={"who": "feed"}).json()["query"]
    delayed = requests.get(base + "/delay/20").status_code
    return {"user": user, "feed": feed, "delayed": delayed}
"""


@pytest.mark.parametrize("style", STYLES_RUN)
def test_requests_to_httpx_then_gather_keeps_the_result(upstream, style):
    new = _pipeline(LEGACY_VIEW, style=style)
    assert "requests" not in new and ("asyncio.gather(" in new or "TaskGroup()" in new)
    assert "# the feed" in new
    before = _call(LEGACY_VIEW, "dashboard", upstream.base)
    after = _call(new, "dashboard", upstream.base)
    assert before == after == {
        "user": {"hello": "world", "query": {"who": "user"}},
        "feed": {"who": "feed"},
        "delayed": 200,
    }


MEETING_VIEW = """\
import requests


async def pair(base):
    a = requests.get(base + "/meet/a").json()
    b = requests.get(base + "/meet/b").json()["met"]
    return a, b
"""


@pytest.mark.parametrize("style", STYLES_RUN)
def test_requests_to_httpx_then_gather_runs_requests_concurrently(style):
    # The server answers "met" only to requests that are in flight together.
    with _stateful_server(wait=0.2) as base:  # sequential: the first request gives up alone
        assert _call(MEETING_VIEW, "pair", base) == ({"name": "a", "met": False}, False)
    new = _pipeline(MEETING_VIEW, style=style)
    with _stateful_server(wait=30) as base:  # generous: only a sequential client would wait
        assert _call(new, "pair", base) == ({"name": "a", "met": True}, True)


# --------------------------------------------------------------------------- style = "taskgroup"
def test_taskgroup_style():
    check_transformed(
        CM,
        """\
        import httpx
        async def ping(u):
            return u
        async def f(client: httpx.AsyncClient, u: str, exc):
            # load
            user = await fetch_user(u)
            await ping(u)  # ping
            feed = (await client.get(u)).json()
            return user, feed
        """,
        """\
        import httpx
        import asyncio
        async def ping(u):
            return u
        async def f(client: httpx.AsyncClient, u: str, exc):
            # load
            try:
                async with asyncio.TaskGroup() as tg:
                    _user = tg.create_task(fetch_user(u))
                    tg.create_task(ping(u))  # ping
                    _feed = tg.create_task(client.get(u))
            except BaseExceptionGroup as exc1:
                raise exc1.exceptions[0] from None
            user = _user.result()
            feed = _feed.result().json()
            return user, feed
        """,
        options={"style": "taskgroup"},
    )


def test_unknown_style_is_an_error():
    out = rewrite(CM, "async def f():\n    a = await g()\n    b = await h()\n", options={"style": "threads"})
    assert out.error is not None and "style must be one of gather, taskgroup" in out.error


def test_style_from_cli_option_and_pyproject(tmp_path):
    from tests.test_cli import run

    src = "async def g():\n    return 1\n\nasync def h():\n    return 2\n\nasync def f():\n    a = await g()\n    b = await h()\n"
    (tmp_path / "views.py").write_text(src)
    out = run("apply", "--diff", "-o", "gather-awaits.style=taskgroup", "views.py", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "+        async with asyncio.TaskGroup() as tg:" in out.stdout
    bad = run("apply", "--diff", "-o", "gather-awaits.style=threads", "views.py", cwd=tmp_path)
    assert bad.returncode == 2 and "must be one of gather, taskgroup" in bad.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify.gather-awaits]\nstyle = "taskgroup"\n')
    out = run("apply", "views.py", cwd=tmp_path)
    assert out.returncode in (0, 1), out.stderr
    assert "asyncio.TaskGroup()" in (tmp_path / "views.py").read_text()


FAILING_SRC = """\
async def view(log):
    a = await slow(log)
    b = await fail()
    return a, b
"""


def _run_failing(src):
    """Returns (exception type raised by view, log of the slow call) after the loop settles."""
    ns = {}

    async def slow(log):
        log.append("started")
        try:
            for _ in range(20):
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            log.append("cancelled")
            raise
        log.append("finished")
        return 1

    async def fail():
        raise LookupError("not found")

    ns.update(slow=slow, fail=fail)
    exec(compile(src, "<src>", "exec"), ns)  # noqa: S102 - runs the rewritten code

    async def main():
        log = []
        try:
            await ns["view"](log)
        except Exception as exc:  # noqa: BLE001 - the type is what the test checks
            raised = type(exc)
        for _ in range(50):  # let anything left running finish
            await asyncio.sleep(0)
        return raised, log

    return asyncio.run(main())


def test_failure_behaviour_of_sequential_and_gather():
    # Sequential: the slow call finishes, then the failure propagates as itself.
    assert _run_failing(FAILING_SRC) == (LookupError, ["started", "finished"])
    # gather: the failure propagates as itself; the slow sibling keeps running to the end.
    gathered = rewrite(CM, FAILING_SRC).source
    assert _run_failing(gathered) == (LookupError, ["started", "finished"])


@needs_taskgroup
def test_failure_behaviour_of_taskgroup_style():
    # taskgroup: the sibling is cancelled; the failure is unwrapped from the ExceptionGroup,
    # so `except LookupError` (or Django's Http404 handling) still matches.
    grouped = rewrite(CM, FAILING_SRC, options={"style": "taskgroup"}).source
    assert "TaskGroup" in grouped
    assert _run_failing(grouped) == (LookupError, ["started", "cancelled"])


@needs_taskgroup
def test_taskgroup_concurrency_proof():
    with pytest.raises((TimeoutError, asyncio.TimeoutError)):
        _run(CONCURRENCY_SRC)
    out = rewrite(CM, CONCURRENCY_SRC, options={"style": "taskgroup"})
    assert "TaskGroup()" in out.source
    assert _run(out.source) == ("ok", "ok")


# --------------------------------------------------------------------------- callees of this module
@pytest.mark.parametrize(
    "helper, run",
    [
        ("async def add(items, x):\n    items.append(x)", "a = await add(xs, 1)\n    b = await count(xs)"),
        ("async def add(items, x):\n    items.append(x)", "a = await add(x=1, items=xs)\n    b = await count(xs)"),
        ("async def add(items):\n    items += [1]", "a = await add(xs)\n    b = (await client.get(u)).json()[xs[0]]"),
        ("async def put(d, k):\n    d[k] = 1", "a = await put(xs, 'k')\n    b = await count(xs)"),
        ("async def put(o):\n    o.x = 1", "a = await put(xs)\n    b = await count(xs.x)"),
        ("async def drop(d):\n    del d['k']", "a = await drop(xs)\n    b = await count(xs)"),
        ("async def add(items):\n    items.append(1)\nasync def outer(ys):\n    await add(ys)",
         "a = await outer(xs)\n    b = await count(xs)"),
        ("class V:\n    async def load(self):\n        self.cache = 1",
         "a = await self.load()\n    b = await self.render()"),
    ],
)
def test_callee_mutating_a_shared_argument_is_refused(helper, run):
    check_noop(CM, f"{helper}\n\nasync def f(self, xs, client, u):\n    {run}\n", "shared argument")


def test_callee_mutating_an_unshared_parameter_is_gathered():
    check_transformed(
        CM,
        """\
        import asyncio
        async def add(label, items):
            items.append(label)

        async def count(items):
            return len(items)

        async def f(xs, ys):
            a = await add(xs, ys)
            b = await count(xs)
        """,
        """\
        import asyncio
        async def add(label, items):
            items.append(label)

        async def count(items):
            return len(items)

        async def f(xs, ys):
            a, b = await asyncio.gather(add(xs, ys), count(xs))
        """,
    )


@pytest.mark.parametrize(
    "helper, reason",
    [
        ("async def store(o):\n    await o.asave()", "store() is defined here and it calls asave()"),
        ("async def store(o):\n    await client.post(URL, json=o)", "it calls post()"),
        ("LOG = []\nasync def store(o):\n    LOG.append(o)", "it mutates 'LOG', which it does not own"),
        ("async def store(o):\n    global N\n    N = o", "it assigns a global"),
        ("@sync_to_async\ndef store(o):\n    return o", "runs in sync_to_async"),
        ("async def save(o):\n    await o.asave()\nasync def store(o):\n    await save(o)",
         "store() is defined here and it calls save(), and it calls asave()"),
    ],
)
def test_callee_that_writes_is_ordered(helper, reason):
    check_noop(CM, f"{helper}\n\nasync def f(o):\n    a = await store(o)\n    b = await fetch()\n", reason)


def test_method_on_another_receiver_named_like_a_client_call_is_not_confused():
    # A class view's own `get` method must not make `client.get(...)` look like a call to it.
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        client = httpx.AsyncClient()
        class V:
            async def get(self, request):
                self.x = 1
                a = await client.get(u)
                b = await client.get(u)
        """,
        """\
        import asyncio
        import httpx
        client = httpx.AsyncClient()
        class V:
            async def get(self, request):
                self.x = 1
                a, b = await asyncio.gather(client.get(u), client.get(u))
        """,
    )


# --------------------------------------------------------------------------- refusals, justified
# Each test runs a refused original and the same code gathered by hand: the result changes, so
# gathering it would have been a bug. The codemod is checked to leave the original alone.
def _both(original: str, gathered: str, name: str = "view", *args):
    return _call(original, name, *args), _call(gathered, name, *args)


POST_THEN_GET = """\
import asyncio
import httpx


async def view(base):
    async with httpx.AsyncClient() as client:
        await client.post(base + "/counter")
        n = (await client.get(base + "/counter")).json()["count"]
    return n
"""
POST_THEN_GET_GATHERED = POST_THEN_GET.replace(
    """        await client.post(base + "/counter")
        n = (await client.get(base + "/counter")).json()["count"]
""",
    """        _, r = await asyncio.gather(client.post(base + "/counter"), client.get(base + "/counter"))
        n = r.json()["count"]
""",
)


def test_post_then_get_would_change_if_gathered():
    check_noop(CM, POST_THEN_GET, "order-sensitive write: post()")
    assert POST_THEN_GET_GATHERED != POST_THEN_GET
    with _stateful_server(wait=0.2) as base:  # nobody else will GET: the POST goes ahead alone
        assert _call(POST_THEN_GET, "view", base) == 1
    with _stateful_server(wait=30) as base:  # the POST is held until the concurrent GET answered
        assert _call(POST_THEN_GET_GATHERED, "view", base) == 0


MUTATING_HELPER = """\
import asyncio


async def add(items, x):
    await asyncio.sleep(0)
    items.append(x)
    return len(items)


async def count(items):
    return len(items)


async def view():
    items = []
    a = await add(items, 1)
    b = await count(items)
    return a, b
"""


def test_mutating_helper_would_change_if_gathered():
    check_noop(CM, MUTATING_HELPER, "shared argument 'items' passed to a function that mutates it")
    gathered = MUTATING_HELPER.replace(
        "    a = await add(items, 1)\n    b = await count(items)\n",
        "    a, b = await asyncio.gather(add(items, 1), count(items))\n",
    )
    assert _both(MUTATING_HELPER, gathered) == ((1, 1), (1, 0))


GLOBAL_STATE = """\
import asyncio

LOG = []


async def record(x):
    await asyncio.sleep(0)
    LOG.append(x)


async def size():
    return len(LOG)


async def view():
    await record(1)
    n = await size()
    return n
"""


def test_helper_writing_global_state_would_change_if_gathered():
    check_noop(CM, GLOBAL_STATE, "record() is defined here and it mutates 'LOG'")
    gathered = GLOBAL_STATE.replace(
        "    await record(1)\n    n = await size()\n", "    _, n = await asyncio.gather(record(1), size())\n"
    )
    assert _both(GLOBAL_STATE, gathered) == (1, 0)


DEPENDENCY = """\
import asyncio


async def bump(x):
    return x + 1


async def echo(x):
    return x


async def view():
    a = 0
    a = await bump(a)
    b = await echo(a)
    return b
"""


def test_data_dependency_would_change_if_gathered():
    check_noop(CM, DEPENDENCY, "data dependency on 'a'")
    gathered = DEPENDENCY.replace(
        "    a = await bump(a)\n    b = await echo(a)\n", "    a, b = await asyncio.gather(bump(a), echo(a))\n"
    )
    assert _both(DEPENDENCY, gathered) == (1, 0)


CLOSURE = """\
import asyncio


async def load():
    return "loaded"


async def use(get):
    return get()


async def view():
    a = None

    def current():
        return a

    a = await load()
    b = await use(current)
    return b
"""


def test_closure_dependency_would_change_if_gathered():
    check_noop(CM, CLOSURE, "data dependency on 'a': a function nested here reads it")
    gathered = CLOSURE.replace(
        "    a = await load()\n    b = await use(current)\n", "    a, b = await asyncio.gather(load(), use(current))\n"
    )
    assert _both(CLOSURE, gathered) == ("loaded", None)


WHICH_FAILED = """\
import asyncio


async def first():
    for _ in range(5):
        await asyncio.sleep(0)
    raise ValueError("first")


async def second():
    raise ValueError("second")


async def view():
    try:
        a = await first()
        b = await second()
    except ValueError as exc:
        return str(exc)
"""


def test_try_except_would_change_if_gathered():
    check_noop(CM, WHICH_FAILED, "exception ordering observable")
    gathered = WHICH_FAILED.replace(
        "        a = await first()\n        b = await second()\n",
        "        a, b = await asyncio.gather(first(), second())\n",
    )
    assert _both(WHICH_FAILED, gathered) == ("first", "second")


SYNC_TO_ASYNC = """\
import asyncio
import threading

from asgiref.sync import sync_to_async

STORE = []
GATE = threading.Event()


def slow_append(x):
    GATE.wait(WAIT)  # held until count() has read, or WAIT seconds
    STORE.append(x)


async def count():
    n = len(STORE)
    GATE.set()
    return n


async def view():
    await sync_to_async(slow_append)(1)
    n = await count()
    return n
"""


def test_sync_to_async_write_would_change_if_gathered():
    check_noop(CM, SYNC_TO_ASYNC, "order kept: cannot tell what sync_to_async(slow_append)(...) does")
    gathered = SYNC_TO_ASYNC.replace(
        "    await sync_to_async(slow_append)(1)\n    n = await count()\n",
        "    _, n = await asyncio.gather(sync_to_async(slow_append)(1), count())\n",
    )
    assert gathered != SYNC_TO_ASYNC
    assert _call("WAIT = 0.2\n" + SYNC_TO_ASYNC, "view") == 1
    assert _call("WAIT = 30\n" + gathered, "view") == 0


@pytest.mark.parametrize(
    "call, reason",
    [
        ("asyncio.sleep(1)", "sleep() delays what follows it"),
        ("lock.acquire()", "acquire() synchronises"),
        ("event.wait()", "wait() synchronises"),
        ("queue.join()", "join() synchronises"),
        ("conn.execute(sql)", "execute() synchronises"),
        ("conn.fetchrow(sql)", "fetchrow() synchronises"),
        ("settle()", "settle() is defined here and in it, sleep() delays"),
    ],
)
def test_ordering_calls_are_refused(call, reason):
    src = f"""\
    async def settle():
        await asyncio.sleep(0.5)

    async def f(client, lock, event, queue, conn, sql, x):
        await {call}
        r = await client.get(URL)
    """
    check_noop(CM, src, f"order-sensitive: {reason}" if "defined" not in reason else reason)


def test_sleep_zero_is_only_a_yield():
    check_transformed(
        CM,
        "import asyncio\nasync def f(c):\n    await asyncio.sleep(0)\n    a = await c.get(U)\n",
        "import asyncio\nasync def f(c):\n    _, a = await asyncio.gather(asyncio.sleep(0), c.get(U))\n",
    )


FINALLY_READS = """\
import asyncio


async def load():
    return "loaded"


async def fail():
    raise LookupError


async def view(log):
    a = None
    try:
        a = await load()
        b = await fail()
    finally:
        log.append(a)
"""


def test_finally_reading_a_target_would_change_if_gathered():
    check_noop(CM, FINALLY_READS, "a finally block reads 'a'")
    gathered = FINALLY_READS.replace(
        "        a = await load()\n        b = await fail()\n", "        a, b = await asyncio.gather(load(), fail())\n"
    )
    logs = []
    for src in (FINALLY_READS, gathered):
        log = []
        with pytest.raises(LookupError):
            _call(src, "view", log)
        logs.append(log)
    assert logs == [["loaded"], [None]]


def test_global_target_refused():
    check_noop(CM, "async def f():\n    global a\n    a = await g()\n    b = await h()\n", "it is global/nonlocal")


# --------------------------------------------------------------------------- runs split at stops
def test_write_splits_the_run_and_stays_in_place():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u):
            a = await client.get(u)
            b = await client.get(u)
            await client.post(u)
            c = (await client.get(u)).json()
            d = await client.get(u)
        """,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u):
            a, b = await asyncio.gather(client.get(u), client.get(u))
            await client.post(u)
            _c, _d = await asyncio.gather(client.get(u), client.get(u))
            c = _c.json()
            d = _d
        """,
        expect=["order-sensitive write: post()"],
    )


def test_dependency_starts_a_new_segment():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u):
            a = await client.get(u)
            b = await client.get(u)
            c = await client.get(a.headers["next"])
            d = await client.get(u)
        """,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, u):
            a, b = await asyncio.gather(client.get(u), client.get(u))
            c, d = await asyncio.gather(client.get(a.headers["next"]), client.get(u))
        """,
        expect=["data dependency on 'a'"],
    )


POST_THEN_GETS = """\
import asyncio
import httpx


async def view(base):
    async with httpx.AsyncClient() as client:
        await client.post(base + "/counter")
        n = (await client.get(base + "/counter")).json()["count"]
        m = (await client.get(base + "/counter")).json()["count"]
    return n, m
"""


def test_reads_after_a_write_are_gathered_after_it():
    new = rewrite(CM, POST_THEN_GETS).source
    assert "await client.post(" in new and "asyncio.gather(client.get(" in new.replace("\n", "").replace(" ", "")
    for src in (POST_THEN_GETS, new):
        with _stateful_server(wait=0.2) as base:
            assert _call(src, "view", base) == (1, 1)


def test_multiline_call_is_reindented_and_comment_outside_the_call_is_not_lost():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(c: httpx.AsyncClient, u):
            a = await c.get(u)
            b = await c.get(
                u,  # arg comment
            )
        """,
        """\
        import asyncio
        import httpx
        async def f(c: httpx.AsyncClient, u):
            a, b = await asyncio.gather(
                c.get(u),
                c.get(
                    u,  # arg comment
                ),
            )
        """,
    )
    check_noop(
        CM,
        "async def f(c, u):\n    a = (\n        await c.get(u)  # inline\n    ).json()\n    b = await c.get(u)\n",
        "a comment inside the statement, outside the awaited call, would be lost",
    )


def test_multiline_string_in_a_call_is_not_reindented():
    out = rewrite(CM, 'import httpx\nasync def f(c: httpx.AsyncClient):\n    a = await c.get("""x\ny""")\n    b = await c.get(u)\n', options={"style": "taskgroup"})
    assert 'tg.create_task(c.get("""x\ny"""))' in out.source


# --------------------------------------------------------------------------- unknown callees
# Before the effect-free policy an unknown callee was taken for a read unless named like a write
# (a fixed verb list): these tests asserted a refusal "named like a write" for the first
# names; a read-like name (fetch_rates, get_price) was gathered. Now neither name decides: an
# unknown call keeps its order, said with -v only (a note).
@pytest.mark.parametrize(
    "call, shown",
    [("save_order(o)", "example.save_order()"), ("svc.send_email(o)", "svc.send_email()"),
     ("createOrder(o)", "example.createOrder()"), ("get_or_create_user(o)", "example.get_or_create_user()"),
     ("self.notify_admins()", "self.notify_admins()"), ("asend_mail(o)", "example.asend_mail()"),
     ("log_event(o)", "example.log_event()"), ("ws.send_json(o)", "ws.send_json()"),
     ("layer.group_send(g, o)", "layer.group_send()"), ("fetch_rates(o)", "example.fetch_rates()"),
     ("svc.get_price(o)", "svc.get_price()"), ("rates_api.fetch()", "example.rates_api.fetch()")],
)
def test_effect_free_unknown_callee_keeps_its_order_whatever_its_name(call, shown):
    src = f"async def f(self, svc, o, ws, layer, g):\n    a = await load(o)\n    b = await {call}\n"
    fetch = call.startswith("rates_api.fetch")  # fetch() is ordered by its name (a connection)
    out = check_noop_as_is(CM, src, "fetch() synchronises" if fetch else None)
    assert _notes(out)[0] == (
        "order kept: example.load() has unknown effects; if none, list it in gather-awaits.effect-free"
    )
    if not fetch:
        assert _notes(out)[1] == (
            f"order kept: {shown} has unknown effects; if none, list it in gather-awaits.effect-free"
        )


def test_module_function_named_as_a_write_is_judged_by_its_body():
    check_transformed(
        CM,
        """\
        import asyncio
        async def update_view(o):
            return o

        async def f(o, p):
            a = await fetch(p)
            b = await update_view(o)
        """,
        """\
        import asyncio
        async def update_view(o):
            return o

        async def f(o, p):
            a, b = await asyncio.gather(fetch(p), update_view(o))
        """,
    )
    out = check_noop_as_is(
        CM, "async def load(o):\n    await send_email(o)\n\nasync def f(o):\n    a = await fetch(o)\n    b = await load(o)\n",
        None,
    )
    assert "example.load() has unknown effects (it calls example.send_email())" in _notes(out)[1]


def test_reads_with_settings_like_names_are_not_writes():
    check_transformed(
        CM,
        "import asyncio\nasync def f(o: int):\n    a = await settings_for(o)\n    b = await address_of(o)\n",
        "import asyncio\nasync def f(o: int):\n    a, b = await asyncio.gather(settings_for(o), address_of(o))\n",
    )


# --------------------------------------------------------------------------- other targets
def test_attribute_subscript_and_tuple_targets_are_assigned_in_order():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(self, client: httpx.AsyncClient, u: str, d, k):
            self.user = await fetch_user(u)
            d[k] = (await client.get(u)).json()
            x, y = await pair(u)
            return x, y
        """,
        """\
        import asyncio
        import httpx
        async def f(self, client: httpx.AsyncClient, u: str, d, k):
            _result, _result1, _result2 = await asyncio.gather(fetch_user(u), client.get(u), pair(u))
            self.user = _result
            d[k] = _result1.json()
            x, y = _result2
            return x, y
        """,
    )


@pytest.mark.parametrize(
    "run, reason",
    [
        ("d[k] = await f()\n    e = await g(d)", "data dependency on 'd'"),
        ("self.user = await f()\n    e = await self.render()", "data dependency on 'self'"),
        ("x, y = await f()\n    e = await g(y)", "data dependency on 'y'"),
        ("CACHE[k] = await load()\n    e = await g()", "writes into 'CACHE', which is not a local"),
    ],
)
def test_target_dependencies(run, reason):
    check_noop(CM, f"CACHE = {{}}\nasync def f(self, d, k):\n    {run}\n", reason)


SELF_STATE = """\
import asyncio


class View:
    user = None

    async def load(self):
        return "ann"

    async def greet(self):
        return f"hello {self.user}"

    async def get(self):
        self.user = await self.load()
        text = await self.greet()
        return text
"""


def test_attribute_target_read_by_a_later_method_would_change_if_gathered():
    check_noop(CM, SELF_STATE, "data dependency on 'self'")
    gathered = SELF_STATE.replace(
        "        self.user = await self.load()\n        text = await self.greet()\n",
        "        _user, text = await asyncio.gather(self.load(), self.greet())\n        self.user = _user\n",
    )
    ns: dict = {}
    outs = []
    for src in (SELF_STATE, gathered):
        exec(compile(src, "<view>", "exec"), ns)  # noqa: S102 - runs the code under test
        outs.append(asyncio.run(ns["View"]().get()))
    assert outs == ["hello ann", "hello None"]


@pytest.mark.parametrize(
    "call, reason",
    [
        ("asyncio.wait_for(client.post(u), 5)", "order-sensitive write: post()"),
        ("asyncio.shield(save_it(o))", "save_it() is defined here and it calls asave()"),
        ("client.get(next_url(o))", "shared argument 'o'"),
    ],
)
def test_calls_inside_the_awaited_call_count(call, reason):
    src = f"""\
    import asyncio
    async def save_it(o):
        await o.asave()

    def next_url(o):
        o.page += 1
        return o.url

    async def f(client, u, o):
        a = await {call}
        b = await fetch(o)
    """
    check_noop(CM, src, reason)


def test_ordinary_calls_in_arguments_are_not_taken_for_writes():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, parts, ids):
            a = await client.get("/".join(parts), params={"ids": sorted(set(ids))})
            b = await asyncio.wait_for(client.get(str(len(ids))), 5)
        """,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, parts, ids):
            a, b = await asyncio.gather(
                client.get("/".join(parts), params={"ids": sorted(set(ids))}),
                asyncio.wait_for(client.get(str(len(ids))), 5),
            )
        """,
    )
    out = check_noop_as_is(
        CM, "import asyncio\nasync def f(c):\n    a = await asyncio.wait_for(send_mail(c), 5)\n    b = await c.get(U)\n", None
    )
    assert "example.send_mail() has unknown effects" in _notes(out)[0]


def test_helper_using_ordinary_calls_is_not_a_write():
    check_transformed(
        CM,
        """\
        import asyncio
        async def url_for(parts, lock):
            out = set(parts)
            return "/".join(sorted(out))

        async def f(client, parts, lock):
            a = await url_for(parts, lock)
            b = await client.get(U)
        """,
        """\
        import asyncio
        async def url_for(parts, lock):
            out = set(parts)
            return "/".join(sorted(out))

        async def f(client, parts, lock):
            a, b = await asyncio.gather(url_for(parts, lock), client.get(U))
        """,
    )


@pytest.mark.parametrize(
    "first, second",
    [
        ("await self.async_client.aforce_login(self.user)", 'response = await self.async_client.get("/a/")'),
        ('a = await self.async_client.get("/a/")', 'b = await self.async_client.get("/b/")'),
        ('a = await async_client.get("/a/")', "b = await fetch(u)"),
    ],
)
def test_django_test_client_calls_keep_their_order(first, second):
    check_noop(CM, f"async def test_x(self, async_client, u):\n    {first}\n    {second}\n", "order-sensitive")


STREAM_READS = """\
import asyncio


async def feed(reader, data):
    for _ in range(3):  # arrives once the reads are waiting
        await asyncio.sleep(0)
    reader.feed_data(data)
    reader.feed_eof()


async def view(data):
    reader = asyncio.StreamReader()
    feeding = asyncio.ensure_future(feed(reader, data))
    head = await reader.readline()
    rest = await reader.read()
    await feeding
    return head, rest
"""


def test_stream_reads_would_change_if_gathered():
    check_noop(CM, STREAM_READS, "reads the next item of a stream")
    gathered = STREAM_READS.replace(
        "    head = await reader.readline()\n    rest = await reader.read()\n",
        "    head, rest = await asyncio.gather(reader.readline(), reader.read())\n",
    )
    assert _call(STREAM_READS, "view", b"GET\nbody") == (b"GET\n", b"body")
    with pytest.raises(RuntimeError, match="already waiting"):
        _call(gathered, "view", b"GET\nbody")


def test_queue_get_keeps_its_order():
    check_noop(CM, "async def f(q):\n    a = await q.get()\n    b = await q.get()\n", "next item of a queue")


# --------------------------------------------------------------------------- real Django modules
# Outcomes measured with the codemod before it learnt to skip work (lazy locals, untouched nodes
# handed back, subtrees that cannot matter left unvisited): the faster codemod must report the
# very same thing on real modules, and leave them as they were. Calls whose effects are not known
# keep their order with a note (the effect-free policy; before it, they were refused as writes
# by their names or left to other checks).
DJANGO_REFUSALS = {
    "contrib/auth/__init__.py": [
        (234, "note", "order-sensitive write: aset()"),
        (235, "note", "order-sensitive write: aset()"),
        (236, "note", "order-sensitive write: aset()"),
        (270, "note", "order-sensitive: asend() synchronises with other tasks"),
        (271, "note", "order-sensitive write: aflush()"),
        (345, "note", "order kept: module._aget_user_session_key() has unknown effects (it calls to_python())"),
        (371, "note", "order-sensitive write: acycle_key()"),
        (372, "note", "order-sensitive write: aset()"),
    ],
    "contrib/sessions/backends/db.py": [
        (143, "note", "order kept: self._aget_session() has unknown effects;"),
        (144, "note", "self.acreate_model_instance() has unknown effects (it is decorated with @cached_property"),
        (186, "note", "order-sensitive write: adelete()"),
    ],
    "core/handlers/asgi.py": [
        (184, "note", "self.send_response() has unknown effects (it uses async for content)"),
        (185, "note", "order kept: cannot tell what sync_to_async(error_response.close)(...) does"),
    ],
    "test/client.py": [(901, "note", "order-sensitive write: alogin()"), (903, "note", "order-sensitive write: asave()")],
    "core/cache/backends/base.py": [
        (371, "note", "order-sensitive write: aset()"),
        (372, "note", "order-sensitive write: adelete()"),
    ],
}


def _django_source(rel: str) -> str:
    import django

    if django.VERSION[:2] != (5, 2):
        pytest.skip("line numbers measured on Django 5.2")
    with open(f"{django.__path__[0]}/{rel}", encoding="utf-8") as f:
        return f.read()


def _run_module(source: str, style: str = "gather", declared: tuple[str, ...] = ()):
    from codemods.registry import get

    settings = Settings(select=(CM,), options={CM: {"style": style, "effect-free": list(declared)}})
    return transform_source(source, "module.py", settings, ProjectIndex(), [get(CM)])


@pytest.mark.parametrize("style", ["gather", "taskgroup"])
@pytest.mark.parametrize("rel", sorted(DJANGO_REFUSALS))
def test_real_django_modules_unchanged_with_the_same_diagnostics(rel, style):
    source = _django_source(rel)
    outcome = _run_module(source, style)
    assert outcome.error is None
    assert outcome.source == source
    got = [(d.line, d.kind, d.message) for d in outcome.diagnostics]
    assert len(got) == len(DJANGO_REFUSALS[rel])
    for (line, kind, message), (want_line, want_kind, want) in zip(got, DJANGO_REFUSALS[rel], strict=True):
        assert (line, kind) == (want_line, want_kind)
        assert want in message


def test_nothing_to_gather_hands_back_the_same_module():
    # The runner generates code only for a module the codemods replaced.
    import libcst as cst

    from codemods.registry import Context, get

    module = cst.parse_module(_django_source("test/client.py"))
    ctx = Context("client.py", (5, 2), {"style": "gather"}, ProjectIndex(), CM)
    ctx.module = module
    assert get(CM).transform(module, ctx) is module
    assert [r[3] for r in ctx.records][:1] == ["order-sensitive write: alogin()"]


AUTH_GATHERED = """\
    stored_pk, stored_backend, stored_hash = await asyncio.gather(
        lookup_stored(SESSION_KEY, user._meta.pk.value_to_string(user)),
        lookup_stored(BACKEND_SESSION_KEY, backend),
        lookup_stored(HASH_SESSION_KEY, session_auth_hash),
    )
"""
# the function, and the call in its first argument (a method of an object of unknown type: its text)
AUTH_DECLARED = ("module.lookup_stored", "user._meta.pk.value_to_string")
AUTH_LOOKUPS = [
    "    await request.session.aset(",
    "    stored_pk = await lookup_stored(",
    "    stored_backend = await lookup_stored(",
    "    stored_hash = await lookup_stored(",
]


def test_real_django_module_with_a_run_gathered_as_before():
    # contrib/auth/__init__.py with its three session writes turned into calls whose effects are
    # unknown (``await request.session.alookup(...)``): they keep their order, with a note.
    django_source = _django_source("contrib/auth/__init__.py")
    source = django_source.replace(".aset(", ".alookup(")
    outcome = _run_module(source)
    assert outcome.error is None and outcome.source == source
    got = [(d.line, d.message) for d in outcome.diagnostics]
    assert [line for line, _ in got] == [234, 235, 236, 270, 271, 345, 371, 372]
    assert "request.session.alookup() has unknown effects" in got[0][1]
    # The same lines reading into names, through a function declared free of ordering effects
    # (option effect-free, by its qualified name): gathered, the import after the module's own
    # imports, everything else reported as before.
    source = django_source
    for new in AUTH_LOOKUPS[1:]:
        source = source.replace(AUTH_LOOKUPS[0], new, 1)
    assert _run_module(source).source == source  # not declared: its effects are unknown
    outcome = _run_module(source, declared=AUTH_DECLARED)
    assert outcome.error is None
    lines = source.splitlines(keepends=True)
    assert AUTH_GATHERED in outcome.source
    new_lines = outcome.source.splitlines(keepends=True)
    at = new_lines.index("import asyncio\n")
    assert new_lines[at - 1].startswith(("import ", "from ")) and not new_lines[at + 1].startswith(("import ", "from "))
    assert "".join(new_lines[:at] + new_lines[at + 1:]) == "".join(lines[:233]) + AUTH_GATHERED + "".join(lines[236:])
    got = [(d.line, d.kind, d.message) for d in outcome.diagnostics]
    assert [(line, kind) for line, kind, _ in got] == [
        (234, "fixed"), (270, "note"), (271, "note"), (345, "note"), (371, "note"), (372, "note")
    ]
    assert got[0][2] == "gathered 3 independent awaits"
    again = _run_module(outcome.source, declared=AUTH_DECLARED)
    assert again.source == outcome.source


def test_runs_found_in_async_defs_nested_in_sync_code_and_blocks():
    # Only the statements of async defs are searched for awaits: the search must still reach
    # an async def nested in a sync method, under if/match/while/else, and blocks inside it.
    check_transformed(
        CM,
        """\
        import asyncio
        async def f(x):
            return x
        async def g(x):
            return x
        class A:
            def make(self):
                if self:
                    pass
                else:
                    async def inner(u):
                        a = await f(u)
                        b = await g(u)
                        return a, b
                    return inner
        match A:
            case 1:
                while True:
                    async def other(u):
                        for i in u:
                            c = await f(i)
                            d = await g(i)
                        else:
                            await f(0)
                            await g(0)
        """,
        """\
        import asyncio
        async def f(x):
            return x
        async def g(x):
            return x
        class A:
            def make(self):
                if self:
                    pass
                else:
                    async def inner(u):
                        a, b = await asyncio.gather(f(u), g(u))
                        return a, b
                    return inner
        match A:
            case 1:
                while True:
                    async def other(u):
                        for i in u:
                            c, d = await asyncio.gather(f(i), g(i))
                        else:
                            await asyncio.gather(f(0), g(0))
        """,
    )


# --------------------------------------------------------------------------- callees of other project modules
SERVICES_MUTATING = """\
import asyncio


async def fill(cart, item="x"):
    await asyncio.sleep(0)
    cart.append(item)
    return len(cart)


async def size(cart):
    return len(cart)
"""
SERVICES_READING = SERVICES_MUTATING.replace("    cart.append(item)\n    return len(cart)\n", "    return len(cart) + 1\n")


def _shop(root, services: str = SERVICES_MUTATING, pyproject: str | None = None, package: str = "shop"):
    """A small project: ``<package>/services.py`` next to the views being rewritten."""
    (root / package).mkdir(parents=True, exist_ok=True)
    (root / "manage.py").write_text("")
    (root / package / "__init__.py").write_text("")
    (root / package / "services.py").write_text(services)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    return str(root / package / "views.py")


@pytest.mark.parametrize(
    "imports, call, origin",
    [
        ("from shop.services import fill", "fill", "shop.services"),
        ("from shop.services import fill as put_in", "put_in", "shop.services"),
        ("from shop import services", "services.fill", "shop.services"),
        ("from . import services", "services.fill", ".services"),
        ("from .services import fill", "fill", ".services"),
        ("from ..shop.services import fill", "fill", "..shop.services"),
        ("import shop.services as s", "s.fill", "shop.services"),
        ("import shop.services", "shop.services.fill", "shop.services"),
    ],
)
def test_project_callee_mutating_a_shared_argument_is_refused(tmp_path, imports, call, origin):
    path = _shop(tmp_path)
    src = f"{imports}\n\n\nasync def view(cart):\n    a = await {call}(cart)\n    b = await size_of(cart)\n"
    check_noop(
        CM, src,
        f"shared argument 'cart' passed to a function that mutates it (fill() is defined in {origin})",
        path=path,
    )


def test_project_callee_reading_only_is_gathered(tmp_path):
    path = _shop(tmp_path, SERVICES_READING)
    check_transformed(
        CM,
        """\
        import asyncio
        from shop.services import fill, size


        async def view(cart):
            a = await fill(cart)
            b = await size(cart)
        """,
        """\
        import asyncio
        from shop.services import fill, size


        async def view(cart):
            a, b = await asyncio.gather(fill(cart), size(cart))
        """,
        path=path,
    )


def test_project_callee_mutating_an_unshared_argument_is_gathered(tmp_path):
    path = _shop(tmp_path)
    check_transformed(
        CM,
        """\
        import asyncio
        from shop import services


        async def view(cart, other):
            a = await services.fill(cart)
            b = await services.size(other)
        """,
        """\
        import asyncio
        from shop import services


        async def view(cart, other):
            a, b = await asyncio.gather(services.fill(cart), services.size(other))
        """,
        path=path,
    )


@pytest.mark.parametrize(
    "services, reason",
    [
        ("async def fill(o):\n    await o.asave()\n", "fill() is defined in shop.services and it calls asave()"),
        ("LOG = []\n\n\nasync def fill(o):\n    LOG.append(o)\n", "it mutates 'LOG', which it does not own"),
        ("def fill(o):\n    global N\n    N = o\n", "it assigns a global"),
        ("async def post_it(o):\n    await client.post(URL, json=o)\n\n\nasync def fill(o):\n    await post_it(o)\n",
         "fill() is defined in shop.services and it calls post_it(), and it calls post()"),
    ],
)
def test_project_callee_that_writes_is_ordered(tmp_path, services, reason):
    path = _shop(tmp_path, services)
    src = "from shop.services import fill\n\n\nasync def view(o, p):\n    a = await fill(o)\n    b = await fetch(p)\n"
    check_noop(CM, src, reason, path=path)


def test_effect_free_project_callee_calling_an_unknown_function_keeps_its_order(tmp_path):
    # Before the effect-free policy, send_receipt() was refused for its name; a name now decides
    # nothing: what fill() calls is unknown, so fill() keeps its order (said with -v).
    path = _shop(tmp_path, "from shop.mail import send_receipt\n\n\nasync def fill(o):\n    await send_receipt(o)\n")
    src = "from shop.services import fill\n\n\nasync def view(o, p):\n    a = await fill(o)\n    b = await fetch(p)\n"
    out = check_noop_as_is(CM, src, None, path=path)
    assert _notes(out)[0] == (
        "order kept: shop.services.fill() has unknown effects (it calls shop.mail.send_receipt()); "
        "if none, list it in gather-awaits.effect-free"
    )


@pytest.mark.parametrize(
    "services, reason",
    [
        (SERVICES_MUTATING, "shared argument 'cart' passed to a function that mutates it (wrap() is defined here)"),
        ("async def fill(o):\n    await o.asave()\n",
         "wrap() is defined here and it calls fill() of shop.services, and it calls asave()"),
    ],
)
def test_module_helper_calling_a_project_function_gets_its_effects(tmp_path, services, reason):
    path = _shop(tmp_path, services)
    src = (
        "from shop import services\n\n\nasync def wrap(c):\n    return await services.fill(c)\n\n\n"
        "async def view(cart):\n    a = await wrap(cart)\n    b = await size_of(cart)\n"
    )
    check_noop(CM, src, reason, path=path)


def test_project_callee_named_as_a_write_is_judged_by_its_body(tmp_path):
    # As for a function of this module: found and read, its name no longer decides.
    path = _shop(tmp_path, "async def save_view(n):\n    return n + 1\n")
    check_transformed(
        CM,
        "import asyncio\nfrom shop.services import save_view\n\n\nasync def view(n: int):\n"
        "    a = await save_view(n)\n    b = await fetch(n)\n",
        "import asyncio\nfrom shop.services import save_view\n\n\nasync def view(n: int):\n"
        "    a, b = await asyncio.gather(save_view(n), fetch(n))\n",
        path=path,
    )


@pytest.mark.parametrize(
    "imports, call",
    [
        ("from shop.missing import fill", "fill"),  # no such module: unknown
        ("from shop.services import fill", "fill"),  # services.py defines no fill at the top level
        ("from shop.services import Cart", "Cart.fill"),  # a method: not resolved
        ("from json import fill", "fill"),  # the standard library is never looked up
    ],
)
def test_unresolved_project_callee_keeps_the_unknown_call_rules(tmp_path, imports, call):
    path = _shop(tmp_path, "class Cart:\n    @staticmethod\n    async def fill(c):\n        c.append(1)\n")
    # An unknown callee may change what it is given: the cart is not shared with another call.
    shared = f"import asyncio\n{imports}\n\n\nasync def view(cart):\n    a = await {call}(cart)\n    b = await size_of(cart)\n"
    check_noop(CM, shared, f"shared argument 'cart' passed to {call}(), which is not analysed here", path=path)
    # ... and with nothing shared, declared free of ordering effects, it is gathered
    before = shared.replace("view(cart)", "view(cart, other)").replace("size_of(cart)", "size_of(other)")
    after = before.replace(
        f"    a = await {call}(cart)\n    b = await size_of(other)\n",
        f"    a, b = await asyncio.gather({call}(cart), size_of(other))\n",
    )
    check_transformed(CM, before, after, path=path)
    # ... and, when not declared, an unknown callee keeps its order (a note, whatever its name)
    if imports.startswith("from json"):
        # json's functions compute values (knowledge.effects.PURE_STDLIB_MODULES): known free
        out = check_noop_as_is(CM, before, None, path=path)
        assert len(_notes(out)) == 1 and "shop.views.size_of() has unknown effects" in _notes(out)[0]
        return
    out = check_noop_as_is(CM, before, None, path=path)
    assert f"{call}() has unknown effects" in _notes(out)[0]


def test_project_callee_shadowed_by_a_local_is_not_looked_up(tmp_path):
    path = _shop(tmp_path)
    src = (
        "import asyncio\nfrom shop.services import fill\n\n\nasync def view(cart, fill):\n"
        "    a = await fill(cart)\n    b = await size_of(cart)\n"
    )
    # the parameter ``fill`` is unknown (not services.fill, which mutates the cart)
    out = check_noop(CM, src, "shared argument 'cart' passed to fill(), which is not analysed here", path=path)
    assert "in shop.services" not in " ".join(d.message for d in out.diagnostics)


VIEWS = """\
from shop.services import fill, size


async def view():
    cart = []
    a = await fill(cart)
    b = await size(cart)
    return a, b
"""


def _run_project(root, cache, mode="check", **options):
    from codemods import runner

    settings = Settings(
        select=(CM,), options={CM: options}, cache_dir=cache, root=root, jobs=1, respect_gitignore=False
    )
    result = runner.run([root / "shop"], settings, mode=mode)
    (res,) = [f for f in result.files if f.path.endswith("views.py")]
    return result, res


def test_project_callee_through_the_runner(tmp_path):
    root = tmp_path / "proj"
    _shop(root)
    (root / "shop/views.py").write_text(VIEWS)
    _, res = _run_project(root, None, mode="apply")
    assert not res.changed and (root / "shop/views.py").read_text() == VIEWS
    assert any("fill() is defined in shop.services" in d.message for d in res.diagnostics)
    (root / "shop/services.py").write_text(SERVICES_READING)
    _, res = _run_project(root, None, mode="apply")
    assert res.changed
    assert "    a, b = await asyncio.gather(fill(cart), size(cart))\n" in (root / "shop/views.py").read_text()


def test_cached_result_follows_the_callee_module(tmp_path):
    # The refusal is cached; editing the callee module must make the next run look again.
    from tests.test_project import _age

    root, cache = tmp_path / "proj", tmp_path / "cache"
    _shop(root, SERVICES_MUTATING)
    (root / "shop/views.py").write_text(VIEWS)
    _, first = _run_project(root, cache)
    assert not first.changed and any("shared argument 'cart'" in d.message for d in first.diagnostics)
    _age(cache)
    result, again = _run_project(root, cache)  # nothing changed: answered from the cache
    assert result.cached == 1 and again.diagnostics == first.diagnostics
    (root / "shop/services.py").write_text(SERVICES_READING)  # the caller's file is untouched
    _age(cache)
    result, after = _run_project(root, cache)
    assert result.cached == 0 and after.changed
    assert not [d for d in after.diagnostics if d.kind == "refused"]


def test_project_callee_mutation_would_change_if_gathered(tmp_path, monkeypatch):
    package = "gather_shop_behaviour"
    path = _shop(tmp_path, package=package)
    views = VIEWS.replace("shop.services", f"{package}.services")
    check_noop(CM, views, "shared argument 'cart' passed to a function that mutates it", path=path)
    gathered = views.replace(
        "    a = await fill(cart)\n    b = await size(cart)\n",
        "    a, b = await asyncio.gather(fill(cart), size(cart))\n",
    )
    assert gathered != views
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert _both(views, "import asyncio\n" + gathered) == ((1, 1), (1, 0))
    finally:
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


# --------------------------------------------------------------------------- taskgroup and requires-python
TG_SRC = "async def g():\n    return 1\n\n\nasync def h():\n    return 2\n\n\nasync def f():\n    a = await g()\n    b = await h()\n"


@pytest.mark.parametrize(
    "pyproject",
    [
        '[project]\nname = "p"\nrequires-python = ">=3.10"\n',
        '[project]\nname = "p"\nrequires-python = ">=3.8, <4"\n',
        '[tool.poetry.dependencies]\npython = "^3.9"\n',
    ],
)
def test_taskgroup_refused_when_the_project_admits_python_before_3_11(tmp_path, pyproject):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    check_noop(
        CM, TG_SRC, "style taskgroup needs Python 3.11+ (asyncio.TaskGroup), but requires-python",
        options={"style": "taskgroup"}, path=str(tmp_path / "app" / "views.py"),
    )
    # the default style is not concerned
    out = rewrite(CM, TG_SRC, path=str(tmp_path / "app" / "views.py"))
    assert "asyncio.gather(g(), h())" in out.source


@pytest.mark.parametrize(
    "pyproject",
    [
        None,
        '[tool.dj-asyncify.gather-awaits]\nstyle = "taskgroup"\n',
        '[project]\nname = "p"\nrequires-python = ">=3.11"\n',
        '[project]\nname = "p"\nrequires-python = "~=3.12"\n',
    ],
)
def test_taskgroup_emitted_when_python_3_11_is_required_or_nothing_is_known(tmp_path, pyproject):
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    out = rewrite(CM, TG_SRC, options={"style": "taskgroup"}, path=str(tmp_path / "views.py"))
    assert "async with asyncio.TaskGroup() as tg:" in out.source
    assert not [d for d in out.diagnostics if d.kind == "refused"]


def test_cached_taskgroup_result_follows_requires_python(tmp_path):
    from tests.test_project import _age

    root, cache = tmp_path / "proj", tmp_path / "cache"
    _shop(root, pyproject='[project]\nname = "p"\nrequires-python = ">=3.10"\n')
    (root / "shop/views.py").write_text(TG_SRC)
    _, first = _run_project(root, cache, style="taskgroup")
    assert not first.changed and any("requires-python '>=3.10'" in d.message for d in first.diagnostics)
    _age(cache)
    assert _run_project(root, cache, style="taskgroup")[0].cached == 1
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nrequires-python = ">=3.11"\n')
    _age(cache)
    result, res = _run_project(root, cache, style="taskgroup")
    assert result.cached == 0 and res.changed


@pytest.mark.parametrize(
    "spec, before",
    [
        (">=3.10", True), (">=3.11", False), (">3.10", True), ("~=3.10", True), ("~=3.11", False),
        ("==3.12.*", False), ("==3.10.4", True), (">=3.11.2", False), ("!=3.10.*, >=3.10", False),
        ("<3.13", True), ("^3.11", False), ("~3.10", True), (">=3.12 || ==3.9", True),
        ("python3", None),
    ],
)
def test_requires_python_specifiers(spec, before):
    from codemods.project.python_version import admits_before as _admits_before

    assert _admits_before(spec, (3, 11)) is before


# --------------------------------------------------------------------------- results thrown away
@pytest.mark.parametrize(
    "call",
    ["worker.run_job(job_id)", "agent.run(prompt)", "ping_all()", "stdio(server)",
     "asyncio.wait_for(agent.run(prompt), 5)"],
)
def test_bare_await_of_an_unknown_call_is_made_for_its_effect(call):
    # Its value is thrown away: it is awaited for what it does, which may be what the next
    # statement reads (arq's run_job then job.result_info(); two turns of one chat agent). Its
    # effects are unknown: it keeps its order (with a note; a refusal of its own before the
    # effect-free policy, which makes any unknown call keep its order).
    src = f"async def f(worker, job_id, agent, prompt, server, u):\n    await {call}\n    r = await fetch(u)\n"
    out = check_noop_as_is(CM, src, None)
    assert "has unknown effects" in _notes(out)[0]


def test_bare_awaits_of_known_reads_are_gathered():
    # A function of this module found to write nothing, an HTTP GET on a known httpx client,
    # an async ORM read, sleep(0): nothing to wait for but the value.
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx


        async def warm(key):
            return key


        async def f(u, M):
            async with httpx.AsyncClient() as client:
                await warm("a")
                await client.head(u)
                await M.objects.aexists()
                await asyncio.sleep(0)
        """,
        """\
        import asyncio
        import httpx


        async def warm(key):
            return key


        async def f(u, M):
            async with httpx.AsyncClient() as client:
                await asyncio.gather(warm("a"), client.head(u), M.objects.aexists(), asyncio.sleep(0))
        """,
    )


# The classes stand for a library's (arq): run on their own, not shown to the codemod.
ARQ_CLASSES = """\
import asyncio


class Job:
    def __init__(self, job_id, results):
        self.job_id = job_id
        self.results = results

    async def result_info(self):
        return self.results.get(self.job_id)  # None while the job has not run


class Worker:
    def __init__(self, results):
        self.results = results

    async def run_job(self, job_id):
        await asyncio.sleep(0.01)
        self.results[job_id] = "done"
"""
ARQ_LIKE = """\
import asyncio


async def process(worker, job):
    await worker.run_job(job.job_id)
    info = await job.result_info()
    return info


async def main():
    results = {}
    return await process(Worker(results), Job("j1", results))
"""


def test_bare_await_run_before_a_read_would_change_if_gathered():
    # sentry-sdk's arq test: the job's result is read once run_job has run it.
    out = rewrite_as_is(CM, ARQ_LIKE, path="jobs.py")
    assert out.source == ARQ_LIKE
    assert any("worker.run_job() has unknown effects" in d.message for d in out.diagnostics)
    gathered = ARQ_LIKE.replace(
        "    await worker.run_job(job.job_id)\n    info = await job.result_info()\n",
        "    _, info = await asyncio.gather(worker.run_job(job.job_id), job.result_info())\n",
    )
    assert _call(ARQ_CLASSES + ARQ_LIKE, "main") == "done"
    assert _call(ARQ_CLASSES + gathered, "main") is None


# --------------------------------------------------------------------------- shared receivers
@pytest.mark.parametrize(
    "run, reason",
    [
        ('a = await agent.run("Hi, I am Alice")\n    b = await agent.run("Who am I?")',
         "same receiver 'agent': agent.run() and agent.run() are calls on one object"),
        ("a = await self.store.load(k)\n    b = await self.store.load(j)", "same receiver 'self.store'"),
        ("a = await self.current_token()\n    b = await self.store.load(j)", "same receiver 'self'"),
        ("r = await worker.run_job(job.job_id)\n    info = await job.result_info()",
         "shared argument 'job' passed to worker.run_job(), which is not analysed here"),
        ("a = await fetch(items)\n    b = await count(items)", "shared argument 'items' passed to fetch()"),
        ("a = await client.get(u)\n    b = await client.get(v)", "same receiver 'client'"),
    ],
)
def test_calls_sharing_an_object_keep_their_order(run, reason):
    # ``client`` is a parameter of unknown type here: not a known HTTP client.
    check_noop(CM, f"async def f(self, agent, worker, job, k, j, items, client, u, v):\n    {run}\n", reason)


@pytest.mark.parametrize(
    "setup",
    [
        "    async with httpx.AsyncClient() as client:\n",
        "    client = httpx.AsyncClient()\n    if True:\n",
        "    client: httpx.AsyncClient = make()\n    if True:\n",
    ],
)
def test_get_on_a_known_httpx_client_is_gathered(setup):
    body = "        a = await client.get(u)\n        b = await client.get(v)\n"
    before = f"import asyncio\nimport httpx\n\n\nasync def f(u, v):\n{setup}{body}"
    after = before.replace(body, "        a, b = await asyncio.gather(client.get(u), client.get(v))\n")
    check_transformed(CM, before, after)


def test_client_bound_to_something_else_too_is_not_known():
    src = """\
    import httpx


    async def f(u, v, other):
        client = httpx.AsyncClient()
        if other:
            client = other
        a = await client.get(u)
        b = await client.get(v)
    """
    check_noop(CM, src, "same receiver 'client'")
    # a post on a known client is still a write
    check_noop(CM, "import httpx\nasync def f(u: httpx.AsyncClient):\n    a = await u.get(U)\n    b = await u.post(U)\n",
               "order-sensitive write: post()")


def test_callee_analysed_and_not_mutating_the_shared_object_is_gathered():
    # load() only reads the job it is given: the job's own method may run alongside.
    check_transformed(
        CM,
        """\
        import asyncio


        async def load(job):
            return job.job_id


        async def f(job):
            a = await load(job)
            b = await job.result()
        """,
        """\
        import asyncio


        async def load(job):
            return job.job_id


        async def f(job):
            a, b = await asyncio.gather(load(job), job.result())
        """,
    )
    # ... and one that changes it is not
    check_noop(
        CM,
        "async def load(job):\n    job.seen = True\n\nasync def f(job):\n    a = await load(job)\n    b = await job.result()\n",
        "shared argument 'job' passed to a function that mutates it",
    )


def test_immutable_arguments_and_modules_are_not_shared_state():
    check_transformed(
        CM,
        """\
        import asyncio
        import services
        from django.conf import settings


        async def f(uid: int, slug: "str"):
            a = await fetch_user(uid, slug, timeout=settings.TIMEOUT)
            b = await fetch_feed(uid, slug, timeout=settings.TIMEOUT)
            c = await services.load_a()
            d = await services.load_b()
        """,
        """\
        import asyncio
        import services
        from django.conf import settings


        async def f(uid: int, slug: "str"):
            a, b, c, d = await asyncio.gather(
                fetch_user(uid, slug, timeout=settings.TIMEOUT),
                fetch_feed(uid, slug, timeout=settings.TIMEOUT),
                services.load_a(),
                services.load_b(),
            )
        """,
    )
    # settings itself handed over is an object like any other
    check_noop(CM, "from django.conf import settings\nasync def f():\n    a = await g(settings)\n    b = await h(settings.X)\n",
               "shared argument 'settings' passed to g()")


AGENT_CLASS = """\
import asyncio


class Agent:
    def __init__(self):
        self.history = []

    async def run(self, prompt):
        known = list(self.history)
        await asyncio.sleep(0.01)
        self.history.append(prompt)
        return known
"""
AGENT = """\
import asyncio


async def chat(agent):
    first = await agent.run("Hello, I'm Alice")
    second = await agent.run("What is my name?")
    return first, second


async def main():
    return await chat(Agent())
"""


def test_two_calls_on_one_receiver_would_change_if_gathered():
    # sentry-sdk's pydantic-ai test: the second run of one agent sees the first one's message.
    check_noop(CM, AGENT, "same receiver 'agent'", path="chat.py")
    gathered = AGENT.replace(
        '    first = await agent.run("Hello, I\'m Alice")\n    second = await agent.run("What is my name?")\n',
        '    first, second = await asyncio.gather(agent.run("Hello, I\'m Alice"), agent.run("What is my name?"))\n',
    )
    assert gathered != AGENT
    assert _call(AGENT_CLASS + AGENT, "main") == ([], ["Hello, I'm Alice"])
    assert _call(AGENT_CLASS + gathered, "main") == ([], [])


# --------------------------------------------------------------------------- tests
TEST_RUNS = """\
from django.test import TestCase


async def _load(a, b):
    x = await fetch(a)
    y = await fetch(b)
    return x, y


async def test_two(a, b):
    x = await fetch(a)
    y = await fetch(b)
    await agent.run(a)
    z = await fetch(a)


class CheckSomething(TestCase):
    async def test_it(self):
        x = await fetch(1)
        y = await fetch(2)

    async def helper(self):
        x = await fetch(1)
        y = await fetch(2)
"""


def test_runs_in_tests_are_not_gathered_and_reported_once():
    out = rewrite(CM, TEST_RUNS, path="app/tests/test_things.py")
    # only the helper outside tests is gathered
    assert out.source.count("asyncio.gather(") == 1
    assert "    x, y = await asyncio.gather(fetch(a), fetch(b))\n    return x, y\n" in out.source
    notes = [(d.line, d.message) for d in out.diagnostics if d.kind == "note"]
    # one line per run that would be gathered, nothing for the bare await (no noise in tests)
    assert [line for line, _ in notes] == [11, 19, 23]
    assert all(message.startswith("not gathered in a test: the order of its awaits") for _, message in notes)
    # the same module outside a tests folder: functions named test_* are not tests there, a
    # TestCase's methods still are
    out = rewrite(CM, TEST_RUNS, path="app/checks.py")
    assert out.source.count("asyncio.gather(") == 2
    assert [d.line for d in out.diagnostics if d.kind == "note" and "in a test" in d.message] == [19, 23]


# --------------------------------------------------------------------------- shared knowledge
# gather-awaits reads its facts from codemods.knowledge; these pin the sets it derives (each as it
# held them before the move), so a change to a shared table that would change what it gathers
# fails here.
def _w(text):
    return frozenset(text.split())


def test_knowledge_derivations_hold():
    from codemods.knowledge import effects, http, layout, runtime
    from codemods.knowledge import effects_gather as g
    from codemods.rules.gather_awaits import calls, project_callees

    assert g.ORM_WRITES == _w(
        "asave acreate aupdate adelete abulk_create abulk_update aget_or_create aupdate_or_create aadd aremove "
        "aset aclear arefresh_from_db acreate_user acreate_superuser aauthenticate alogin alogout "
        "aupdate_session_auth_hash acycle_key aflush apop aset_many adelete_many aincr adecr atouch "
        "aget_or_set aset_expiry aclear_expired aforce_login"
    )
    assert g.ORM_READS == _w(
        "aget afirst alast acount aexists aaggregate alatest aearliest acontains ain_bulk aexplain auser "
        "aget_object_or_404 aget_list_or_404"
    )
    assert g.ORM_READ_FUNCTIONS == {"django.shortcuts.aget_object_or_404", "django.shortcuts.aget_list_or_404"}
    assert g.SYNC_WRITES == _w("save create bulk_create bulk_update get_or_create update_or_create")
    assert g.WRITE_METHODS == _w("post put patch delete stream send")
    assert g.READ_HTTP == _w("GET HEAD OPTIONS")
    assert http.READ_METHODS == _w("get head options")
    assert http.ASYNC_CLIENT_CLASSES == {"httpx.AsyncClient", "httpx2.AsyncClient", "aiohttp.ClientSession"}
    assert calls.GENERIC_METHODS == g.POST_METHODS | g.ORM_READS | {"head", "options", "request"}
    assert effects.MUTATORS == _w("append extend update pop insert remove clear add discard setdefault popitem sort reverse")
    assert effects.IMMUTABLE_TYPES == _w(
        "int str float bool bytes complex uuid.UUID UUID decimal.Decimal Decimal datetime.date datetime.datetime "
        "date datetime"
    )
    assert runtime.COROUTINE_WRAPPERS == _w("wait_for shield ensure_future create_task")
    assert runtime.SYNC_TO_ASYNC_NAMES == {"sync_to_async", "database_sync_to_async"}
    # every builtin, a superset of the shared side-effect-free ones
    assert effects.SAFE_BUILTINS <= g.BUILTIN_NAMES == frozenset(dir(__import__("builtins")))
    # the project root: the packaging files and manage.py, in this order (not pytest.ini/tox.ini)
    assert project_callees.ROOT_MARKERS == ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")
    assert set(project_callees.ROOT_MARKERS) < set(layout.ROOT_MARKERS)


@pytest.mark.parametrize(
    "path, test",
    [
        ("shop/conftest.py", False), ("conftest.py", False), ("tests/conftest.py", True),
        ("shop/tests.py", True), ("shop/test.py", True), ("shop/test_views.py", True),
        ("shop/views_test.py", True), ("shop/tests/helpers.py", True), ("shop/views.py", False), ("", False),
    ],
)
def test_test_module_rule_is_the_shared_one_without_conftest(path, test):
    import re
    from pathlib import Path

    from codemods.knowledge import layout
    from codemods.rules.gather_awaits.scopes import is_test_path

    # the rule as gather-awaits held it: a test file name, or a file under a tests/test folder
    parts = Path(path).parts
    own = bool(parts) and (
        re.match(r"^(test_.*|.*_tests?|tests?)\.py$", parts[-1]) is not None
        or any(p in ("tests", "test") for p in parts[:-1])
    )
    assert is_test_path(path) is own is test
    assert layout.is_test_module(parts, conftest=False) is test


# --------------------------------------------------------------------------- the effect-free policy
# Nothing declared here (the ``*_as_is`` functions): only what the analysis proves is gathered.
def _note(shown, why=""):
    because = f" ({why})" if why else ""
    return f"order kept: {shown} has unknown effects{because}; if none, list it in gather-awaits.effect-free"


CHARGE = """\
import billing
import mailer


async def checkout(token, email):
    charge = await billing.charge_card(token)
    receipt = await mailer.send_receipt(email)
    return charge, receipt
"""


def test_effect_free_charge_then_receipt_keeps_its_order():
    # Gathered before the policy: a failed charge then still sent the receipt.
    out = check_noop_as_is(CM, CHARGE, None)
    assert _notes(out) == [_note("billing.charge_card()"), _note("mailer.send_receipt()")]
    assert not [d for d in out.diagnostics if d.kind == "refused"]  # said with -v only


@pytest.mark.parametrize(
    "setup, run, shown",
    [
        # an unknown third-party client: neither its class nor its methods are known
        ("from ratesdk import RatesClient\n", "a = await rates.fetch_rates(u)\n    b = await rates.fetch_fees(u)\n",
         "example.rates.fetch_rates()"),
        # a method on self.x: the object's type is unknown
        ("", "a = await self.api.get_rates()\n    b = await self.api.get_stock()\n", "self.api.get_rates()"),
        # a function of an installed package (not a project module): not read
        ("from django.contrib.auth import aget_user\n", "a = await aget_user(request)\n    b = await load(request)\n",
         "django.contrib.auth.aget_user()"),
        # an object built from an unknown class, reads by their names
        ("from ratesdk import RatesClient\n", "c = RatesClient()\n    a = await c.get_rates(u)\n    b = await c.get_stock(u)\n",
         "c.get_rates()"),
    ],
)
def test_effect_free_unknown_objects_keep_their_order(setup, run, shown):
    src = f"{setup}rates = None\n\n\nasync def f(self, request, u):\n    {run}"
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note(shown)


def test_effect_free_known_reads_still_gather():
    check_transformed_as_is(
        CM,
        """\
        import asyncio
        import httpx
        from shop.models import Product


        async def dashboard(request, u, v):
            async with httpx.AsyncClient() as client:
                stock = await client.get(u)
                first = await Product.objects.filter(on_sale=True).afirst()
                rates = (await client.get(v, params={"q": str(len(u))})).json()
        """,
        """\
        import asyncio
        import httpx
        from shop.models import Product


        async def dashboard(request, u, v):
            async with httpx.AsyncClient() as client:
                stock, first, _rates = await asyncio.gather(
                    client.get(u),
                    Product.objects.filter(on_sale=True).afirst(),
                    client.get(v, params={"q": str(len(u))}),
                )
                rates = _rates.json()
        """,
    )


SERVICES_HTTP = """\
import logging

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)


def _url(path: str) -> str:
    return f"{settings.UPSTREAM}/{path.strip('/')}"


async def fetch_json(client: httpx.AsyncClient, path: str):
    logger.debug("GET %s", path)
    response = await client.get(_url(path))
    response.raise_for_status()
    return response.json()


async def stock(client: httpx.AsyncClient):
    return await fetch_json(client, "stock")


async def rates(client: httpx.AsyncClient):
    data = await fetch_json(client, "rates")
    return {k: float(v) for k, v in data.items()}
"""

VIEW_CALLING_SERVICES = """\
import httpx

from shop import services


async def dashboard(request):
    async with httpx.AsyncClient() as client:
        stock = await services.stock(client)
        rates = await services.rates(client)
    return stock, rates
"""


def test_effect_free_project_functions_doing_http_gets_are_gathered(tmp_path):
    path = _shop(tmp_path, SERVICES_HTTP)
    after = VIEW_CALLING_SERVICES.replace(
        "        stock = await services.stock(client)\n        rates = await services.rates(client)\n",
        "        stock, rates = await asyncio.gather(services.stock(client), services.rates(client))\n",
    ).replace("from shop import services\n", "from shop import services\nimport asyncio\n", 1)
    check_transformed_as_is(CM, VIEW_CALLING_SERVICES, after, path=path)


@pytest.mark.parametrize(
    "old, new, why",
    [
        # one call in a helper it calls is unknown: the whole chain is
        ('    logger.debug("GET %s", path)\n', "    audit.record(path)\n", "it calls audit.record()"),
        # a POST is a proven write: a refusal of its own, not a note
        ("await client.get(_url(path))", "await client.post(_url(path))", None),
        # the client is a parameter of unknown type: its get() is not known to be HTTP
        ("async def fetch_json(client: httpx.AsyncClient, path: str):", "async def fetch_json(client, path: str):",
         "it calls client.get()"),
    ],
)
def test_effect_free_project_functions_doing_more_keep_their_order(tmp_path, old, new, why):
    services = SERVICES_HTTP.replace(old, new)
    if "audit" in new:
        services = "import audit\n" + services
    path = _shop(tmp_path, services)
    if why is None:
        check_noop_as_is(CM, VIEW_CALLING_SERVICES, "order-sensitive: stock() is defined in shop.services", path=path)
        return
    out = check_noop_as_is(CM, VIEW_CALLING_SERVICES, None, path=path)
    assert _notes(out)[0] == _note("shop.services.stock()", why)


CHARGE_GATHERED = CHARGE.replace(
    "    charge = await billing.charge_card(token)\n    receipt = await mailer.send_receipt(email)\n",
    "    charge, receipt = await asyncio.gather(billing.charge_card(token), mailer.send_receipt(email))\n",
).replace("import mailer\n", "import mailer\nimport asyncio\n")


@pytest.mark.parametrize(
    "declared",
    [["billing.charge_card", "mailer.send_receipt"], ["billing.*", "mailer.send_*"], "billing.charge_card,mailer.*"],
)
def test_effect_free_option_makes_declared_calls_gather(declared):
    # (not what anyone should declare for these two: the option is the user's word)
    check_transformed_as_is(CM, CHARGE, CHARGE_GATHERED, options={"effect-free": declared})
    out = check_noop_as_is(CM, CHARGE, None, options={"effect-free": ["billing.charge_card"]})
    assert _notes(out) == [_note("mailer.send_receipt()")]


def test_effect_free_option_names_methods_by_the_annotated_class():
    src = (
        "from billing.client import Client\n\n\nasync def f(api: Client, u: str):\n"
        "    a = await api.get_rates(u)\n    b = await api.get_fees(u)\n"
    )
    out = check_noop_as_is(CM, src, None, options={"effect-free": ["billing.client.Client.get_rates"]})
    assert _notes(out) == [_note("billing.client.Client.get_fees()")]
    # two calls on one object still keep their order (it may keep state between them)
    check_noop_as_is(CM, src, "same receiver 'api'", options={"effect-free": ["billing.client.Client.get_*"]})
    two = src.replace("api: Client, u: str", "api: Client, fees: Client, u: str").replace("await api.get_fees", "await fees.get_fees")
    check_transformed_as_is(
        CM, two,
        two.replace("    a = await api.get_rates(u)\n    b = await fees.get_fees(u)\n",
                    "    a, b = await asyncio.gather(api.get_rates(u), fees.get_fees(u))\n")
           .replace("import Client\n", "import Client\nimport asyncio\n"),
        options={"effect-free": ["billing.client.Client.get_*"]},
    )


def test_effect_free_declaration_does_not_cover_a_write_found(tmp_path):
    path = _shop(tmp_path, SERVICES_HTTP.replace("await client.get(_url(path))", "await client.post(_url(path))"))
    check_noop_as_is(CM, VIEW_CALLING_SERVICES, "order-sensitive: stock() is defined in shop.services",
                     path=path, options={"effect-free": ["shop.services.*"]})


def test_effect_free_declaration_covers_what_a_project_function_calls(tmp_path):
    services = "import audit\n" + SERVICES_HTTP.replace('    logger.debug("GET %s", path)\n', "    audit.record(path)\n")
    path = _shop(tmp_path, services)
    for declared in (["audit.record"], ["shop.services.stock", "shop.services.rates"]):
        out = rewrite_as_is(CM, VIEW_CALLING_SERVICES, path=path, options={"effect-free": declared})
        assert "await asyncio.gather(services.stock(client), services.rates(client))" in out.source, declared


def test_effect_free_option_from_config_and_cli_and_notes_with_verbose(tmp_path):
    import json

    from tests.test_cli import run

    (tmp_path / "views.py").write_text(CHARGE)
    quiet = run("apply", "--diff", "views.py", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == "" and "order kept" not in quiet.stderr
    loud = run("apply", "--diff", "-v", "views.py", cwd=tmp_path)
    assert "views.py:6:5: DJA210 " + _note("billing.charge_card()") + " [note]" in loud.stderr
    report = json.loads(run("apply", "--diff", "--report", "json", "views.py", cwd=tmp_path).stdout)
    assert [d["kind"] for d in report["files"][0]["diagnostics"]] == ["note", "note"]
    assert report["summary"]["noted_by_codemod"] == {"gather-awaits": 2} and report["summary"]["refused_by_codemod"] == {}
    cli = run("apply", "--diff", "-o", "gather-awaits.effect-free=billing.*,mailer.send_receipt", "views.py", cwd=tmp_path)
    assert cli.returncode == 0 and "+    charge, receipt = await asyncio.gather(" in cli.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify.gather-awaits]\neffect-free = ["billing.*", "mailer.*"]\n')
    config = run("apply", "--diff", "views.py", cwd=tmp_path)
    assert config.returncode == 0 and "+    charge, receipt = await asyncio.gather(" in config.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify.gather-awaits]\neffect-free = "billing.*"\n')
    bad = run("apply", "--diff", "views.py", cwd=tmp_path)
    assert bad.returncode == 2 and "gather-awaits.effect-free must be a list of strings" in bad.stderr


# --------------------------------------------------------------------------- more of the same kind
# Each: a program the codemod would have changed silently, found by reading its rules.
def test_effect_free_a_method_found_by_name_does_not_prove_a_call_on_another_object():
    # A class of this module has an effect-free fetch_all(); api is some other object whose
    # fetch_all() may do anything: found by name only, it proves nothing (gathered before).
    src = (
        "class Local:\n    async def fetch_all(self):\n        return []\n\n\n"
        "async def view(api, other):\n    a = await api.fetch_all()\n    b = await other.fetch_all()\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("api.fetch_all()")
    # on self, the method of this module is the callee: proven
    own = (
        "import asyncio\nclass V:\n    async def fetch_all(self):\n        return []\n\n"
        "    async def fetch_some(self):\n        return [1]\n\n"
        "    async def get(self):\n        a = await self.fetch_all()\n        b = await self.fetch_some()\n"
    )
    check_transformed_as_is(
        CM, own, own.replace("        a = await self.fetch_all()\n        b = await self.fetch_some()\n",
                             "        a, b = await asyncio.gather(self.fetch_all(), self.fetch_some())\n"),
    )


def test_effect_free_a_parameter_named_like_a_module_function_is_not_that_function():
    # ``load`` is the caller's parameter, not the module's effect-free load() (gathered before).
    src = (
        "async def load():\n    return 1\n\n\n"
        "async def view(load, other):\n    a = await load()\n    b = await other()\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("load()")


def test_effect_free_module_attribute_call_is_not_a_same_named_method_here(tmp_path):
    # ``services.fetch_rates`` is the project function (read: an HTTP GET), not the method of a
    # class here that happens to share its name.
    path = _shop(tmp_path, SERVICES_HTTP.replace("async def stock(", "async def fetch_rates("))
    src = (
        "import asyncio\nimport httpx\n\nfrom shop import services\n\n\nclass Cache:\n"
        "    async def fetch_rates(self, client):\n        return await self.source.pull(client)\n\n\n"
        "async def view(request):\n    async with httpx.AsyncClient() as client:\n"
        "        a = await services.fetch_rates(client)\n        b = await services.rates(client)\n"
    )
    check_transformed_as_is(
        CM, src,
        src.replace("        a = await services.fetch_rates(client)\n        b = await services.rates(client)\n",
                    "        a, b = await asyncio.gather(services.fetch_rates(client), services.rates(client))\n"),
        path=path,
    )


@pytest.mark.parametrize(
    "helper, why",
    [
        # the decorator's wrapper runs at each call (it may record, retry, lock...)
        ("@audited\nasync def load(c):\n    return await c.get(U)\n", "it is decorated with @audited, whose wrapper is not read"),
        # awaits a future another task sets: waiting for it orders what follows
        ("async def load(c):\n    await READY\n    return await c.get(U)\n", "it awaits READY, which is not a call"),
        # a lock held around the read
        ("async def load(c):\n    async with LOCK:\n        return await c.get(U)\n", "it uses async with LOCK"),
        # the next items of a stream
        ("async def load(c):\n    return [x async for x in STREAM]\n", "it uses async for STREAM"),
    ],
)
def test_effect_free_what_a_helper_does_besides_calls_counts(helper, why):
    # Each helper was proven free before (only calls were judged): gathered.
    src = (
        f"import httpx\n\n\n{helper}\n\nasync def view(u):\n    async with httpx.AsyncClient() as c:\n"
        "        a = await load(c)\n        b = await c.get(u)\n"
    ).replace("(c):", "(c: httpx.AsyncClient):", 1)
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("example.load()", why)


def test_effect_free_async_for_over_a_queryset_and_a_declared_decorator_are_known():
    src = (
        "import asyncio\nimport httpx\nfrom shop.models import Product\nfrom shop.deco import traced\n\n\n"
        "@traced\nasync def skus():\n    return [p.sku async for p in Product.objects.filter(on_sale=True).order_by(\"sku\")]\n\n\n"
        "async def view(u):\n    async with httpx.AsyncClient() as c:\n        a = await skus()\n        b = await c.get(u)\n"
    )
    after = src.replace("        a = await skus()\n        b = await c.get(u)\n", "        a, b = await asyncio.gather(skus(), c.get(u))\n")
    check_transformed_as_is(CM, src, after, options={"effect-free": ["shop.deco.traced"]})
    out = check_noop_as_is(CM, src, None)
    assert "it is decorated with @traced" in _notes(out)[0]


@pytest.mark.parametrize(
    "made",
    ["httpx.AsyncClient(event_hooks={'request': [record]})", "httpx.AsyncClient(auth=TokenAuth())",
     "httpx.AsyncClient(transport=Recording())", "httpx.AsyncClient(**options)"],
)
def test_effect_free_a_client_running_code_of_its_own_is_not_known(made):
    # Its hooks, auth flow or transport run around every request (gathered before).
    src = f"import httpx\n\n\nasync def view(u, v):\n    async with {made} as client:\n        a = await client.get(u)\n        b = await client.get(v)\n"
    out = check_noop_as_is(CM, src, None)
    assert _notes(out) == [_note("client.get()"), _note("client.get()")]


def test_effect_free_a_client_with_basic_auth_is_known():
    # what requests-to-httpx emits for a Session's auth tuple
    src = "import httpx\n\n\nasync def view(u, v, user, pw):\n    async with httpx.AsyncClient(auth=(user, pw)) as client:\n        a = await client.get(u)\n        b = await client.get(v)\n"
    after = src.replace("        a = await client.get(u)\n        b = await client.get(v)\n",
                        "        a, b = await asyncio.gather(client.get(u), client.get(v))\n").replace("import httpx\n", "import httpx\nimport asyncio\n")
    check_transformed_as_is(CM, src, after)


def test_effect_free_an_absolute_import_is_read_from_the_project_root(tmp_path):
    # ``from helpers import load`` in shop/views.py imports the root's helpers.py (the root is
    # on sys.path), not shop/helpers.py: the function read must be the one called (the one next
    # to the file was read before, and proved free a function that is not the callee).
    path = _shop(tmp_path, SERVICES_HTTP)
    (tmp_path / "shop" / "helpers.py").write_text("async def load(c):\n    return 1\n")
    (tmp_path / "helpers.py").write_text("import audit\n\n\nasync def load(c):\n    return await audit.pull(c)\n")
    src = "from helpers import load\n\n\nasync def view(c, d):\n    a = await load(c)\n    b = await load(d)\n"
    out = check_noop_as_is(CM, src, None, path=path)
    assert _notes(out)[0] == _note("helpers.load()", "it calls audit.pull()")


def test_effect_free_a_module_client_rebound_through_global_is_not_known():
    # Some function rebinds the module's client to anything (gathered before: only the module's
    # own statements were read).
    src = (
        "import httpx\n\nclient = httpx.AsyncClient()\n\n\ndef record_requests(transport):\n"
        "    global client\n    client = transport\n\n\n"
        "async def view(u, v):\n    a = await client.get(u)\n    b = await client.get(v)\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("example.client.get()")
    kept = src.replace("    global client\n    client = transport\n", "    return transport\n")
    check_transformed_as_is(
        CM, kept,
        kept.replace("    a = await client.get(u)\n    b = await client.get(v)\n",
                     "    a, b = await asyncio.gather(client.get(u), client.get(v))\n")
            .replace("import httpx\n", "import httpx\nimport asyncio\n"),
    )


def test_effect_free_self_method_from_a_base_elsewhere_is_not_another_class_method():
    # View.load() comes from a base class of another module; Other.load() here is free, but is
    # not what self.load() runs (gathered before).
    src = (
        "from billing.views import BillingView\n\n\nclass Other:\n    async def load(self):\n        return 1\n\n\n"
        "class View(BillingView):\n    async def get(self, request):\n        a = await self.load()\n"
        "        b = await self.load_more()\n\n    async def load_more(self):\n        return 2\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("self.load()")
