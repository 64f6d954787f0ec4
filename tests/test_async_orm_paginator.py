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
