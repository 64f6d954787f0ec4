"""requests-to-httpx: refusals of what it cannot keep, thread-wrapped calls, behaviour against requests."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from tests.harness import check_noop, rewrite
from tests.requests_to_httpx_support import BEHAVIOUR, CM, WRAPPED, check_transformed


def test_refuse_verify():
    check_noop(
        CM,
        """\
        import requests


        async def view():
            return requests.get(URL, hooks={})
        """,
        "hooks=",
    )


def test_refuse_kwargs_and_ok_and_exceptions():
    check_noop(
        CM,
        """\
        import requests


        async def view(**kw):
            return requests.get(URL, **kw)
        """,
        "**kwargs",
    )
    check_noop(
        CM,
        """\
        import requests


        async def view():
            rs = [requests.get(URL)]
            return rs[0].ok
        """,
        "uses .ok, which rewritten only on a response",
    )
    check_noop(
        CM,
        """\
        import requests


        async def view():
            try:
                return requests.get(URL).json()
            except requests.RequestException:
                return None
            raise requests.HTTPError("no")
        """,
        "requests.HTTPError other than as a direct call",
    )


def test_refuse_nested_sync_scope():
    check_noop(
        CM,
        """\
        import requests


        async def view():
            f = lambda: requests.get(URL)
            return [requests.get(u) for u in URLS]
        """,
        "nested sync scope",
    )


def test_sync_and_skip_untouched_silently():
    check_noop(
        CM,
        """\
        import requests


        def view():
            return requests.get(URL)


        async def other():  # dj-asyncify: skip
            return requests.get(URL)
        """,
        None,
    )


def test_refuse_wrapped_function_value():
    check_noop(
        CM,
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def view():
            fetch = sync_to_async(requests.get)
            return await fetch(URL)
        """,
        "other than as a direct call",
    )


def test_thread_wrapped_forms():
    check_transformed(
        CM,
        """\
        import asyncio
        import functools
        import json
        import requests
        from asgiref.sync import sync_to_async


        async def view(url, envelope, payload, h):
            resp = await sync_to_async(requests.get)(url, timeout=10)
            await sync_to_async(requests.post, thread_sensitive=False)(url, envelope)
            await sync_to_async(requests.post)(url, json.dumps(payload))
            await sync_to_async(requests.put)(url, b"raw")
            await sync_to_async(requests.get)(f"{url}/q", {"q": "1"})
            r = await asyncio.to_thread(requests.get, url, headers=h)
            loop = asyncio.get_running_loop()
            r = await loop.run_in_executor(None, requests.get, url)
            r = await loop.run_in_executor(None, functools.partial(requests.post, url, json=payload,))
            r = await asyncio.get_event_loop().run_in_executor(None, requests.request, "PATCH", url)
            return resp.json(), r.status_code
        """,
        """\
        import asyncio
        import json
        import httpx


        async def view(url, envelope, payload, h):
            async with httpx.AsyncClient() as client:
                resp = await client.get(url, timeout=10, follow_redirects=True)
                await client.post(url, data=envelope, follow_redirects=True, timeout=None)
                await client.post(url, content=json.dumps(payload), follow_redirects=True, timeout=None)
                await client.put(url, content=b"raw", follow_redirects=True, timeout=None)
                await client.get(f"{url}/q", params={"q": "1"}, follow_redirects=True, timeout=None)
                r = await client.get(url, headers=h, follow_redirects=True, timeout=None)
                loop = asyncio.get_running_loop()
                r = await client.get(url, follow_redirects=True, timeout=None)
                r = await client.post(url, json=payload, follow_redirects=True, timeout=None)
                r = await client.request("PATCH", url, follow_redirects=True, timeout=None)
            return resp.json(), r.status_code
        """,
    )


def test_thread_wrapper_imports_kept_when_still_used():
    check_transformed(
        CM,
        """\
        from functools import partial
        from asyncio import to_thread
        import requests
        from asgiref.sync import sync_to_async, async_to_sync


        async def view(url):
            await to_thread(partial(requests.delete, url))
            return await sync_to_async(len)([url])
        """,
        """\
        import httpx
        from asgiref.sync import sync_to_async, async_to_sync


        async def view(url):
            async with httpx.AsyncClient() as client:
                await client.delete(url, follow_redirects=True, timeout=None)
            return await sync_to_async(len)([url])
        """,
    )


def test_refuse_unmappable_wrapped_forms():
    cases = {
        # an awaited lambda that only makes the call is unwrapped (tests/test_requests_to_httpx_wrappers.py)
        "await sync_to_async(lambda: Model.objects.get(pk=1) and requests.get(URL))()": "also calls Model.objects.get()",
        "await asyncio.to_thread(requests.get, *args)": "*args/**kwargs",
        "await sync_to_async(requests.post)(URL, [('a', '1')])": "list/tuple body",
        "await sync_to_async(requests.get)(URL, {'a': None})": "None value",
        "await sync_to_async(requests.post)(URL, 'caf\u00e9')": "non-ASCII str body",
        "await make_loop().run_in_executor(None, requests.get, URL)": "loop expression",
        "await loop.run_in_executor(make_pool(), requests.get, URL)": "executor expression",
        "await sync_to_async(requests.get, unknown=1)(URL)": "option that cannot be kept",
        "await asyncio.to_thread(requests.get, URL, hooks={})": "hooks=",
        "task = asyncio.to_thread(requests.get, URL)": "not awaited where it is made",
        "await sync_to_async(functools.partial(requests.get, URL, timeout=1))(timeout=2)": "timeout= twice",
    }
    for line, reason in cases.items():
        check_noop(
            CM,
            f"""\
            import asyncio
            import functools
            import requests
            from asgiref.sync import sync_to_async


            async def view(loop, *args):
                {line}
            """,
            reason,
        )


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_wrapped_matches_requests(upstream, client):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, WRAPPED, options={"http-client": client})
    # The stray partial value (``p``) keeps its requests use, so the function is refused: check that,
    # then run the case without it.
    assert outcome.source == textwrap.dedent(WRAPPED)
    assert any("function value" in d.message for d in outcome.diagnostics)
    src = WRAPPED.replace('    p = functools.partial(requests.post, base + "/echo", json={"x": [1, 2]})\n    del p\n', "")
    outcome = rewrite(CM, src, options={"http-client": client})
    assert "requests" not in outcome.source and "sync_to_async" not in outcome.source
    assert "functools" not in outcome.source and "import asyncio" in outcome.source
    results = []
    for code in (src, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(code), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append(asyncio.run(ns["fetch"](base)))
    assert results[0] == results[1]
    assert results[0][1] == ("POST", "raw envelope") and results[0][3] == {"k": "v"}
    assert results[0][-1] == 302


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_matches_requests(upstream, client):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, BEHAVIOUR, options={"http-client": client})
    assert "requests" not in outcome.source and "await client" in outcome.source
    assert f"import {client}\n" in outcome.source
    results = []
    for src in (BEHAVIOUR, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append(asyncio.run(ns["fetch"](base)))
    assert results[0] == results[1]
    assert results[0][2] == 404 and results[0][3] == 302 and results[0][1]["hello"] == "world"
    assert results[0][-8:-5] == [[{"i": "0"}, {"i": "1"}], {200: True, 404: False}, "not ok"]
    assert [r[1] for r in results[0][-5:]] == ["GET", "GET", "GET", "POST", "POST"]
