"""requests-to-httpx on responses: which values are responses (by data flow from a requests call),
``.text``/``.url`` kept where they only reach a message, chained ``raise_for_status()``, ``not r.ok``,
``url=`` by keyword and a view's ``request.body`` as ``content=``; with behaviour tests against the
local server (tests/upstream.py) running the code before and after with real requests and httpx."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import urllib.parse
from pathlib import Path

import httpx
import pytest
import requests

from tests import harness
from tests.harness import check_noop, rewrite

CM = "requests-to-httpx"
ROOT = Path(__file__).resolve().parent.parent


def check_transformed(before: str, after: str, **kwargs):
    options = {"ssl-context": "per-client", **kwargs.pop("options", {})}
    return harness.check_transformed(CM, before, after, options=options, **kwargs)


def _run(src: str, name: str, *args, namespace: dict | None = None):
    ns: dict = dict(namespace or {})
    exec(compile(textwrap.dedent(src), "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
    return asyncio.run(ns[name](*args))


# ----------------------------------------------------------------------------- which values are responses
def test_values_of_orm_lambdas_are_not_responses():
    # shape of Digital-Twins-RSBR-middleware-dt__bare_post_orm_lambdas / __monitor_get_text_log
    check_transformed(
        """\
        import logging

        import requests
        from asgiref.sync import sync_to_async

        logger = logging.getLogger(__name__)


        async def push(device, key, url):
            prop = await sync_to_async(lambda: device.props.filter(name=key).first())()
            value = int(prop.get_value()) if isinstance(prop.get_value(), bool) else prop.get_value()
            kind = await sync_to_async(lambda: device.type.name if device.type else "unknown")()
            if kind:
                logger.info(f"kind {kind}")
            response = requests.post(url, data=f"{key}={value}")
            logger.info(f"Response Code: {response.status_code}, Response Text: {response.text}")
        """,
        """\
        import logging

        import httpx
        from asgiref.sync import sync_to_async

        logger = logging.getLogger(__name__)


        async def push(device, key, url):
            prop = await sync_to_async(lambda: device.props.filter(name=key).first())()
            value = int(prop.get_value()) if isinstance(prop.get_value(), bool) else prop.get_value()
            kind = await sync_to_async(lambda: device.type.name if device.type else "unknown")()
            if kind:
                logger.info(f"kind {kind}")
            async with httpx.AsyncClient() as client:
                response = await client.post(url, content=f"{key}={value}", follow_redirects=True, timeout=None)
            logger.info(f"Response Code: {response.status_code}, Response Text: {response.text}")
        """,
    )


def test_lambda_around_requests_still_gives_a_response():
    # shape of mike-gustafson-BabelBot__lambda_post_view: the lambda's body is the requests call, so
    # its value is a response (rewritten as the call); ``lambda: response.json()`` gives data, not a
    # response: ``data.get(...)`` is no response attribute
    outcome = harness.check_transformed(
        CM,
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def translate(url, text):
            response = await sync_to_async(lambda: requests.post(url, json={"text": text}))()
            data = await sync_to_async(lambda: response.json())()
            if response.status_code != 200:
                return None
            return data.get("translation")
        """,
        """\
        import httpx

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


        async def translate(url, text):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                response = await client.post(url, json={"text": text}, follow_redirects=True, timeout=None)
            data = response.json()
            if response.status_code != 200:
                return None
            return data.get("translation")
        """,
    )
    assert not [d for d in outcome.diagnostics if d.kind == "refused"]


def test_name_response_on_one_path_is_still_checked():
    # the premise: a name bound to a response on some path is checked as one wherever it is used
    check_noop(
        CM,
        """\
        import requests


        async def view(url, cached):
            r = cached if cached else requests.get(url)
            if url:
                r = requests.get(url)
            return r.close()
        """,
        "uses .close of a value that may be a response",
    )


