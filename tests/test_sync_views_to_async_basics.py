"""sync-views-to-async: the views it converts (with the rest of the run), each before/after, idempotent."""

from __future__ import annotations

from pathlib import Path

from tests.async_orm_support import shop
from tests.harness import check_noop, check_transformed

CM = "sync-views-to-async"
HEAD = "import requests\nfrom django.http import JsonResponse\n\n\n"
NEW_HEAD = "import httpx\nfrom django.http import JsonResponse\nimport asyncio\n\n\n"


def _t(before: str, after: str, tmp_path: Path, head: str = HEAD, new_head: str = NEW_HEAD, **kw):
    return check_transformed(CM, head + before, new_head + after, path=shop(tmp_path), **kw)


def _n(src: str, reason, tmp_path: Path, head: str = HEAD, **kw):
    return check_noop(CM, head + src, reason, path=shop(tmp_path), **kw)


def test_a_function_view_with_two_independent_calls_becomes_async_and_gathers_them(tmp_path):
    out = _t(
        """\
def dashboard(request):
    rates = requests.get(RATES, verify=False)
    stock = requests.get(STOCK, verify=False)
    return JsonResponse({"rates": rates.json(), "stock": stock.json()})
""",
        """\
async def dashboard(request):
    async with httpx.AsyncClient(verify=False) as client:
        rates, stock = await asyncio.gather(
            client.get(RATES, follow_redirects=True, timeout=None),
            client.get(STOCK, follow_redirects=True, timeout=None),
        )
    return JsonResponse({"rates": rates.json(), "stock": stock.json()})
""",
        tmp_path,
    )
    fixed = [d.message for d in out.diagnostics if d.codemod == CM and d.kind == "fixed"]
    assert fixed == ["`dashboard` made async: 2 HTTP calls run concurrently, 1 wait per request instead of 2"]


def test_three_calls_decoded_inline_and_request_reads_stay_on_the_loop(tmp_path):
    _t(
        """\
def storefront(request, sku):
    currency = request.GET.get("currency", "EUR")
    rates = requests.get(RATES + currency, verify=False).json()
    stock = requests.get(STOCK + sku, verify=False).json()
    reviews = requests.get(REVIEWS + sku, verify=False).json()
    return JsonResponse({"rate": rates[currency], "levels": stock["levels"], "n": len(reviews)})
""",
        """\
async def storefront(request, sku):
    currency = request.GET.get("currency", "EUR")
    async with httpx.AsyncClient(verify=False) as client:
        _rates, _stock, _reviews = await asyncio.gather(
            client.get(RATES + currency, follow_redirects=True, timeout=None),
            client.get(STOCK + sku, follow_redirects=True, timeout=None),
            client.get(REVIEWS + sku, follow_redirects=True, timeout=None),
        )
        rates = _rates.json()
        stock = _stock.json()
        reviews = _reviews.json()
    return JsonResponse({"rate": rates[currency], "levels": stock["levels"], "n": len(reviews)})
""",
        tmp_path,
    )


def test_a_class_based_view_converts_all_its_handlers_together(tmp_path):
    _t(
        """\
class SupplierStatus(View):
    def get(self, request):
        stock = requests.get(STOCK, verify=False)
        shipping = requests.get(SHIPPING, verify=False)
        return JsonResponse({"stock": stock.json(), "days": shipping.json()["days"]})

    def post(self, request):
        requests.post(ORDERS, json={"sku": request.POST["sku"]}, verify=False)
        return JsonResponse({"ok": True})
""",
        """\
class SupplierStatus(View):
    async def get(self, request):
        async with httpx.AsyncClient(verify=False) as client:
            stock, shipping = await asyncio.gather(
                client.get(STOCK, follow_redirects=True, timeout=None),
                client.get(SHIPPING, follow_redirects=True, timeout=None),
            )
        return JsonResponse({"stock": stock.json(), "days": shipping.json()["days"]})

    async def post(self, request):
        async with httpx.AsyncClient(verify=False) as client:
            await client.post(ORDERS, json={"sku": request.POST["sku"]}, follow_redirects=True, timeout=None)
        return JsonResponse({"ok": True})
""",
        tmp_path,
        head=HEAD.replace("\n\n\n", "\nfrom django.views import View\n\n\n"),
        new_head=NEW_HEAD.replace("import asyncio\n", "from django.views import View\nimport asyncio\n"),
    )


