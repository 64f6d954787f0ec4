from __future__ import annotations

from codemods.project import ProjectIndex
from tests.harness import check_noop, check_transformed

CM = "async-views-to-sync"
V = {"path": "shop/views.py"}


def test_single_query_view_becomes_sync():
    check_transformed(
        CM,
        """\
        from django.http import JsonResponse
        from shop.models import Product

        async def product(request, pk):
            item = await Product.objects.aget(pk=pk)
            return JsonResponse({"name": item.name})
        """,
        """\
        from django.http import JsonResponse
        from shop.models import Product

        def product(request, pk):
            item = Product.objects.get(pk=pk)
            return JsonResponse({"name": item.name})
        """,
        **V,
    )


def test_shortcut_import_swapped():
    check_transformed(
        CM,
        """\
        from django.shortcuts import aget_object_or_404, render

        async def detail(request, pk):
            item = await aget_object_or_404(Product, pk=pk)
            return render(request, "d.html", {"item": item})
        """,
        """\
        from django.shortcuts import render, get_object_or_404

        def detail(request, pk):
            item = get_object_or_404(Product, pk=pk)
            return render(request, "d.html", {"item": item})
        """,
        **V,
    )


def test_no_await_and_async_for_and_auser():
    check_transformed(
        CM,
        """\
        async def ping(request):
            return HttpResponse("pong")

        async def names(request):
            return JsonResponse([p.name async for p in Product.objects.all()], safe=False)

        async def me(request):
            return HttpResponse((await request.auser()).username)
        """,
        """\
        def ping(request):
            return HttpResponse("pong")

        def names(request):
            return JsonResponse([p.name for p in Product.objects.all()], safe=False)

        def me(request):
            return HttpResponse((request.user).username)
        """,
        **V,
    )


def test_class_based_view_all_handlers():
    check_transformed(
        CM,
        """\
        from django.views import View

        class ItemView(View):
            async def get(self, request, pk):
                return JsonResponse({"n": await Item.objects.filter(pk=pk).acount()})

            async def post(self, request, pk):
                return HttpResponse(status=204)
        """,
        """\
        from django.views import View

        class ItemView(View):
            def get(self, request, pk):
                return JsonResponse({"n": Item.objects.filter(pk=pk).count()})

            def post(self, request, pk):
                return HttpResponse(status=204)
        """,
        **V,
    )


def test_mixed_class_based_view_is_left_whole():
    check_noop(
        CM,
        """\
        from django.views import View

        class ItemView(View):
            async def get(self, request):
                return JsonResponse(await fetch_remote())

            async def post(self, request):
                await Item.objects.acreate(name="x")
                return HttpResponse(status=201)
        """,
        "left async, all handlers: handler 'get' awaits `fetch_remote()`",
        **V,
    )


def test_refusals():
    check_noop(CM, "async def v(request):\n    a = await A.objects.aget()\n    b = await B.objects.aget()\n",
               "makes 2 DB calls (max-queries is 1)", **V)
    check_noop(CM, "async def v(request):\n    return await other(request)\n", "not a Django DB call", **V)
    check_noop(CM, "async def v(request):\n    async with lock:\n        pass\n", "uses `async with`", **V)
    check_noop(CM, "async def v(request):\n    yield 1\n", "async generator", **V)
    check_noop(CM, "from third import deco\n\n@deco\nasync def v(request):\n    return 1\n",
               "not known to accept a sync view", **V)
    check_noop(CM, "async def v(request):\n    return 1\n", "awaited or scheduled elsewhere",
               project=ProjectIndex(awaited_names=frozenset({"v"})), **V)
    check_noop(CM, "from app import Base\n\nclass V(Base):\n    async def get(self, request):\n        return 1\n",
               None, **V)


def test_max_queries_option():
    check_transformed(
        CM,
        "async def v(request):\n    a = await A.objects.aget()\n    b = await B.objects.acount()\n    return a, b\n",
        "def v(request):\n    a = A.objects.get()\n    b = B.objects.count()\n    return a, b\n",
        options={"max-queries": 2},
        **V,
    )


def test_not_views_and_skip_comment():
    check_noop(CM, "async def helper(request):\n    return 1\n", None, path="shop/utils.py")
    check_noop(CM, "async def v(request):  # dj-asyncify: skip\n    return 1\n", None, **V)
    check_noop(CM, "def v(request):\n    return 1\n", None, **V)


REAL_VIEWS = '''\
from django.http import HttpResponse, JsonResponse
from django.shortcuts import aget_object_or_404
from django.contrib.auth.models import Group
from django.urls import path
from django.views import View


async def group(request, pk):
    g = await aget_object_or_404(Group, pk=pk)
    return JsonResponse({"name": g.name})


async def ping(request):
    return HttpResponse("pong")


class Count(View):
    async def get(self, request):
        return JsonResponse({"n": await Group.objects.acount()})


urlpatterns = [path("g/<int:pk>/", group), path("ping/", ping), path("count/", Count.as_view())]
'''

SCRIPT = '''\
import django, json, sys
from django.conf import settings
settings.configure(
    DEBUG=False, ROOT_URLCONF="views", ALLOWED_HOSTS=["*"], SECRET_KEY="x",
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
)
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import Group
from django.test import Client
Group.objects.create(name="admins")
import inspect, views
c = Client()
out = [(u, r.status_code, r.content.decode()) for u in ("/g/1/", "/g/99/", "/ping/", "/count/") for r in [c.get(u)]]
print(json.dumps({"responses": out, "async": inspect.iscoroutinefunction(views.group)}))
'''


def test_real_django_same_responses(tmp_path):
    import json
    import subprocess
    import sys

    from codemods.config import Settings
    from codemods.runner import transform_source

    def serve(views_source: str) -> dict:
        (tmp_path / "views.py").write_text(views_source)
        (tmp_path / "run.py").write_text(SCRIPT)
        proc = subprocess.run([sys.executable, "run.py"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    before = serve(REAL_VIEWS)
    out = transform_source(REAL_VIEWS, "views.py", Settings(select=(CM,)))
    assert out.error is None and "async def" not in out.source
    after = serve(out.source)
    assert before["async"] is True and after["async"] is False
    assert before["responses"] == after["responses"]
    assert [r[1] for r in after["responses"]] == [200, 404, 200, 200]
