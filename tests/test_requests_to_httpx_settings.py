"""requests-to-httpx: session and client settings moved to the client, and ruff on the output."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.harness import check_noop, rewrite
from tests.requests_to_httpx_support import (
    BEHAVIOUR,
    CM,
    ERRORS,
    SESSIONS,
    STATUS,
    STREAM,
    WRAPPED,
    _closed_port,
    check_transformed,
)


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
