"""gather-awaits: independent awaits gathered, and awaits inside expressions."""

import asyncio

import pytest

from tests.gather_awaits_support import (
    CM,
    CONCURRENCY_SRC,
    _outside_any_project,  # noqa: F401 (pytest fixtures used by name)
    _run,
    check_noop,
    check_transformed,
    rewrite,
)


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
