"""codemods.project: facts from other files, and the cache reuse they must not outlive."""

from __future__ import annotations

from pathlib import Path

from codemods import runner
from codemods.config import Settings

TEST_FILE = (
    "from django.test import TestCase\n\nfrom shop.models import Tag\n\n\n"
    "class T(TestCase):\n    def test_a(self):\n        self.client.get('/')\n"
    "        Tag.objects.create(name='x')\n"
)
MODELS = (
    "from django.db import models\n\n\n"
    "class TagManager(models.Manager):\n    def create(self, **kw):\n        return super().create(**kw)\n\n\n"
    "class Tag(models.Model):\n    name = models.CharField(max_length=9)\n    objects = {manager}\n"
)


def _run(root: Path, cache: Path) -> runner.FileResult:
    # (every test converts: these files have no urlconf; only-async-views' reads are tested with
    # the cache in test_async_test_client_views.py)
    settings = Settings(
        select=("async-test-client",), cache_dir=cache, root=root, jobs=1, respect_gitignore=False,
        options={"async-test-client": {"only-async-views": False}},
    )
    result = runner.run([root / "shop"], settings, mode="check")
    (res,) = [f for f in result.files if f.path.endswith("tests.py")]
    return res


def _messages(res: runner.FileResult) -> list[str]:
    return [d.message for d in res.diagnostics if d.kind == "refused"]


def _age(cache: Path) -> None:
    """Make the cache look written long after the files (the runner trusts stats only then)."""
    from tests.test_runner import _cache_data, _store_cache

    for f in cache.glob("*.json"):
        data = _cache_data(f)
        data["written"] += 10**12
        _store_cache(f, data)


def test_cached_result_follows_the_models_module(tmp_path):
    root, cache = tmp_path / "proj", tmp_path / "cache"
    (root / "shop").mkdir(parents=True)
    (root / "shop/__init__.py").write_text("")
    (root / "shop/tests.py").write_text(TEST_FILE)
    models = root / "shop/models.py"
    models.write_text(MODELS.format(manager="TagManager()"))
    first = _run(root, cache)
    assert not first.changed and any("overrides create()" in m for m in _messages(first))
    _age(cache)
    again = _run(root, cache)  # nothing changed: the cached result, same answer
    assert not again.changed and _messages(again) == _messages(first)
    models.write_text(MODELS.format(manager="models.Manager()"))  # the override is gone
    after = _run(root, cache)
    assert after.changed and not _messages(after)
    models.write_text(MODELS.format(manager="TagManager()"))  # and back
    assert any("overrides create()" in m for m in _messages(_run(root, cache)))


