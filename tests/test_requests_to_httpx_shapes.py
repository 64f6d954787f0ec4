"""requests-to-httpx: gathered calls, imports, names that may hold a response, and other shapes."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from tests.harness import check_noop, rewrite
from tests.requests_to_httpx_support import CM, _closed_port, check_transformed


def test_gather_over_wrapped_calls():
    check_transformed(
        CM,
        """\
        import asyncio
        import requests
        from asgiref.sync import sync_to_async


        async def view(urls, u):
            a, b = await asyncio.gather(
                sync_to_async(requests.get)(u + "/a", timeout=10),
                asyncio.to_thread(requests.post, u, b"x"),
            )
            many = await asyncio.gather(*[sync_to_async(requests.get)(x) for x in urls])
            more = await asyncio.gather(*(asyncio.to_thread(requests.head, x) for x in urls), return_exceptions=True)
            return a.ok, b.json(), [m.status_code for m in many], len(more)
        """,
        """\
        import asyncio
        import httpx


        async def view(urls, u):
            async with httpx.AsyncClient() as client:
                a, b = await asyncio.gather(
                    client.get(u + "/a", timeout=10, follow_redirects=True),
                    client.post(u, content=b"x", follow_redirects=True, timeout=None),
                )
                many = await asyncio.gather(*[client.get(x, follow_redirects=True, timeout=None) for x in urls])
                more = await asyncio.gather(*(client.head(x, timeout=None) for x in urls), return_exceptions=True)
            return (not a.is_error), b.json(), [m.status_code for m in many], len(more)
        """,
    )


def test_refuse_gather_not_awaited_or_plain_generator():
    check_noop(
        CM,
        """\
        import asyncio
        import requests
        from asgiref.sync import sync_to_async


        async def view(u):
            pending = asyncio.gather(sync_to_async(requests.get)(u))
            return await pending
        """,
        "not awaited where it is made",
    )
    check_noop(
        CM,
        """\
        import asyncio
        import requests
        from asgiref.sync import sync_to_async


        async def view(urls):
            return await asyncio.gather(*(sync_to_async(requests.get)(sync_to_async(requests.get)(u)) for u in urls))
        """,
        "nested sync scope",
    )


GATHERED = """\
import asyncio
import requests
from asgiref.sync import sync_to_async


