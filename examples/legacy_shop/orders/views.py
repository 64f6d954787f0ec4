"""Customer account and ordering views (login required)."""

import uuid

import requests
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import aget_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from orders.models import Order
from shop.models import Product


@login_required
async def account(request):
    user = await request.auser()
    return render(request, "orders/account.html", {"account": user})


@login_required
async def order_list(request):
    user = await request.auser()
    orders = [order async for order in Order.objects.filter(user=user).select_related("product")]
    return render(request, "orders/order_list.html", {"orders": orders})


@login_required
@require_POST
async def place_order(request, pk):
    """Send the order to the order service, read back its status, then record it locally."""
    user = await request.auser()
    product = await aget_object_or_404(Product, pk=pk)
    quantity = int(request.POST.get("quantity", "1"))
    reference = f"web-{uuid.uuid4().hex[:12]}"
    requests.post(
        settings.UPSTREAM_URL + "/orders", json={"reference": reference, "sku": product.sku, "quantity": quantity}
    )
    status = requests.get(settings.UPSTREAM_URL + "/orders/" + reference).json()["status"]
    await Order.objects.acreate(user=user, product=product, quantity=quantity, reference=reference, status=status)
    return redirect("orders:list")
