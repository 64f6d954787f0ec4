"""Back-office views, from before the shop "went async": plain sync views on requests (README.md's table)."""

import requests
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import View

from backoffice.decorators import audit_trail
from shop.models import Product


def partner_dashboard(request):
    """What the partner team watches: rates, stock levels and reviews, three independent calls."""
    rates = requests.get(settings.UPSTREAM_URL + "/rates")
    stock = requests.get(settings.UPSTREAM_URL + "/stock")
    reviews = requests.get(settings.UPSTREAM_URL + "/reviews")
    return JsonResponse(
        {
            "currencies": sorted(rates.json()),
            "warehouse": stock.json()["warehouse"],
            "levels": stock.json()["levels"],
            "rating": reviews.json()["average"],
        }
    )


class SupplierStatusView(View):
    """GET: the warehouse and the carrier, two independent calls. POST: a restock order upstream."""

    def get(self, request):
        stock = requests.get(settings.UPSTREAM_URL + "/stock").json()
        shipping = requests.get(settings.UPSTREAM_URL + "/shipping").json()
        out_of_stock = sorted(sku for sku, level in stock["levels"].items() if level == 0)
        return JsonResponse({"out_of_stock": out_of_stock, "carrier": shipping["carrier"], "days": shipping["days"]})

    def post(self, request):
        sku = request.POST.get("sku", "")
        order = {"reference": "restock-" + sku, "sku": sku, "quantity": int(request.POST.get("quantity", "10"))}
        placed = requests.post(settings.UPSTREAM_URL + "/orders", json=order)
        return JsonResponse(placed.json(), status=placed.status_code)


def stock_report(request):
    """Products running low here, next to the warehouse's levels and what the shop recommends."""
    low = Product.objects.filter(stock__lt=5).order_by("stock", "sku")
    warehouse = requests.get(settings.UPSTREAM_URL + "/stock").json()
    recommended = requests.get(settings.UPSTREAM_URL + "/recommendations").json()
    return render(
        request,
        "backoffice/stock_report.html",
        {"products": low, "warehouse": warehouse, "recommended": recommended["skus"]},
    )


@audit_trail
def promotions_feed(request):
    """Running promotions and the SKUs they push, logged by the project's own audit decorator."""
    promotions = requests.get(settings.UPSTREAM_URL + "/promotions").json()
    recommended = requests.get(settings.UPSTREAM_URL + "/recommendations").json()
    return JsonResponse({"codes": promotions["codes"], "skus": recommended["skus"]})


def shipping_estimate(request):
    """The carrier's estimate: one call, nothing to overlap."""
    shipping = requests.get(settings.UPSTREAM_URL + "/shipping").json()
    return JsonResponse({"carrier": shipping["carrier"], "days": shipping["days"]})
