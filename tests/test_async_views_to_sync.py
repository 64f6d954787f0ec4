from __future__ import annotations

import pytest

from codemods.project import ProjectIndex
from tests import harness


# A reason is reported as a warning or a note by its kind (pinned per kind in
# tests/test_true_reasons.py): either counts here.
def check_noop(codemod, source, reason, **kwargs):
    return harness.check_noop(codemod, source, reason, levels=("refused", "note"), **kwargs)


def check_transformed(codemod, before, after, **kwargs):
    return harness.check_transformed(codemod, before, after, levels=("refused", "note"), **kwargs)


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


# --------------------------------------------------------------------------- every async twin
QS_CALLS = [
    ("aget(pk=1)", "get(pk=1)"),
    ("acreate(name='x')", "create(name='x')"),
    ("aget_or_create(name='x')", "get_or_create(name='x')"),
    ("aupdate_or_create(name='x', defaults={})", "update_or_create(name='x', defaults={})"),
    ("abulk_create(objs)", "bulk_create(objs)"),
    ("abulk_update(objs, ['name'])", "bulk_update(objs, ['name'])"),
    ("acount()", "count()"),
    ("ain_bulk([1])", "in_bulk([1])"),
    ("alatest('pk')", "latest('pk')"),
    ("aearliest('pk')", "earliest('pk')"),
    ("afirst()", "first()"),
    ("alast()", "last()"),
    ("aaggregate(n=Count('pk'))", "aggregate(n=Count('pk'))"),
    ("aexists()", "exists()"),
    ("acontains(obj)", "contains(obj)"),
    ("aupdate(name='y')", "update(name='y')"),
    ("adelete()", "delete()"),
    ("aexplain()", "explain()"),
]


@pytest.mark.parametrize(("call", "sync"), QS_CALLS)
@pytest.mark.parametrize(
    "receiver",
    ["Product.objects", "Product.objects.filter(a=1).order_by('pk')", "Product._default_manager.all()"],
)
def test_every_queryset_method(call, sync, receiver):
    check_transformed(
        CM,
        f"async def v(request, objs, obj):\n    return await {receiver}.{call}\n",
        f"def v(request, objs, obj):\n    return {receiver}.{sync}\n",
        **V,
    )


def test_queryset_bound_to_a_local_name_and_self_get_queryset():
    check_transformed(
        CM,
        """\
        async def v(request):
            qs = Product.objects.filter(active=True)
            qs = qs.exclude(hidden=True)
            return JsonResponse({"n": await qs.acount()})
        """,
        """\
        def v(request):
            qs = Product.objects.filter(active=True)
            qs = qs.exclude(hidden=True)
            return JsonResponse({"n": qs.count()})
        """,
        **V,
    )
    check_transformed(
        CM,
        """\
        from django.views import View

        class V(View):
            async def get(self, request):
                return JsonResponse({"n": await self.get_queryset().filter(a=1).acount()})

            async def post(self, request):
                await self.model.objects.acreate(name=request.POST["name"])
                return HttpResponse(status=201)
        """,
        """\
        from django.views import View

        class V(View):
            def get(self, request):
                return JsonResponse({"n": self.get_queryset().filter(a=1).count()})

            def post(self, request):
                self.model.objects.create(name=request.POST["name"])
                return HttpResponse(status=201)
        """,
        **V,
    )


def test_instance_and_related_manager_methods():
    check_transformed(
        CM,
        """\
        from shop.models import Product

        async def rename(request, pk):
            item = await Product.objects.aget(pk=pk)
            item.name = request.POST["name"]
            await item.asave(update_fields=["name"])
            return HttpResponse(status=204)

        async def create(request):
            p = Product(name="x")
            await p.asave()
            return HttpResponse(status=201)

        async def tag(request, pk, tag):
            obj, created = await Product.objects.aget_or_create(pk=pk)
            await obj.tags.aadd(tag)
            return HttpResponse(status=204)

        async def fresh(request):
            item = await Product.objects.afirst()
            await item.arefresh_from_db()
            return HttpResponse(item.name)

        async def count_tags(request, pk):
            item = await Product.objects.aget(pk=pk)
            return JsonResponse({"n": await item.tags.filter(a=1).acount()})

        async def clear(request, pk):
            item = await Product.objects.aget(pk=pk)
            await item.tags.aclear()
            await item.tags.aset([1])
            await item.tags.aremove(2)
            await item.adelete()
            return HttpResponse(status=204)
        """,
        """\
        from shop.models import Product

        def rename(request, pk):
            item = Product.objects.get(pk=pk)
            item.name = request.POST["name"]
            item.save(update_fields=["name"])
            return HttpResponse(status=204)

        def create(request):
            p = Product(name="x")
            p.save()
            return HttpResponse(status=201)

        def tag(request, pk, tag):
            obj, created = Product.objects.get_or_create(pk=pk)
            obj.tags.add(tag)
            return HttpResponse(status=204)

        def fresh(request):
            item = Product.objects.first()
            item.refresh_from_db()
            return HttpResponse(item.name)

        def count_tags(request, pk):
            item = Product.objects.get(pk=pk)
            return JsonResponse({"n": item.tags.filter(a=1).count()})

        def clear(request, pk):
            item = Product.objects.get(pk=pk)
            item.tags.clear()
            item.tags.set([1])
            item.tags.remove(2)
            item.delete()
            return HttpResponse(status=204)
        """,
        options={"max-queries": 5},
        **V,
    )


def test_auth_session_cache_user_and_sync_to_async():
    check_transformed(
        CM,
        """\
        from asgiref.sync import sync_to_async
        from django.contrib import auth
        from django.contrib.auth import aauthenticate, alogout
        from django.contrib.auth.models import User
        from django.core.cache import cache, caches
        from django.db.models import aprefetch_related_objects

        async def sign_in(request):
            user = await aauthenticate(request, username="a", password="b")
            await auth.alogin(request, user)
            return HttpResponse("ok")

        async def sign_out(request):
            await alogout(request)
            return HttpResponse("bye")

        async def remember(request):
            await request.session.aset("seen", True)
            await request.session.acycle_key()
            return JsonResponse({"keys": list(await request.session.akeys())})

        async def cached(request):
            await caches["default"].aset("k", 1)
            return JsonResponse({"k": await cache.aget("k")})

        async def perms(request):
            user = await request.auser()
            return JsonResponse({"ok": await user.ahas_perm("shop.view")})

        async def signup(request):
            await User.objects.acreate_user("bob", password="x")
            return HttpResponse(status=201)

        async def report(request):
            return HttpResponse(await sync_to_async(build_report, thread_sensitive=True)(request.GET))

        async def prefetch(request, items):
            await aprefetch_related_objects(items, "tags")
            return HttpResponse(len(items))
        """,
        """\
        from django.contrib import auth
        from django.contrib.auth import authenticate, logout
        from django.contrib.auth.models import User
        from django.core.cache import cache, caches
        from django.db.models import prefetch_related_objects

        def sign_in(request):
            user = authenticate(request, username="a", password="b")
            auth.login(request, user)
            return HttpResponse("ok")

        def sign_out(request):
            logout(request)
            return HttpResponse("bye")

        def remember(request):
            request.session["seen"] = True
            request.session.cycle_key()
            return JsonResponse({"keys": list(request.session.keys())})

        def cached(request):
            caches["default"].set("k", 1)
            return JsonResponse({"k": cache.get("k")})

        def perms(request):
            user = request.user
            return JsonResponse({"ok": user.has_perm("shop.view")})

        def signup(request):
            User.objects.create_user("bob", password="x")
            return HttpResponse(status=201)

        def report(request):
            return HttpResponse(build_report(request.GET))

        def prefetch(request, items):
            prefetch_related_objects(items, "tags")
            return HttpResponse(len(items))
        """,
        options={"max-queries": 3},
        **V,
    )


