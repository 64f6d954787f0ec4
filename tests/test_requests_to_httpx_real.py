"""requests-to-httpx tests for the call shapes of the real fixtures added last (form bodies passed by
keyword and positionally, ``url=``/``data=`` on a bare call, ``run_in_executor`` on the running
loop): behaviour against the local server, and the names ``requests`` that are not the library."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.harness import check_noop, check_transformed, rewrite
from tests.test_requests_to_httpx_wrappers import REAL, _async_defs, _RequestsSites

CM = "requests-to-httpx"

# The shapes of tests/fixtures/real/requests/{J-Subhradeep-Tic-Tac-Toe-v2,CSID-DGU-*,DifDebik-*}
# (there the for-effect calls drop the response; here it is returned so the test can compare it).
BEHAVIOUR_REAL = """\
import asyncio
import json
import json

import requests
from asgiref.sync import sync_to_async


async def seat(base, room, player):
    reply = await sync_to_async(requests.post)(base + "/echo",
                                               data={"room": room, "player": player})
    first = reply.json()
    return (reply.status_code, first["method"], first["body"], first["headers"]["content-type"],
            reply.json()["path"])


async def close_room(base, room):
    reply = await sync_to_async(requests.post)(base + "/echo", {"room": room})
    return reply.json()["body"], reply.json()["headers"]["content-type"]


async def report(base, player):
    reply = requests.post(url=base + "/form", data={"player": player, "result": "win"})
    return reply.status_code, reply.json()


async def picture(base):
    loop = asyncio.get_running_loop()
    got = await loop.run_in_executor(None, requests.get, base + "/bytes/64")
    return len(got.content), got.status_code