def test_rebound_names_followed_by_data_flow():
    # what a read may see: the binding before it in its block, and what comes round a loop
    check_transformed(
        """\
        import requests


        async def view(cache, url):
            r = cache.lookup(url)
            r.touch()
            r = requests.get(url)
            if not r.ok:
                r = cache.lookup(url)
                return r.stale()
            data = r.json()
            r = cache.store(url, data)
            return r.key
        """,
        """\
        import httpx


        async def view(cache, url):
            r = cache.lookup(url)
            r.touch()
            async with httpx.AsyncClient() as client:
                r = await client.get(url, follow_redirects=True, timeout=None)
            if r.is_error:
                r = cache.lookup(url)
                return r.stale()
            data = r.json()
            r = cache.store(url, data)
            return r.key
        """,
    )
    cases = {
        # the next round reads the response of this one
        "r = cache.lookup(URL)\n    for u in URLS:\n        r.touch()\n        r = requests.get(u)": "uses .touch",
        # a branch may leave the parameter's own value
        "if URL:\n        r = requests.get(URL)\n    return r.touch()": "uses .touch of a value that may be",
        "try:\n        r = requests.get(URL)\n    except Exception:\n        pass\n    return r.ok": "uses .ok",
    }
    for body, reason in cases.items():
        src = "import requests\n\nURL = 'http://x'\n\n\nasync def view(r, cache, URLS):\n    " + body + "\n"
        check_noop(CM, src, reason)


def test_close_of_a_response_becomes_aclose():
    # gsricco-durak__bare_get_close: the same name held an aiohttp response before (closed by hand)
    check_transformed(
        """\
        import aiohttp
        import requests


        async def fetch(url):
            async with aiohttp.ClientSession() as session:
                resp = await session.get(url)
                first = await resp.json()
                resp.close()
            resp = requests.get(url)
            second = resp.json()
            resp.close()
            return first, second
        """,
        """\
        import aiohttp
        import httpx


        async def fetch(url):
            async with aiohttp.ClientSession() as session:
                resp = await session.get(url)
                first = await resp.json()
                resp.close()
            async with httpx.AsyncClient() as client:
                resp = await client.get(url, follow_redirects=True, timeout=None)
            second = resp.json()
            await resp.aclose()
            return first, second
        """,
    )


