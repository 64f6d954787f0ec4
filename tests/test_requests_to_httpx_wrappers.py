"""requests-to-httpx tests: thread wrappers and lambdas, Sessions kept on ``self``/in a dict or
reached through a helper, ``import requests`` inside a function, and the guarantee that no
requests call in async code of the real fixtures is left without a rewrite or a diagnostic."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from tests.harness import check_noop, check_transformed, rewrite

CM = "requests-to-httpx"
REAL = Path(__file__).parent / "fixtures" / "real" / "requests"
_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
_WRAPPERS = {"sync_to_async", "database_sync_to_async"}


def _last(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


class _RequestsSites:
    """Every call a module makes to requests from inside an ``async def``, found with ``ast``
    alone (independently of the codemod): module functions through any import (module level or
    in a function, ``import requests, json``, ``from requests import get``), and methods of a
    Session however it is reached (a local, ``self.x``, ``self.x[k]``, a method returning one),
    called bare or through ``sync_to_async``/``database_sync_to_async``/``asyncio.to_thread``/
    ``run_in_executor``/``functools.partial``/a lambda."""

    def __init__(self, tree: ast.Module) -> None:
        self.modules: set[str] = set()
        self.functions: set[str] = set()
        self.session_classes: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "requests" or a.name.startswith("requests."):
                        self.modules.add(a.asname or "requests")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "requests":
                for a in node.names:
                    if a.name in _METHODS:
                        self.functions.add(a.asname or a.name)
                    elif a.name in ("Session", "session"):
                        self.session_classes.add(a.asname or a.name)
        # where Sessions are kept: names, attribute names (self.x, self.x[k]), methods returning one
        self.names: set[str] = set()
        self.attrs: set[str] = set()
        self.getters: set[str] = set()
        for _ in range(3):  # to a fixed point (a getter returning a holder found later)
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and self.is_session(node.value):
                    for t in node.targets:
                        while isinstance(t, ast.Subscript):
                            t = t.value
                        if isinstance(t, ast.Name):
                            self.names.add(t.id)
                        elif isinstance(t, ast.Attribute):
                            self.attrs.add(t.attr)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    isinstance(r, ast.Return) and r.value and self.is_session(r.value) for r in ast.walk(node)
                ):
                    self.getters.add(node.name)

    def is_session(self, expr: ast.expr) -> bool:
        while isinstance(expr, ast.Subscript):
            expr = expr.value
        if isinstance(expr, ast.Call):
            f = expr.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in self.modules:
                return f.attr in ("Session", "session")
            if isinstance(f, ast.Name) and f.id in self.session_classes:
                return True
            return _last(f) in self.getters
        if isinstance(expr, ast.Name):
            return expr.id in self.names
        if isinstance(expr, ast.Attribute):
            return expr.attr in self.attrs
        return False

    def is_requests_function(self, f: ast.expr) -> bool:
        if isinstance(f, ast.Name):
            return f.id in self.functions
        if isinstance(f, ast.Attribute) and f.attr in _METHODS:
            v = f.value
            if isinstance(v, ast.Attribute) and v.attr == "api":
                v = v.value
            return (isinstance(v, ast.Name) and v.id in self.modules) or self.is_session(f.value)
        if isinstance(f, ast.Call) and _last(f.func) == "partial" and f.args:
            return self.is_requests_function(f.args[0])
        return False

    def sites(self, func: ast.AsyncFunctionDef) -> list[int]:
        """Lines of the requests calls ``func`` makes (nested lambdas and defs included)."""
        out = []
        for node in ast.walk(func):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            target = None
            if isinstance(f, ast.Call) and _last(f.func) in _WRAPPERS and f.args:
                target = f.args[0]
            elif _last(f) == "to_thread" and node.args:
                target = node.args[0]
            elif _last(f) == "run_in_executor" and len(node.args) > 1:
                target = node.args[1]
            if self.is_requests_function(f) or (target is not None and self.is_requests_function(target)):
                out.append(node.lineno)
        return sorted(set(out))


def _async_defs(tree: ast.Module) -> dict[str, ast.AsyncFunctionDef]:
    """Every ``async def`` by qualified name; a name defined twice (in a ``try`` body and again in
    its ``except``, a real fixture's shape) gets ``#2``, ``#3``... in source order, so none hides
    another."""
    out = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.AsyncFunctionDef):
                key, n = prefix + child.name, 1
                while key in out:
                    n += 1
                    key = f"{prefix}{child.name}#{n}"
                out[key] = child
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                walk(child, prefix + child.name + ".")
            else:
                walk(child, prefix)

    walk(tree, "")
    return out


def _site_report(path: Path) -> tuple[list[tuple[int, str]], list[int]]:
    """((line, what the codemod did), silent lines) for each requests call in async code."""
    source = path.read_text()
    outcome = rewrite(CM, source, path=path.name)
    assert outcome.error is None, outcome.error
    diagnosed = {d.line: d.message for d in outcome.diagnostics if d.kind == "refused"}
    before, after = ast.parse(source), ast.parse(outcome.source)
    old_sites, new_sites = _RequestsSites(before), _RequestsSites(after)
    new_defs = _async_defs(after)
    done, silent = [], []
    for name, func in _async_defs(before).items():
        lines = old_sites.sites(func)
        left = new_sites.sites(new_defs[name]) if name in new_defs else lines
        for line in lines:
            if not left:
                done.append((line, "converted"))
            elif line in diagnosed:
                done.append((line, f"refused: {diagnosed[line]}"))
            else:
                silent.append(line)
    return done, silent


@pytest.mark.parametrize("path", sorted(REAL.glob("*.py")), ids=lambda p: p.stem)
def test_every_requests_call_in_async_code_is_rewritten_or_reported(path):
    _, silent = _site_report(path)
    assert not silent, f"{path.name}: requests calls left without a diagnostic at lines {silent}"


def test_the_site_finder_sees_every_fixture_call_site():
    # The README counts 38 call sites in async code: the finder must see them all, or the
    # guarantee above would be checked on fewer calls than there are.
    total = 0
    for path in REAL.glob("*.py"):
        tree = ast.parse(path.read_text())
        sites = _RequestsSites(tree)
        total += sum(len(sites.sites(f)) for f in _async_defs(tree).values())
    assert total == 38


# --- shapes -------------------------------------------------------------------------------------


def test_lambda_without_requests_is_none_of_this_codemods_business():
    # The ORM lambdas next to requests calls in the real fixtures: no diagnostic, and the requests
    # call beside them is rewritten.
    check_transformed(
        CM,
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def view(pk, url):
            obj = await sync_to_async(lambda: Model.objects.filter(pk=pk).first())()
            kind = await sync_to_async(lambda: obj.kind.name if obj.kind else "none")()
            return kind, requests.get(url).status_code
        """,
        """\
        import httpx
        from asgiref.sync import sync_to_async

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


        async def view(pk, url):
            obj = await sync_to_async(lambda: Model.objects.filter(pk=pk).first())()
            kind = await sync_to_async(lambda: obj.kind.name if obj.kind else "none")()
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                return kind, (await client.get(url, follow_redirects=True, timeout=None)).status_code
        """,
        options={"http-client": "httpx"},
    )
    outcome = rewrite(
        CM,
        "import requests\nfrom asgiref.sync import sync_to_async\n\n\n"
        "async def view(pk):\n    return await sync_to_async(lambda: Model.objects.get(pk=pk))()\n",
    )
    assert not outcome.diagnostics


