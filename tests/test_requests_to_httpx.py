from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codemods.project import ProjectIndex
from tests import harness
from tests.harness import check_noop, rewrite

CM = "requests-to-httpx"


def check_transformed(codemod: str, before: str, after: str, **kwargs):
    """``harness.check_transformed`` with ``ssl-context: per-client`` unless a test sets it: most
    cases are about the calls; the shared SSL context the default adds has its own tests below."""
    options = {"ssl-context": "per-client", **kwargs.pop("options", {})}
    return harness.check_transformed(codemod, before, after, options=options, **kwargs)


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
            rq.get(URL + "/a", {"a": 1}, timeout=3)
            return r.status_code
        """,
        """\
        import os
        import httpx


        async def view(client):
            async with httpx.AsyncClient() as client_1:
                r = await client_1.head(URL, timeout=None)
                await client_1.post(URL, content=b"raw", follow_redirects=False, timeout=None)
                await client_1.get(URL + "/a", params={"a": 1}, timeout=3, follow_redirects=True)
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
            return requests.delete(URL).status_code
        """
    after = """\
        import httpx2


        async def view():
            async with httpx2.AsyncClient() as client:
                return (await client.delete(URL, follow_redirects=True, timeout=None)).status_code
        """
    check_transformed(CM, before, after, options={"http-client": "httpx2"})
    check_transformed(CM, before, after, project=ProjectIndex(uses_httpx2=True))


# --------------------------------------------------------------------------- shared SSL context
# httpx builds (and loads the CA bundle into) a new SSL context for every client it creates:
# ~50 ms of CPU a client on the benchmark machine, which the event loop waits out. One
# module-level context, made as httpx makes its default one, is given to every new client.


def test_shared_ssl_context_by_default():
    check_transformed(
        CM,
        """\
        \"\"\"Views.\"\"\"
        import requests
        from django.http import JsonResponse
        URL = "http://upstream"


        async def view(request):
            return JsonResponse(requests.get(URL).json())


        async def with_session(request):
            with requests.Session() as s:
                return JsonResponse(s.get(URL).json())
        """,
        """\
        \"\"\"Views.\"\"\"
        import httpx
        from django.http import JsonResponse

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()

        URL = "http://upstream"


        async def view(request):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                return JsonResponse((await client.get(URL, follow_redirects=True, timeout=None)).json())


        async def with_session(request):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as s:
                return JsonResponse((await s.get(URL, follow_redirects=True, timeout=None)).json())
        """,
        options={"ssl-context": "shared"},
    )


def test_shared_ssl_context_name_clash_httpx2_and_given_tls_settings():
    # verify=/cert= given: the client builds the context those ask for, nothing is shared;
    # a name already used in the module gets a suffix.
    check_transformed(
        CM,
        """\
        import requests

        _HTTPX2_SSL_CONTEXT = None


        async def a():
            return requests.get(URL, verify="/etc/ca.pem").status_code


        async def b():
            return requests.get(URL, cert=("c.pem", "k.pem")).status_code


        async def c():
            return requests.get(URL, proxies={"http": P, "https": P}).status_code
        """,
        """\
        import httpx2

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX2_SSL_CONTEXT_1 = httpx2.create_ssl_context()

        _HTTPX2_SSL_CONTEXT = None


        async def a():
            async with httpx2.AsyncClient(verify="/etc/ca.pem") as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code


        async def b():
            async with httpx2.AsyncClient(cert=("c.pem", "k.pem")) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code


        async def c():
            async with httpx2.AsyncClient(proxy=P, verify=_HTTPX2_SSL_CONTEXT_1) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code
        """,
        options={"http-client": "httpx2", "ssl-context": "shared"},
    )


def test_shared_ssl_context_reused_and_not_added_when_unused():
    # A context made earlier (by a previous run) is reused; a function shadowing its name makes
    # its own client context.
    check_transformed(
        CM,
        """\
        import httpx
        import requests

        TLS = httpx.create_ssl_context()


        async def a():
            return requests.get(URL).status_code


        async def b(TLS):
            return requests.get(URL).status_code
        """,
        """\
        import httpx

        TLS = httpx.create_ssl_context()


        async def a():
            async with httpx.AsyncClient(verify=TLS) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code


        async def b(TLS):
            async with httpx.AsyncClient() as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code
        """,
        options={"ssl-context": "shared"},
    )
    check_transformed(
        CM,
        """\
        import requests


        async def a():
            return requests.get(URL, verify=False).status_code
        """,
        """\
        import httpx


        async def a():
            async with httpx.AsyncClient(verify=False) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code
        """,
        options={"ssl-context": "shared"},
    )


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_shared_ssl_context_is_the_one_a_client_makes(client):
    # The claim behind the option: create_ssl_context() with no argument gives the context a
    # client builds for itself (certificate checks, host names, protocol floor, options, CAs).
    mod = pytest.importorskip(client)
    made = getattr(getattr(mod.AsyncClient()._transport, "_pool", None), "_ssl_context", None)
    if made is None:
        pytest.skip(f"{client} keeps its SSL context elsewhere")
    shared = mod.create_ssl_context()
    for attr in ("verify_mode", "check_hostname", "minimum_version", "maximum_version", "options", "verify_flags"):
        assert getattr(shared, attr) == getattr(made, attr), attr
    assert shared.cert_store_stats() == made.cert_store_stats()
    assert shared.get_ca_certs() == made.get_ca_certs()


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


WRAPPED = """\
import asyncio
import functools
import json
import requests
from asgiref.sync import sync_to_async