CLOSED = """\
import requests


async def fetch(url):
    resp = requests.get(url)
    data = resp.json()
    resp.close()
    return data, resp.status_code, resp.content == b"" or resp.json() == data
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_close(upstream, client):
    """``await resp.aclose()`` after the body was read does what ``resp.close()`` did (httpx's
    ``close()`` would raise RuntimeError: see test_premise_close_of_an_async_httpx_response_raises)."""
    pytest.importorskip(client)
    outcome = rewrite(CM, CLOSED, options={"http-client": client})
    assert "await resp.aclose()" in outcome.source, outcome.source
    results = [_run(src, "fetch", upstream.url("/json")) for src in (CLOSED, outcome.source)]
    assert results[0] == results[1] == ({"hello": "world", "query": {}}, 200, True)


def test_elements_and_branches_of_responses_are_checked():
    # an element of a container of responses, or one side of a conditional, may be a response
    cases = [
        "for r in [requests.get(URL)]:\n        r.close()",
        "rs = [requests.get(URL)]\n    r = rs[0]\n    r.close()",
        "r = requests.get(URL) if URL else cached\n    r.close()",
        "r = cached or requests.get(URL)\n    r.touch()",
    ]
    for body in cases:
        src = "import requests\n\nURL = 'http://x'\n\n\nasync def view(cached):\n    " + body + "\n"
        check_noop(CM, src, "of a value that may be a response")


# ----------------------------------------------------------------------------- .text and .url
def test_text_and_url_in_messages_are_kept():
    check_transformed(
        """\
        import logging
        import warnings

        import requests

        logger = logging.getLogger(__name__)


        async def view(url):
            r = requests.get(url)
            logger.error("failed %s: %s", r.url, r.text[:200])
            self_log = logger
            print(f"{r.status_code} {r.text.strip()}", str(r.url))
            warnings.warn("body: " + r.text)
            try:
                body = r.json()
            except ValueError:
                body = r.text
            logger.warning(f"body={body}")
            if r.status_code != 200:
                raise RuntimeError(f"bad answer from {r.url}: {r.text or 'empty'}")
            return r.status_code
        """,
        """\
        import logging
        import warnings

        import httpx

        logger = logging.getLogger(__name__)


        async def view(url):
            async with httpx.AsyncClient() as client:
                r = await client.get(url, follow_redirects=True, timeout=None)
            logger.error("failed %s: %s", r.url, r.text[:200])
            self_log = logger
            print(f"{r.status_code} {r.text.strip()}", str(r.url))
            warnings.warn("body: " + r.text)
            try:
                body = r.json()
            except ValueError:
                body = r.text
            logger.warning(f"body={body}")
            if r.status_code != 200:
                raise RuntimeError(f"bad answer from {r.url}: {r.text or 'empty'}")
            return r.status_code
        """,
    )


def test_text_and_url_beyond_messages_refuse():
    decodes = "uses .text other than in a log/print/exception message: requests decodes a body without charset"
    quotes = "uses .url other than in a log/print/exception message: requests and httpx write it differently"
    cases = {
        # gsricco-durak__poll_send_text: the body is sent on to a websocket client
        "r = requests.get(URL)\n    await self.send(r.text)": decodes,
        "r = requests.get(URL)\n    return r.text": decodes,
        "r = requests.get(URL)\n    body = r.text\n    logger.info(body)\n    return body": decodes,
        "r = requests.get(URL)\n    return r.text == 'ok'": decodes,
        "r = requests.get(URL)\n    return str(r.url)": quotes,
        "r = requests.get(URL)\n    return r.url == URL": quotes,
        "r = requests.get(URL)\n    return f'{r.url}'": quotes,
        "r = requests.get(URL)\n    return r.encoding": "uses .encoding, which differs",
        # DRF renders a ValidationError's detail as the response body: not only a message
        "r = requests.get(URL)\n    raise ValidationError(r.text)": decodes,
    }
    for body, reason in cases.items():
        src = "import requests\nfrom rest_framework.exceptions import ValidationError\n\n\nasync def view(self):\n    "
        check_noop(CM, src + body + "\n", reason)


def _typed(base: str, content_type: str, body: bytes) -> str:
    query = urllib.parse.urlencode({"type": content_type}) + "&body=" + urllib.parse.quote_from_bytes(body)
    return f"{base}/typed?{query}"


LOGGED = """\
import logging

import requests

logger = logging.getLogger("r1.behaviour")


async def fetch(url):
    r = requests.get(url)
    logger.warning("got %s from %s", r.text, r.url)
    if r.status_code != 200:
        raise RuntimeError(f"bad: {r.text}")
    return r.status_code
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_text_and_url_in_messages(upstream, client):
    """What the log records say, before and after, for bodies with and without a charset. Alike
    but for a text/* body without charset holding non-ASCII bytes: requests decodes it as
    ISO-8859-1, httpx as UTF-8 -- the one difference this rewrite accepts, in messages only."""
    pytest.importorskip(client)
    outcome = rewrite(CM, LOGGED, options={"http-client": client})
    assert "requests" not in outcome.source and "r.text" in outcome.source, outcome.source
    base = upstream.url("").rstrip("/")
    bodies = {
        "charset": ("text/plain; charset=utf-8", "café ☃".encode()),
        "latin1-charset": ("text/html; charset=iso-8859-1", "café".encode("latin-1")),
        "json": ("application/json", '{"k": "café"}'.encode()),
        "ascii": ("text/plain", b"plain ascii"),
        "text-no-charset": ("text/plain", "café".encode()),
    }
    logger = logging.getLogger("r1.behaviour")
    messages: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Keep()
    logger.addHandler(handler)
    seen: list[dict[str, str]] = []
    try:
        for src in (LOGGED, outcome.source):
            records: dict[str, str] = {}
            for kind, (content_type, body) in bodies.items():
                messages.clear()
                assert _run(src, "fetch", _typed(base, content_type, body)) == 200
                records[kind] = messages[-1]
            seen.append(records)
    finally:
        logger.removeHandler(handler)
    before, after = seen
    for kind in ("charset", "latin1-charset", "json", "ascii"):
        assert before[kind] == after[kind], kind
    assert "café ☃" in before["charset"] and "café" in before["json"]
    assert "cafÃ©" in before["text-no-charset"] and "café" in after["text-no-charset"]