def test_a_template_render_with_a_lazy_queryset_is_awaited_in_a_thread(tmp_path):
    head = HEAD.replace("\n\n\n", "\nfrom django.shortcuts import render\n\nfrom shop.models import Product\n\n\n")
    new_head = (
        "import httpx\nfrom django.http import JsonResponse\nfrom django.shortcuts import render\n\n"
        "from shop.models import Product\nfrom asgiref.sync import sync_to_async\nimport asyncio\n\n\n"
    )
    _t(
        """\
def stock_report(request):
    low = Product.objects.filter(stock__lt=5).order_by("name")
    rates = requests.get(RATES, verify=False).json()
    shipping = requests.get(SHIPPING, verify=False).json()
    return render(request, "report.html", {"products": low, "rates": rates, "days": shipping["days"]})
""",
        """\
async def stock_report(request):
    low = Product.objects.filter(stock__lt=5).order_by("name")
    async with httpx.AsyncClient(verify=False) as client:
        _rates, _shipping = await asyncio.gather(
            client.get(RATES, follow_redirects=True, timeout=None),
            client.get(SHIPPING, follow_redirects=True, timeout=None),
        )
        rates = _rates.json()
        shipping = _shipping.json()
    return await sync_to_async(render)(request, "report.html", {"products": low, "rates": rates, "days": shipping["days"]})
""",
        tmp_path,
        head=head,
        new_head=new_head,
    )


def test_a_sync_helper_of_the_module_that_only_computes_is_followed(tmp_path):
    _t(
        """\
def _total(rows, rate):
    return round(sum(r["price"] for r in rows) * rate, 2)


def basket(request):
    rows = requests.get(ROWS, verify=False).json()
    rate = requests.get(RATE, verify=False).json()["rate"]
    return JsonResponse({"total": _total(rows, rate)})
""",
        """\
def _total(rows, rate):
    return round(sum(r["price"] for r in rows) * rate, 2)


async def basket(request):
    async with httpx.AsyncClient(verify=False) as client:
        _rows, _rate = await asyncio.gather(
            client.get(ROWS, follow_redirects=True, timeout=None),
            client.get(RATE, follow_redirects=True, timeout=None),
        )
        rows = _rows.json()
        rate = _rate.json()["rate"]
    return JsonResponse({"total": _total(rows, rate)})
""",
        tmp_path,
    )


def test_a_view_with_one_call_is_left_sync_with_a_note(tmp_path):
    _n(
        "def rates(request):\n    return JsonResponse(requests.get(RATES).json())\n",
        "makes one blocking HTTP call per request",
        tmp_path,
        levels=("note",),
    )


def test_a_function_outside_views_modules_is_not_a_view(tmp_path):
    src = HEAD + "def fetch(request):\n    a = requests.get(A)\n    b = requests.get(B)\n    return a, b\n"
    check_noop(CM, src, None, path=shop(tmp_path, "services.py"))


def test_dependent_calls_are_not_converted_and_gather_awaits_reason_is_quoted(tmp_path):
    _n(
        """\
def profile(request):
    token = requests.get(TOKEN).json()["token"]
    me = requests.get(ME, headers={"Authorization": token})
    return JsonResponse(me.json())
""",
        ["`profile` stays sync: its HTTP calls cannot be run concurrently", "data dependency on 'token'"],
        tmp_path,
    )


def test_a_write_keeps_the_order_and_the_view_sync(tmp_path):
    _n(
        """\
def checkout(request):
    requests.post(ORDERS, json={"sku": "a"})
    status = requests.get(STATUS).json()
    return JsonResponse(status)
""",
        "its HTTP calls cannot be run concurrently",
        tmp_path,
    )