def test_a_call_left_blocking_is_named_at_its_line():
    # The function is refused for a reason elsewhere (here ``.url``): the call itself is named too.
    outcome = check_noop(
        CM,
        """\
        import requests
        from asgiref.sync import sync_to_async


        async def view(url):
            r = await sync_to_async(requests.get)(url)
            s = requests.post(url, data="x")
            return r.url, s.status_code
        """,
        ["sync_to_async(requests.get) stays blocking", "requests.post() stays blocking"],
    )
    lines = sorted(d.line for d in outcome.diagnostics if "stays blocking" in d.message)
    assert lines == [6, 7]


def test_import_requests_inside_the_function_and_database_sync_to_async():
    check_transformed(
        CM,
        """\
        from channels.db import database_sync_to_async


        class Consumer:
            async def scores(self):
                import requests

                r = await database_sync_to_async(requests.get)(URL, timeout=10)
                return r.json()

            async def news(self):
                import requests, json
                return json.dumps(requests.get(URL).json())
        """,
        """\
        import httpx

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


        class Consumer:
            async def scores(self):
                async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                    r = await client.get(URL, timeout=10, follow_redirects=True)
                return r.json()

            async def news(self):
                import json
                async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                    return json.dumps((await client.get(URL, follow_redirects=True, timeout=None)).json())
        """,
        options={"http-client": "httpx"},
    )


