"""gather-awaits: real HTTP end to end, the taskgroup style, and callees this module defines."""

import asyncio
import textwrap

import pytest

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.gather_awaits_support import (
    CM,
    CONCURRENCY_SRC,
    STYLES_RUN,
    _call,
    _outside_any_project,  # noqa: F401 (pytest fixtures used by name)
    _run,
    _stateful_server,
    check_noop,
    check_transformed,
    needs_taskgroup,
    rewrite,
)


def _pipeline(src: str, **options) -> str:
    settings = Settings(select=("requests-to-httpx", CM), options={CM: options})
    out = transform_source(textwrap.dedent(src), "views.py", settings, ProjectIndex())
    assert out.error is None, out.error
    compile(out.source, "views.py", "exec")
    return out.source


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