async def extras(base):
    recommended, promotions, missing = await asyncio.gather(
        sync_to_async(requests.get)(base + "/json", {"k": "r"}, timeout=10),
        asyncio.to_thread(requests.post, base + "/echo", b"body"),
        sync_to_async(requests.get)(base + "/status/404"),
    )
    many = await asyncio.gather(*[sync_to_async(requests.get)(base + f"/json?i={i}") for i in range(3)])
    return recommended.json(), promotions.json()["body"], missing.ok, [r.json()["query"] for r in many]
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_gather(upstream, client):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, GATHERED, options={"http-client": client})
    assert "requests" not in outcome.source and "sync_to_async" not in outcome.source, outcome.source
    results = []
    for src in (GATHERED, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append(asyncio.run(ns["extras"](base)))
    assert results[0] == results[1]
    assert results[0][1:] == ("body", False, [{"i": "0"}, {"i": "1"}, {"i": "2"}])


def test_refuse_response_attributes_without_same_behaviour():
    cases = {
        "return dict(r.headers)": "other than to look one up",
        "return r.cookies.get_dict()": "other than to look one up",
        "return r.request.body": "uses .request of a response",
        "return r.is_permanent_redirect": "uses .is_permanent_redirect",
    }
    for line, reason in cases.items():
        check_noop(CM, f"import requests\n\n\nasync def view():\n    r = requests.get(URL)\n    {line}\n", reason)


def test_new_import_takes_the_place_of_the_dropped_ones():
    check_transformed(
        CM,
        """\
        import asyncio

        import requests
        from asgiref.sync import sync_to_async
        from django.conf import settings

        # local
        from shop.models import Product


        async def view():
            await asyncio.sleep(0)
            return (await sync_to_async(requests.get)(settings.URL)).json(), Product
        """,
        """\
        import asyncio

        import httpx
        from django.conf import settings

        # local
        from shop.models import Product


        async def view():
            await asyncio.sleep(0)
            async with httpx.AsyncClient() as client:
                return (await client.get(settings.URL, follow_redirects=True, timeout=None)).json(), Product
        """,
    )


def test_attribute_named_client_is_no_clash():
    check_transformed(
        CM,
        """\
        import requests


        async def view(self):
            return requests.get(self.client.url).json()
        """,
        """\
        import httpx


        async def view(self):
            async with httpx.AsyncClient() as client:
                return (await client.get(self.client.url, follow_redirects=True, timeout=None)).json()
        """,
    )


def test_params_only_with_a_url_without_query():
    check_transformed(
        CM,
        """\
        import requests

        API = "https://api.example.com/v1"


        async def view(base, pk):
            a = requests.get(API, params={"a": "1"}).json()
            b = requests.get(f"{base}/items/{pk}", {"b": "2"}).json()
            url = base + "/search"
            return a, b, requests.get(url, params={"q": pk}).json()
        """,
        """\
        import httpx

        API = "https://api.example.com/v1"


        async def view(base, pk):
            async with httpx.AsyncClient() as client:
                a = (await client.get(API, params={"a": "1"}, follow_redirects=True, timeout=None)).json()
                b = (await client.get(f"{base}/items/{pk}", params={"b": "2"}, follow_redirects=True, timeout=None)).json()
                url = base + "/search"
                return a, b, (await client.get(url, params={"q": pk}, follow_redirects=True, timeout=None)).json()
        """,
    )
    for line in ('requests.get(url, params={"a": "1"})', 'requests.get(base + "?x=1", {"a": "1"})'):
        check_noop(CM, f"import requests\n\n\nasync def view(url, base):\n    return {line}.json()\n", "query string")


def test_values_read_from_json_and_lists_of_responses():
    check_transformed(
        CM,
        """\
        import requests


        async def view(urls):
            data = requests.get(URL + "/a").json()
            items = data.get("items", [])
            responses = [requests.get(u) for u in urls]
            first = responses.pop()
            return items, first.status_code, [r.json() for r in responses]
        """,
        """\
        import httpx


        async def view(urls):
            async with httpx.AsyncClient() as client:
                data = (await client.get(URL + "/a", follow_redirects=True, timeout=None)).json()
                items = data.get("items", [])
                responses = [await client.get(u, follow_redirects=True, timeout=None) for u in urls]
            first = responses.pop()
            return items, first.status_code, [r.json() for r in responses]
        """,
    )
    check_noop(
        CM,
        """\
        import requests


        async def view(urls):
            responses = [requests.get(u) for u in urls]
            return responses.pop()
        """,
        "leaves the function (returned)",
    )


def test_local_response_annotation_follows():
    check_transformed(
        CM,
        """\
        import requests
        from requests import Response


        async def view():
            r: requests.Response = requests.get(URL + "/a")
            r2: Response = requests.get(URL + "/b")
            return r.ok, r2.json()
        """,
        """\
        import httpx


        async def view():
            async with httpx.AsyncClient() as client:
                r: httpx.Response = await client.get(URL + "/a", follow_redirects=True, timeout=None)
                r2: httpx.Response = await client.get(URL + "/b", follow_redirects=True, timeout=None)
            return (not r.is_error), r2.json()
        """,
    )


def test_one_argument_per_line_calls_stay_so():
    check_transformed(
        CM,
        """\
        import requests


        async def view(url, payload):
            r = requests.post(
                url,
                json=payload,
            )
            requests.put(
                url, data=b"x"
            )
            return r.status_code
        """,
        """\
        import httpx


        async def view(url, payload):
            async with httpx.AsyncClient() as client:
                r = await client.post(
                    url,
                    json=payload,
                    follow_redirects=True,
                    timeout=None,
                )
                await client.put(
                    url, content=b"x", follow_redirects=True, timeout=None
                )
            return r.status_code
        """,
    )


def test_builtin_handlers_only_matter_around_rewritten_calls():
    check_transformed(
        CM,
        """\
        import requests


        async def view(request):
            try:
                page = int(request.GET["page"])
            except ValueError:
                page = 1
            try:
                data = requests.get(URL + "/a", params={"page": page}).json()
            except (requests.RequestException, ValueError):
                data = None
            return data


        async def decode(request):
            r = requests.get(URL + "/b")
            try:
                return r.json()
            except ValueError:
                return {}
        """,
        """\
        import httpx
        import json


        async def view(request):
            try:
                page = int(request.GET["page"])
            except ValueError:
                page = 1
            try:
                async with httpx.AsyncClient() as client:
                    data = (await client.get(URL + "/a", params={"page": page}, follow_redirects=True, timeout=None)).json()
            except (httpx.HTTPError, httpx.InvalidURL, ValueError, json.JSONDecodeError):
                data = None
            return data


        async def decode(request):
            async with httpx.AsyncClient() as client:
                r = await client.get(URL + "/b", follow_redirects=True, timeout=None)
            try:
                return r.json()
            except ValueError:
                return {}
        """,
    )
    check_noop(
        CM,
        """\
        import requests


        async def view():
            try:
                return requests.get(URL + "/a").json()
            except ValueError:
                return None
            except requests.RequestException:
                return None
        """,
        "catches ValueError",
    )


def test_tables_derived_from_shared_knowledge_stay_what_they_were():
    # The facts this codemod takes from codemods.knowledge, and the subsets it derives from shared
    # tables, are what the codemod held before the merge: a change here changes its behaviour.
    from codemods.knowledge import http, requests_api, runtime
    from codemods.registry import get
    from codemods.rules.requests_to_httpx import exceptions, imports, unwrap

    assert requests_api.METHODS == ("get", "post", "put", "patch", "delete", "head", "options", "request")
    assert exceptions._BUILTINS_SAFE == {
        "len", "str", "int", "float", "bool", "dict", "list", "tuple", "set", "isinstance", "print", "min", "max",
        "sorted", "sum", "any", "all", "range", "enumerate", "zip", "repr", "round", "abs",
    }  # fmt: skip
    assert exceptions._SAFE_MODULES == {
        "json", "logging", "asyncio", "datetime", "time", "math", "re", "uuid", "decimal",
        "random", "concurrent",  # added since: a retry's jitter and an executor raise no requests exceptions
    }  # fmt: skip
    assert exceptions._LOGGERS == {"logger", "log", "LOGGER", "LOG", "_logger", "_log", "logging"}
    assert runtime.SYNC_TO_ASYNC_THREAD_OPTIONS == {"thread_sensitive", "executor"}
    # channels.db: database_sync_to_async is unwrapped too (its import goes once unused)
    assert imports._WRAPPER_MODULES == ("asyncio", "functools", "asgiref.sync", "channels.db")
    assert (unwrap.SYNC_TO_ASYNC_FORM, runtime.SYNC_TO_ASYNC) == ("sync_to_async", "asgiref.sync.sync_to_async")
    assert (runtime.TO_THREAD, runtime.RUN_IN_EXECUTOR, runtime.PARTIAL) == (
        "asyncio.to_thread",
        "run_in_executor",
        "functools.partial",
    )
    assert get(CM).choices["http-client"] == ("httpx", "httpx2", "auto")
    # the client this codemod writes, ``<library>.AsyncClient``, is an async client to the other codemods
    assert {f"{lib}.AsyncClient" for lib in http.CLIENT_LIBRARIES} <= http.ASYNC_CLIENT_CLASSES


# A name that holds a response on the requests path and something else elsewhere (seen in a real
# Channels consumer: tests/fixtures/real/requests/gsricco-durak__bare_get_close.py) is checked like
# a response: converting the call would make ``resp.close()`` raise on an httpx async response.
MIXED_CLOSE = """\
import aiohttp
import requests


async def fetch(url):
    async with aiohttp.ClientSession() as session:
        resp = await session.get(url + "/a")
        first = await resp.json()
        resp.close()
    resp = requests.get(url + "/b")
    second = resp.json()
    resp.close()
    return first, second
"""


def test_a_name_that_may_hold_a_response_is_checked_like_one():
    # followed by data flow: the first resp.close() is an aiohttp response's (kept), the second a
    # requests one's (closed as httpx's AsyncClient responses are)
    outcome = rewrite(CM, MIXED_CLOSE, options={"ssl-context": "per-client"})
    assert "        resp.close()\n" in outcome.source and "    await resp.aclose()\n" in outcome.source
    check_noop(
        CM,
        """\
        import requests


        async def fetch(url, cached):
            resp = requests.get(url) if url else cached
            data = resp.json()
            resp.close()
            return data
        """,
        "uses .close of a value that may be a response",
    )
    check_noop(
        CM,
        """\
        import requests


        async def fetch(url):
            resp = requests.get(url)
            return resp.close()
        """,
        "uses .close of a response",
    )


def test_premise_close_of_an_async_httpx_response_raises(upstream):
    """Why .close() refuses: on a response of httpx's AsyncClient it raises, where requests' closes."""
    import httpx

    async def main() -> str:
        async with httpx.AsyncClient() as client:
            resp = await client.get(upstream.url("/json"))
            try:
                resp.close()
            except RuntimeError as exc:
                return type(exc).__name__
            return "closed"

    assert asyncio.run(main()) == "RuntimeError"
    import requests

    resp = requests.get(upstream.url("/json"), timeout=10)
    resp.close()  # fine with requests


# A real Channels consumer (tests/fixtures/real/requests/gsricco-durak__retry_excepts.py) wraps the
# call in sync_to_async inside a try whose handlers name requests exceptions: the wrapper is part of
# the call being rewritten, not another call of the try body that might raise requests' exceptions.
WRAPPED_TRY = """\
import requests
from asgiref.sync import sync_to_async


async def fetch(url):
    try:
        reply = await sync_to_async(requests.get)(url, timeout=2)
    except requests.exceptions.ConnectionError:
        return "down"
    except requests.exceptions.Timeout:
        return "slow"
    return reply.status_code
"""


def test_a_wrapped_call_in_a_try_is_not_another_call_of_the_try_body():
    out = rewrite(CM, WRAPPED_TRY, options={"http-client": "httpx"})
    assert "sync_to_async" not in out.source and "await client.get(url, timeout=2" in out.source, out.source
    assert not [d for d in out.diagnostics if d.kind == "refused"]
    again = rewrite(CM, out.source, options={"http-client": "httpx"})
    assert again.source == out.source
    # another call in the same try body still refuses
    check_noop(
        CM,
        WRAPPED_TRY.replace("        reply = await", "        audit(url)\n        reply = await"),
        "its try body also calls audit()",
        options={"http-client": "httpx"},
    )


def test_behaviour_wrapped_call_in_a_try_matches_requests(upstream):
    out = rewrite(CM, WRAPPED_TRY, options={"http-client": "httpx"})
    cases = [upstream.url("/json"), f"http://127.0.0.1:{_closed_port()}/json", upstream.url("/delay/3000")]
    results = []
    for src in (WRAPPED_TRY, out.source):
        ns: dict = {}
        exec(compile(src, "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append([asyncio.run(ns["fetch"](url)) for url in cases])
    assert results[0] == results[1] == [200, "down", "slow"]


def test_a_timeout_made_by_float_or_int_is_visible():
    # a real management command: WRITE_TIMEOUT = float(getattr(settings, ..., 0.2)) at module level
    src = """\
    import os

    import requests

    WRITE_TIMEOUT = float(os.environ.get("WRITE_TIMEOUT", "0.2"))


    async def push(url, line, retries):
        requests.post(url, data=line, timeout=WRITE_TIMEOUT)
        return requests.get(url, timeout=int(retries)).status_code
    """
    out = rewrite(CM, src, options={"http-client": "httpx", "ssl-context": "per-client"})
    assert "timeout=WRITE_TIMEOUT" in out.source and "timeout=int(retries)" in out.source, out.source
    assert "requests." not in out.source.replace("import requests", "")
    assert not [d for d in out.diagnostics if d.kind == "refused"]
    opts = {"http-client": "httpx", "ssl-context": "per-client"}
    assert rewrite(CM, out.source, options=opts).source == out.source  # idempotent
    check_noop(
        CM,
        """\
        import requests
        from django.conf import settings


        async def push(url):
            return requests.get(url, timeout=settings.WRITE_TIMEOUT).status_code
        """,
        "passes a timeout= whose value is not visible here",
    )
