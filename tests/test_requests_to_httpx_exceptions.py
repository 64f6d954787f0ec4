"""requests-to-httpx: bodies, timeouts, text decoding, and except clauses mapped to httpx's exceptions."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from tests.harness import check_noop, rewrite
from tests.requests_to_httpx_support import CM, ERRORS, _closed_port, check_transformed


def test_nested_async_def_and_from_import_removed():
    check_transformed(
        CM,
        """\
        from requests import get, post


        async def outer():
            async def inner():
                return get(URL).status_code

            return await inner()
        """,
        """\
        import httpx


        async def outer():
            async def inner():
                async with httpx.AsyncClient() as client:
                    return (await client.get(URL, follow_redirects=True, timeout=None)).status_code

            return await inner()
        """,
    )


def test_unknown_body_goes_to_data():
    check_transformed(
        CM,
        """\
        import requests


        async def view(payload):
            return requests.post(URL, data=payload).json()
        """,
        """\
        import httpx


        async def view(payload):
            async with httpx.AsyncClient() as client:
                return (await client.post(URL, data=payload, follow_redirects=True, timeout=None)).json()
        """,
    )
    # a local only ever assigned raw bodies is one; a name also assigned something else is not
    check_transformed(
        CM,
        """\
        import json
        import requests


        async def view(payload, flag):
            body = b"raw"
            if flag:
                body = json.dumps(payload)
            other = payload if flag else "x"
            requests.post(URL, body)
            return requests.post(URL, data=other).json()
        """,
        """\
        import json
        import httpx


        async def view(payload, flag):
            body = b"raw"
            if flag:
                body = json.dumps(payload)
            other = payload if flag else "x"
            async with httpx.AsyncClient() as client:
                await client.post(URL, content=body, follow_redirects=True, timeout=None)
                return (await client.post(URL, data=other, follow_redirects=True, timeout=None)).json()
        """,
    )


def test_timeouts_tuple_and_module_constant():
    check_transformed(
        CM,
        """\
        import requests

        TIMEOUT = 10


        async def view():
            a = requests.get(URL, timeout=(3.05, 27))
            b = requests.get(URL, timeout=TIMEOUT)
            return a.content, b.content
        """,
        """\
        import httpx

        TIMEOUT = 10


        async def view():
            async with httpx.AsyncClient() as client:
                a = await client.get(URL, timeout=httpx.Timeout(27, connect=3.05), follow_redirects=True)
                b = await client.get(URL, timeout=TIMEOUT, follow_redirects=True)
            return a.content, b.content
        """,
    )


def test_refuse_values_it_cannot_see_or_that_encode_differently():
    cases = {
        "return requests.get(URL, timeout=settings.TIMEOUT)": "not visible",
        "return requests.get(URL, timeout=t)": "not visible",
        "tt = 5\n    if x:\n        tt = (1, 2)\n    return requests.get(URL, timeout=tt)": "not visible",
        "body = [('a', '1')]\n    return requests.post(URL, body)": "assigned a list",
        "return requests.get(URL, headers={'X-A': None})": "None value",
    }
    for body, reason in cases.items():
        check_noop(CM, "import requests\n\n\nasync def view(t, x):\n    " + body + "\n", reason)


def test_refuse_text_decoding_differs():
    check_noop(
        CM,
        """\
        import requests


        async def view():
            return requests.get(URL).text
        """,
        ".text",
    )


def test_refuse_oserror_handler():
    check_noop(
        CM,
        """\
        import requests


        async def view():
            try:
                return requests.get(URL).json()
            except (KeyError, OSError):
                return None
        """,
        "catches OSError",
    )


def test_except_clauses_mapped():
    check_transformed(
        CM,
        """\
        import logging
        import requests
        from requests.exceptions import HTTPError

        logger = logging.getLogger(__name__)


        async def view(url):
            try:
                r = requests.get(url, timeout=5)
                data = r.json()
                name = data.get("name", "").lower()
            except requests.exceptions.Timeout:
                return "timeout"
            except (requests.ConnectionError, KeyError) as e:
                logger.warning("down: %s", e)
                return "down"
            except HTTPError as e:
                return e.response.status_code
            except requests.RequestException:
                return "other"
            return name
        """,
        """\
        import logging
        import httpx
        import json

        logger = logging.getLogger(__name__)


        async def view(url):
            try:
                async with httpx.AsyncClient() as client:
                    r = await client.get(url, timeout=5, follow_redirects=True)
                data = r.json()
                name = data.get("name", "").lower()
            except httpx.TimeoutException:
                return "timeout"
            except (httpx.NetworkError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ProxyError, KeyError) as e:
                logger.warning("down: %s", e)
                return "down"
            except httpx.HTTPStatusError as e:
                return e.response.status_code
            except (httpx.HTTPError, httpx.InvalidURL, json.JSONDecodeError):
                return "other"
            return name
        """,
    )


def test_except_httpx2_and_unguarded_handler_kept():
    check_transformed(
        CM,
        """\
        import requests
        from requests import exceptions as rexc


        async def view(url, helper):
            try:
                await helper()
            except rexc.ReadTimeout:
                pass
            try:
                return requests.post(url, json={}).status_code
            except (rexc.ConnectTimeout, rexc.TooManyRedirects):
                return None
        """,
        """\
        import httpx2
        from requests import exceptions as rexc


        async def view(url, helper):
            try:
                await helper()
            except rexc.ReadTimeout:
                pass
            try:
                async with httpx2.AsyncClient() as client:
                    return (await client.post(url, json={}, follow_redirects=True, timeout=None)).status_code
            except (httpx2.ConnectTimeout, httpx2.TooManyRedirects):
                return None
        """,
        options={"http-client": "httpx2"},
    )


def test_refuse_except_clauses():
    cases = {
        # an unknown call in the try body may raise requests exceptions the new handler misses
        ("r = requests.get(URL)\n        sync_helper(r)", "except requests.RequestException:"): "calls sync_helper()",
        ("r = requests.get(URL)", "except requests.exceptions.SSLError:"): "no exact httpx equivalent",
        ("r = requests.get(URL)", "except requests.RequestException as e:\n        return str(e)"): "uses the caught",
        ("r = requests.get(URL)", "except requests.Timeout as e:\n        return e.response"): "only httpx's HTTPStatusError",
        ("d = requests.get(URL).json()\n        json.loads(d)", "except requests.RequestException:"): "json module",
    }
    for (body, handler), reason in cases.items():
        body, handler = (text.replace("\n        ", "\n" + " " * 20) for text in (body, handler))
        check_noop(
            CM,
            f"""\
            import json
            import requests


            async def view():
                try:
                    {body}
                {handler}
                    return None
            """,
            reason,
        )


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_exceptions_match_requests(upstream, client):
    pytest.importorskip(client)
    outcome = rewrite(CM, ERRORS, options={"http-client": client})
    assert "requests" not in outcome.source, outcome.source
    cases = [
        ("fetch", upstream.url("/delay/1500")),
        ("fetch", f"http://127.0.0.1:{_closed_port()}/json"),
        ("fetch", upstream.url("/json")),
        ("fetch_tuple", upstream.url("/delay/1500")),
        ("decode", upstream.url("/lines/3")),
        ("decode", upstream.url("/json")),
    ]
    results = []
    for src in (ERRORS, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append([asyncio.run(ns[name](*args)) for name, *args in cases])
    assert results[0] == results[1]
    assert [r[0] if isinstance(r, tuple) else r for r in results[0][:3]] == ["timeout", "connection", "ok"]
    assert results[0][3:5] == [("read-timeout",), "bad json"]