def test_shortcuts_through_aliases_and_module_attribute():
    check_transformed(
        CM,
        """\
        from django import shortcuts
        from django.shortcuts import aget_list_or_404 as list404, render

        async def a(request):
            return render(request, "l.html", {"items": await list404(Product, a=1)})

        async def b(request, pk):
            return render(request, "d.html", {"item": await shortcuts.aget_object_or_404(Product, pk=pk)})
        """,
        """\
        from django import shortcuts
        from django.shortcuts import get_list_or_404, render

        def a(request):
            return render(request, "l.html", {"items": get_list_or_404(Product, a=1)})

        def b(request, pk):
            return render(request, "d.html", {"item": shortcuts.get_object_or_404(Product, pk=pk)})
        """,
        **V,
    )


def test_imports_kept_while_still_used_and_added_when_absent():
    check_transformed(
        CM,
        """\
        from django.shortcuts import aget_object_or_404

        async def a(request, pk):
            return JsonResponse({"n": (await aget_object_or_404(Product, pk=pk)).name})

        async def b(request, pk):
            item = await aget_object_or_404(Product, pk=pk)
            return await render_remote(item)
        """,
        """\
        from django.shortcuts import aget_object_or_404, get_object_or_404

        def a(request, pk):
            return JsonResponse({"n": get_object_or_404(Product, pk=pk).name})

        async def b(request, pk):
            item = await aget_object_or_404(Product, pk=pk)
            return await render_remote(item)
        """,
        expect=["view 'b' left async: awaits `render_remote(item)`"],
        **V,
    )


def test_async_for_forms():
    check_transformed(
        CM,
        """\
        async def a(request):
            names = []
            async for p in Product.objects.filter(active=True):
                names.append(p.name)
            return JsonResponse(names, safe=False)

        async def b(request):
            return JsonResponse({p.pk: p.name async for p in Product.objects.all().aiterator(chunk_size=10)})
        """,
        """\
        def a(request):
            names = []
            for p in Product.objects.filter(active=True):
                names.append(p.name)
            return JsonResponse(names, safe=False)

        def b(request):
            return JsonResponse({p.pk: p.name for p in Product.objects.all().iterator(chunk_size=10)})
        """,
        **V,
    )


# --------------------------------------------------------------------------- refusals
def test_receivers_that_are_not_django_refuse():
    check_noop(CM, "async def v(request, client):\n    return await client.aget('u')\n",
               "awaits `client.aget('u')`, which is not a Django DB call", **V)
    check_noop(CM, "async def v(request):\n    thing = make()\n    await thing.asave()\n",
               "awaits `thing.asave()`, which is not a Django DB call", **V)
    check_noop(CM, "import asyncio\n\nasync def v(request):\n    await asyncio.sleep(1)\n",
               "awaits `asyncio.sleep(1)`", **V)
    check_noop(CM, "async def helper():\n    pass\n\nasync def v(request):\n    await helper()\n",
               "awaits `helper()`", **V)
    check_noop(CM, "async def v(request):\n    request = other\n    return (await request.auser()).pk\n",
               "awaits `request.auser()`", **V)
    check_noop(CM, "async def v(request):\n    return await request.session.aset_many({})\n",
               "awaits `request.session.aset_many({})`", **V)
    # an async ORM call's result that is awaited again, a coroutine stored, a non-call await
    check_noop(CM, "async def v(request):\n    c = Product.objects.acount()\n    return await c\n",
               "awaits `c`", **V)
    check_noop(CM, "async def v(request):\n    x = await request.session.aset('k', 1)\n",
               "session.aset has no sync method", **V)


def test_target_version_gates():
    src = "from django.shortcuts import aget_object_or_404\n\nasync def v(request, pk):\n" \
          "    return await aget_object_or_404(Product, pk=pk)\n"
    check_noop(CM, src, "which Django has only since 5.0 (target is 4.2)", target_django=(4, 2), **V)
    check_noop(CM, "async def v(request):\n    return (await request.auser()).pk\n",
               "since 5.0", target_django=(4, 2), **V)
    check_noop(CM, "async def v(request):\n    return await request.session.aget('k')\n",
               "since 5.1 (target is 5.0)", target_django=(5, 0), **V)
    check_noop(CM, "async def v(request):\n    p = await Product.objects.aget(pk=1)\n    await p.asave()\n",
               "since 4.2 (target is 4.1)", target_django=(4, 1), options={"max-queries": 2}, **V)
    check_noop(CM, "async def v(request):\n    user = await request.auser()\n    return await user.ahas_perm('x')\n",
               "since 5.2 (target is 5.1)", target_django=(5, 1), options={"max-queries": 2}, **V)


def test_async_constructs_refuse():
    check_noop(CM, "async def v(request, response):\n    async for chunk in response.aiter_bytes():\n        pass\n",
               "iterates `response.aiter_bytes()` with `async for`, which is not a queryset", **V)
    check_noop(CM, "async def v(request):\n    return StreamingHttpResponse(p.name async for p in Product.objects.all())\n",
               "builds an async generator", **V)
    check_noop(
        CM,
        """\
        from django.http import StreamingHttpResponse

        async def v(request):
            async def rows():
                yield "a"
            return StreamingHttpResponse(rows())
        """,
        "defines the coroutine function 'rows'",
        **V,
    )
    check_noop(
        CM,
        """\
        from django.http import StreamingHttpResponse
        from shop.streams import rows

        async def v(request):
            return StreamingHttpResponse(rows())
        """,
        "streams a response from `rows()`, which may be an async iterator",
        **V,
    )
    check_noop(
        CM,
        """\
        from django.http import StreamingHttpResponse

        async def rows():
            yield "a"

        async def v(request):
            return StreamingHttpResponse(streaming_content=rows())
        """,
        "streams a response from `rows()`",
        **V,
    )
    check_noop(CM, "async def notify():\n    pass\n\nasync def v(request):\n    background.add(notify())\n    return 1\n",
               "uses the coroutine function 'notify' without awaiting it", **V)
    check_noop(CM, "import asyncio\n\nasync def v(request):\n    asyncio.Event()\n    return 1\n",
               "uses `asyncio` outside `await sync_to_async(f)(...)`", **V)
    check_noop(CM, "from asgiref.sync import sync_to_async\n\nasync def v(request):\n"
               "    return await sync_to_async(f, thread_sensitive=False)()\n",
               "sync_to_async options change where it runs", **V)


