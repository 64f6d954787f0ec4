"""async-views-to-sync: precise project facts and the modules urlconfs route to."""

from __future__ import annotations

import pytest

from codemods.project import ProjectIndex
from tests.async_views_to_sync_support import (
    CM,
    HANDLERS,
    ROUTED_VIEW,
    ROUTED_VIEW_SYNC,
    check_noop,
    check_transformed,
)

# --------------------------------------------------------------------------- precise project facts
CBV_VIEWS = '''\
from django.http import HttpResponse
from django.views import View


class ProductView(View):
    async def get(self, request):
        return HttpResponse("p")
'''


MIGRATED_TESTS = '''\
import httpx
from django.test import TestCase


class ProductTests(TestCase):
    async def test_get(self):
        response = await self.async_client.get("/p/")
        assert response.status_code == 200


async def test_fixture(async_client):
    assert (await async_client.get("/p/")).status_code == 200


async def test_live(live_server):
    async with httpx.AsyncClient() as http:
        assert (await http.get(live_server.url + "/p/")).status_code == 200
    api = httpx.AsyncClient(base_url=live_server.url)
    assert (await api.get("/p/")).status_code == 200
'''


def _run_views(tmp_path, files):
    from codemods.config import Settings
    from codemods.runner import run

    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "views.py").write_text(CBV_VIEWS if "views.py" not in files else files.pop("views.py"))
    for name, text in files.items():
        (tmp_path / "shop" / name).write_text(text)
    result = run([tmp_path], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert not result.failed
    messages = {d.message for f in result.files for d in f.diagnostics}
    return (tmp_path / "shop" / "views.py").read_text(), messages


def test_client_calls_in_migrated_tests_do_not_block_a_cbv_get(tmp_path):
    after, messages = _run_views(tmp_path, {"tests.py": MIGRATED_TESTS})
    assert "    def get(self, request):" in after, messages
    assert "view class 'ProductView' handler 'get' made sync: it awaits nothing, so async bought nothing" in messages


def test_a_super_call_of_the_handler_still_blocks(tmp_path):
    sub = (
        "from shop.views import ProductView\n\n\nclass Special(ProductView):\n"
        "    async def get(self, request):\n        return await super().get(request)\n"
    )
    after, messages = _run_views(tmp_path, {"tests.py": MIGRATED_TESTS, "special.py": sub})
    assert "    async def get(self, request):" in after
    assert any("awaits a `.get(...)` call, which may be this handler" in m for m in messages), messages


SCHEDULED_VIEWS = "from django.http import HttpResponse\nfrom django.views import View\n\n" + "".join(
    f"\n\nasync def {name}(request):\n    return HttpResponse({name!r})\n"
    for name in (
        "v_run", "v_loop", "v_future", "v_list", "v_comp", "v_completed", "v_kw", "v_threadsafe", "v_soon",
        "v_stored", "v_appended", "v_alias", "v_module", "alone",
    )
) + "\n\nclass ProductView(View):\n    async def post(self, request):\n        return HttpResponse('p')\n"


# No "await" in this file: its scheduling is found all the same.
SYNC_CALLERS = '''\
import asyncio

from shop.views import v_future, v_loop, v_run


def main(request):
    asyncio.run(v_run(request))
    loop = asyncio.new_event_loop()
    loop.run_until_complete(v_loop(request))
    asyncio.ensure_future(v_future(request), loop=loop)
'''


ASYNC_CALLERS = '''\
import asyncio

import anyio

from shop import views
from shop.views import ProductView, v_appended, v_comp, v_completed, v_kw, v_list, v_soon, v_stored
from shop.views import v_alias as handler
from shop.views import v_threadsafe


async def main(request, requests, loop):
    await asyncio.wait([asyncio.ensure_future(v_list(request))])
    await asyncio.gather(*[v_comp(r) for r in requests])
    for done in asyncio.as_completed([v_completed(request)]):
        await done
    await asyncio.wait_for(fut=v_kw(request), timeout=1)
    asyncio.run_coroutine_threadsafe(v_threadsafe(request), loop)
    async with anyio.create_task_group() as tg:
        tg.start_soon(v_soon, request)
    pending = v_stored(request)
    await pending
    tasks = []
    tasks.append(v_appended(request))
    for task in tasks:
        await task
    await handler(request)
    await views.v_module(request)
    return await ProductView.as_view()(request)
'''


def test_each_scheduling_form_keeps_the_view_async(tmp_path):
    files = {"views.py": SCHEDULED_VIEWS, "jobs.py": SYNC_CALLERS, "tasks.py": ASYNC_CALLERS}
    after, messages = _run_views(tmp_path, files)
    assert "\ndef alone(request):" in after
    for name in (
        "v_run", "v_loop", "v_future", "v_list", "v_comp", "v_completed", "v_kw", "v_threadsafe", "v_soon",
        "v_stored", "v_appended", "v_alias", "v_module",
    ):
        assert f"\nasync def {name}(request):" in after, name
        assert any(
            m.startswith(f"view {name!r} left async: is awaited or scheduled in ")
            and m.endswith("; it must stay a coroutine")
            for m in messages
        ), (name, messages)
    assert "    async def post(self, request):" in after
    assert any(m.startswith("view class 'ProductView' left async: is (or an `as_view()` view is) awaited")
               for m in messages), messages


def _routing(urls: str, where: str = "shop/urls.py") -> ProjectIndex:
    from codemods.project import file_facts

    return ProjectIndex.build({where: file_facts(urls)})


@pytest.mark.parametrize(
    "urls",
    [
        'from django.urls import path\nfrom shop import api\n\nurlpatterns = [path("<int:pk>/", api.product)]\n',
        'from django.urls import path\nfrom shop.api import product\n\nurlpatterns = [path("<int:pk>/", product)]\n',
        'from django.urls import path\nfrom .api import product\n\nurlpatterns = [path("<int:pk>/", product)]\n',
        'from django.urls import path\nfrom . import api\n\nurlpatterns = [path("<int:pk>/", api.product)]\n',
        'from django.urls import re_path\nimport shop.api\n\nurlpatterns = [re_path(r"^(?P<pk>\\d+)/$", shop.api.product)]\n',
        (
            'from django.urls import path\nfrom shop import api as a\n\n'
            'urlpatterns = [path("<int:pk>/", login_required(a.product), name="p")]\n'
        ),
    ],
)
def test_a_module_a_urlconf_routes_to_holds_function_views(urls):
    check_transformed(CM, ROUTED_VIEW, ROUTED_VIEW_SYNC, path="shop/api.py", project=_routing(urls))


def test_a_module_no_urlconf_routes_to_is_left_alone_silently():
    # the same code outside views.py: no urlconf at all, one routing elsewhere, an include() of it
    # (a urlconf, not views), a relative import from another package, a name not used in a route
    unrelated = [
        ProjectIndex(),
        _routing('from django.urls import path\nfrom shop import views\n\nurlpatterns = [path("", views.home)]\n'),
        _routing('from django.urls import include, path\n\nurlpatterns = [path("", include("shop.api"))]\n'),
        _routing('from django.urls import include, path\nfrom shop import api\n\nurlpatterns = [path("", include(api))]\n'),
        _routing('from django.urls import path\nfrom .api import product\n\nurlpatterns = [path("", product)]\n',
                 where="blog/urls.py"),
        _routing('from django.urls import path\nfrom shop import api, views\n\nurlpatterns = [path(api.PREFIX, views.home)]\n'),
    ]
    for project in unrelated:
        check_noop(CM, ROUTED_VIEW, None, path="shop/api.py", project=project)
    # routed or not, a views module stays one
    check_transformed(CM, ROUTED_VIEW, ROUTED_VIEW_SYNC, path="shop/views.py", project=unrelated[1])


def test_a_routed_module_keeps_every_other_rule():
    two_queries = ROUTED_VIEW.replace(
        "    return", "    n = await Product.objects.acount()\n    return"
    )
    check_noop(CM, two_queries, "view 'product' left async: makes 2 DB calls", path="shop/api.py",
               project=_routing('from django.urls import path\nfrom shop import api\n\nurlpatterns = [path("", api.product)]\n'))


def test_views_defined_in_the_urlconf_itself():
    urls = (
        "from django.http import HttpResponse\nfrom django.urls import path\n\n\n"
        "async def ping(request):\n    return HttpResponse('pong')\n\n\n"
        'urlpatterns = [path("ping/", ping)]\n'
    )
    check_transformed(CM, urls, urls.replace("async def ping", "def ping"), path="shop/urls.py",
                      project=_routing(urls))


ROUTED_URLS = """\
from django.urls import include, path

from . import api
from .handlers import ping

urlpatterns = [
    path("<int:pk>/", api.product),
    path("ping/", ping),
    path("more/", include("shop.more_urls")),
]
"""


HELPERS = """\
from django.http import HttpResponse


async def render_later(request):
    return HttpResponse("later")
"""


def test_routed_modules_are_found_across_files_by_the_runner(tmp_path):
    from codemods.config import Settings
    from codemods.runner import run

    shop = tmp_path / "src" / "shop"
    shop.mkdir(parents=True)
    (shop / "__init__.py").write_text("")
    (shop / "urls.py").write_text(ROUTED_URLS)
    (shop / "api.py").write_text(ROUTED_VIEW)
    (shop / "handlers.py").write_text(HANDLERS)
    (shop / "helpers.py").write_text(HELPERS)  # not routed: not a view module
    (shop / "more_urls.py").write_text(HELPERS)  # only include()d: a urlconf, not a view module
    result = run([tmp_path / "src"], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert not result.failed
    assert (shop / "api.py").read_text() == ROUTED_VIEW_SYNC
    assert (shop / "handlers.py").read_text() == HANDLERS.replace("async def", "def")
    assert (shop / "helpers.py").read_text() == HELPERS
    assert (shop / "more_urls.py").read_text() == HELPERS
    messages = {f.path.replace("\\", "/").rsplit("/", 1)[-1]: [d.message for d in f.diagnostics] for f in result.files}
    assert messages["api.py"] == [
        "view 'product' made sync: its only async work is one DB call, which async runs in a thread anyway"
    ]
    assert messages["helpers.py"] == [] and messages["more_urls.py"] == []
