"""async-orm: each form before/after, the receivers it does not know (silent), versions, imports."""

from __future__ import annotations

import pytest

from tests.async_orm_support import CM, shop
from tests.harness import check_noop, check_transformed, rewrite

HEAD = "from shop.models import Category, Product\n\n\n"


def _t(before: str, after: str, tmp_path, **kw):
    return check_transformed(CM, HEAD + before, HEAD + after, path=shop(tmp_path), **kw)


def _n(src: str, reason, tmp_path, **kw):
    return check_noop(CM, HEAD + src, reason, path=shop(tmp_path), **kw)


@pytest.mark.parametrize(
    ("line", "new"),
    [
        ("x = Product.objects.get(pk=1)", "x = await Product.objects.aget(pk=1)"),
        ("x = Product.objects.filter(a=1).count()", "x = await Product.objects.filter(a=1).acount()"),
        ("x = Product.objects.exclude(a=1).exists()", "x = await Product.objects.exclude(a=1).aexists()"),
        ("x = Product.objects.order_by('n').first()", "x = await Product.objects.order_by('n').afirst()"),
        ("x = Product.objects.latest('pk')", "x = await Product.objects.alatest('pk')"),
        ("x = Product.objects.aggregate(n=Count('pk'))", "x = await Product.objects.aaggregate(n=Count('pk'))"),
        ("x = Product.objects.in_bulk([1])", "x = await Product.objects.ain_bulk([1])"),
        ("Product.objects.create(name='a')", "await Product.objects.acreate(name='a')"),
        ("x, c = Product.objects.get_or_create(name='a')", "x, c = await Product.objects.aget_or_create(name='a')"),
        ("Product.objects.filter(a=1).update(b=2)", "await Product.objects.filter(a=1).aupdate(b=2)"),
        ("Product.objects.filter(a=1).delete()", "await Product.objects.filter(a=1).adelete()"),
        ("Product.objects.bulk_create([])", "await Product.objects.abulk_create([])"),
        ("x = Product.objects.all()[:5].count()", "x = await Product.objects.all()[:5].acount()"),
        ("x = Product._default_manager.get(pk=1)", "x = await Product._default_manager.aget(pk=1)"),
        ("print(Product.objects.get(pk=1).name)", "print((await Product.objects.aget(pk=1)).name)"),
    ],
)
def test_queryset_calls_become_awaited_twins(line, new, tmp_path):
    _t(f"async def f():\n    {line}\n", f"async def f():\n    {new}\n", tmp_path)


def test_names_bound_to_querysets_and_instances(tmp_path):
    _t(
"""\
async def f(pk):
    qs = Product.objects.filter(stock__gt=0)
    qs = qs.order_by("name")
    n = qs.count()
    item = Product.objects.get(pk=pk)
    item.stock += 1
    item.save()
    item.refresh_from_db()
    made = Product(name="n")
    made.save()
    other, created = Category.objects.get_or_create(name="c")
    other.delete()
    return n
""",
"""\
async def f(pk):
    qs = Product.objects.filter(stock__gt=0)
    qs = qs.order_by("name")
    n = await qs.acount()
    item = await Product.objects.aget(pk=pk)
    item.stock += 1
    await item.asave()
    await item.arefresh_from_db()
    made = Product(name="n")
    await made.asave()
    other, created = await Category.objects.aget_or_create(name="c")
    await other.adelete()
    return n
""",
        tmp_path,
    )


def test_loops_comprehensions_list_and_iterator(tmp_path):
    _t(
        """\
async def f():
    for p in Product.objects.all():
        p.save()
    for p in Product.objects.filter(a=1).iterator(chunk_size=10):
        print(p)
    names = [p.name for p in Product.objects.all()]
    ids = {p.pk: p for p in Product.objects.all()}
    rows = list(Product.objects.values_list("name", flat=True))
    return names, ids, rows
""",
        """\
async def f():
    async for p in Product.objects.all():
        await p.asave()
    async for p in Product.objects.filter(a=1).aiterator(chunk_size=10):
        print(p)
    names = [p.name async for p in Product.objects.all()]
    ids = {p.pk: p async for p in Product.objects.all()}
    rows = [row async for row in Product.objects.values_list("name", flat=True)]
    return names, ids, rows
""",
        tmp_path,
    )


def test_related_managers_on_target_versions(tmp_path):
    before = """\
async def f(pk, tag):
    item = Product.objects.get(pk=pk)
    item.tags.add(tag)
    n = item.tags.count()
    Category.objects.get(pk=1).product_set.create(name="x")
    return n
"""
    _t(
        before,
        """\
async def f(pk, tag):
    item = await Product.objects.aget(pk=pk)
    await item.tags.aadd(tag)
    n = await item.tags.acount()
    await (await Category.objects.aget(pk=1)).product_set.acreate(name="x")
    return n
""",
        tmp_path,
    )
    out = rewrite(CM, HEAD + before, path=shop(tmp_path), target_django=(4, 1))
    assert "await item.tags.aadd(tag)" not in out.source and "await item.tags.acount()" in out.source
    assert any("aadd arrived in Django 4.2 (target is 4.1)" in d.message for d in out.diagnostics)