def test_a_local_import_of_requests_with_a_call_it_cannot_rewrite_is_reported():
    outcome = check_noop(
        CM,
        """\
        async def view(url):
            import requests
            return requests.get(url, hooks={}).json()
        """,
        "hooks",
    )
    assert [d.line for d in outcome.diagnostics] == [3]


SESSION_HOLDERS = """\
import asyncio

import requests
from asgiref.sync import sync_to_async

CACHE = {}


class Command:
    def __init__(self):
        self.sessions = {}

    def _get_session(self, key):
        if key not in self.sessions:
            self.sessions[key] = requests.Session()
        return self.sessions[key]

    async def by_helper(self, key, url):
        session = self._get_session(key)
        return (await sync_to_async(session.get)(url, timeout=3)).status_code

    async def by_dict(self, key, url):
        if key not in self.sessions:
            self.sessions[key] = requests.Session()
        session = self.sessions[key]
        return (await asyncio.to_thread(session.post, url, data="x")).status_code

    async def direct(self, key, url):
        return self.sessions[key].get(url).status_code


async def module_dict(key, url):
    CACHE[key] = requests.Session()
    return CACHE[key].get(url).status_code
"""


def test_sessions_kept_in_a_dict_or_given_by_a_helper_are_reported_at_each_call():
    # Not rewritten: the Session (its cookies, auth, pooled connections) outlives the function,
    # so a per-function AsyncClient would lose that state; a long-lived AsyncClient would need
    # creating and closing where the program has no place for it.
    outcome = check_noop(
        CM,
        SESSION_HOLDERS,
        [
            "session.get (from self._get_session()): on a requests Session that outlives the function",
            "session.post (from self.sessions[...]): on a requests Session",
            "self.sessions[...].get: on a requests Session",
            "CACHE[...].get: on a requests Session",
        ],
    )
    assert sorted(d.line for d in outcome.diagnostics) == [20, 26, 29, 34]
    assert all(len(d.message) <= 125 for d in outcome.diagnostics)


# --- lambdas ------------------------------------------------------------------------------------


def test_lambda_making_the_call_is_unwrapped():
    # The BabelBot view's shape: the request call in a lambda given to sync_to_async, then
    # sync_to_async(lambda: response.json())(); and asyncio.to_thread(lambda: requests.get(u).json()).
    check_transformed(
        CM,
        """\
        import asyncio

        import requests
        from asgiref.sync import sync_to_async


        async def translate(request, text):
            response = await sync_to_async(lambda: requests.post(
                request.build_absolute_uri("/translate/"),
                json={"text": text},
                headers={"X-CSRFToken": request.COOKIES.get("csrftoken", "")},
            ))()
            data = await sync_to_async(lambda: response.json())()
            extra = await asyncio.to_thread(lambda: requests.get(URL).json())
            return response.status_code, data["translation"], extra
        """,
        """\
        import httpx

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


        async def translate(request, text):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                response = await client.post(
                    request.build_absolute_uri("/translate/"),
                    json={"text": text},
                    headers={"X-CSRFToken": request.COOKIES.get("csrftoken", "")},
                    follow_redirects=True,
                    timeout=None,
                )
                data = response.json()
                extra = (await client.get(URL, follow_redirects=True, timeout=None)).json()
            return response.status_code, data["translation"], extra
        """,
        options={"http-client": "httpx"},
    )