def test_text_and_url_refusal_reasons_are_true(upstream):
    """The reasons given for refusing ``.text``/``.url`` in program logic, with the real libraries."""
    base = upstream.url("").rstrip("/")
    url = _typed(base, "text/plain", "café".encode())
    with httpx.Client() as c:
        assert requests.get(url).text == "cafÃ©" and c.get(url).text == "café"
        for path, want in (("", "/"), ("/a|b", "/a%7Cb"), ("/json?", "/json")):
            assert requests.get(base + path).url == base + want
            assert str(c.get(base + path, follow_redirects=True).url) != base + want


# ----------------------------------------------------------------------------- raise_for_status, ok
def test_chained_raise_for_status_gets_a_name():
    check_transformed(
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def ping(url, response):
            requests.post(url, json={"a": 1}).raise_for_status()  # must be 2xx
            (await sync_to_async(requests.get)(url)).raise_for_status()
            return response
        """,
        """\
        import httpx


        async def ping(url, response):
            async with httpx.AsyncClient() as client:
                response_1 = await client.post(url, json={"a": 1}, follow_redirects=True, timeout=None)
                if response_1.is_error:
                    response_1.raise_for_status()  # must be 2xx
                response_1 = await client.get(url, follow_redirects=True, timeout=None)
            if response_1.is_error:
                response_1.raise_for_status()
            return response
        """,
    )


def test_raise_for_status_as_a_value_refuses():
    check_noop(
        CM,
        "import requests\n\n\nasync def view(url):\n    x = requests.get(url).raise_for_status()\n    return x\n",
        "uses .raise_for_status, which rewritten only as a statement",
    )


def test_not_ok_becomes_is_error():
    check_transformed(
        """\
        import requests


        async def view(url):
            resp = requests.get(url)
            if not resp.ok:
                return None
            return [not resp.ok, resp.ok]
        """,
        """\
        import httpx


        async def view(url):
            async with httpx.AsyncClient() as client:
                resp = await client.get(url, follow_redirects=True, timeout=None)
            if resp.is_error:
                return None
            return [resp.is_error, (not resp.is_error)]
        """,
    )


CHAINED = """\
import requests


async def check(url):
    try:
        requests.get(url).raise_for_status()
    except requests.HTTPError as e:
        return ("HTTPError", e.response.status_code)
    return "ok"


async def unfollowed(url):
    try:
        requests.get(url, allow_redirects=False).raise_for_status()
    except requests.HTTPError as e:
        return ("HTTPError", e.response.status_code)
    if not requests.get(url).ok:
        return "not ok"
    return "ok"
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_chained_raise_for_status(upstream, client):
    pytest.importorskip(client)
    outcome = rewrite(CM, CHAINED, options={"http-client": client})
    assert "requests" not in outcome.source and "response.is_error" in outcome.source, outcome.source
    # (the server's 304 carries a body: a client reusing the connection cannot read on after it)
    cases = [("check", c) for c in (200, 302, 304, 404, 500)] + [("unfollowed", c) for c in (200, 302, 404)]
    results = [
        [_run(src, name, upstream.url(f"/status/{code}")) for name, code in cases]
        for src in (CHAINED, outcome.source)
    ]
    assert results[0] == results[1]
    assert results[0][:5] == ["ok", "ok", "ok", ("HTTPError", 404), ("HTTPError", 500)]
    # 302 unfollowed: no raise (httpx's own rule would raise); 404: raises before the ok check
    assert results[0][5:] == ["ok", "ok", ("HTTPError", 404)]


# ----------------------------------------------------------------------------- arguments
def test_url_keyword_kept():
    # christiankelechi-applegenie__url_keyword_post
    check_transformed(
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def ask(api_url, payload):
            response = await sync_to_async(requests.post)(url=api_url, json=payload)
            other = requests.request(method="GET", url=f"{api_url}/more", params={"a": "1"})
            return response.json(), other.status_code
        """,
        """\
        import httpx


        async def ask(api_url, payload):
            async with httpx.AsyncClient() as client:
                response = await client.post(url=api_url, json=payload, follow_redirects=True, timeout=None)
                other = await client.request(method="GET", url=f"{api_url}/more", params={"a": "1"}, follow_redirects=True, timeout=None)
            return response.json(), other.status_code
        """,
    )


def test_url_keyword_refusals():
    cases = {
        "requests.post(URL, url=URL)": "passes url=/method= with positional arguments",
        "requests.request('GET', method='GET', url=URL)": "passes url=/method= with positional arguments",
        "requests.get(method='GET', url=URL)": "passes method=",
        "requests.get(url=URL + '?a=1', params={'b': '2'})": "params= with a URL that may already hold",
    }
    for call, reason in cases.items():
        check_noop(CM, f"import requests\n\nURL = 'http://x'\n\n\nasync def view():\n    return {call}.json()\n", reason)


def test_request_body_is_content():
    check_transformed(
        """\
        import requests


        async def relay(request, url):
            envelope = request.body
            requests.post(url, data=envelope)
            requests.put(url, request.body)
            return "ok"


        async def other(req, url, request=None):
            request = req
            requests.post(url, data=request.body)
            return "ok"
        """,
        """\
        import httpx


        async def relay(request, url):
            envelope = request.body
            async with httpx.AsyncClient() as client:
                await client.post(url, content=envelope, follow_redirects=True, timeout=None)
                await client.put(url, content=request.body, follow_redirects=True, timeout=None)
            return "ok"


        async def other(req, url, request=None):
            request = req
            async with httpx.AsyncClient() as client:
                await client.post(url, data=request.body, follow_redirects=True, timeout=None)
            return "ok"
        """,
    )


VIEW = """\
import requests
from asgiref.sync import sync_to_async


async def relay(request, url):
    envelope = request.body
    r = requests.post(url, data=envelope)
    r2 = await sync_to_async(requests.post)(url=url, data=request.body)
    return r.json()["body"], r2.json()["method"]
"""

_DJANGO_SCRIPT = """\
import asyncio, sys, warnings
from django.conf import settings
settings.configure()
import django
django.setup()
from django.test import RequestFactory

src, url = sys.stdin.read(), sys.argv[1]
ns = {}
exec(compile(src, "<case>", "exec"), ns)
request = RequestFactory().post("/hook", data=b"raw \\x01 body", content_type="application/octet-stream")
with warnings.catch_warnings():
    warnings.simplefilter("error", DeprecationWarning)  # httpx warns on raw bytes given as data=
    print(repr(asyncio.run(ns["relay"](request, url))))
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_request_body(upstream, client):
    """A real Django request's body relayed, before and after: the same bytes arrive, and httpx
    gets them as content= (no DeprecationWarning, made an error here)."""
    pytest.importorskip(client)
    outcome = rewrite(CM, VIEW, options={"http-client": client})
    assert outcome.source.count("content=") == 2 and "url=url" in outcome.source, outcome.source
    out = []
    for src in (VIEW, outcome.source):
        done = subprocess.run(
            [sys.executable, "-c", _DJANGO_SCRIPT, upstream.url("/echo")],
            input=src, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr
        out.append(done.stdout)
    assert out[0] == out[1] == repr(("raw \x01 body", "POST")) + "\n"
