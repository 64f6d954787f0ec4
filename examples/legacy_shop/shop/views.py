"""Views written the way early async Django code often was: blocking calls inside async views."""

import requests
from django.http import JsonResponse

from shop.models import Product

UPSTREAM = "http://127.0.0.1:8001"


async def product_detail(request, pk):
    product = await Product.objects.aget(pk=pk)
    return JsonResponse({"name": product.name})


async def prices(request):
    rates = requests.get(UPSTREAM + "/rates").json()
    stock = requests.get(UPSTREAM + "/stock").json()
    return JsonResponse({"rates": rates, "stock": stock})
