"""requests-to-httpx: response attributes, streaming, the smallest span rewritten, and sessions."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from tests.harness import check_noop, rewrite
from tests.requests_to_httpx_support import CM, SESSIONS, STATUS, STREAM, check_transformed


def test_response_attributes_rewritten():
    check_transformed(
        CM,
        """\
        import requests


        async def view(url):
            r = requests.get(url, allow_redirects=False)
            # 4xx/5xx only
            r.raise_for_status()
            if r.ok and requests.head(url).ok:
                return r.reason, r.is_redirect
            return r.ok
        """,
        """\
        import httpx


        async def view(url):
            async with httpx.AsyncClient() as client:
                r = await client.get(url, follow_redirects=False, timeout=None)
                # 4xx/5xx only
                if r.is_error:
                    r.raise_for_status()
                if (not r.is_error) and (not (await client.head(url, timeout=None)).is_error):
                    return r.reason_phrase, r.has_redirect_location
            return not r.is_error
        """,
    )


def test_refuse_response_attributes_it_cannot_keep():
    cases = {
        "return requests.get(URL).raise_for_status()": "raise_for_status",
        "r = requests.get(URL)\n    r = r.raise_for_status()": "raise_for_status",
        "r = requests.get(URL)\n    return r": "leaves the function (returned)",
        "r = requests.get(URL)\n    other.append(r)": "leaves the function (passed to a call)",
        "r = requests.get(URL)\n    other.r = r": "stored in an attribute",
        "rs = [requests.get(u) for u in other]\n    return rs[0].text": "uses .text",
        "r = requests.get(URL)\n    return f'{r}'": "formatted as text",
        "r = requests.get(URL)\n    f = lambda: r.status_code": "nested scope",
        "r = requests.get(URL)\n    if r:\n        pass": "truth value",
        "r = requests.get(URL)\n    x = r and r.json()": "truth value",
        "return not requests.get(URL)": "truth value",
        "if (r := requests.get(URL)).ok:\n        pass": "uses .ok",
        "global g\n    g = requests.get(URL)": "global or nonlocal",
        "r = requests.get(URL)\n    return r.apparent_encoding": "apparent_encoding",
        "r = requests.get(URL)\n    return r.raw": ".raw",
    }
    for body, reason in cases.items():
        check_noop(CM, "import requests\n\n\nasync def view(other):\n    " + body + "\n", reason)


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_response_attributes(upstream, client):
    pytest.importorskip(client)
    outcome = rewrite(CM, STATUS, options={"http-client": client})
    assert "requests" not in outcome.source, outcome.source
    cases = [
        ("check", upstream.url("/status/500"), True),
        ("check", upstream.url("/status/404"), True),
        ("check", upstream.url("/status/302"), False),
        ("check", upstream.url("/status/304"), True),
        ("check", upstream.url("/status/302"), True),
        ("check", upstream.url("/json"), True),
        ("head", upstream.url("/status/301")),
    ]
    results = []
    for src in (STATUS, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append([asyncio.run(ns[name](*args)) for name, *args in cases])
    assert results[0] == results[1]
    assert results[0][0][-2:] == [("HTTPError", 500), "not ok"]
    assert results[0][2] == [302, True, "Found", True, "no error"]
    assert results[0][6] == (True, True, "Moved Permanently", "application/json", True, None)


def test_stream_iter_content():
    check_transformed(
        CM,
        """\
        import requests


        async def view(url, sink):
            total = 0
            if url:
                r = requests.request("POST", url, stream=True)
                r.raise_for_status()
                for chunk in r.iter_content():
                    sink.append(chunk)
            r2 = requests.get(url, stream=False)
            return r2.status_code
        """,
        """\
        import httpx


        async def view(url, sink):
            total = 0
            async with httpx.AsyncClient() as client:
                if url:
                    async with client.stream("POST", url, follow_redirects=True, timeout=None) as r:
                        if r.is_error:
                            r.raise_for_status()
                        async for chunk in r.aiter_bytes(1):
                            sink.append(chunk)
                r2 = await client.get(url, follow_redirects=True, timeout=None)
            return r2.status_code
        """,
    )


def test_refuse_stream_uses():
    cases = {
        "r = requests.get(URL, stream=True)\n    return r": "other than through",
        "r = requests.get(URL, stream=True)\n    return r.content": "other than through",
        "r = requests.get(URL, stream=True)\n    for x in r.iter_lines():\n        pass": "iter_lines",
        "r = requests.get(URL, stream=True)\n    for x in r.iter_content(n, True):\n        pass": "the chunk size",
        "if URL:\n        r = requests.get(URL, stream=True)\n    return r.status_code": "outside the statements",
        "return requests.get(URL, stream=True).status_code": "stream=True other than",
        "r = requests.get(URL, stream=True)\n    f = lambda: r.status_code": "nested scope",
    }
    for body, reason in cases.items():
        check_noop(CM, "import requests\n\n\nasync def view(n):\n    " + body + "\n", reason)


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_stream(upstream, client):
    pytest.importorskip(client)
    outcome = rewrite(CM, STREAM, options={"http-client": client})
    assert "requests" not in outcome.source and ".stream(" in outcome.source, outcome.source
    cases = [("chunks", upstream.url("/bytes/5000"), 1024), ("one_by_one", upstream.url("/lines/3"))]
    results = []
    for src in (STREAM, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append([asyncio.run(ns[name](*args)) for name, *args in cases])
    assert results[0] == results[1]
    assert results[0][0] == (200, True, [1024, 1024, 1024, 1024, 904])
    assert results[0][1] == b"line 0\nline 1\nline 2\n"


def test_smallest_span_loops_comprehensions_if_and_name_clash():
    check_transformed(
        CM,
        """\
        import requests

        client = object()


        async def view(urls, flag):
            \"\"\"Doc.\"\"\"
            out = []

            # fetch them all
            for u in urls:
                out.append(requests.get(u).json())
            codes = {u: requests.head(u).status_code for u in urls}
            while requests.get(urls[0]).status_code != 200:
                pass
            done = len(out)
            return out, codes, done, client


        async def branch(url, flag):
            x = 1
            if flag:
                return requests.get(url).json()
            else:
                return x


        async def gen(urls):
            return sum(requests.get(u).status_code for u in urls)
        """,
        """\
        import requests
        import httpx

        client = object()


        async def view(urls, flag):
            \"\"\"Doc.\"\"\"
            out = []

            # fetch them all
            async with httpx.AsyncClient() as client_1:
                for u in urls:
                    out.append((await client_1.get(u, follow_redirects=True, timeout=None)).json())
                codes = {u: (await client_1.head(u, timeout=None)).status_code for u in urls}
                while (await client_1.get(urls[0], follow_redirects=True, timeout=None)).status_code != 200:
                    pass
            done = len(out)
            return out, codes, done, client


        async def branch(url, flag):
            x = 1
            if flag:
                async with httpx.AsyncClient() as client:
                    return (await client.get(url, follow_redirects=True, timeout=None)).json()
            else:
                return x


        async def gen(urls):
            return sum(requests.get(u).status_code for u in urls)
        """,
        expect=["nested sync scope"],
    )


def test_sessions_become_async_clients():
    check_transformed(
        CM,
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def view(url, token):
            with requests.Session() as s:
                s.headers.update({"Authorization": token})
                s.auth = ("u", "p")
                r = s.get(url)
                r2 = await sync_to_async(s.post)(url, b"x")
            return r.json(), r2.status_code


        async def view2(url):
            x = 1
            s = requests.Session()
            s.headers["A"] = "b"
            try:
                return s.get(url, timeout=3).json(), requests.get(url).status_code
            finally:
                s.close()
        """,
        """\
        import httpx


        async def view(url, token):
            async with httpx.AsyncClient() as s:
                s.headers.update({"Authorization": token})
                s.auth = ("u", "p")
                r = await s.get(url, follow_redirects=True, timeout=None)
                r2 = await s.post(url, content=b"x", follow_redirects=True, timeout=None)
            return r.json(), r2.status_code


        async def view2(url):
            x = 1
            async with httpx.AsyncClient() as s:
                s.headers["A"] = "b"
                try:
                    async with httpx.AsyncClient() as client:
                        return (await s.get(url, timeout=3, follow_redirects=True)).json(), (await client.get(url, follow_redirects=True, timeout=None)).status_code
                finally:
                    await s.aclose()
        """,
    )


