"""Helpers and constants shared by the topic files tests/test_requests_to_httpx_*.py (no tests here)."""

from __future__ import annotations

import socket

from tests import harness

CM = "requests-to-httpx"


def check_transformed(codemod: str, before: str, after: str, **kwargs):
    """``harness.check_transformed`` with ``ssl-context: per-client`` unless a test sets it: most
    cases are about the calls; the shared SSL context the default adds has its own tests
    (test_requests_to_httpx_basics.py)."""
    options = {"ssl-context": "per-client", **kwargs.pop("options", {})}
    return harness.check_transformed(codemod, before, after, options=options, **kwargs)


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
