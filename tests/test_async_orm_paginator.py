"""async-orm: ``Paginator(qs, n)`` in async code -> Django 6.0's ``AsyncPaginator`` when every use of
it and of its pages can be followed (the API as Django 6.0's django/core/paginator.py has it:
apage/aget_page/acount/anum_pages/apage_range, ``async for`` over an AsyncPage, ahas_next ...);
otherwise, and below 6.0, the queryset handed to it is reported with the reason."""

from __future__ import annotations

import pytest

from tests.async_orm_support import CM, shop
from tests.harness import check_noop, check_transformed, rewrite

HEAD = "from django.core.paginator import Paginator\nfrom django.shortcuts import render\n\nfrom shop.models import Product\n\n\n"
AHEAD = HEAD.replace("import Paginator", "import AsyncPaginator")

BEFORE = HEAD + """\
async def listing(request):
    paginator = Paginator(Product.objects.order_by("name"), 2, orphans=1)
    page = paginator.get_page(request.GET.get("page"))
    names = [p.name for p in page]
    for p in page.object_list:
        names.append(p.name)
    return {
        "names": names, "count": paginator.count, "pages": paginator.num_pages, "range": list(paginator.page_range),
        "number": page.number, "next": page.has_next(), "start": page.start_index(),
    }
"""

AFTER = AHEAD + """\
async def listing(request):
    paginator = AsyncPaginator(Product.objects.order_by("name"), 2, orphans=1)
    page = await paginator.aget_page(request.GET.get("page"))
    names = [p.name async for p in page]
    async for p in page.object_list:
        names.append(p.name)
    return {
        "names": names, "count": await paginator.acount(), "pages": await paginator.anum_pages(), "range": list(await paginator.apage_range()),
        "number": page.number, "next": await page.ahas_next(), "start": await page.astart_index(),
    }
"""


def test_a_paginator_whose_uses_are_all_followed_becomes_async_paginator_on_6_0(tmp_path):
    out = check_transformed(CM, BEFORE, AFTER, path=shop(tmp_path), target_django=(6, 0))
    assert not [d for d in out.diagnostics if d.kind == "refused"]


def test_the_module_form_and_a_paginator_still_used_elsewhere_keep_their_imports(tmp_path):
    before = (
        "from django.core import paginator as pg\nfrom django.core.paginator import Paginator\n\nfrom shop.models import Product\n\n\n"
        "async def first(request):\n    p = pg.Paginator(Product.objects.all(), 5)\n    page = p.page(1)\n"
        "    return [x.pk async for x in page]\n\n\n"
        "def sync_view(request):\n    return Paginator([1, 2], 1).page(1)\n"
    )
    after = before.replace("pg.Paginator(Product", "pg.AsyncPaginator(Product").replace("p.page(1)", "await p.apage(1)")
    check_transformed(CM, before, after, path=shop(tmp_path), target_django=(6, 0))


def test_below_6_0_it_says_which_django_has_async_paginator(tmp_path):
    out = check_noop(
        CM, BEFORE,
        'Paginator(Product.objects.order_by("name")) queries synchronously: Django 6.0 has AsyncPaginator '
        "(target is 5.2); or pass [row async for row in ...]",
        path=shop(tmp_path), target_django=(5, 2),
    )
    assert {d.code for d in out.diagnostics if d.kind == "refused"} == {"DJA507"}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("    page = Paginator(Product.objects.all(), 2).page(1)\n    return page.number\n",
         "it is not bound to a name once"),
        ("    p = Paginator(Product.objects.all(), 2)\n    return render(request, 'x.html', {'page': p.page(1)})\n",
         "the page of p.page(1) is not bound to a name once"),
        ("    p = Paginator(Product.objects.all(), 2)\n    page = p.page(1)\n    return render(request, 'x.html', {'page': page})\n",
         "page is handed to render(), which needs a sync page"),
        ("    p = Paginator(Product.objects.all(), 2)\n    page = p.page(1)\n    return len(page)\n",
         "page is handed to len(), which needs a sync page"),
        ("    p = Paginator(Product.objects.all(), 2)\n    page = p.page(1)\n    return page[0]\n",
         "page[0] is used, which needs a sync page"),
        ("    p = Paginator(Product.objects.all(), 2)\n    page = p.page(1)\n    return page.paginator.count\n",
         "page.paginator is used, which needs a sync page"),
        ("    p = Paginator(Product.objects.all(), 2)\n    return p\n", "p is used otherwise than by its methods"),
        ("    p = Paginator(Product.objects.all(), 2)\n    return p.validate_number(1)\n",
         "p.validate_number has no AsyncPaginator twin followed"),
        ("    p = Paginator(Product.objects.all(), 2)\n    return lambda: p.count\n", "p is used in a nested function"),
        ("    p = Paginator(Product.objects.all(), 2)\n    page = p.page(1)\n    return list(x.pk for x in page)\n",
         "page is used in a generator expression"),
        ("    p = Paginator(Product.objects.all(), 2)\n    p = Paginator(Product.objects.all(), 3)\n    return p.count\n",
         "it is not bound to a name once"),
    ],
)
def test_uses_it_cannot_follow_are_the_reason_it_is_not_rewritten(body, why, tmp_path):
    source = HEAD + "async def view(request):\n" + body
    out = check_noop(CM, source, f"AsyncPaginator not used: {why}", path=shop(tmp_path), target_django=(6, 0))
    assert {d.code for d in out.diagnostics if d.kind == "refused"} == {"DJA507"}


