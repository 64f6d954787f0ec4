"""async-orm against a real Django test database, in a subprocess: the code before raises
SynchronousOnlyOperation (thread-wrapped forms: give the same result), the code after returns the
same data. Run by Django's own test runner (an async TestCase) and by pytest-django."""

from __future__ import annotations

import textwrap

from tests.async_orm_support import django_project, run, shop
from tests.harness import rewrite

# Every function raises SynchronousOnlyOperation as written (its first query runs in async code).
DIRECT = """\
from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404

from shop.models import Category, Product, Tag


async def names():
    return [p.name for p in Product.objects.order_by("name")]


async def count_and_first():
    qs = Product.objects.filter(stock__gt=0)
    n = qs.count()
    first = Product.objects.order_by("name").first()
    return n, first.name


async def restock(pk):
    item = Product.objects.get(pk=pk)
    item.stock += 5
    item.save()
    item.refresh_from_db()
    return item.stock


async def listed():
    return list(Product.objects.order_by("name").values_list("name", flat=True))


async def iterated():
    out = []
    for p in Product.objects.order_by("name").iterator():
        out.append(p.stock)
    return out


async def shortcut(pk):
    return get_object_or_404(Product, pk=pk).name


async def created():
    cat, made = Category.objects.get_or_create(name="new")
    item = Product.objects.create(name="zz", category=cat)
    tag = Tag.objects.create(name="t")
    item.tags.add(tag)
    return made, item.tags.count(), Product.objects.filter(category=cat).exists()


async def cleared():
    Product.objects.filter(stock=0).delete()
    return Product.objects.count()


async def no_user():
    return authenticate(username="nobody", password="x")
"""

# Thread-wrapped: these work as written; after the rewrite they must give the same.
WRAPPED = """\
from asgiref.sync import sync_to_async

from shop.models import Product


async def wrapped_get(pk):
    p = await sync_to_async(Product.objects.get)(pk=pk)
    return p.name


async def wrapped_list():
    rows = await sync_to_async(list)(Product.objects.order_by("name"))
    return [p.name for p in rows]


async def wrapped_lambda():
    p = await sync_to_async(lambda: Product.objects.order_by("-name").first())()
    return p.name


async def wrapped_save(pk):
    p = await Product.objects.aget(pk=pk)
    p.stock = 99
    await sync_to_async(p.save)()
    return (await Product.objects.aget(pk=pk)).stock
"""

# name -> (arguments as code, the expected result as code)
CASES = {
    "names": ("", "['hammer', 'saw']"),
    "count_and_first": ("", "(1, 'hammer')"),
    "restock": ("self.saw.pk", "6"),
    "listed": ("", "['hammer', 'saw']"),
    "iterated": ("", "[0, 1]"),
    "shortcut": ("self.saw.pk", "'saw'"),
    "created": ("", "(True, 1, True)"),
    "cleared": ("", "1"),
    "no_user": ("", "None"),
}
WRAPPED_CASES = {
    "wrapped_get": ("self.saw.pk", "'saw'"),
    "wrapped_list": ("", "['hammer', 'saw']"),
    "wrapped_lambda": ("", "'saw'"),
    "wrapped_save": ("self.saw.pk", "99"),
}


def _converted(tmp_path, source: str, name: str) -> str:
    out = rewrite("async-orm", source, path=shop(tmp_path, name))
    assert out.error is None, out.error
    assert not [d for d in out.diagnostics if d.kind == "refused"], [d.message for d in out.diagnostics]
    assert out.source != source and "sync_to_async" not in out.source
    return out.source


def _django_tests() -> str:
    lines = [
        "from django.core.exceptions import SynchronousOnlyOperation",
        "from django.test import TestCase",
        "",
        "from shop import after, before, wrapped_after, wrapped_before",
        "from shop.models import Category, Product",
        "",
        "",
        "class OrmTests(TestCase):",
        "    @classmethod",
        "    def setUpTestData(cls):",
        "        tools = Category.objects.create(name='tools')",
        "        cls.saw = Product.objects.create(name='saw', stock=1, category=tools)",
        "        Product.objects.create(name='hammer', stock=0, category=tools)",
        "",
    ]
    for name, (args, expected) in CASES.items():
        lines += [
            f"    async def test_{name}_before_raises(self):",
            "        with self.assertRaises(SynchronousOnlyOperation):",
            f"            await before.{name}({args})",
            "",
            f"    async def test_{name}_after(self):",
            f"        self.assertEqual(await after.{name}({args}), {expected})",
            "",
        ]
    for name, (args, expected) in WRAPPED_CASES.items():
        lines += [
            f"    async def test_{name}_same(self):",
            f"        self.assertEqual(await wrapped_before.{name}({args}), {expected})",
            "",
            f"    async def test_{name}_after(self):",
            f"        self.assertEqual(await wrapped_after.{name}({args}), {expected})",
            "",
        ]
    return "\n".join(lines)


def test_async_testcase_before_raises_after_returns_the_data(tmp_path):
    after = _converted(tmp_path, DIRECT, "views.py")
    wrapped_after = _converted(tmp_path, WRAPPED, "views.py")
    root = django_project(
        tmp_path,
        {
            "shop/before.py": DIRECT,
            "shop/after.py": after,
            "shop/wrapped_before.py": WRAPPED,
            "shop/wrapped_after.py": wrapped_after,
            "shop/tests.py": _django_tests(),
        },
    )
    result = run(root, "django", "test", "shop", "-v", "2")
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    total = 2 * (len(CASES) + len(WRAPPED_CASES))
    assert f"Ran {total} tests" in report and "OK" in report, report


PYTEST_TESTS = """\
import pytest
from django.core.exceptions import SynchronousOnlyOperation

from shop import after, before
from shop.models import Category, Product


@pytest.fixture
def saw(db):
    tools = Category.objects.create(name="tools")
    Product.objects.create(name="hammer", stock=0, category=tools)
    return Product.objects.create(name="saw", stock=1, category=tools)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_before_raises(saw):
    with pytest.raises(SynchronousOnlyOperation):
        await before.restock(saw.pk)
    with pytest.raises(SynchronousOnlyOperation):
        await before.names()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_after_returns_the_data(saw):
    assert await after.restock(saw.pk) == 6
    assert await after.names() == ["hammer", "saw"]
    assert await after.iterated() == [0, 6]
    assert await after.created() == (True, 1, True)
"""


def test_pytest_django_before_raises_after_returns_the_data(tmp_path):
    after = _converted(tmp_path, DIRECT, "views.py")
    root = django_project(
        tmp_path,
        {"shop/before.py": DIRECT, "shop/after.py": after, "shop/test_orm.py": PYTEST_TESTS},
    )
    (root / "pytest.ini").write_text(
        textwrap.dedent(
            """\
            [pytest]
            DJANGO_SETTINGS_MODULE = shop.settings
            pythonpath = .
            asyncio_default_fixture_loop_scope = function
            """
        )
    )
    result = run(root, "pytest", "-p", "no:cacheprovider", "-q", "shop/test_orm.py")
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "2 passed" in report, report