def test_shortcuts_and_auth_functions_become_their_a_forms_with_imports(tmp_path):
    check_transformed(
        CM,
        """\
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import get_object_or_404, get_list_or_404, render
from shop.models import Product


async def f(request, pk):
    item = get_object_or_404(Product, pk=pk)
    items = get_list_or_404(Product.objects.filter(stock=0))
    user = authenticate(request, username="u", password="p")
    login(request, user)
    logout(request)
    item.save()
    return render(request, "x.html", {"n": len(items)})
""",
        """\
from django.contrib.auth import aauthenticate, alogin, alogout
from django.shortcuts import aget_object_or_404, aget_list_or_404, render
from shop.models import Product


async def f(request, pk):
    item = await aget_object_or_404(Product, pk=pk)
    items = await aget_list_or_404(Product.objects.filter(stock=0))
    user = await aauthenticate(request, username="u", password="p")
    await alogin(request, user)
    await alogout(request)
    await item.asave()
    return render(request, "x.html", {"n": len(items)})
""",
        path=shop(tmp_path),
    )


def test_shortcut_kept_where_the_sync_name_is_still_used_and_module_form(tmp_path):
    check_transformed(
        CM,
        """\
from django import shortcuts
from django.shortcuts import get_object_or_404
from shop.models import Product


def sync_view(request):
    return get_object_or_404(Product, pk=1)


async def f(request):
    a = get_object_or_404(Product, pk=1)
    b = shortcuts.get_object_or_404(Product, pk=2)
    return a, b
""",
        """\
from django import shortcuts
from django.shortcuts import aget_object_or_404, get_object_or_404
from shop.models import Product


def sync_view(request):
    return get_object_or_404(Product, pk=1)


async def f(request):
    a = await aget_object_or_404(Product, pk=1)
    b = await shortcuts.aget_object_or_404(Product, pk=2)
    return a, b
""",
        path=shop(tmp_path),
    )


def test_shortcuts_need_django_5(tmp_path):
    check_noop(
        CM,
        "from django.shortcuts import get_object_or_404\nfrom shop.models import Product\n\n\n"
        "async def f():\n    return get_object_or_404(Product, pk=1)\n",
        "its async twin aget_object_or_404 arrived in Django 5.0 (target is 4.2)",
        path=shop(tmp_path),
        target_django=(4, 2),
    )


def test_instance_methods_need_django_4_2(tmp_path):
    _n(
        "async def f():\n    p = Product(name='a')\n    p.save()\n",
        "p.save() raises SynchronousOnlyOperation here; its async twin asave arrived in Django 4.2 (target is 4.1)",
        tmp_path,
        target_django=(4, 1),
    )


@pytest.mark.parametrize(
    "src",
    [
        # not known to be Django's: a parameter, self's attributes, a client, a dict
        "async def f(qs):\n    return qs.count()\n",
        "class V:\n    async def get(self):\n        return self.model.objects.get(pk=1)\n",
        "async def f(client):\n    return client.get('/')\n",
        "async def f():\n    d = {}\n    return d.get('a')\n",
        "async def f(request):\n    return request.session.get('k')\n",
        # bound two ways: unknown
        "async def f(c):\n    x = Product.objects.all()\n    if c:\n        x = []\n    return x.count()\n",
        # already async
        "async def f():\n    return await Product.objects.acount()\n",
        "async def f():\n    return [p async for p in Product.objects.all()]\n",
        # nested sync def and lambda: they run where the caller runs them (a thread, often)
        "async def f():\n    def inner():\n        return Product.objects.count()\n    return inner\n",
        "async def f():\n    return sorted([], key=lambda p: Product.objects.get(pk=p).name)\n",
        # sync code
        "def f():\n    return Product.objects.get(pk=1)\n",
        # a model instance's own methods other than save/delete/refresh_from_db
        "async def f():\n    p = Product(name='a')\n    return p.get_absolute_url()\n",
    ],
)
def test_unknown_or_right_where_it_is_is_left_silently(src, tmp_path):
    _n(src, None, tmp_path)


def test_a_class_of_the_module_is_a_model():
    check_transformed(
        CM,
        """\
from django.db import models


class Thing(models.Model):
    name = models.CharField(max_length=9)


async def f():
    return Thing.objects.count()
""",
        """\
from django.db import models


class Thing(models.Model):
    name = models.CharField(max_length=9)


async def f():
    return await Thing.objects.acount()
""",
    )


def test_idempotent_on_its_own_output(tmp_path):
    out = rewrite(CM, HEAD + "async def f():\n    for p in Product.objects.all():\n        p.save()\n", path=shop(tmp_path))
    again = rewrite(CM, out.source, path=shop(tmp_path))
    assert again.source == out.source and "async for" in out.source