def test_sync_streaming_converts():
    check_transformed(
        CM,
        """\
        from django.http import StreamingHttpResponse

        def rows():
            yield "a"

        async def v(request):
            return StreamingHttpResponse(rows())
        """,
        """\
        from django.http import StreamingHttpResponse

        def rows():
            yield "a"

        def v(request):
            return StreamingHttpResponse(rows())
        """,
        **V,
    )


def test_name_clash_refuses():
    check_noop(
        CM,
        """\
        from django.shortcuts import aget_object_or_404
        from shop.utils import get_object_or_404

        async def v(request, pk):
            return await aget_object_or_404(Product, pk=pk)
        """,
        "the name 'get_object_or_404' already means something else",
        **V,
    )


# --------------------------------------------------------------------------- decorators
DJANGO_DECORATORS = [
    ("from django.contrib.auth.decorators import login_required", "@login_required"),
    ("from django.contrib.auth.decorators import login_required", "@login_required(login_url='/in/')"),
    ("from django.contrib.auth.decorators import permission_required", "@permission_required('shop.view')"),
    ("from django.views.decorators.http import require_GET", "@require_GET"),
    ("from django.views.decorators.http import require_http_methods", "@require_http_methods(['GET'])"),
    ("from django.views.decorators.csrf import csrf_exempt", "@csrf_exempt"),
    ("from django.views.decorators.cache import cache_page", "@cache_page(60)"),
    ("from django.views.decorators.cache import never_cache", "@never_cache"),
    ("from django.views.decorators.vary import vary_on_headers", "@vary_on_headers('Accept')"),
    ("from django.views.decorators import gzip", "@gzip.gzip_page"),
]


@pytest.mark.parametrize(("imp", "dec"), DJANGO_DECORATORS)
def test_django_decorators_kept(imp, dec):
    check_transformed(
        CM,
        f"{imp}\n\n{dec}\nasync def v(request):\n    return HttpResponse('x')\n",
        f"{imp}\n\n{dec}\ndef v(request):\n    return HttpResponse('x')\n",
        **V,
    )


def test_decorator_refusals():
    login = "from django.contrib.auth.decorators import login_required\n\n@login_required\nasync def v(request):\n" \
            "    return 1\n"
    check_noop(CM, login, "supports async views only since Django 5.1", target_django=(5, 0), **V)
    check_noop(CM, "from asgiref.sync import sync_to_async\n\n@sync_to_async\nasync def v(request):\n    return 1\n",
               "not known to accept a sync view", **V)
    check_noop(CM, "from django.utils.decorators import async_only_middleware\n\n@async_only_middleware\n"
               "async def v(request):\n    return 1\n", "not known to accept a sync view", **V)


def test_method_decorator_on_handlers():
    src = """\
        from django.contrib.auth.decorators import login_required
        from django.utils.decorators import method_decorator
        from django.views import View

        @method_decorator(login_required, name="dispatch")
        class V(View):
            @method_decorator([login_required])
            async def get(self, request):
                return HttpResponse("x")
        """
    check_transformed(CM, src, src.replace("async def", "def"), **V)
    check_noop(CM, src, "method_decorator, which supports async methods only since Django 5.2",
               target_django=(5, 1), **V)
    check_noop(CM, src.replace("[login_required]", "[third_party]"), "`third_party`, not known", **V)


# --------------------------------------------------------------------------- class-based views
def test_class_based_view_refusals():
    check_noop(
        CM,
        """\
        from django.views import View

        class Base(View):
            async def get(self, request):
                return HttpResponse("x")

        class Child(Base):
            async def post(self, request):
                return await remote()
        """,
        [
            "view class 'Base' left async: 'Child' (same hierarchy) handler 'post' awaits",
            "view class 'Child' left async: handler 'post' awaits `remote()`",
        ],
        **V,
    )
    check_noop(
        CM,
        """\
        from django.views import View

        class V(View):
            async def dispatch(self, request, *args, **kwargs):
                return await super().dispatch(request, *args, **kwargs)

            async def get(self, request):
                return HttpResponse("x")
        """,
        "has the coroutine method 'dispatch'",
        **V,
    )
    check_noop(
        CM,
        """\
        from django.views import View
        from third import register

        @register
        class V(View):
            async def get(self, request):
                return HttpResponse("x")
        """,
        "`register`, not known",
        **V,
    )
    cbv = "from django.views import View\n\nclass V(View):\n    async def get(self, request):\n        return 1\n"
    check_noop(CM, cbv, "an `as_view()` view is) awaited", project=ProjectIndex(awaited_names=frozenset({"as_view"})), **V)
    check_noop(CM, cbv, "awaits a `.get(...)` call, which may be this handler",
               project=ProjectIndex(awaited_names=frozenset({"get"})), **V)
    check_noop(CM, "from django.views import View\nfrom app import Mixin\n\nclass V(Mixin, View):\n"
               "    async def get(self, request):\n        return 1\n", "inherits from `Mixin`, which cannot be checked", **V)


def test_fixed_messages():
    out = check_transformed(
        CM,
        "async def a(request):\n    return 1\n\nasync def b(request):\n    return await Product.objects.acount()\n",
        "def a(request):\n    return 1\n\ndef b(request):\n    return Product.objects.count()\n",
        **V,
    )
    fixed = [d.message for d in out.diagnostics if d.kind == "fixed"]
    assert fixed == [
        "view 'a' made sync: it awaits nothing, so async bought nothing",
        "view 'b' made sync: its only async work is one DB call, which async runs in a thread anyway",
    ]


# --------------------------------------------------------------------------- callers in other files
CALLED_VIEWS = '''\
from django.http import HttpResponse
from django.views import View


async def awaited(request):
    return HttpResponse("a")


async def gathered(request):
    return HttpResponse("g")


async def tasked(request):
    return HttpResponse("t")


async def futured(request):
    return HttpResponse("f")


async def wrapped(request):
    return HttpResponse("w")


async def alone(request):
    return HttpResponse("x")


async def inner(request):
    return HttpResponse("i")


async def outer(request):
    return await inner(request)
'''

