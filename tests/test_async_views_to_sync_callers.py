"""async-views-to-sync: views awaited in other files stay async; imports, layouts and more shapes."""

from __future__ import annotations

from tests.async_views_to_sync_support import CM, V, check_noop, check_transformed

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