def test_cached_result_follows_settings_and_conftest(tmp_path):
    root, cache = tmp_path / "proj", tmp_path / "cache"
    (root / "shop").mkdir(parents=True)
    (root / "conf").mkdir()
    (root / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings")\n')
    (root / "conf/settings.py").write_text("DEBUG = True\n")
    # pytest tests are converted only where the project declares an async test plugin
    (root / "requirements-test.txt").write_text("pytest-django\npytest-asyncio\n")
    src = "def test_a(client, django_user_model):\n    u = django_user_model.objects.create_user('u')\n    client.force_login(u)\n"
    (root / "shop/tests.py").write_text(src)
    assert _run(root, cache).changed
    _age(cache)
    (root / "conf/settings.py").write_text("AUTH_USER_MODEL = 'acct.User'\n")
    res = _run(root, cache)
    assert not res.changed and any("create_user() on a queryset has no async twin" in m for m in _messages(res))
    _age(cache)
    assert _messages(_run(root, cache)) == _messages(res)
    # A conftest.py that overrides the client refuses; once it is gone, the test is rewritten.
    # (a Django test module: a bare ``client`` fixture may be another plugin's)
    (root / "shop/tests.py").write_text("from django.urls import reverse\n\n\ndef test_b(client):\n    client.get('/')\n")
    (root / "conftest.py").write_text("import pytest\n\n\n@pytest.fixture\ndef client(client):\n    return client\n")
    res = _run(root, cache)
    assert not res.changed and any("defines its own client" in m for m in _messages(res))
    _age(cache)
    (root / "conftest.py").unlink()
    assert _run(root, cache).changed


def test_recorded_reads_match_path_methods(tmp_path):
    from codemods import project

    f = tmp_path / "m.py"
    f.write_bytes(b"a = 1\r\nb = '\xff'\rc = 3\n")
    with project.recording_reads() as reads:
        assert project.read_text(f, "replace") == f.read_text(encoding="utf-8", errors="replace")
        try:
            project.read_text(f)
        except UnicodeDecodeError:
            pass
        else:
            raise AssertionError("strict decoding must raise as Path.read_text does")
        try:
            project.read_text(tmp_path / "missing.py")
        except FileNotFoundError:
            pass
        else:
            raise AssertionError("a missing file must raise")
        assert project.path_exists(f) and not project.is_file(tmp_path)
        assert project.glob(tmp_path, "*.py") == sorted(tmp_path.glob("*.py"))
    assert project.reads_current(reads, {})
    (tmp_path / "n.py").write_text("")  # a new name in a globbed folder
    assert not project.reads_current(reads, {})
    (tmp_path / "n.py").unlink()
    (tmp_path / "missing.py").write_text("")  # a file that was missing
    assert not project.reads_current(reads, {})
    (tmp_path / "missing.py").unlink()
    assert project.reads_current(reads, {})
    f.write_text("a = 2\n")
    assert not project.reads_current(reads, {})


def _awaited(source: str) -> set[str]:
    import textwrap

    from codemods.project import file_facts

    return set(file_facts(textwrap.dedent(source)).awaited)


def test_client_receivers_do_not_count():
    assert "get" not in _awaited(
        """\
        import httpx


        class T(TestCase):
            def setUp(self):
                self.http = httpx.AsyncClient()

            async def test_a(self):
                await self.async_client.get("/")
                await self.client.post("/")
                await self.http.get("/")
                await self.api_client.get("/")
                await httpx.AsyncClient().get("/")


        async def test_b(async_client, live_server):
            await async_client.get("/")
            session = aiohttp.ClientSession()
            await session.get("/")
            async with httpx.AsyncClient() as c:
                await c.get("/")
        """
    )


def test_what_may_be_a_view_counts():
    cases = {
        "await super().get(request)": {"get"},
        "await self.get(request)": {"get"},
        "await self.view.get(request)": {"get"},  # an attribute of self may hold a view instance
        "await views.product(request)": {"product"},
        "await shop.views.product(request)": {"product"},
        "await product(request)": {"product"},
        "await SomeView.as_view()(request)": {"SomeView"},
        "await views.SomeView.as_view()(request)": {"SomeView"},
        "await make()().as_view()(request)": {"as_view"},
        "await SomeView().get(request)": {"get"},
        "await asyncio.wait([v(r)])": {"v"},
        "await asyncio.gather(*[v(r) for r in rs])": {"v"},
        "await asyncio.gather(*(v(r) for r in rs))": {"v"},
        "for f in asyncio.as_completed({v(r)}): pass": {"v"},
        "await asyncio.wait_for(fut=v(r), timeout=1)": {"v"},
        "asyncio.run_coroutine_threadsafe(v(r), loop)": {"v"},
        "tg.start_soon(v, r)": {"v"},
        "nursery.start_soon(views.v, r)": {"v"},
        "c = v(r)\n    await c": {"v"},
        "(c := v(r))\n    await c": {"v"},
        "cs = [v(r) for r in rs]\n    await asyncio.gather(*cs)": {"v"},
        "x = ProductView.as_view()\n    await x(request)": {"ProductView"},
        "self.view = ProductView.as_view()\n    await self.view(request)": {"ProductView"},
        "await handlers['get'](request)": {"handlers"},
        "await (v if a else w)(r)": {"v", "w"},
        "async_to_sync(v)(r)": {"v"},
        "async_to_sync(ProductView.as_view())(r)": {"ProductView"},
        "asyncio.iscoroutinefunction(v)": {"v"},
    }
    for line, names in cases.items():
        got = _awaited(f"async def f(request):\n    {line}\n")
        assert names <= got, (line, got)


def test_scheduling_without_await_and_import_aliases():
    # No "await" in the text: asyncio.run / run_until_complete in sync code still count.
    assert {"v", "w"} <= _awaited("import asyncio\n\ndef main(r):\n    asyncio.run(v(r))\n    loop.run_until_complete(w(r))\n")
    assert {"ensure"} <= _awaited("def main(loop, r):\n    asyncio.ensure_future(ensure(r), loop=loop)\n")
    assert {"w", "product"} <= _awaited("from shop.views import product as w\n\nasync def f(r):\n    await w(r)\n")
    assert {"gather_me"} <= _awaited("from asyncio import gather as g\n\nasync def f(r):\n    await g(gather_me(r))\n")
    assert _awaited("def main(r):\n    return v(r)\n") == set()


# --------------------------------------------------------------------------- modules urlconfs route to
ROOT_URLS = """\
from django.contrib import admin
from django.urls import include, path, re_path

from billing.api.handlers import pay as pay_view
from shop import views
from . import extra
from ..other import thing

import legacy.views
import pkg.mod as m


def ping(request):
    return None


home = views.home_page

urlpatterns = [
    path("", views.product, name="product"),
    path("pay/", csrf_exempt(pay_view)),
    path("x/", extra.view),
    re_path(r"^t/$", thing),
    path("l/", legacy.views.old),
    path("m/", view=m.v),
    path("ping/", ping),
    path("home/", home),
    path("admin/", admin.site.urls),
    path(views.PREFIX, include("shop.urls")),
    path("api/", include(views.api_patterns)),
]
handler404 = "errors.views.not_found"
"""


def test_routes_name_every_module_a_view_may_live_in():
    from codemods.project import OWN_MODULE, file_facts

    routes = set(file_facts(ROOT_URLS).routes)
    expected = {
        "shop", "shop.views", "shop.views.product", "shop.views.home_page",  # views.product / views.home_page
        "billing.api.handlers", "billing.api.handlers.pay",  # the alias pay_view
        ".", ".extra", ".extra.view", "..other", "..other.thing",  # relative imports keep their dots
        "legacy", "legacy.views", "legacy.views.old", "pkg.mod", "pkg.mod.v",
        "errors", "errors.views", "errors.views.not_found",  # handler404 as a dotted string
        OWN_MODULE,  # ping, defined in the urlconf itself
    }
    assert expected <= routes, expected - routes
    # the route strings, include() arguments and names used elsewhere are not views
    assert not {r for r in routes if "PREFIX" in r or "api_patterns" in r or "shop.urls" in r}
    # only files that have urlpatterns are looked at
    assert file_facts(ROOT_URLS.replace("urlpatterns", "patterns")).routes == []


def test_routed_modules_resolve_against_the_urlconf_path(tmp_path):
    from codemods.project import ProjectIndex, file_facts

    urls = tmp_path / "site" / "conf" / "urls.py"
    index = ProjectIndex.build({str(urls): file_facts(ROOT_URLS)})
    assert index.routes_to(str(tmp_path / "site" / "conf" / "extra.py"))
    assert index.routes_to(str(tmp_path / "site" / "conf" / "extra" / "__init__.py"))
    assert index.routes_to(str(tmp_path / "site" / "other" / "thing.py"))
    assert index.routes_to(str(urls))  # its own views
    assert index.routes_to("src/shop/views.py") and index.routes_to("billing/api/handlers.py")
    assert not index.routes_to(str(tmp_path / "elsewhere" / "extra.py"))  # relative: only next to the urlconf
    assert not index.routes_to("shop/models.py") and not index.routes_to("billing/api/models.py")
    # without paths the relative routes cannot be placed and are left out; absolute ones stay
    pathless = ProjectIndex.build([file_facts(ROOT_URLS)])
    assert pathless.routes_to("shop/views.py") and not pathless.routes_to(str(urls))
    assert not any(r.startswith(".") for r in pathless.routed_modules)
    assert index.digest() != pathless.digest() != ProjectIndex.build([]).digest()


def test_cached_result_follows_the_urlconf(tmp_path):
    """A module's cached result is dropped when a urlconf starts routing views to it."""
    root, cache = tmp_path / "proj", tmp_path / "cache"
    (root / "shop").mkdir(parents=True)
    (root / "shop/__init__.py").write_text("")
    api = "from django.http import HttpResponse\n\n\nasync def ping(request):\n    return HttpResponse('pong')\n"
    (root / "shop/api.py").write_text(api)
    urls = root / "shop/urls.py"
    urls.write_text("from django.urls import path\n\nurlpatterns = []\n")
    settings = Settings(select=("async-views-to-sync",), cache_dir=cache, root=root, jobs=1, respect_gitignore=False)

    def api_result() -> runner.FileResult:
        (res,) = [f for f in runner.run([root / "shop"], settings, mode="check").files if f.path.endswith("api.py")]
        return res

    assert not api_result().changed
    _age(cache)
    again = runner.run([root / "shop"], settings, mode="check")
    assert again.cached == 1 and not [f for f in again.files if f.changed]  # the cached result, same answer
    urls.write_text("from django.urls import path\n\nfrom .api import ping\n\nurlpatterns = [path('ping/', ping)]\n")
    res = api_result()
    assert res.changed and [d.message for d in res.diagnostics] == [
        "view 'ping' made sync: it awaits nothing, so async bought nothing"
    ]


# --------------------------------------------------------------------------- subclasses of view classes
BASE_VIEWS = (
    "from django.http import HttpResponse\nfrom django.views import View\n\n\n"
    "class ProductView(View):\n    async def get(self, request):\n        return HttpResponse('p')\n"
)
MIXINS = (  # no "async def", no await, no test: not parsed at all, its class bases come from the text
    "from shop import views\n\n\nclass Tracked(  # counts visits (see docs)\n"
    "    views.ProductView, metaclass=Meta,\n):\n    tracked = True\n"
)
API_VIEWS = (
    "from django.http import HttpResponse\n\nfrom shop.mixins import Tracked\n\n\n"
    "class ProductApi(Tracked):\n    async def post(self, request):\n        return HttpResponse(status=204)\n\n\n"
    "class Helpers(Tracked):\n    async def fetch(self):\n        return 1\n\n    def post(self, request):\n"
    "        return HttpResponse()\n"
)


def test_class_bases_and_async_views_facts():
    from codemods.project import _wants, file_facts

    assert not any(_wants(MIXINS))
    mixins = file_facts(MIXINS)
    assert mixins.class_bases == [("Tracked", ["Meta", "ProductView"])]  # last names; no "views", no "metaclass"
    assert mixins.async_views == [] and mixins.classes == []
    api = file_facts(API_VIEWS)
    assert api.class_bases == [("ProductApi", ["Tracked"]), ("Helpers", ["Tracked"])]
    assert api.async_views == ["ProductApi"]  # Helpers: only a helper is async, its handler is sync
    odd = (
        "class A(mod.B, C[D], E(F), *G):\n    async def options(self, request): ...\n"
        "class H('I)', J):  # a string holding a parenthesis\n    async def dispatch(self, request): ...\n"
        "class K(L):\n    async def http_method_not_allowed(self, request): ...\n"
        "class M:\n    async def get(self, request): ...\n"
        "def f():\n    class N(\n        O,\n    ):\n        async def get(self, request): ...\n"
    )
    facts = file_facts(odd)
    assert dict(facts.class_bases) == {
        "A": ["B", "C", "D", "E", "F", "G"], "H": ["J"], "K": ["L"], "N": ["O"]
    }
    assert facts.async_views == ["A", "H", "K", "M", "N"]
    assert file_facts(odd.replace("async def", "def")).async_views == []


def test_async_subclasses_are_found_through_other_files(tmp_path):
    from codemods.project import ProjectIndex, file_facts

    files = {
        str(tmp_path / "shop/views.py"): file_facts(BASE_VIEWS),
        str(tmp_path / "shop/mixins.py"): file_facts(MIXINS),
    }
    without = ProjectIndex.build(files)
    assert without.async_subclasses == {"View": ((str(tmp_path / "shop/views.py"), "ProductView"),)}
    api = str(tmp_path / "shop/api_views.py")
    index = ProjectIndex.build({**files, api: file_facts(API_VIEWS)})
    assert index.async_subclasses["ProductView"] == ((api, "ProductApi"),)  # through Tracked
    assert index.async_subclasses["Tracked"] == ((api, "ProductApi"),)
    assert index.async_subclasses["Meta"] == ((api, "ProductApi"),)  # a name more than needed: safe
    assert "ProductApi" not in index.async_subclasses and "Helpers" not in index.async_subclasses
    assert index.digest() != without.digest()
    # every definition of a name counts; without paths the file is ""
    other = "class Tracked(Elsewhere):\n    pass\n"
    merged = ProjectIndex.build([file_facts(MIXINS), file_facts(other), file_facts(API_VIEWS)])
    assert merged.async_subclasses["Elsewhere"] == merged.async_subclasses["ProductView"] == (("", "ProductApi"),)


def test_cached_result_follows_subclasses_in_other_files(tmp_path):
    """The base module's cached refusal is redone when a subclass file is added, changed or removed."""
    root, cache = tmp_path / "proj", tmp_path / "cache"
    shop = root / "shop"
    shop.mkdir(parents=True)
    (shop / "__init__.py").write_text("")
    (shop / "views.py").write_text(BASE_VIEWS)
    (shop / "mixins.py").write_text(MIXINS)
    (shop / "api_views.py").write_text(API_VIEWS)
    settings = Settings(select=("async-views-to-sync",), cache_dir=cache, root=root, jobs=1, respect_gitignore=False)

    def views_result() -> tuple[runner.RunResult, runner.FileResult]:
        result = runner.run([shop], settings, mode="check")
        (res,) = [f for f in result.files if f.path.replace("\\", "/").endswith("/views.py")]
        return result, res

    first = views_result()[1]
    assert not first.changed and len(first.diagnostics) == 1
    assert "is subclassed by 'ProductApi'" in first.diagnostics[0].message
    assert "(and" not in first.diagnostics[0].message
    _age(cache)
    result, again = views_result()
    assert result.cached == 2 and [d.message for d in again.diagnostics] == [d.message for d in first.diagnostics]
    # A second async subclass in a new file: the base module is checked again, not served from the cache.
    (shop / "admin_views.py").write_text(API_VIEWS.replace("ProductApi", "AdminApi"))
    result, added = views_result()
    assert result.cached == 0  # the project index changed: every file is checked again
    assert "(and 1 more)" in added.diagnostics[0].message
    _age(cache)
    # Both subclasses' handlers made sync: the base converts.
    for name in ("api_views.py", "admin_views.py"):
        path = shop / name
        path.write_text(path.read_text().replace("async def post", "def post"))
    after = views_result()[1]
    assert after.changed and [d.message for d in after.diagnostics] == [
        "view class 'ProductView' handler 'get' made sync: it awaits nothing, so async bought nothing"
    ]


def test_class_bases_from_the_text_hold_every_base_ast_finds():
    """Over Django's own sources: the text scan misses no base a parse sees (it may see more)."""
    import ast

    import django

    from codemods.project import _class_bases, _last_name

    classes = 0
    for path in sorted(Path(django.__file__).parent.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        scanned: dict[str, set[str]] = {}
        for name, names in _class_bases(text):
            scanned.setdefault(name, set()).update(names)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and (node.bases or node.keywords):
                classes += 1
                exprs = [*node.bases, *(k.value for k in node.keywords)]
                expected = {n for n in map(_last_name, exprs) if n}
                assert expected <= scanned.get(node.name, set()), (path, node.name)
    assert classes > 1000


def test_tables_from_the_shared_knowledge_stay_what_the_project_facts_used():
    """The project facts take these sets from ``codemods.knowledge``: a change there that would
    change which names count as awaited, stored or request methods fails here."""
    from codemods.project import awaited, index

    assert awaited._SCHEDULERS == {
        "gather", "create_task", "ensure_future", "run", "async_to_sync", "wait_for", "shield",
        "run_until_complete", "wait", "as_completed", "run_coroutine_threadsafe", "start_soon", "start",
        "Task", "iscoroutinefunction", "iscoroutine",
    }
    assert awaited._STORING == {"append", "extend", "add", "insert", "appendleft", "put", "put_nowait", "setdefault"}
    assert index._REQUEST_METHODS == {
        "get", "post", "put", "patch", "delete", "head", "options", "trace", "dispatch", "http_method_not_allowed"
    }
    assert index.ProjectIndex().test_base_classes == {
        "SimpleTestCase", "TestCase", "TransactionTestCase", "LiveServerTestCase", "StaticLiveServerTestCase"
    }