async def fetch(base):
    out = []
    envelope = b"raw envelope"
    form = {"k": "v"}
    r = await sync_to_async(requests.get)(base + "/json", {"q": "1"}, timeout=10)
    out.append(r.json())
    e = (await sync_to_async(requests.post)(base + "/echo", envelope)).json()
    out.append((e["method"], e["body"]))
    e = (await sync_to_async(requests.post, thread_sensitive=False)(base + "/echo", b"lit")).json()
    out.append(e["body"])
    out.append((await sync_to_async(requests.post)(base + "/form", form)).json())
    e = (await asyncio.to_thread(requests.put, base + "/echo", json.dumps({"a": 1}))).json()
    out.append((e["method"], e["body"], e["headers"].get("content-type")))
    loop = asyncio.get_running_loop()
    r = await loop.run_in_executor(None, requests.get, base + "/redirect/2")
    out.append((r.status_code, r.json()))
    p = functools.partial(requests.post, base + "/echo", json={"x": [1, 2]})
    del p
    e = (await loop.run_in_executor(None, functools.partial(requests.post, base + "/echo", json={"x": 2}))).json()
    out.append((e["method"], json.loads(e["body"]), e["headers"]["content-type"]))
    r = await asyncio.to_thread(requests.head, base + "/status/302")
    out.append(r.status_code)
    return out
"""


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
    out.append([requests.get(base + "/json", {"i": str(i)}).json()["query"] for i in range(2)])
    out.append({c: requests.get(base + f"/status/{c}").ok for c in (200, 404)})
    if not requests.get(base + "/status/500").ok:
        out.append("not ok")
    for code in (301, 302, 303, 307, 308):
        e = requests.post(base + f"/redirect-to?url=/echo&code={code}", data="x").json()
        out.append((code, e["method"], e["body"]))
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
    assert results[0][-8:-5] == [[{"i": "0"}, {"i": "1"}], {200: True, 404: False}, "not ok"]
    assert [r[1] for r in results[0][-5:]] == ["GET", "GET", "GET", "POST", "POST"]


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


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ERRORS = """\
import requests
from requests.exceptions import ConnectionError


async def fetch(url):
    try:
        r = requests.get(url, timeout=0.3)
        return ("ok", r.json())
    except requests.exceptions.ConnectTimeout:
        return ("connect-timeout",)
    except requests.Timeout:
        return ("timeout",)
    except ConnectionError:
        return ("connection",)
    except requests.RequestException:
        return ("other",)