def test_lambda_body_that_is_not_a_plain_expression_keeps_its_meaning():
    # A conditional body is parenthesised where the await stood; run_in_executor(None, lambda: ...)
    # and database_sync_to_async are unwrapped alike.
    check_transformed(
        CM,
        """\
        import asyncio

        import requests
        from channels.db import database_sync_to_async


        async def fetch(flag):
            loop = asyncio.get_running_loop()
            a = await loop.run_in_executor(None, lambda: requests.get(URL).status_code if flag else 0)
            b = await database_sync_to_async(lambda: requests.head(URL))()
            return a, b.status_code
        """,
        """\
        import asyncio

        import httpx

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


        async def fetch(flag):
            loop = asyncio.get_running_loop()
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                a = ((await client.get(URL, follow_redirects=True, timeout=None)).status_code if flag else 0)
                b = await client.head(URL, timeout=None)
            return a, b.status_code
        """,
        options={"http-client": "httpx"},
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # the lambda does more than what can be kept
        ("await sync_to_async(lambda: requests.post(URL, data=Model.objects.get(pk=1).payload))()",
         "of a lambda that also calls Model.objects.get() (it may block)"),
        ("await sync_to_async(lambda: requests.post(URL, json={'owner': obj.owner.name}))()",
         "of a lambda that reads obj.owner.name (a related object may be loaded)"),
        ("await sync_to_async(lambda: requests.post(URL, data={'u': request.user}))()",
         "of a lambda that reads request.user (it may query the database)"),
        ("await sync_to_async(lambda: requests.get(build(URL)).status_code)()", "also calls build() (it may block)"),
        ("await sync_to_async(lambda: requests.get(urllib.request.urlopen(URL).url))()", "also calls urllib.request.urlopen()"),
        ("await sync_to_async(lambda u: requests.get(u))(URL)", "of a lambda that takes parameters"),
        ("await asyncio.to_thread(lambda: requests.get(URL), 1)", "of a lambda that is given arguments"),
        ("await sync_to_async(lambda: (n := requests.get(URL)))()", "binds a name with :="),
        ("await sync_to_async(lambda: requests.get(URL), unknown=1)()", "option that cannot be kept"),
        # made here, run later: the lambda would see the values its names hold then
        ("task = asyncio.to_thread(lambda: requests.get(URL))\n    await task", "of a lambda that is not awaited where it is made"),
        ("f = sync_to_async(lambda: requests.get(URL))\n    await f()", "requests call in a nested sync scope"),
        ("async def inner():\n        pass\n    await sync_to_async(lambda: requests.get(URL))()",
         "of a lambda that sits in a function holding an async def"),
    ],
)
def test_lambda_that_does_more_is_refused_once(line, reason):
    src = (
        "import asyncio\nimport urllib.request\nimport requests\nfrom asgiref.sync import sync_to_async\n\n\n"
        f"async def view(request, obj):\n    {line}\n"
    )
    outcome = check_noop(CM, src, reason)
    refused = [d for d in outcome.diagnostics if d.kind == "refused" and "nested scope" not in d.message]
    assert len(refused) == 1, [d.message for d in refused]  # one line for the call, not two
    if "nested sync scope" not in reason:  # a wrapper refused as a whole is the only line
        assert len(outcome.diagnostics) == 1, [d.message for d in outcome.diagnostics]


