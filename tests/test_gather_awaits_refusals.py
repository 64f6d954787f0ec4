"""gather-awaits: refusals and their reasons, runs split at stops, and unknown callees."""

import pytest

from tests.gather_awaits_support import (
    CM,
    _both,
    _call,
    _notes,
    _outside_any_project,  # noqa: F401 (pytest fixtures used by name)
    _stateful_server,
    check_noop,
    check_noop_as_is,
    check_transformed,
    rewrite,
)

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