def test_a_second_run_over_a_converted_view_changes_nothing_and_says_nothing_new(tmp_path):
    first = _t(
        """\
def pair(request):
    a = requests.get(A, verify=False)
    b = requests.get(B, verify=False)
    return JsonResponse({"a": a.json(), "b": b.json()})
""",
        """\
async def pair(request):
    async with httpx.AsyncClient(verify=False) as client:
        a, b = await asyncio.gather(
            client.get(A, follow_redirects=True, timeout=None),
            client.get(B, follow_redirects=True, timeout=None),
        )
    return JsonResponse({"a": a.json(), "b": b.json()})
""",
        tmp_path,
    )
    out = check_noop(CM, first.source, None, path=shop(tmp_path))
    assert not [d for d in out.diagnostics if d.codemod == CM]


def test_a_call_requests_to_httpx_refuses_keeps_the_view_sync_and_its_reason_is_quoted(tmp_path):
    _n(
        """\
def reviews(request, sku):
    a = requests.get(REVIEWS, params={"sku": sku}).json()
    b = requests.get(RATINGS, params={"sku": sku}).json()
    return JsonResponse({"a": a, "b": b})
""",
        ["`reviews` stays sync: requests-to-httpx leaves a call blocking (DJA1", "params="],
        tmp_path,
    )


def test_a_module_logger_and_settings_are_safe_to_use_on_the_loop(tmp_path):
    head = "import logging\n\n" + HEAD.replace("\n\n\n", "\nfrom django.conf import settings\n\nlogger = logging.getLogger(__name__)\n\n\n")
    new_head = "import logging\n\n" + NEW_HEAD.replace(
        "import asyncio\n\n\n",
        "from django.conf import settings\nimport asyncio\n\n"
        "# TLS setup shared by the AsyncClients of this module: made once, as loading the CA\n"
        "# certificates for every new client is slow.\n_HTTPX_SSL_CONTEXT = httpx.create_ssl_context()\n\n"
        "logger = logging.getLogger(__name__)\n\n\n",
    )
    _t(
        """\
def health(request):
    logger.info("health check from %s", request.META.get("REMOTE_ADDR"))
    db = requests.get(settings.DB_STATUS).json()
    cache = requests.get(settings.CACHE_STATUS).json()
    return JsonResponse({"db": db["ok"], "cache": cache["ok"]})
""",
        """\
async def health(request):
    logger.info("health check from %s", request.META.get("REMOTE_ADDR"))
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
        _db, _cache = await asyncio.gather(
            client.get(settings.DB_STATUS, follow_redirects=True, timeout=None),
            client.get(settings.CACHE_STATUS, follow_redirects=True, timeout=None),
        )
        db = _db.json()
        cache = _cache.json()
    return JsonResponse({"db": db["ok"], "cache": cache["ok"]})
""",
        tmp_path,
        head=head,
        new_head=new_head,
    )


def test_a_render_call_over_several_lines_keeps_its_layout(tmp_path):
    head = HEAD.replace("\n\n\n", "\nfrom django.shortcuts import render\n\n\n")
    new_head = (
        "import httpx\nfrom django.http import JsonResponse\nfrom django.shortcuts import render\n"
        "from asgiref.sync import sync_to_async\nimport asyncio\n\n\n"
    )
    _t(
        """\
def v(request):
    a = requests.get(A, verify=False).json()
    b = requests.get(B, verify=False).json()
    return render(
        request,
        "t.html",
        {"a": a, "b": b},
    )
""",
        """\
async def v(request):
    async with httpx.AsyncClient(verify=False) as client:
        _a, _b = await asyncio.gather(
            client.get(A, follow_redirects=True, timeout=None),
            client.get(B, follow_redirects=True, timeout=None),
        )
        a = _a.json()
        b = _b.json()
    return await sync_to_async(render)(
        request,
        "t.html",
        {"a": a, "b": b},
    )
""",
        tmp_path,
        head=head,
        new_head=new_head,
    )