def test_a_paginator_of_a_list_is_no_query_and_is_left_without_a_word(tmp_path):
    check_noop(CM, HEAD + "async def view(request):\n    return Paginator([1, 2, 3], 2).page(1)\n", None,
               path=shop(tmp_path), target_django=(6, 0))


def test_the_rewrite_is_idempotent_and_a_second_run_says_nothing_new(tmp_path):
    first = rewrite(CM, BEFORE, path=shop(tmp_path), target_django=(6, 0))
    again = rewrite(CM, first.source, path=shop(tmp_path), target_django=(6, 0))
    assert again.source == first.source and not [d for d in again.diagnostics if d.kind in ("refused", "fixed")]


DJANGO_TESTS = """\
import unittest

import django
from django.core.exceptions import SynchronousOnlyOperation
from django.core.paginator import Paginator
from django.test import RequestFactory, TestCase

from shop.models import Product


class PaginatorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for name in ("axe", "bat", "cup", "die", "egg"):
            Product.objects.create(name=name)

    async def test_before_raises(self):
        from shop import before
        with self.assertRaises(SynchronousOnlyOperation):
            await before.listing(RequestFactory().get("/", {"page": "2"}))

    def check(self, got):
        self.assertEqual(got["names"], ["cup", "die", "egg", "cup", "die", "egg"])
        self.assertEqual((got["count"], got["pages"], got["range"]), (5, 2, [1, 2]))
        self.assertEqual((got["number"], got["next"], got["start"]), (2, False, 3))

    def test_the_sync_paginator_gives_this_page(self):
        # what before.listing computes, run as sync code: the data after must be this
        p = Paginator(Product.objects.order_by("name"), 2, orphans=1)
        page = p.get_page("2")
        names = [x.name for x in page] + [x.name for x in page.object_list]
        self.check({
            "names": names, "count": p.count, "pages": p.num_pages, "range": list(p.page_range),
            "number": page.number, "next": page.has_next(), "start": page.start_index(),
        })

    @unittest.skipUnless(django.VERSION >= (6, 0), "AsyncPaginator is Django 6.0's")
    async def test_after_returns_the_same_page(self):
        from shop import after
        self.check(await after.listing(RequestFactory().get("/", {"page": "2"})))
"""


def test_against_a_real_django_before_raises_and_after_returns_the_page_on_6_0(tmp_path):
    """Before: SynchronousOnlyOperation (any Django); the sync Paginator gives the page the test
    expects. After: that page, run where the Django installed is 6.0 or newer (it needs Python
    3.12; skipped inside the subprocess otherwise, and the skip is asserted, so the report says
    which ran)."""
    import django

    from tests.async_orm_support import django_project, run

    after = rewrite(CM, BEFORE, path=shop(tmp_path), target_django=(6, 0)).source
    assert after == AFTER
    root = django_project(tmp_path, {"shop/before.py": BEFORE, "shop/after.py": AFTER, "shop/tests.py": DJANGO_TESTS})
    result = run(root, "django", "test", "shop", "-v", "2")
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Ran 3 tests" in report, report
    assert ("skipped=1" in report) == (django.VERSION < (6, 0)), report