async def run(base):
    return [await seat(base, "r 1", "ana&bo"), await close_room(base, "r/2"), await report(base, "zoë"),
            await picture(base)]
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_real_fixture_shapes_match_requests(upstream, client):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, BEHAVIOUR_REAL, options={"http-client": client})
    assert "requests" not in outcome.source and "run_in_executor" not in outcome.source, outcome.source
    assert not [d for d in outcome.diagnostics if d.kind == "refused"]
    results = []
    for code in (BEHAVIOUR_REAL, outcome.source):
        ns: dict = {}
        exec(compile(code, "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append(asyncio.run(ns["run"](base)))
    assert results[0] == results[1]
    seat, closed, report, picture = results[0]
    assert seat == (200, "POST", "room=r+1&player=ana%26bo", "application/x-www-form-urlencoded", "/echo")
    assert closed == ("room=r%2F2", "application/x-www-form-urlencoded")
    assert report[0] == 200 and picture == (64, 200)


def test_positional_form_body_becomes_data():
    # requests.post(url, data): the second positional argument is the body (J-Subhradeep/Tic-Tac-Toe-v2)
    check_transformed(
        CM,
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def close_room(url, room):
            await sync_to_async(requests.post)(url, {"room": room})
        """,
        """\
        import httpx

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


        async def close_room(url, room):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                await client.post(url, data={"room": room}, follow_redirects=True, timeout=None)
        """,
    )


def test_returned_executor_response_is_refused_at_its_line():
    # edwinzhng/contract-scan-dash: the requests Response is handed to the callers, which may use
    # what only requests' Response has: refused, and the blocking call named at its line.
    outcome = check_noop(
        CM,
        """\
        import asyncio
        import requests


        async def fetch_page(url):
            loop = asyncio.get_event_loop()
            return await loop.run_in_executor(None, requests.get, url)
        """,
        ["a response leaves the function (returned)", "run_in_executor(requests.get) stays blocking"],
    )
    assert sorted(d.line for d in outcome.diagnostics if d.kind == "refused") == [7, 7]


@pytest.mark.parametrize(
    "source",
    [
        # A frontend's test shim named ``requests`` (no import of the library): not a requests call.
        """\
        import httpx
        from asgiref.sync import sync_to_async


        class _RequestsShim:
            request = None


        requests = _RequestsShim()
        async_client = httpx.AsyncClient()


        async def dispatch(method, url, **kwargs):
            if callable(requests.request):
                return await sync_to_async(requests.request)(method, url, **kwargs)
            return await async_client.request(method, url, **kwargs)
        """,
        # The library is imported, but this function's ``requests`` is a parameter / a local.
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def dispatch(method, url, requests=None):
            return await sync_to_async(requests.request)(method, url)


        async def other(url):
            requests = make_shim()
            return await sync_to_async(requests.request)("GET", url)
        """,
    ],
    ids=["module-shim", "parameter-and-local"],
)
def test_a_name_requests_that_is_not_the_library_is_left_alone(source):
    check_noop(CM, source, None)


def test_same_named_functions_each_count_in_the_guarantee():
    # CSID-DGU-2021-2-OSSProj-OTS-7 defines each async function twice (in ``try`` and in its
    # ``except``): the site finder must see the calls of the first definitions too.
    path = REAL / "CSID-DGU-2021-2-OSSProj-OTS-7__bare_post_in_try_defined_function.py"
    import ast

    tree = ast.parse(path.read_text())
    defs = _async_defs(tree)
    assert sorted(defs) == ["report_loss", "report_loss#2", "report_win", "report_win#2"]
    sites = _RequestsSites(tree)
    assert [len(sites.sites(f)) for _, f in sorted(defs.items())] == [1, 0, 1, 0]


def test_multipart_files_are_refused_with_their_own_reason():
    # asrorbekaliqulov/test-abd-bot sends a bytearray (Telegram's download_as_bytearray()) as a
    # part: httpx raises on it, and names/types parts differently (see the behaviour test below).
    check_noop(
        CM,
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def upload(url, headers, data):
            files = {"avatar": ("me.jpg", data, "image/jpeg")}
            return (await sync_to_async(requests.patch)(url, headers=headers, files=files)).status_code
        """,
        "requests.patch() (through sync_to_async) passes files= (httpx's multipart differs: guessed part "
        "types, bytearray content rejected)",
    )


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_why_files_are_refused(client):
    # The differences the refusal names, on the libraries themselves (no network: the bodies built).
    lib = pytest.importorskip(client)
    import requests

    def parts(body: bytes) -> list[bytes]:
        """The header lines of the (first) part."""
        return body.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]

    def httpx_body(files):
        return lib.Request("POST", "http://127.0.0.1/", files=files).read()

    def requests_body(files):
        return requests.Request("POST", "http://127.0.0.1/", files=files).prepare().body

    # a part without a type: requests sends none, httpx guesses one
    two = {"a": ("x.jpg", b"abc")}
    assert parts(requests_body(two)) == [b'Content-Disposition: form-data; name="a"; filename="x.jpg"']
    assert parts(httpx_body(two))[1] == b"Content-Type: image/jpeg"
    # bare content: requests names the file after the field, httpx "upload"
    assert b'filename="a"' in requests_body({"a": b"abc"}) and b'filename="upload"' in httpx_body({"a": b"abc"})
    # bytearray content: requests sends it, httpx raises
    assert b"abc" in requests_body({"a": ("x.jpg", bytearray(b"abc"), "image/jpeg")})
    with pytest.raises(AttributeError):
        httpx_body({"a": ("x.jpg", bytearray(b"abc"), "image/jpeg")})


# The 401-refresh-retry shape of asrorbekaliqulov/test-abd-bot: three calls of one function (now on one
# client), the headers dict mutated between them, .text in the message of the Exception raised.
BEHAVIOUR_REFRESH = """\
import json

import requests
from asgiref.sync import sync_to_async


async def fetch(base, first, token):
    headers = {"Authorization": f"Bearer {token}"}
    response = await sync_to_async(requests.get)(base + first, headers=headers)
    if response.status_code == 401:
        renewed = await sync_to_async(requests.post)(base + "/echo", json={"refresh": token})
        if renewed.status_code == 200:
            tokens = json.loads(renewed.json()["body"])
            headers["Authorization"] = f"Bearer {tokens['refresh']}-new"
            response = await sync_to_async(requests.patch)(base + "/echo", headers=headers, json={"k": 1})
    if response.status_code != 200:
        raise Exception(f"API request failed with status {response.status_code}: {response.text}")
    return response.json()["method"], response.json()["headers"]["authorization"], response.json()["body"]


async def run(base):
    out = [await fetch(base, "/status/401", "t0"), await fetch(base, "/echo", "t1")]
    try:
        await fetch(base, "/status/500", "t2")
    except Exception as e:
        out.append(str(e))
    return out
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_refresh_and_retry_matches_requests(upstream, client):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, BEHAVIOUR_REFRESH, options={"http-client": client})
    assert "requests" not in outcome.source and "sync_to_async" not in outcome.source, outcome.source
    results = []
    for code in (BEHAVIOUR_REFRESH, outcome.source):
        ns: dict = {}
        exec(compile(code, "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append(asyncio.run(ns["run"](base)))
    # (json.loads: httpx writes JSON bodies without spaces, requests with)
    for got in results:
        got[0] = (*got[0][:2], json.loads(got[0][2]))
    assert results[0] == results[1]
    assert results[0][0] == ("PATCH", "Bearer t0-new", {"k": 1})
    assert results[0][1][:2] == ("GET", "Bearer t1") and results[0][2].startswith("API request failed with status 500: ")


@pytest.mark.parametrize(
    ("source", "reasons"),
    [
        # ``except requests.HTTPError as e`` then ``f"{e}"``/``print(e)``: the text is the exception's
        # message, not the response e.response holds; ``return str(e)`` is what refuses.
        (
            """\
            import asyncio
            import logging
            import requests


            async def notify(url, payload):
                try:
                    response = await asyncio.to_thread(requests.post, url, data=payload, timeout=5)
                    response.raise_for_status()
                    return True
                except requests.exceptions.HTTPError as e:
                    logging.error(f"http error {e}")
                    print(e)
                    return str(e)
            """,
            ["except clause uses the caught exception e", "asyncio.to_thread(requests.post) stays blocking"],
        ),
        # ``wait_for(to_thread(requests.post, ...))``: an awaitable is passed, not a response.
        (
            """\
            import asyncio
            import requests


            async def generate(url, payload):
                response = await asyncio.wait_for(asyncio.to_thread(requests.post, url, json=payload), timeout=30)
                response.raise_for_status()
                return response.json()["text"]
            """,
            ["asyncio.to_thread(requests.post) is not awaited where it is made"],
        ),
    ],
    ids=["exception-formatted", "wait-for-to-thread"],
)
def test_refusals_name_only_what_is_true(source, reasons):
    # (both shapes from public code found while collecting the real fixtures)
    outcome = check_noop(CM, source, reasons)
    refused = [d.message for d in outcome.diagnostics if d.kind == "refused"]
    assert len(refused) == len(reasons), refused
    assert not [m for m in refused if "a response leaves the function" in m], refused


def test_an_exception_passed_on_or_its_response_formatted_still_refuse():
    # ``report(e)`` lets e.response reach unknown code; ``f"{e.response}"`` formats the response itself.
    check_noop(
        CM,
        """\
        import requests


        async def notify(url):
            try:
                response = requests.post(url, timeout=5)
                response.raise_for_status()
            except requests.exceptions.HTTPError as e:
                report(e)
                return f"{e.response}"
        """,
        ["a response leaves the function (passed to a call)", "a response leaves the function (formatted as text)"],
    )


# ``except requests.HTTPError as e`` with ``e`` formatted into a log line (the pong lobby and the
# chat consumer found while collecting the fixtures log ``f"... {e}"``): as for ``.text``, only the
# message's text differs, so the handler is rewritten; ``str(e)`` kept as data still refuses.
BEHAVIOUR_LOGGED_EXCEPTION = """\
import logging

import requests

logger = logging.getLogger("ev-real")


async def fetch(base, path):
    try:
        r = requests.get(base + path, timeout=5)
        r.raise_for_status()
        return r.status_code
    except requests.exceptions.HTTPError as e:
        logger.warning(f"upstream failed: {e}")
        print(f"upstream failed: {e}")
        return "failed"


async def run(base):
    return [await fetch(base, p) for p in ("/json", "/status/404", "/status/500")]
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_exception_formatted_in_a_log_matches_requests(upstream, client, caplog, capsys):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, BEHAVIOUR_LOGGED_EXCEPTION, options={"http-client": client})
    assert "requests" not in outcome.source and f"except {client}.HTTPStatusError as e:" in outcome.source
    results, logged = [], []
    for code in (BEHAVIOUR_LOGGED_EXCEPTION, outcome.source):
        caplog.clear()
        ns: dict = {}
        exec(compile(code, "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        with caplog.at_level("WARNING", logger="ev-real"):
            results.append(asyncio.run(ns["run"](base)))
        logged.append([r.getMessage() for r in caplog.records])
        printed = capsys.readouterr().out.splitlines()
        assert [line for line in printed if line.startswith("upstream failed")], printed
    assert results[0] == results[1] == [200, "failed", "failed"]
    for lines in logged:  # one line per failure, naming the status (the wording differs)
        assert len(lines) == 2 and "404" in lines[0] and "500" in lines[1], lines


def test_an_exception_kept_as_data_still_refuses():
    check_noop(
        CM,
        """\
        import requests


        async def fetch(url):
            try:
                r = requests.get(url, timeout=5)
                r.raise_for_status()
            except requests.exceptions.HTTPError as e:
                return {"error": str(e)}
        """,
        "except clause uses the caught exception e (httpx's has another type and message)",
    )


RETRY_WITH_EXECUTOR = """\
import asyncio
import random
from concurrent.futures import ThreadPoolExecutor

import requests
from asgiref.sync import sync_to_async

HEADERS = {"Accept": "application/json"}


async def call(method, url, attempt=0):
    while attempt < 3:
        try:
            if attempt > 0:
                await asyncio.sleep((2 ** attempt) + random.uniform(0.1, 0.5))
            with ThreadPoolExecutor() as executor:
                response = await sync_to_async(requests.request)(method, url, headers=HEADERS)
            if response.status_code == 200:
                return response.json()
            attempt += 1
        except requests.exceptions.RequestException:
            attempt += 1
    return None
"""


def test_random_and_executors_in_a_try_body_raise_no_requests_exceptions():
    # A retry loop seen in public code: random.uniform() for the jitter and a ThreadPoolExecutor
    # around the call cannot raise requests' exceptions (the try was refused naming random.uniform()).
    outcome = rewrite(CM, RETRY_WITH_EXECUTOR)
    assert not [d for d in outcome.diagnostics if d.kind == "refused"], outcome.diagnostics
    assert "await client.request(method, url, headers=HEADERS, follow_redirects=True, timeout=None)" in outcome.source
    assert "except (httpx.HTTPError, httpx.InvalidURL, json.JSONDecodeError):" in outcome.source
    # a method of the program's own may call requests itself: that one is named
    check_noop(
        CM,
        RETRY_WITH_EXECUTOR.replace("headers=HEADERS", "headers=self_headers()"),
        "its try body also calls self_headers(), which may raise requests exceptions",
    )


def test_behaviour_str_body_encoding_depends_on_urllib3(upstream):
    # Why DJA113 names urllib3 1.x: on urllib3 2 requests sends a str body as UTF-8, as httpx does
    # (on 1.x http.client encodes it as Latin-1); the refusal stays, the program may run on either.
    import requests
    import urllib3

    got = requests.post(upstream.url("/echo"), data="café").json()
    if urllib3.__version__.startswith("1."):
        pytest.skip("urllib3 1.x")
    assert (got["body"], got["headers"]["content-length"]) == ("café", "5")
    check_noop(
        CM,
        """\
        import requests


        async def send(url):
            return requests.post(url, "café").status_code
        """,
        "passes a non-ASCII str body (requests on urllib3 1.x sends it as Latin-1, httpx as UTF-8)",
    )