CALLERS = '''\
import asyncio

from asgiref.sync import async_to_sync

from shop import views
from shop.views import futured, gathered, tasked, wrapped


async def combined(request):
    first = await views.awaited(request)
    rest = await asyncio.gather(gathered(request), asyncio.sleep(0))
    asyncio.create_task(tasked(request))
    asyncio.ensure_future(futured(request))
    return first, rest


sync_wrapped = async_to_sync(wrapped)
'''


def test_views_awaited_or_scheduled_in_another_file_stay_async(tmp_path):
    from codemods.config import Settings
    from codemods.runner import run

    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "views.py").write_text(CALLED_VIEWS)
    (tmp_path / "shop" / "tasks.py").write_text(CALLERS)
    result = run([tmp_path], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert not result.failed
    after = (tmp_path / "shop" / "views.py").read_text()
    assert "\ndef alone(request):" in after
    diagnostics = {d.message for f in result.files for d in f.diagnostics}
    assert "view 'outer' left async: awaits `inner(request)`, which is not a Django DB call with a sync twin" in diagnostics
    for name in ("awaited", "gathered", "tasked", "futured", "wrapped", "inner"):
        assert f"\nasync def {name}(request):" in after
        caller = "views.py" if name == "inner" else "tasks.py"  # the refusal names the awaiting file
        assert any(
            m.startswith(f"view {name!r} left async: is awaited or scheduled in ")
            and m.endswith(f"shop/{caller}; it must stay a coroutine")
            for m in diagnostics
        ), (name, diagnostics)
    assert "view 'alone' made sync: it awaits nothing, so async bought nothing" in diagnostics
    assert (tmp_path / "shop" / "tasks.py").read_text() == CALLERS


def test_added_sync_names_keep_a_sorted_import_sorted():
    # aget_object_or_404 stays (the async view below still uses it): get_object_or_404 joins the
    # import at its sorted place, in a one-line import and in a parenthesised one alike.
    for before_import, after_import in [
        (
            "from django.shortcuts import aget_object_or_404, redirect, render\n",
            "from django.shortcuts import aget_object_or_404, get_object_or_404, redirect, render\n",
        ),
        (
            "from django.shortcuts import (\n    aget_object_or_404,\n    render,\n)\n",
            "from django.shortcuts import (\n    aget_object_or_404,\n    get_object_or_404,\n    render,\n)\n",
        ),
        (
            "from django.shortcuts import aget_object_or_404, aget_list_or_404\n",
            "from django.shortcuts import aget_object_or_404, aget_list_or_404, get_object_or_404\n",
        ),
    ]:
        body = (
            "\n\nasync def v(request, pk):\n    return await aget_object_or_404(Product, pk=pk)\n"
            "\n\nasync def keep(request, pk):\n"
            "    return (await aget_object_or_404(Product, pk=pk), await aget_list_or_404(Product), await remote())\n"
        )
        check_transformed(
            CM,
            before_import + body,
            after_import + body.replace("async def v", "def v", 1).replace(
                "return await aget_object_or_404(Product, pk=pk)\n", "return get_object_or_404(Product, pk=pk)\n", 1
            ),
            expect=["view 'keep' left async"],
            **V,
        )


def test_import_layouts():
    check_transformed(
        CM,
        """\
        \"\"\"Views.\"\"\"
        from django.shortcuts import (
            aget_object_or_404,  # the async one
            render,
        )

        __all__ = ["aget_list_or_404"]


        async def v(request, pk):
            return render(request, "x.html", {"item": await aget_object_or_404(Product, pk=pk)})
        """,
        """\
        \"\"\"Views.\"\"\"
        from django.shortcuts import (
            get_object_or_404,  # the async one
            render,
        )

        __all__ = ["aget_list_or_404"]


        def v(request, pk):
            return render(request, "x.html", {"item": get_object_or_404(Product, pk=pk)})
        """,
        **V,
    )
    check_transformed(
        CM,
        """\
        \"\"\"Views.\"\"\"
        import django.shortcuts


        def helper():
            from django.shortcuts import get_object_or_404
            return get_object_or_404


        async def v(request, pk):
            return await django.shortcuts.aget_object_or_404(Product, pk=pk)


        async def w(request, pk):
            from django.shortcuts import aget_list_or_404
            return await aget_list_or_404(Product, pk=pk)
        """,
        """\
        \"\"\"Views.\"\"\"
        import django.shortcuts


        def helper():
            from django.shortcuts import get_object_or_404
            return get_object_or_404


        def v(request, pk):
            return django.shortcuts.get_object_or_404(Product, pk=pk)


        async def w(request, pk):
            from django.shortcuts import aget_list_or_404
            return await aget_list_or_404(Product, pk=pk)
        """,
        expect=["view 'w' left async: awaits `aget_list_or_404(Product, pk=pk)`"],
        **V,
    )
    check_transformed(
        CM,
        """\
        from django.shortcuts import (
            render,
            aget_object_or_404,
        )
        from django.shortcuts import aget_list_or_404

        async def v(request, pk):
            return render(request, "x.html", {"item": await aget_object_or_404(Product, pk=pk)})

        async def w(request):
            return render(request, "x.html", {"items": await aget_list_or_404(Product)})

        async def keep(request):
            return render(request, "x.html", {"items": await aget_list_or_404(Product), "n": await remote()})
        """,
        """\
        from django.shortcuts import (
            render,
            get_object_or_404,
            get_list_or_404,
        )
        from django.shortcuts import aget_list_or_404

        def v(request, pk):
            return render(request, "x.html", {"item": get_object_or_404(Product, pk=pk)})

        def w(request):
            return render(request, "x.html", {"items": get_list_or_404(Product)})

        async def keep(request):
            return render(request, "x.html", {"items": await aget_list_or_404(Product), "n": await remote()})
        """,
        expect=["view 'keep' left async"],
        **V,
    )
    check_transformed(
        CM,
        """\
        \"\"\"Views.\"\"\"


        def helper():
            from django.shortcuts import get_object_or_404
            return get_object_or_404


        async def v(request, pk):
            return await aget_object_or_404(Product, pk=pk)


        from django.shortcuts import aget_object_or_404
        """,
        """\
        \"\"\"Views.\"\"\"


        def helper():
            from django.shortcuts import get_object_or_404
            return get_object_or_404


        def v(request, pk):
            return get_object_or_404(Product, pk=pk)


        from django.shortcuts import get_object_or_404
        """,
        **V,
    )
    check_transformed(
        CM,
        """\
        \"\"\"Views.\"\"\"
        try:
            from django.shortcuts import aget_object_or_404
        except ImportError:
            aget_object_or_404 = None


        async def v(request, pk):
            return await aget_object_or_404(Product, pk=pk)
        """,
        """\
        \"\"\"Views.\"\"\"
        from django.shortcuts import get_object_or_404
        try:
            from django.shortcuts import aget_object_or_404
        except ImportError:
            aget_object_or_404 = None


        def v(request, pk):
            return get_object_or_404(Product, pk=pk)
        """,
        **V,
    )


def test_more_refusals():
    check_noop(CM, "async def v(request):\n    class Rows:\n        async def __anext__(self):\n            return 1\n"
               "    return StreamingHttpResponse(Rows())\n", "defines the coroutine function '__anext__'", **V)
    check_noop(CM, "async def v(request):\n    import asyncio\n    return asyncio.get_running_loop()\n",
               "imports asyncio, which needs the event loop", **V)
    check_noop(CM, "async def v(request):\n    return [p async for p in await Product.objects.aiterator()]\n",
               "awaits `Product.objects.aiterator()`", **V)
    check_noop(CM, "from django.shortcuts import aget_object_or_404\n\n\ndef get_object_or_404(*a):\n    return 1\n\n\n"
               "async def v(request):\n    return await aget_object_or_404(Product)\n",
               "the name 'get_object_or_404' already means something else", **V)
    check_noop(CM, "from django.views import View\n\nclass V(View):\n    async def get(self, request):\n        return 1\n\n"
               "    async def post(self, request):  # dj-asyncify: skip\n        return 1\n",
               "handler 'post' is marked `# dj-asyncify: skip`", **V)


def test_view_bases():
    src = """\
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.views.generic import TemplateView

        class V(LoginRequiredMixin, TemplateView):
            async def post(self, request):
                return HttpResponse("x")
        """
    check_transformed(CM, src, src.replace("async def", "def"), **V)
    # a Django class that is not a view: not a class-based view at all
    check_noop(CM, "from django.contrib.auth.backends import ModelBackend\n\nclass B(ModelBackend):\n"
               "    async def get(self, request):\n        return 1\n", "its bases (ModelBackend) are not known Django views",
               **V)
    check_noop(CM, "from django.contrib.auth.backends import ModelBackend\nfrom django.views import View\n\n"
               "class B(ModelBackend, View):\n    async def get(self, request):\n        return 1\n",
               "inherits from `ModelBackend`, which cannot be checked", **V)
    check_noop(CM, "from django.db import transaction\n\n@transaction.atomic\nasync def v(request):\n    return 1\n",
               "`transaction.atomic`, not known", **V)
    src = "from django.db import transaction\n\n@transaction.non_atomic_requests\nasync def v(request):\n    return 1\n"
    check_transformed(CM, src, src.replace("async def", "def"), **V)


def test_long_awaits_are_shown_on_one_line():
    check_noop(
        CM,
        """\
        async def v(request):
            return await asyncio.gather(
                fetch(settings.UPSTREAM_URL + "/recommendations", timeout=10),
                fetch(settings.UPSTREAM_URL + "/promotions", timeout=10),
            )
        """,
        "awaits `asyncio.gather( fetch(settings.UPSTREAM_URL + \"/recommend...`, which is not",
        **V,
    )


def test_positional_only_request():
    check_transformed(
        CM,
        "async def v(request, /, pk):\n    return (await request.auser()).pk == pk\n",
        "def v(request, /, pk):\n    return request.user.pk == pk\n",
        **V,
    )


def test_parentheses_around_a_multiline_await_stay():
    check_transformed(
        CM,
        """\
        async def v(request):
            n = (
                await Product.objects
                .filter(active=True)
                .acount()
            )
            return JsonResponse({"n": n})
        """,
        """\
        def v(request):
            n = (
                Product.objects
                .filter(active=True)
                .count()
            )
            return JsonResponse({"n": n})
        """,
        **V,
    )


def test_streaming_without_content_and_aiterator_arguments():
    check_transformed(
        CM,
        "from django.http import StreamingHttpResponse\n\nasync def v(request):\n    return StreamingHttpResponse()\n",
        "from django.http import StreamingHttpResponse\n\ndef v(request):\n    return StreamingHttpResponse()\n",
        **V,
    )
    check_transformed(
        CM,
        "async def v(request):\n    async for p in Product.objects.aiterator(chunk_size=size(request)):\n        pass\n",
        "def v(request):\n    for p in Product.objects.iterator(chunk_size=size(request)):\n        pass\n",
        **V,
    )


def test_class_handlers_use_self_request():
    check_transformed(
        CM,
        """\
        from django.views.generic import View

        class Profile(View):
            async def get(self, request):
                user = await self.request.auser()
                return JsonResponse({"name": user.username, "groups": await user.groups.acount()})

            async def post(self, req):
                await self.request.session.aset("theme", req.POST["theme"])
                return HttpResponse(status=204)
        """,
        """\
        from django.views.generic import View

        class Profile(View):
            def get(self, request):
                user = self.request.user
                return JsonResponse({"name": user.username, "groups": user.groups.count()})

            def post(self, req):
                self.request.session["theme"] = req.POST["theme"]
                return HttpResponse(status=204)
        """,
        options={"max-queries": 2},
        **V,
    )


def test_class_hierarchy_in_one_module_converts_together():
    src = """\
        from django.views import View


        class JsonMixin:
            def render(self, data):
                return JsonResponse(data)


        class Base(JsonMixin, View):
            async def get(self, request):
                return self.render({"n": await Product.objects.acount()})


        class Child(Base):
            async def post(self, request):
                return HttpResponse(status=204)


        class Quiet(Base):
            pass
        """
    after = src.replace("async def", "def").replace("await Product.objects.acount()", "Product.objects.count()")
    out = check_transformed(CM, src, after, **V)
    assert [d.message for d in out.diagnostics if d.kind == "fixed"] == [
        (
            "view class 'Base' handler 'get' made sync: its only async work is one DB call, which async runs in a "
            "thread anyway"
        ),
        "view class 'Child' handler 'post' made sync: it awaits nothing, so async bought nothing",
    ]
    check_noop(
        CM,
        src.replace("    async def post(self, request):", "    async def post(self, request):  # dj-asyncify: skip"),
        "view class 'Base' left async: 'Child' (same hierarchy) handler 'post' is marked",
        **V,
    )
    check_noop(
        CM,
        src.replace("class JsonMixin:", "class JsonMixin(ThirdParty):"),
        "view class 'Base' left async: 'JsonMixin' (same hierarchy) inherits from "
        "`ThirdParty`",
        **V,
    )


def test_async_for_over_raw_queryset():
    check_transformed(
        CM,
        "async def v(request):\n    return [p.pk async for p in Product.objects.raw('SELECT id FROM p')]\n",
        "def v(request):\n    return [p.pk for p in Product.objects.raw('SELECT id FROM p')]\n",
        **V,
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


# --------------------------------------------------------------------------- modules urlconfs route to
ROUTED_VIEW = """\
from django.http import JsonResponse
from shop.models import Product

async def product(request, pk):
    item = await Product.objects.aget(pk=pk)
    return JsonResponse({"name": item.name})
"""
ROUTED_VIEW_SYNC = """\
from django.http import JsonResponse
from shop.models import Product

def product(request, pk):
    item = Product.objects.get(pk=pk)
    return JsonResponse({"name": item.name})
"""


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
HANDLERS = """\
from django.http import HttpResponse


async def ping(request):
    return HttpResponse("pong")
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


# --------------------------------------------------------------------------- subclasses in other files
SUBCLASSED_VIEWS = '''\
from django.http import HttpResponse
from django.views import View


class ProductView(View):
    async def get(self, request):
        return HttpResponse("product")
'''
SUBCLASSED_VIEWS_SYNC = SUBCLASSED_VIEWS.replace("async def", "def")
SUBCLASS_REFUSAL = (
    "view class 'ProductView' left async: is subclassed by 'ProductApi' in shop/api_views.py, "
    "which has async request methods"
)


def _subclass_file(body: str, base: str = "ProductView", source: str = "from shop.views import ProductView") -> str:
    return f"from django.http import HttpResponse\n\n{source}\n\n\nclass ProductApi({base}):\n{body}"


def _run_project(tmp_path, monkeypatch, files: dict[str, str]) -> dict[str, list[str]]:
    """Run the codemod over a project (paths shown relative to it); messages per file name."""
    from codemods.config import Settings
    from codemods.runner import run

    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / "shop" / name).write_text(text)
    result = run([tmp_path / "shop"], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert not result.failed
    for name, text in files.items():
        if name != "views.py":
            assert (tmp_path / "shop" / name).read_text() == text  # only the base module is ever rewritten here
    return {f.path.replace("\\", "/").rsplit("/", 1)[-1]: [d.message for d in f.diagnostics] for f in result.files}


def _as_view_in_django(tmp_path) -> str:
    """``ProductApi.as_view()`` in a fresh interpreter with real Django: "ok" or the error."""
    import subprocess
    import sys

    script = (
        "from django.core.exceptions import ImproperlyConfigured\n"
        "from shop.api_views import ProductApi\n"
        "try:\n    ProductApi.as_view()\nexcept ImproperlyConfigured as exc:\n    print(exc)\nelse:\n    print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


ASYNC_POST = "    async def post(self, request):\n        return HttpResponse(status=204)\n"


@pytest.mark.parametrize(
    "body",
    [
        ASYNC_POST,
        "    async def options(self, request):\n        return HttpResponse()\n",  # works only in an async view
        "    async def dispatch(self, request, *args, **kwargs):\n        return HttpResponse()\n",
    ],
)
def test_a_subclass_with_async_request_methods_in_another_file_keeps_the_base_async(tmp_path, monkeypatch, body):
    messages = _run_project(tmp_path, monkeypatch, {"views.py": SUBCLASSED_VIEWS, "api_views.py": _subclass_file(body)})
    assert (tmp_path / "shop" / "views.py").read_text() == SUBCLASSED_VIEWS
    assert messages["views.py"] == [SUBCLASS_REFUSAL]


def test_what_converting_under_an_async_subclass_would_do_in_django(tmp_path, monkeypatch):
    """The premise, with real Django: the base converted alone breaks the subclass's view."""
    _run_project(tmp_path, monkeypatch, {"views.py": SUBCLASSED_VIEWS, "api_views.py": _subclass_file(ASYNC_POST)})
    assert _as_view_in_django(tmp_path) == "ok"  # as the codemod left it
    (tmp_path / "shop" / "views.py").write_text(SUBCLASSED_VIEWS_SYNC)
    assert _as_view_in_django(tmp_path) == "ProductApi HTTP handlers must either be all sync or all async."


@pytest.mark.parametrize(
    "body",
    [
        "    def post(self, request):\n        return HttpResponse(status=204)\n",
        "    template_name = 'api.html'\n",
    ],
)
def test_a_subclass_without_async_request_methods_does_not_block(tmp_path, monkeypatch, body):
    messages = _run_project(tmp_path, monkeypatch, {"views.py": SUBCLASSED_VIEWS, "api_views.py": _subclass_file(body)})
    assert (tmp_path / "shop" / "views.py").read_text() == SUBCLASSED_VIEWS_SYNC
    assert messages["views.py"] == [
        "view class 'ProductView' handler 'get' made sync: it awaits nothing, so async bought nothing"
    ]
    assert _as_view_in_django(tmp_path) == "ok"  # its view is all sync now


def test_an_async_subclass_through_a_class_of_a_third_file_keeps_the_base_async(tmp_path, monkeypatch):
    mixins = (
        "from shop import views\n\n\n"
        "class TrackedProductView(  # counts visits\n    views.ProductView,\n):\n    tracked = True\n"
    )
    api = _subclass_file(ASYNC_POST, base="TrackedProductView", source="from shop.mixins import TrackedProductView")
    files = {"views.py": SUBCLASSED_VIEWS, "mixins.py": mixins, "api_views.py": api}
    messages = _run_project(tmp_path, monkeypatch, files)
    assert (tmp_path / "shop" / "views.py").read_text() == SUBCLASSED_VIEWS
    assert messages["views.py"] == [SUBCLASS_REFUSAL]
    assert _as_view_in_django(tmp_path) == "ok"


def test_the_whole_hierarchy_is_named_and_same_module_subclasses_still_convert(tmp_path, monkeypatch):
    views = SUBCLASSED_VIEWS + (
        "\n\nclass DetailView(ProductView):\n    async def post(self, request):\n        return HttpResponse('d')\n"
    )
    # Through the runner, a subclass in the same module is part of the family, not a blocker ...
    messages = _run_project(tmp_path, monkeypatch, {"views.py": views})
    assert (tmp_path / "shop" / "views.py").read_text() == views.replace("async def", "def")
    assert len(messages["views.py"]) == 2
    # ... and one in another file blocks the whole family: ProductApi derives from DetailView, so from
    # ProductView too, which comes first and is named in the reason of every class with async handlers.
    (tmp_path / "shop" / "views.py").write_text(views)
    (tmp_path / "shop" / "api_views.py").write_text(_subclass_file(ASYNC_POST, base="DetailView",
                                                                   source="from shop.views import DetailView"))
    from codemods.config import Settings
    from codemods.runner import run

    result = run([tmp_path / "shop"], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert (tmp_path / "shop" / "views.py").read_text() == views
    (res,) = [f for f in result.files if f.path.endswith("views.py") and "api" not in f.path]
    assert [d.message for d in res.diagnostics] == [
        SUBCLASS_REFUSAL,
        SUBCLASS_REFUSAL.replace(
            "view class 'ProductView' left async: is subclassed",
            "view class 'DetailView' left async: 'ProductView' (same hierarchy) is "
            "subclassed",
        ),
    ]


def test_a_subclass_in_the_same_module_through_another_file_blocks(tmp_path, monkeypatch):
    """Special derives from ProductView through Tracked of mixins.py, so it is not in ProductView's
    family (whose handlers convert together): it blocks like a subclass in another file."""
    import os

    from codemods.project import file_facts

    monkeypatch.chdir(tmp_path)
    views = SUBCLASSED_VIEWS.replace("import View\n", "import View\n\nfrom shop import mixins\n") + (
        "\n\nclass Special(mixins.Tracked):\n"
        "    async def post(self, request):\n        return HttpResponse(status=204)\n"
    )
    mixins = "from shop.views import ProductView\n\n\nclass Tracked(ProductView):\n    pass\n"
    project = ProjectIndex.build(
        {os.path.abspath("shop/views.py"): file_facts(views), os.path.abspath("shop/mixins.py"): file_facts(mixins)}
    )
    check_noop(
        CM,
        views,
        "view class 'ProductView' left async: is subclassed by 'Special' in shop/views.py, "
        "which has async request methods",
        project=project,
        **V,
    )


# --------------------------------------------------------------------------- views whose async-ness is the point
@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            ("import threading\nfrom django.http import HttpResponse\n\nasync def which_thread(request):\n"
            "    return HttpResponse(str(threading.current_thread().ident))\n"),
            ("view 'which_thread' left async: reads the current thread or thread-local state "
            "(`threading.current_thread`): as a sync view it would run in a worker thread"),
        ),
        ("from threading import get_ident\n\nasync def v(request):\n    return get_ident()\n",
         "reads the current thread or thread-local state (`get_ident`)"),
        ("import threading as t\n\nasync def v(request):\n    return t.get_native_id()\n",
         "(`t.get_native_id`)"),
        ("import threading\n\nasync def v(request):\n    return threading.main_thread() is None\n",
         "(`threading.main_thread`)"),
        ("async def v(request):\n    import threading\n    return threading.local()\n",
         "(`threading.local`)"),
        ("async def v(request):\n    from _thread import get_ident as gi\n    return gi()\n",
         "(`gi`)"),
        ("from asyncio import current_task\n\nasync def v(request):\n    return str(current_task())\n",
         "reads the running event loop or task (`current_task`)"),
        ("import asyncio\n\nasync def v(request):\n    return len(asyncio.all_tasks())\n",
         "reads the running event loop or task (`asyncio.all_tasks`)"),
        ("import asyncio\n\nasync def v(request):\n    return asyncio.get_event_loop().time()\n",
         "(`asyncio.get_event_loop`)"),
        ("import asyncio.events\n\nasync def v(request):\n    return asyncio.events.get_running_loop()\n",
         "(`asyncio.events.get_running_loop`)"),
        ("import contextvars\n\nasync def v(request):\n    return contextvars.copy_context()\n",
         "reads context variables (`contextvars.copy_context`)"),
        (("from contextvars import ContextVar\n\nrequest_id = ContextVar('rid')\n\n"
         "async def v(request):\n    return request_id.get()\n"),
         "reads a context variable of the module (`request_id`)"),
        ("import threading\n\n_state = threading.local()\n\nasync def v(request):\n    return _state.user\n",
         "reads thread-local state of the module (`_state`)"),
        (("import threading\n\nclass State(threading.local):\n    user = None\n\nstate = State()\n\n"
         "async def v(request):\n    return state.user\n"),
         "reads thread-local state of the module (`state`)"),
        ("from asgiref.local import Local\n\nlocal = Local()\n\nasync def v(request):\n    return local.x\n",
         "reads thread-local state of the module (`local`)"),
        ("import sys\n\nasync def v(request):\n    return sys._getframe(1).f_code.co_name\n",
         "reads the call stack (`sys._getframe`)"),
        ("import inspect\n\nasync def v(request):\n    return inspect.stack()[1]\n",
         "reads the call stack (`inspect.stack`)"),
        ("from asgiref.sync import async_to_sync\n\nasync def v(request):\n    return async_to_sync(f)()\n",
         "reads asgiref's sync/async bridging, which depends on the thread and loop it runs in (`async_to_sync`)"),
        ("from asgiref import sync\n\nasync def v(request):\n    return sync.ThreadSensitiveContext()\n",
         "(`sync.ThreadSensitiveContext`)"),
        # also next to the one DB call the view would otherwise be converted for
        (("import threading\n\nasync def v(request, pk):\n    p = await Product.objects.aget(pk=pk)\n"
         "    return (p.pk, threading.get_ident())\n"),
         "(`threading.get_ident`)"),
        # a class-based view's handler
        (("import threading\nfrom django.views import View\n\nclass V(View):\n    async def get(self, request):\n"
         "        return HttpResponse(threading.get_ident())\n"),
         "view class 'V' left async: handler 'get' reads the current thread"),
    ],
)
def test_views_reading_where_they_run_stay_async(source, reason):
    check_noop(CM, source, reason, **V)