def test_in_one_run_with_async_views_to_sync_a_view_left_with_one_query_becomes_sync(tmp_path):
    from codemods.config import Settings
    from codemods.project import ProjectIndex
    from codemods.registry import get
    from codemods.runner import transform_source

    src = (
        "from django.http import JsonResponse\n" + HEAD + "async def product(request, pk):\n"
        "    item = Product.objects.get(pk=pk)\n    return JsonResponse({'name': item.name})\n"
    )
    chosen = [get(CM), get("async-views-to-sync")]
    assert [c.name for c in sorted(chosen, key=lambda c: c.order)] == [CM, "async-views-to-sync"]
    settings = Settings(select=(CM, "async-views-to-sync"), target_django=(5, 2))
    out = transform_source(src, shop(tmp_path), settings, ProjectIndex(), chosen)
    assert out.error is None
    assert "def product(request, pk):\n    item = Product.objects.get(pk=pk)" in out.source
    assert "async def" not in out.source
    alone = transform_source(src, shop(tmp_path), Settings(select=(CM,)), ProjectIndex(), [get(CM)])
    assert "async def product" in alone.source and "await Product.objects.aget(pk=pk)" in alone.source


def test_runs_between_requests_to_httpx_and_gather_awaits():
    assert get_order("requests-to-httpx") < get_order(CM) < get_order("gather-awaits") < get_order("async-views-to-sync")


def get_order(name: str) -> int:
    from codemods.registry import get

    return get(name).order


def test_each_async_function_it_rewrites_is_reported_with_its_count(tmp_path):
    """A rewrite is told (``-v`` and the run's summary count it): one ``fixed`` line a function."""
    src = HEAD + (
        "async def f(pk):\n    x = Product.objects.get(pk=pk)\n    return [p async for p in Product.objects.all()], x\n\n\n"
        "async def g():\n    return Product.objects.count()\n\n\n"
        "async def h():\n    return 1\n"
    )
    outcome = rewrite(CM, src, path=shop(tmp_path))
    fixed = [(d.line, d.message) for d in outcome.diagnostics if d.kind == "fixed"]
    assert fixed == [
        (4, "1 sync ORM call(s) or loop(s) now use the async ORM"),
        (9, "1 sync ORM call(s) or loop(s) now use the async ORM"),
    ]
    outcome = rewrite(CM, HEAD + "async def f():\n    for p in Product.objects.all():\n        p.save()\n", path=shop(tmp_path))
    assert [d.message for d in outcome.diagnostics if d.kind == "fixed"] == [
        "2 sync ORM call(s) or loop(s) now use the async ORM"
    ]
    again = rewrite(CM, outcome.source, path=shop(tmp_path))
    assert again.source == outcome.source and not [d for d in again.diagnostics if d.kind == "fixed"]


def test_what_it_says_about_a_view_the_run_then_makes_sync_is_dropped(tmp_path):
    # len(qs) evaluates synchronously in an async view (DJA504, "use await qs.acount()"); once
    # async-views-to-sync has made the view sync, len(qs) is fine and the advice is wrong: neither
    # that warning nor async-orm's "fixed" note on the view is left. Another async function of the
    # same file keeps both.
    from codemods.config import Settings
    from codemods.project import ProjectIndex
    from codemods.registry import get
    from codemods.runner import transform_source

    body = "    rows = Product.objects.filter(pk=pk)\n    item = Product.objects.get(pk=pk)\n    return len(rows), item\n"
    src = HEAD + "async def product(request, pk):\n" + body + "\n\nasync def helper(pk):\n" + body
    chosen = [get(CM), get("async-views-to-sync")]
    settings = Settings(select=(CM, "async-views-to-sync"), target_django=(5, 2))
    path = shop(tmp_path)
    out = transform_source(src, path, settings, ProjectIndex(), chosen)
    alone = transform_source(src, path, Settings(select=(CM,)), ProjectIndex(), [get(CM)])
    assert out.error is None and alone.error is None
    assert "def product(request, pk):\n    rows = Product.objects.filter(pk=pk)\n    item = Product.objects.get(pk=pk)" in out.source
    assert "async def helper(pk):" in out.source and "await Product.objects.aget(pk=pk)" in out.source
    helper_line = src.splitlines().index("async def helper(pk):") + 1

    def said(outcome, codemod):
        return sorted((d.line >= helper_line, d.code) for d in outcome.diagnostics if d.codemod == codemod)

    # Alone, async-orm speaks of both functions; in the run, only of the one still async.
    assert said(alone, CM) == [(False, ""), (False, "DJA504"), (True, ""), (True, "DJA504")]
    assert said(out, CM) == [(True, ""), (True, "DJA504")]
    assert any(d.codemod == "async-views-to-sync" and d.kind == "fixed" for d in out.diagnostics)
