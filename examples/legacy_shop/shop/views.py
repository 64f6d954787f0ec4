"""Catalogue views, written when the team "went async" in 2021: async everywhere, requests inside."""

import asyncio

import httpx
import requests
from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import aget_object_or_404, render
from django.views import View

from shop import services
from shop.models import Product

# TLS setup shared by the AsyncClients of this module: made once, as loading the CA
# certificates for every new client is slow.
_HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


async def rates(request):
    """Exchange rates, straight from the pricing service."""
    data = requests.get(settings.UPSTREAM_URL + "/rates").json()
    return JsonResponse(data)


async def dashboard(request):
    """Rates, stock levels and reviews for the back-office dashboard: three independent calls."""
    rates = requests.get(settings.UPSTREAM_URL + "/rates")
    stock = requests.get(settings.UPSTREAM_URL + "/stock")
    reviews = requests.get(settings.UPSTREAM_URL + "/reviews")
    response = JsonResponse({"rates": rates.json(), "stock": stock.json(), "reviews": reviews.json()})
    response["X-Request-ID"] = request.headers.get("X-Request-ID", "")
    return response


async def storefront(request):
    """The same three services for the shop front, decoded inline."""
    rates = requests.get(settings.UPSTREAM_URL + "/rates").json()
    stock = requests.get(settings.UPSTREAM_URL + "/stock").json()
    reviews = requests.get(settings.UPSTREAM_URL + "/reviews").json()
    currency = request.GET.get("currency", "EUR")
    return JsonResponse(
        {"currency": currency, "rate": rates[currency], "levels": stock["levels"], "rating": reviews["average"]}
    )


async def extras(request):
    """Recommendations, promotions and shipping "in parallel" (each requests call in a thread)."""
    recommended, promotions, shipping = await asyncio.gather(
        sync_to_async(requests.get)(settings.UPSTREAM_URL + "/recommendations", timeout=10),
        sync_to_async(requests.get)(settings.UPSTREAM_URL + "/promotions", timeout=10),
        sync_to_async(requests.get)(settings.UPSTREAM_URL + "/shipping", timeout=10),
    )
    return JsonResponse(
        {
            "recommended": recommended.json()["skus"],
            "promotions": promotions.json()["codes"],
            "shipping_days": shipping.json()["days"],
        }
    )


async def overview(request):
    """The dashboard's figures through the shared service functions (shop/services.py)."""
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
        rates = await services.fetch_rates(client)
        levels = await services.fetch_stock(client)
        rating = await services.fetch_rating(client)
    return JsonResponse({"rates": rates, "levels": levels, "rating": rating})


async def about(request):
    return render(request, "shop/about.html")


async def product_count(request):
    count = await Product.objects.acount()
    return JsonResponse({"count": count})


async def product_detail(request, pk):
    product = await aget_object_or_404(Product, pk=pk)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"sku": product.sku, "name": product.name, "price": product.price})
    return render(request, "shop/product_detail.html", {"product": product})


async def product_stock(request, pk):
    """Stock badge for one product; also awaited by product_summary below."""
    product = await Product.objects.aget(pk=pk)
    return JsonResponse({"sku": product.sku, "in_stock": product.stock > 0})


async def product_summary(request, pk):
    stock = await product_stock(request, pk)
    return render(request, "shop/product_summary.html", {"stock": stock.content.decode()})


class ProductListView(View):
    async def get(self, request):
        products = [product async for product in Product.objects.all()]
        return render(request, "shop/product_list.html", {"products": products})


class ProductReviewsView(View):
    """GET shows the product, POST forwards a review to the review service."""

    async def get(self, request, pk):
        product = await aget_object_or_404(Product, pk=pk)
        return render(request, "shop/product_reviews.html", {"product": product})

    async def post(self, request, pk):
        summary = requests.get(settings.UPSTREAM_URL + "/reviews").json()
        return JsonResponse({"pk": pk, "received": request.POST.get("text", ""), "count": summary["count"]})


# Half-migrated catalogue views: the sync ORM inside `async def` (see README.md's table).


async def product_by_sku(request, sku):
    """One product by its SKU. A sync query in an async view: it raises SynchronousOnlyOperation."""
    product = Product.objects.get(sku=sku)
    return JsonResponse({"sku": product.sku, "name": product.name, "stock": product.stock})


async def low_stock(request):
    """Products under five in stock, and how many: two sync queries in an async view (both raise)."""
    products = Product.objects.filter(stock__lt=5).order_by("stock", "sku")
    rows = [{"sku": product.sku, "stock": product.stock} for product in products]
    return JsonResponse({"count": products.count(), "products": rows})


async def price_range(request):
    """The cheapest and the dearest product and every SKU by price, each query wrapped in a thread."""
    by_price = Product.objects.order_by("price_cents", "sku")
    cheapest = await sync_to_async(by_price.first)()
    dearest = await sync_to_async(by_price.last)()
    products = await sync_to_async(list)(by_price)
    return JsonResponse(
        {
            "cheapest": cheapest.sku if cheapest else None,
            "dearest": dearest.sku if dearest else None,
            "skus": [product.sku for product in products],
        }
    )


async def restock(request):
    """Products to reorder, out of the whole catalogue. `len(to_order)` runs no query: the `async for`
    above filled the queryset's cache; a tool cannot know that, so it must leave it to a human."""
    to_order = Product.objects.filter(stock=0).order_by("sku")
    skus = [product.sku async for product in to_order]
    total = await Product.objects.acount()
    return JsonResponse({"to_order": len(to_order), "of": total, "skus": skus})