async def fetch_tuple(url):
    try:
        return ("ok", requests.get(url, timeout=(5, 0.3)).json())
    except requests.exceptions.ReadTimeout:
        return ("read-timeout",)


async def decode(url):
    try:
        return requests.post(url, data="not json").json()
    except requests.RequestException:
        return "bad json"
"""


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


STATUS = """\
import requests
from requests.exceptions import HTTPError
from asgiref.sync import sync_to_async


async def check(url, follow):
    r = await sync_to_async(requests.get)(url, allow_redirects=follow)
    out = [r.status_code, r.ok, r.reason, r.is_redirect]
    try:
        r.raise_for_status()
        out.append("no error")
    except HTTPError as e:
        out.append(("HTTPError", e.response.status_code))
    if not r.ok:
        out.append("not ok")
    return out


async def head(url):
    r = requests.head(url)
    return r.ok, r.is_redirect, r.reason, r.headers["Content-Type"], "location" in r.headers, r.headers.get("X-No")
"""


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


STREAM = """\
import requests


async def chunks(url, n):
    r = requests.get(url, stream=True, timeout=10)
    sizes = []
    for chunk in r.iter_content(n):
        sizes.append(len(chunk))
    return r.status_code, r.ok, sizes


async def one_by_one(url):
    out = b""
    r = requests.get(url, stream=True)
    for b in r.iter_content():
        out += b
    return out
"""


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


SESSIONS = """\
import requests


async def with_session(base):
    with requests.Session() as s:
        s.headers.update({"X-Token": "t1"})
        s.auth = ("user", "pw")
        s.get(base + "/set-cookie?sid=abc")
        e = s.post(base + "/echo", json={"a": 1}, headers={"X-Extra": "1"}).json()
        r = s.get(base + "/redirect/1")
    return (
        e["headers"]["x-token"], e["headers"]["x-extra"], e["headers"]["authorization"], e["cookies"],
        r.json(), [h.status_code for h in r.history],
    )


async def plain_session(base):
    s = requests.Session()
    s.headers["X-Token"] = "t2"
    try:
        e = s.get(base + "/echo").json()
        h = s.head(base + "/status/302")
    finally:
        s.close()
    return e["headers"]["x-token"], h.status_code
