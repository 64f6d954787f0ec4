"""async-views-to-sync: refusals, decorators and class-based views."""

from __future__ import annotations

import pytest

from codemods.project import ProjectIndex
from tests.async_views_to_sync_support import CM, V, check_noop, check_transformed


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
