import asyncio

import pytest

from tests.harness import check_noop, check_transformed, rewrite

CM = "gather-awaits"


def test_gathers_two_assignments_and_adds_import():
    check_transformed(
        CM,
        """\
        async def view(uid):
            # load both
            user = await fetch_user(uid)
            feed: list = await fetch_feed(uid)
            return user, feed
        """,
        """\
        import asyncio
        async def view(uid):
            # load both
            user, feed = await asyncio.gather(fetch_user(uid), fetch_feed(uid))
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


        async def f(_):
            a = await one()
            await two()
            return a
        ''',
        '''\
        """Doc."""
        from __future__ import annotations
        import asyncio as aio


        async def f(_):
            a, _1 = await aio.gather(one(), two())
            return a
        ''',
    )


def test_import_after_docstring_and_future():
    check_transformed(
        CM,
        '''\
        """Doc."""
        from __future__ import annotations

        async def f():
            await one()
            await two()
        ''',
        '''\
        """Doc."""
        from __future__ import annotations
        import asyncio

        async def f():
            _, _ = await asyncio.gather(one(), two())
        ''',
    )


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
        ("a = await sync_to_async(work)()\n    b = await h()", "order-sensitive write"),
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


def test_commented_second_statement_breaks_run():
    check_noop(CM, "async def f():\n    a = await g()\n    # note\n    b = await h()\n", None)


CONCURRENCY_SRC = """\
async def both(e1, e2):
    a = await waiter(e1, e2)
    b = await waiter(e2, e1)
    return a, b
"""


def _run(src):
    ns = {}

    async def waiter(mine, other):
        other.set()
        await mine.wait()
        return "ok"

    ns["waiter"] = waiter
    exec(compile(src, "<src>", "exec"), ns)  # noqa: S102 - runs the rewritten code

    async def main():
        e1, e2 = asyncio.Event(), asyncio.Event()
        return await asyncio.wait_for(ns["both"](e1, e2), 2)

    return asyncio.run(main())


def test_concurrency_proof():
    # waiter(e1, e2) sets e2 then waits on e1: sequentially the first call never returns.
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
        "the name 'asyncio' is used for something else",
    )


def test_module_level_asyncio_name_refused():
    check_noop(CM, "asyncio = None\nasync def f():\n    a = await g()\n    b = await h()\n", "asyncio")


def test_nested_block_and_mixed_run():
    check_transformed(
        CM,
        """\
        import asyncio
        async def f(xs):
            for x in xs:
                a = await g(x)
                b = await h(x)
                print(a, b)
        """,
        """\
        import asyncio
        async def f(xs):
            for x in xs:
                a, b = await asyncio.gather(g(x), h(x))
                print(a, b)
        """,
    )
