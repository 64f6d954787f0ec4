from __future__ import annotations

import asyncio
import textwrap

import pytest

from codemods.project import ProjectIndex
from tests.harness import check_noop, check_transformed, rewrite

CM = "requests-to-httpx"


def test_basic_get_with_json():
    check_transformed(
        CM,
        """\
        import requests


        async def view(request):
            \"\"\"Doc.\"\"\"
            return requests.get(URL).json()
        """,
        """\
        import httpx


        async def view(request):
            \"\"\"Doc.\"\"\"
            async with httpx.AsyncClient() as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).json()
        """,
    )


def test_alias_head_post_positional_and_data_literal():
    check_transformed(
        CM,
        """\
        import os
        import requests as rq


        async def view(client):
            r = rq.head(URL)
            rq.post(URL, b"raw", allow_redirects=False)
            rq.get(URL, {"a": 1}, timeout=3)
            return r.status_code
        """,
        """\
        import os
        import httpx


        async def view(client):
            async with httpx.AsyncClient() as client_1:
                r = await client_1.head(URL, timeout=None)
                await client_1.post(URL, content=b"raw", follow_redirects=False, timeout=None)
                await client_1.get(URL, params={"a": 1}, timeout=3, follow_redirects=True)
                return r.status_code
        """,
    )


def test_from_import_and_sync_untouched_keeps_import():
    check_transformed(
        CM,
        """\
        from requests import get


        def sync():
            return get(URL)


        async def view():
            return get(URL)["x"]
        """,
        """\
        from requests import get
        import httpx


        def sync():
            return get(URL)


        async def view():
            async with httpx.AsyncClient() as client:
                return (await client.get(URL, follow_redirects=True, timeout=None))["x"]
        """,
    )


def test_httpx2_option_and_auto():
    before = """\
        import requests


        async def view():
            return requests.delete(URL)
        """
    after = """\
        import httpx2


        async def view():
            async with httpx2.AsyncClient() as client:
                return await client.delete(URL, follow_redirects=True, timeout=None)
        """
    check_transformed(CM, before, after, options={"http-client": "httpx2"})
    check_transformed(CM, before, after, project=ProjectIndex(uses_httpx2=True))


def test_refuse_verify():
    check_noop(
        CM,
        """\
        import requests


        async def view():
            return requests.get(URL, verify=False)
        """,
        "verify=",
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
            return requests.get(URL).ok
        """,
        ".ok",
    )
    check_noop(
        CM,
        """\
        import requests


        async def view():
            try:
                return requests.get(URL).text
            except requests.RequestException:
                return None
        """,
        "requests.RequestException",
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
            return await sync_to_async(requests.get)(URL)
        """,
        "other than as a direct call",
    )


BEHAVIOUR = """\
import json
import requests


async def fetch(base):
    out = []
    r = requests.get(base + "/json", {"q": "1"})
    out.append((r.status_code, r.json()))
    out.append(requests.get(base + "/redirect/2").json())
    out.append(requests.get(base + "/status/404").status_code)
    out.append(requests.head(base + "/status/302").status_code)
    out.append(requests.get(base + "/status/302", allow_redirects=False).status_code)
    e = requests.post(base + "/echo", data="hello").json()
    out.append((e["method"], e["body"]))
    e = requests.put(base + "/echo", json={"a": 1}).json()
    out.append((e["method"], json.loads(e["body"])))
    out.append(requests.post(base + "/form", {"k": "v"}).json())
    out.append(requests.request("DELETE", base + "/echo").json()["method"])
    return out
"""


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


def test_refuse_non_literal_data_and_tuple_timeout():
    check_noop(
        CM,
        """\
        import requests


        async def view(payload):
            return requests.post(URL, data=payload)
        """,
        "data=",
    )
    check_noop(
        CM,
        """\
        import requests


        async def view():
            return requests.get(URL, timeout=(1, 5))
        """,
        "timeout=",
    )


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