"""


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


def test_session_settings_become_client_arguments():
    # Set right after the Session is made (between headers/auth setup, or statements not naming it),
    # verify/cert/trust_env/proxies/max_redirects become AsyncClient arguments, in their order; the
    # comments of the dropped lines stay.
    check_transformed(
        CM,
        """\
        import requests
        from django.conf import settings

        PROXY = "http://proxy:3128"


        async def with_block(url, token):
            with requests.Session() as s:
                s.headers.update({"Authorization": token})
                s.verify = settings.CA_BUNDLE  # internal CA
                s.auth = ("u", "p")
                # no proxies or .netrc from the environment
                s.trust_env = False
                s.max_redirects = 5
                return s.get(url).json()


        async def assigned(url, cert):
            s = requests.Session()
            n = 1
            s.proxies = {"http": PROXY, "https": PROXY}
            s.headers["X-N"] = str(n)
            s.cert = cert
            try:
                return s.get(url).status_code
            finally:
                s.close()


        async def only_setup(url):
            with requests.Session() as s:
                s.verify = False
            return requests.get(url).status_code
        """,
        """\
        import httpx
        from django.conf import settings

        PROXY = "http://proxy:3128"


        async def with_block(url, token):
            async with httpx.AsyncClient(verify=settings.CA_BUNDLE, trust_env=False, max_redirects=5) as s:
                s.headers.update({"Authorization": token})
                # internal CA
                s.auth = ("u", "p")
                # no proxies or .netrc from the environment
                return (await s.get(url, follow_redirects=True, timeout=None)).json()


        async def assigned(url, cert):
            async with httpx.AsyncClient(proxy=PROXY, cert=cert) as s:
                n = 1
                s.headers["X-N"] = str(n)
                try:
                    return (await s.get(url, follow_redirects=True, timeout=None)).status_code
                finally:
                    await s.aclose()


        async def only_setup(url):
            async with httpx.AsyncClient(verify=False) as s:
                pass
            async with httpx.AsyncClient() as client:
                return (await client.get(url, follow_redirects=True, timeout=None)).status_code
        """,
    )


def test_session_settings_and_shared_ssl_context():
    # verify/cert given, or trust_env not True (the shared context reads SSL_CERT_FILE, a
    # trust_env=False client does not): the client builds its own context. Otherwise it shares one.
    check_transformed(
        CM,
        """\
        import requests

        P = "http://proxy:3128"


        async def verify(url):
            with requests.Session() as s:
                s.verify = "/etc/ca.pem"
                return s.get(url).status_code


        async def cert(url):
            with requests.Session() as s:
                s.cert = ("c.pem", "k.pem")
                return s.get(url).status_code


        async def no_env(url, trusted):
            with requests.Session() as s:
                s.trust_env = False
                r = s.get(url)
            with requests.Session() as s2:
                s2.trust_env = trusted
                return r.status_code, s2.get(url).status_code


        async def shared(url):
            with requests.Session() as s:
                s.trust_env = True
                s.max_redirects = 2
                s.proxies = {"http": P, "https": P}
                return s.get(url).status_code
        """,
        """\
        import httpx

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()

        P = "http://proxy:3128"


        async def verify(url):
            async with httpx.AsyncClient(verify="/etc/ca.pem") as s:
                return (await s.get(url, follow_redirects=True, timeout=None)).status_code


        async def cert(url):
            async with httpx.AsyncClient(cert=("c.pem", "k.pem")) as s:
                return (await s.get(url, follow_redirects=True, timeout=None)).status_code


        async def no_env(url, trusted):
            async with httpx.AsyncClient(trust_env=False) as s:
                r = await s.get(url, follow_redirects=True, timeout=None)
            async with httpx.AsyncClient(trust_env=trusted) as s2:
                return r.status_code, (await s2.get(url, follow_redirects=True, timeout=None)).status_code


        async def shared(url):
            async with httpx.AsyncClient(trust_env=True, max_redirects=2, proxy=P, verify=_HTTPX_SSL_CONTEXT) as s:
                return (await s.get(url, follow_redirects=True, timeout=None)).status_code
        """,
        options={"ssl-context": "shared"},
    )


def test_refuse_session_settings():
    cases = {
        # after a request, or later than the statements right after the Session is made
        "s = requests.Session()\n    s.get(URL)\n    s.max_redirects = 3\n    s.get(URL)": "sets s.max_redirects other",
        "with requests.Session() as s:\n        s.mount('x', a)\n        s.verify = False\n        s.get(URL)":
            "other than for requests",
        "s = requests.Session()\n    if a:\n        s.verify = False\n    s.get(URL)": "sets s.verify other",
        "s = requests.Session()\n    s.verify = False; s.get(URL)": "sets s.verify other",
        "s = requests.Session()\n    s.headers['X'] = s.get(URL).text\n    s.cert = 'c.pem'\n    s.get(URL)":
            "sets s.cert other",
        # values that would be evaluated earlier, or mean something else to httpx
        "ca = a.ca\n    s = requests.Session()\n    s.verify = ca\n    s.get(URL)": "sets s.verify to a value computed",
        "s = requests.Session()\n    s.cert = a.cert()\n    s.get(URL)": "sets s.cert to a value computed",
        "s = requests.Session()\n    s.proxies = {'https': P}\n    s.get(URL)": "sets s.proxies to other than",
        "s = requests.Session()\n    s.proxies = {'http': P, 'https': Q}\n    s.get(URL)": "sets s.proxies to other than",
        "s = requests.Session()\n    s.verify = None\n    s.get(URL)": "sets s.verify to None",
        "s = requests.Session()\n    s.verify = False\n    s.verify = True\n    s.get(URL)": "sets s.verify twice",
        "s = requests.Session()\n    s.params = {'a': '1'}\n    s.get(URL)": "sets s.params (requests adds them",
        "s = requests.Session()\n    s.stream = True\n    s.get(URL)": "sets s.stream (no same-behaving",
        # read back later: an AsyncClient has no such attribute
        "s = requests.Session()\n    s.max_redirects = 3\n    s.get(URL)\n    return s.max_redirects":
            "other than for requests",
    }
    for body, reason in cases.items():
        check_noop(CM, "import requests\n\n\nasync def view(a):\n    " + body + "\n", reason)


SESSION_SETTINGS = """\
import requests


