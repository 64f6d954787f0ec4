"""async-views-to-sync: every async twin (ORM, shortcuts, auth...) back to its sync call."""

from __future__ import annotations

import pytest

from tests.async_views_to_sync_support import CM, V, check_transformed

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