def test_refuse_sessions():
    shared = """\
        import requests

        SESSION = requests.Session()


        class Api:
            def __init__(self):
                self.session = requests.Session()

            async def fetch(self, url):
                return self.session.get(url).json()


        async def view(url):
            return SESSION.get(url).json()
        """
    check_noop(CM, shared, ["SESSION.get: on a requests Session that outlives", "self.session.get: on a requests Session"])
    cases = {
        "s = requests.Session()\n    s.get(URL)\n    s.verify = False\n    return s.get(URL).json()": "sets s.verify other",
        "s = requests.Session()\n    s.headers = {}\n    return s.get(URL).json()": "sets s.headers",
        "s = requests.Session()\n    s.get(URL)\n    return s": "other than for requests",
        "s = requests.Session()\n    s.mount('x', a)\n    return s.get(URL).json()": "other than for requests",
        "if a:\n        s = requests.Session()\n    return s.get(URL).json()": "outside the block",
        "with requests.Session() as s:\n        s.get(URL)\n    s.get(URL)": "outside the block",
        "s = requests.Session()\n    f = lambda: s.get(URL)": "nested",
        "s = requests.Session()\n    return s.get(URL, {'a': 1})": "more positional arguments",
        "return requests.get(URL, auth=a).status_code": "auth=",
    }
    for body, reason in cases.items():
        check_noop(CM, "import requests\n\n\nasync def view(a):\n    " + body + "\n", reason)


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_sessions(upstream, client):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, SESSIONS, options={"http-client": client})
    assert "requests" not in outcome.source and f"AsyncClient(verify=_{client.upper()}_SSL_CONTEXT) as s" in outcome.source, outcome.source
    results = []
    for src in (SESSIONS, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append([asyncio.run(ns[name](base)) for name in ("with_session", "plain_session")])
    assert results[0] == results[1]
    assert results[0][0][:4] == ("t1", "1", "Basic dXNlcjpwdw==", "sid=abc")
    assert results[0][1] == ("t2", 302)