async def no_env(base):
    # HTTP_PROXY (nothing listens there) and NETRC are set: without trust_env = False the
    # Session would fail to connect, or send the .netrc credentials.
    with requests.Session() as s:
        s.headers["X-Token"] = "t"
        s.trust_env = False
        s.max_redirects = 1
        e = s.get(base + "/echo").json()
        r = s.get(base + "/redirect/1")
        try:
            s.get(base + "/redirect/2")
            too_many = None
        except requests.TooManyRedirects:
            too_many = "too many"
    return e["headers"]["x-token"], "authorization" in e["headers"], r.json(), len(r.history), too_many


async def through_proxy(target, proxy):
    s = requests.Session()
    s.trust_env = False
    s.proxies = {"http": proxy, "https": proxy}
    e = s.post(target + "/echo", data="x").json()
    s.close()
    return e["headers"]["host"], e["path"], e["body"]
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_session_settings(upstream, client, monkeypatch, tmp_path):
    mod = pytest.importorskip(client)
    import requests

    base = upstream.url("/").rstrip("/")
    target = f"http://127.0.0.1:{_closed_port()}"  # nothing listens: only a proxied request succeeds
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login nl password np\n")
    netrc.chmod(0o600)
    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", target)
    monkeypatch.setenv("http_proxy", target)
    monkeypatch.setenv("NETRC", str(netrc))
    # The environment matters to both clients when they trust it.
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/json")
    direct = requests.get(base + "/echo", proxies={"http": None}).json()
    assert direct["headers"]["authorization"] == "Basic bmw6bnA="  # from the .netrc

    async def trusting() -> None:
        async with mod.AsyncClient() as c:
            await c.get(base + "/json")

    with pytest.raises(mod.ConnectError):
        asyncio.run(trusting())

    outcome = rewrite(CM, SESSION_SETTINGS, options={"http-client": client})
    assert "requests" not in outcome.source, outcome.source
    # trust_env=False: no shared SSL context (it would read SSL_CERT_FILE)
    assert "AsyncClient(trust_env=False, max_redirects=1) as s" in outcome.source
    assert "AsyncClient(trust_env=False, proxy=proxy) as s" in outcome.source
    results = []
    for src in (SESSION_SETTINGS, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append((asyncio.run(ns["no_env"](base)), asyncio.run(ns["through_proxy"](target, upstream.base))))
    assert results[0] == results[1]
    assert results[0][0] == ("t", False, {"hello": "world", "query": {}}, 1, "too many")
    assert results[0][1] == (target[len("http://") :], "/echo", "x")


def test_client_settings_moved_to_client():
    check_transformed(
        CM,
        """\
        import requests
        from django.conf import settings

        PROXY = "http://proxy:3128"


        async def view(url, ca):
            r = requests.get(url, verify=False, cookies={"a": "b"}, proxies={"http": PROXY, "https": PROXY})
            requests.post(url, json={}, verify=False, cookies={"a": "b"}, proxies={"http": PROXY, "https": PROXY})
            return r.status_code


        async def view2(url, ca):
            return requests.get(url, verify=ca, cert=settings.CERT).status_code
        """,
        """\
        import httpx
        from django.conf import settings

        PROXY = "http://proxy:3128"


        async def view(url, ca):
            async with httpx.AsyncClient(verify=False, cookies={"a": "b"}, proxy=PROXY) as client:
                r = await client.get(url, follow_redirects=True, timeout=None)
                await client.post(url, json={}, follow_redirects=True, timeout=None)
            return r.status_code


        async def view2(url, ca):
            async with httpx.AsyncClient(verify=ca, cert=settings.CERT) as client:
                return (await client.get(url, follow_redirects=True, timeout=None)).status_code
        """,
    )


def test_refuse_client_settings():
    cases = {
        "requests.get(URL, verify=False)\n    requests.get(URL)": "disagree",
        "c = {'a': '1'}\n    requests.get(URL, cookies=c)": "computed in the function",
        "requests.get(URL, proxies={'https': P})": "proxies=",
        "requests.get(URL, trust_env=t)": "trust_env=",
        "s = requests.Session()\n    s.get(URL)\n    s.trust_env = False\n    s.get(URL)": "sets s.trust_env other",
        "with requests.Session() as s:\n        s.get(URL, verify=False)": "on a Session call",
        "with requests.Session() as s, open('f') as fh:\n        s.get(URL)": "requests.Session other than",
    }
    for body, reason in cases.items():
        check_noop(CM, "import requests\n\n\nasync def view(t):\n    " + body + "\n", reason)


SETTINGS = """\
import requests


async def settings_case(target, proxy):
    e = requests.get(
        target + "/echo", cookies={"k": "v"}, verify=False, proxies={"http": proxy, "https": proxy}
    ).json()
    e2 = requests.post(
        target + "/echo", data="x", cookies={"k": "v"}, verify=False,
        proxies={"http": proxy, "https": proxy},
    ).json()
    return e["cookies"], e["headers"]["host"], e["path"], e2["cookies"], e2["body"]
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_client_settings(upstream, client, monkeypatch):
    pytest.importorskip(client)
    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)  # requests would bypass the explicit proxy for these
    outcome = rewrite(CM, SETTINGS, options={"http-client": client})
    assert "requests" not in outcome.source and "proxy=proxy" in outcome.source, outcome.source
    # Nothing listens at the target: only a request sent through the proxy (the upstream) succeeds.
    target = f"http://127.0.0.1:{_closed_port()}"
    results = []
    for src in (SETTINGS, outcome.source):
        ns: dict = {}
        exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append(asyncio.run(ns["settings_case"](target, upstream.base)))
    assert results[0] == results[1]
    assert results[0] == ("k=v", target[len("http://") :], "/echo", "k=v", "x")


def _ruff(tmp_path, name: str, source: str) -> subprocess.CompletedProcess:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC210,F401,F821", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_ruff_finds_no_blocking_call_unused_import_or_undefined_name(tmp_path, client):
    samples = {
        "behaviour": BEHAVIOUR,
        "wrapped": WRAPPED.replace(
            '    p = functools.partial(requests.post, base + "/echo", json={"x": [1, 2]})\n    del p\n', ""
        ),
        "errors": ERRORS,
        "status": STATUS,
        "stream": STREAM,
        "sessions": SESSIONS,
        "settings": SETTINGS,
    }
    for name, before in samples.items():
        # the check can fail: ruff sees the plain blocking calls in the originals (not thread-wrapped
        # or Session calls, which it does not recognise)
        original = _ruff(tmp_path, f"{name}_before.py", before)
        assert ("ASYNC210" in original.stdout) == (name not in ("wrapped", "sessions")), (name, original.stdout)
        outcome = rewrite(CM, before, options={"http-client": client})
        assert "requests calls now use" in " ".join(d.message for d in outcome.diagnostics), name
        result = _ruff(tmp_path, f"{name}_after.py", outcome.source)
        assert result.returncode == 0, (name, result.stdout, outcome.source)


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