@pytest.mark.parametrize(
    "source",
    [
        # the names are bound to something else: a module function, a parameter, a local
        "def current_thread():\n    return 1\n\nasync def v(request):\n    return current_thread()\n",
        "import threading\n\nasync def v(request, threading=None):\n    return threading.get_ident()\n",
        "from contextvars import ContextVar\n\nasync def v(request):\n    ContextVar = dict\n    return ContextVar()\n",
        # threading used elsewhere in the module, not by the view; other threading/sys names
        "import threading\n\nLOCK = threading.Lock()\n\nasync def v(request):\n    return 1\n",
        "import sys\n\nasync def v(request):\n    return sys.version_info\n",
        # an attribute named like a thread-local factory is not one
        "async def v(request):\n    return request.local\n",
    ],
)
def test_views_not_reading_where_they_run_convert(source):
    check_transformed(CM, source, source.replace("async def v", "def v"), **V)


THREAD_VIEWS = """\
import threading

from django.http import JsonResponse
from django.urls import path


async def which_thread(request):
    return JsonResponse({"view": threading.get_ident()})


urlpatterns = [path("t/", which_thread)]
"""

THREAD_SCRIPT = """\
import asyncio, json, threading
import django
from django.conf import settings
settings.configure(ROOT_URLCONF="views", ALLOWED_HOSTS=["*"], SECRET_KEY="x", MIDDLEWARE=[])
django.setup()
from django.test import AsyncClient


async def main():
    loop_thread = threading.get_ident()
    r = await AsyncClient().get("/t/")
    return r.json()["view"] == loop_thread


print(json.dumps(asyncio.run(main())))
"""


