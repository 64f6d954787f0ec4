"""async-views-to-sync: async views with no concurrency become sync views."""

from __future__ import annotations

from codemods.project import ProjectIndex
from tests.async_views_to_sync_support import CM, V, check_noop, check_transformed


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
        from django.shortcuts import get_object_or_404, render

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
            return HttpResponse(request.user.username)
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
        "left async: handler 'get' awaits `fetch_remote()`",
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
               "view class 'V' left async: its bases (Base) are not known Django views", **V)
    check_noop(CM, "from app import Client\n\nclass C(Client):\n    async def get(self, url):\n        return 1\n",
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


REAL_VIEWS = """\
import asyncio

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.http import HttpResponse, JsonResponse
from django.shortcuts import aget_object_or_404
from django.urls import path
from django.views import View


async def group(request, pk):
    g = await aget_object_or_404(Group, pk=pk)
    return JsonResponse({"name": g.name})


async def ping(request):
    return HttpResponse("pong")


async def names(request):
    return JsonResponse({"names": [g.name async for g in Group.objects.order_by("name")]})


async def names_loop(request):
    out = []
    async for g in Group.objects.filter(name__startswith="a").order_by("-name"):
        out.append(g.name)
    return JsonResponse({"names": out})


async def rename(request, pk):
    g = await Group.objects.aget(pk=pk)
    g.name = g.name + "!"
    await g.asave(update_fields=["name"])
    return JsonResponse({"name": g.name})


@login_required
async def me(request):
    user = await request.auser()
    return JsonResponse({"user": user.username})


async def visit(request):
    await request.session.aset("seen", request.GET.get("v", "no"))
    return HttpResponse("ok")


async def slow(request):
    await asyncio.sleep(0)
    return HttpResponse("slow")


class Count(View):
    async def get(self, request):
        return JsonResponse({"n": await Group.objects.acount()})

    async def post(self, request):
        await Group.objects.acreate(name=request.POST["name"])
        return HttpResponse(status=201)


urlpatterns = [
    path("g/<int:pk>/", group), path("ping/", ping), path("names/", names), path("loop/", names_loop),
    path("rename/<int:pk>/", rename), path("me/", me), path("visit/", visit), path("slow/", slow),
    path("count/", Count.as_view()),
]
"""


SCRIPT = """\
import asyncio, inspect, json
import django
from django.conf import settings
settings.configure(
    DEBUG=False, ROOT_URLCONF="views", ALLOWED_HOSTS=["*"], SECRET_KEY="x", USE_TZ=True,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}},
)
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import Group, User
from django.test import AsyncClient, Client
import views

URLS = ["/g/1/", "/g/99/", "/ping/", "/names/", "/loop/", "/rename/1/", "/me/", "/visit/?v=yes", "/slow/", "/count/"]


def reset():
    Group.objects.all().delete()
    User.objects.all().delete()
    for pk, name in ((1, "admins"), (2, "authors"), (3, "editors")):
        Group.objects.create(pk=pk, name=name)
    return User.objects.create_user("ann", password="pw")


def shape(r, client):
    return [r.status_code, r.content.decode(), r.headers.get("Location")]


def with_sync_client():
    user = reset()
    c = Client()
    out = [shape(c.get(u), c) for u in URLS]
    c.force_login(user)
    out += [shape(c.get(u), c) for u in ("/me/", "/visit/?v=again")]
    out.append(c.session.get("seen"))
    out.append(shape(c.post("/count/", {"name": "new"}), c))
    out.append(shape(c.get("/count/"), c))
    return out


async def with_async_client():
    from asgiref.sync import sync_to_async
    user = await sync_to_async(reset)()
    c = AsyncClient()
    out = [shape(await c.get(u), c) for u in URLS]
    await c.aforce_login(user)
    out += [shape(await c.get(u), c) for u in ("/me/", "/visit/?v=again")]
    out.append(await (await c.asession()).aget("seen"))
    out.append(shape(await c.post("/count/", {"name": "new"}), c))
    out.append(shape(await c.get("/count/"), c))
    return out


coroutines = sorted(
    name for name in ("group", "ping", "names", "names_loop", "rename", "me", "visit", "slow")
    if inspect.iscoroutinefunction(getattr(views, name))
) + (["Count"] if views.Count.view_is_async else [])
print(json.dumps({"wsgi": with_sync_client(), "asgi": asyncio.run(with_async_client()), "async": coroutines}))
"""


def test_real_django_same_responses(tmp_path):
    import json
    import subprocess
    import sys

    from codemods.config import Settings
    from codemods.runner import transform_source

    def serve(views_source: str) -> dict:
        (tmp_path / "db.sqlite3").unlink(missing_ok=True)
        (tmp_path / "views.py").write_text(views_source)
        (tmp_path / "run.py").write_text(SCRIPT)
        proc = subprocess.run(
            [sys.executable, "run.py"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    before = serve(REAL_VIEWS)
    settings = Settings(select=(CM,), options={CM: {"max-queries": 2}})
    out = transform_source(REAL_VIEWS, "views.py", settings)
    assert out.error is None
    assert not [d for d in out.diagnostics if d.kind == "refused"]
    notes = [d.message for d in out.diagnostics if d.kind == "note"]
    assert notes == ["view 'slow' left async: awaits `asyncio.sleep(0)`, which is not a Django DB call with a sync twin"]
    after = serve(out.source)
    assert before["async"] == ["group", "me", "names", "names_loop", "ping", "rename", "slow", "visit", "Count"]
    assert after["async"] == ["slow"]
    assert before["wsgi"] == after["wsgi"]
    assert before["asgi"] == after["asgi"]
    statuses = [r[0] for r in after["wsgi"][:10]]
    assert statuses == [200, 404, 200, 200, 200, 200, 302, 200, 200, 200]
    assert after["wsgi"][3][1] == '{"names": ["admins", "authors", "editors"]}'
    assert after["wsgi"][4][1] == '{"names": ["authors", "admins"]}'
    assert after["wsgi"][5][1] == '{"name": "admins!"}'
    assert after["wsgi"][6][2] == "/accounts/login/?next=/me/"
    assert after["wsgi"][10][1] == '{"user": "ann"}'
    assert after["wsgi"][12] == "again"
    assert after["wsgi"][14][1] == '{"n": 4}'