BEHAVIOUR_LAMBDAS = """\
import asyncio
import json

import requests
from asgiref.sync import sync_to_async


async def fetch(base, token):
    out = []
    response = await sync_to_async(lambda: requests.post(
        base + "/echo",
        json={"text": "hola", "n": 1},
        headers={"Content-Type": "application/json", "X-Token": token},
    ))()
    data = await sync_to_async(lambda: response.json())()
    # (json.loads: httpx writes JSON bodies without spaces, the other library with)
    out.append((response.status_code, data["method"], json.loads(data["body"]), data["headers"]["x-token"]))
    out.append(await asyncio.to_thread(lambda: requests.get(base + "/redirect/2").json()))
    r = await sync_to_async(lambda: requests.get(base + "/status/404"))()
    out.append(r.status_code)
    return out
"""


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_behaviour_lambdas_match_requests(upstream, client):
    pytest.importorskip(client)
    base = upstream.url("/").rstrip("/")
    outcome = rewrite(CM, BEHAVIOUR_LAMBDAS, options={"http-client": client})
    assert "requests" not in outcome.source and "lambda" not in outcome.source, outcome.source
    results = []
    for code in (BEHAVIOUR_LAMBDAS, outcome.source):
        ns: dict = {}
        exec(compile(code, "<case>", "exec"), ns)  # noqa: S102 - runs our own test source
        results.append(asyncio.run(ns["fetch"](base, "t0k")))
    assert results[0] == results[1]
    assert results[0][0] == (200, "POST", {"text": "hola", "n": 1}, "t0k") and results[0][2] == 404


def test_a_session_getter_name_matches_only_its_calls():
    # ``get`` hands out a Session: ``data.get(k).get(...)`` elsewhere is a dict lookup, not a call
    # on that Session (the getter counts only when called on its own name).
    check_noop(
        CM,
        """\
        import requests

        SESSION = requests.Session()


        def session():
            return SESSION


        async def view(data, url):
            return data.get("k").get("v"), session().get(url).status_code
        """,
        "session().get: on a requests Session that outlives the function",
    )
    outcome = rewrite(
        CM,
        "import requests\n\nSESSION = requests.Session()\n\n\ndef session():\n    return SESSION\n\n\n"
        "async def view(data):\n    return data.get('k').get('v')\n",
    )
    assert not outcome.diagnostics


# Other ways to reach requests than the real fixtures show (written here): the same guarantee.
OTHER_SHAPES = """\
import asyncio
import functools

import requests
from asgiref.sync import sync_to_async
from requests import Session

S = requests.session()


class C:
    def __init__(self):
        self.session = requests.Session()

    async def a(self, u):
        return await sync_to_async(lambda: self.session.get(u))()

    async def b(self, u):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.session.get, u)

    async def c(self, u):
        return await sync_to_async(functools.partial(S.get, u))()

    async def d(self, urls):
        return await asyncio.gather(*[sync_to_async(lambda: requests.get(u))() for u in urls])

    async def e(self, u):
        def helper():
            return requests.get(u)
        return await sync_to_async(helper)()

    async def f(self, u):
        from requests import get as g
        return g(u).status_code

    async def g(self, u):
        s = Session()
        return s.get(u).status_code

    async def h(self, u):
        return requests.api.get(u).status_code

    async def i(self, u):
        fn = requests.get
        return fn(u)

    async def j(self, u):
        return await asyncio.to_thread(S.post, u, data="x")

    async def k(self, u):
        return await sync_to_async(lambda: [requests.get(x).json() for x in u])()
"""


def test_every_requests_call_is_rewritten_or_reported_in_other_shapes(tmp_path):
    path = tmp_path / "shapes.py"
    path.write_text(OTHER_SHAPES)
    done, silent = _site_report(path)
    assert not silent, silent
    assert [line for line, what in done if what == "converted"] == [35, 39, 42, 52]