def test_real_django_a_view_made_sync_runs_in_another_thread(tmp_path):
    """The premise, with real Django under ASGI: the async view runs on the event loop's thread,
    the same view made sync (what the codemod would have written) in a worker thread."""
    import json
    import subprocess
    import sys

    def on_loop_thread(views: str) -> bool:
        (tmp_path / "views.py").write_text(views)
        (tmp_path / "run.py").write_text(THREAD_SCRIPT)
        proc = subprocess.run(
            [sys.executable, "run.py"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    assert on_loop_thread(THREAD_VIEWS) is True
    assert on_loop_thread(THREAD_VIEWS.replace("async def", "def")) is False
    check_noop(CM, THREAD_VIEWS, "view 'which_thread' left async: reads the current thread", path="app/views.py")


TEST_MODULE_VIEWS = """\
from django.http import HttpResponse
from django.test import AsyncClient, SimpleTestCase, override_settings
from django.urls import path
from django.views import View


async def health(request):
    return HttpResponse("ok")


class Ping(View):
    async def get(self, request):
        return HttpResponse("pong")


urlpatterns = [path("health/", health), path("ping/", Ping.as_view())]


@override_settings(ROOT_URLCONF=__name__)
class MiddlewareRunsOnEventLoop(SimpleTestCase):
    async def test_async_view(self):
        response = await AsyncClient().get("/health/")
        self.assertEqual(response.status_code, 200)
"""


@pytest.mark.parametrize(
    "path",
    [
        "app/test_mw.py", "app/tests.py", "app/views_tests.py", "app/views_test.py", "conftest.py",
        "app/conftest.py", "tests/views.py", "tests/integrations/django/myapp/views.py", "app/tests/views.py",
        "wagtail/test/testapp/views.py", "test/urls.py",
    ],
)
def test_test_modules_are_left_alone_silently(path):
    from codemods.project import file_facts

    # routed to by a urlconf (here: its own urlpatterns, as with ROOT_URLCONF=__name__) or called views.py
    project = ProjectIndex.build({path: file_facts(TEST_MODULE_VIEWS)})
    assert project.routes_to(path)
    check_noop(CM, TEST_MODULE_VIEWS, None, path=path, project=project)


@pytest.mark.parametrize("path", ["app/views.py", "app/testing.py", "app/contest.py", "attests/views.py",
                                  "app/latest_tests_x.py", "testapp/views.py"])
def test_modules_named_like_but_not_test_modules_convert(path):
    from codemods.project import file_facts

    project = ProjectIndex.build({path: file_facts(TEST_MODULE_VIEWS)})
    out = check_transformed(
        CM, TEST_MODULE_VIEWS,
        TEST_MODULE_VIEWS.replace("async def health", "def health").replace("    async def get", "    def get"),
        path=path, project=project,
    )
    assert [d.message for d in out.diagnostics if d.kind == "fixed"] == [
        "view 'health' made sync: it awaits nothing, so async bought nothing",
        "view class 'Ping' handler 'get' made sync: it awaits nothing, so async bought nothing",
    ]


def test_test_folders_count_below_the_working_folder_only(tmp_path, monkeypatch):
    # a checkout that lives in a folder named `test`: run from inside it, its files are not tests
    from codemods.config import Settings
    from codemods.runner import run

    proj = tmp_path / "test" / "proj"
    (proj / "shop").mkdir(parents=True)
    (proj / "shop" / "views.py").write_text(ROUTED_VIEW)
    monkeypatch.chdir(proj)
    result = run([proj / "shop"], Settings(select=(CM,), root=proj, jobs=1), mode="apply")
    assert not result.failed
    assert (proj / "shop" / "views.py").read_text() == ROUTED_VIEW_SYNC


def test_the_r6_repro_end_to_end(tmp_path, monkeypatch):
    """A thread-reading view refused with a diagnostic, a test module's view left alone without one."""
    from codemods.config import Settings
    from codemods.runner import run

    app = tmp_path / "app"
    app.mkdir()
    views = (
        "import threading\n\nfrom django.http import HttpResponse\n\n\nasync def which_thread(request):\n"
        "    return HttpResponse(str(threading.current_thread().ident))\n"
    )
    (app / "views.py").write_text(views)
    (app / "test_mw.py").write_text(TEST_MODULE_VIEWS)
    monkeypatch.chdir(tmp_path)
    result = run([tmp_path / "app"], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert not result.failed and not result.changed
    assert (app / "views.py").read_text() == views
    assert (app / "test_mw.py").read_text() == TEST_MODULE_VIEWS
    messages = {f.path.replace("\\", "/").rsplit("/", 1)[-1]: [d.message for d in f.diagnostics] for f in result.files}
    assert messages["test_mw.py"] == []
    assert len(messages["views.py"]) == 1
    assert messages["views.py"][0].startswith(
        "view 'which_thread' left async: reads the current thread or thread-local state "
        "(`threading.current_thread`)"
    )


def test_test_module_rule_is_layouts_without_test_py():
    """The rule is codemods.knowledge.layout's, ``test.py`` not counted, and any file judged by its
    name less ``.py`` (as this codemod did before the rule moved there)."""
    from codemods.rules.async_views_to_sync.finding import is_test_module

    expected = {
        "shop/tests.py": True, "shop/test_views.py": True, "shop/views_test.py": True,
        "shop/views_tests.py": True, "shop/conftest.py": True, "shop/tests/views.py": True,
        "test/views.py": True, "shop/test.py": False, "shop/views.py": False, "shop/testing.py": False,
        "shop/contest.py": False, "shop/attests.py": False,
        # names not ending in .py (a file named on the command line)
        "tests": True, "conftest": True, "shop/test_script": True, "shop/test_views.pyi": True,
        "shop/test": False, "shop/views_test.pyi": False, "shop/views": False,
        "": False, ".": False,
    }
    assert {p: is_test_module(p) for p in expected} == expected


def test_view_facts_come_from_the_shared_tables():
    from codemods.knowledge import http, orm
    from codemods.knowledge.views import HANDLERS
    from codemods.rules.async_views_to_sync.kinds import INSTANCE_RESULTS, PAIR_RESULTS
    from codemods.rules.async_views_to_sync.plan import METHODS

    assert set(HANDLERS) == set(http.METHODS)
    # a "queryset" receiver takes every manager's methods; an "instance" a user's
    assert set(METHODS["queryset"]) == orm.names(orm.QUERYSET, orm.RELATED, orm.USER_MANAGER)
    assert set(METHODS["instance"]) == orm.names(orm.INSTANCE, orm.USER)
    assert INSTANCE_RESULTS == {"aget", "acreate", "afirst", "alast", "alatest", "aearliest", "acreate_user",
                                "acreate_superuser"}
    assert PAIR_RESULTS == {"aget_or_create", "aupdate_or_create"}
