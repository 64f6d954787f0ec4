"""Helpers and constants shared by the tests/test_async_views_to_sync_*.py files (no tests here)."""

from __future__ import annotations

from tests import harness


# A reason is reported as a warning or a note by its kind (pinned per kind in
# tests/test_true_reasons.py): either counts here.
def check_noop(codemod, source, reason, **kwargs):
    return harness.check_noop(codemod, source, reason, levels=("refused", "note"), **kwargs)


def check_transformed(codemod, before, after, **kwargs):
    return harness.check_transformed(codemod, before, after, levels=("refused", "note"), **kwargs)


CM = "async-views-to-sync"


V = {"path": "shop/views.py"}


# --------------------------------------------------------------------------- modules urlconfs route to
ROUTED_VIEW = """\
from django.http import JsonResponse
from shop.models import Product

async def product(request, pk):
    item = await Product.objects.aget(pk=pk)
    return JsonResponse({"name": item.name})
"""


ROUTED_VIEW_SYNC = """\
from django.http import JsonResponse
from shop.models import Product

def product(request, pk):
    item = Product.objects.get(pk=pk)
    return JsonResponse({"name": item.name})
"""


HANDLERS = """\
from django.http import HttpResponse


async def ping(request):
    return HttpResponse("pong")
"""
