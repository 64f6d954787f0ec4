"""sync-views-to-async: what keeps a view sync, each with its one-line reason; the code is left as it was."""

from __future__ import annotations

import pytest

from tests.async_orm_support import shop
from tests.harness import check_noop, check_transformed

CM = "sync-views-to-async"
HEAD = (
    "import time\n\nimport requests\nfrom django.core.cache import cache\nfrom django.db import transaction\n"
    "from django.http import JsonResponse\nfrom django.views import View\nfrom django.views.generic import TemplateView\n"
    "from shop.models import Product\n\n\n"
)
TWO_CALLS = "    a = requests.get(A).json()\n    b = requests.get(B).json()\n"


def _n(src: str, reason, tmp_path, **kw):
    return check_noop(CM, HEAD + src, reason, path=shop(tmp_path), **kw)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("x = request.session.get('cart')", "reads `request.session`, which may query the database"),
        ("x = cache.get('k')", "calls `django.core.cache.cache.get`, not known to be safe on the event loop"),
        ("time.sleep(1)", "calls `time.sleep`, not known to be safe"),
        ("x = open('f').read()", "calls `open(...)`, not known to be safe"),
        ("x = len(Product.objects.filter(stock=0))", "async-orm leaves a call blocking (DJA504: len("),
        ("x = Product.objects.filter(stock=0)\n    y = x[0]", "(DJA504: x[0] evaluates the queryset"),
        ("x = Product.objects.filter(stock=0)\n    if x:\n        pass", "(DJA504: testing x evaluates"),
        ("x = JsonResponse(Product.objects.values('pk'))", "hands the queryset"),
        ("def inner():\n        return 1", "defines `inner` inside the view"),
        ("f = lambda: 1", "defines a lambda"),
        ("global G", "has a `Global` statement"),
        ("with transaction.atomic():\n        pass", "enters `transaction.atomic()`"),
        ("with open('f') as fh:\n        pass", "enters `open('f')`"),
        ("p = Product.objects.first()\n    x = p.get_absolute_url()", "on a database object"),
    ],
)
def test_what_is_not_known_safe_on_the_loop_keeps_the_view_sync(line, reason, tmp_path):
    _n(f"def view(request):\n{TWO_CALLS}    {line}\n    return JsonResponse({{'a': a, 'b': b}})\n", reason, tmp_path)


def test_a_helper_of_the_module_that_queries_is_named(tmp_path):
    _n(
        "def _names():\n    return [p.name for p in Product.objects.all()]\n\n\n"
        f"def view(request):\n{TWO_CALLS}    return JsonResponse({{'a': a, 'b': b, 'n': _names()}})\n",
        "calls `_names()`, which iterates the queryset",
        tmp_path,
    )


def test_an_unknown_decorator_keeps_the_view_sync(tmp_path):
    _n(
        "def audit(f):\n    return f\n\n\n@audit\n"
        f"def view(request):\n{TWO_CALLS}    return JsonResponse({{'a': a}})\n",
        "has the decorator `audit`, not known to accept an async view",
        tmp_path,
    )


def test_login_required_accepts_async_views_from_django_5_1_only(tmp_path):
    src = (
        "import requests\nfrom django.contrib.auth.decorators import login_required\nfrom django.http import JsonResponse\n\n\n"
        f"@login_required\ndef view(request):\n{TWO_CALLS}    return JsonResponse({{'a': a, 'b': b}})\n"
    )
    check_noop(CM, src, "takes async views only since Django 5.1 (target 5.0)", path=shop(tmp_path), target_django=(5, 0))
    out = check_transformed(CM, src, _converted(src), path=shop(tmp_path), target_django=(5, 1))
    assert any(d.kind == "fixed" and d.codemod == CM for d in out.diagnostics)


def _converted(src: str) -> str:
    from tests.harness import rewrite

    return rewrite(CM, src, path="shop/views.py", target_django=(5, 1)).source


@pytest.mark.parametrize(
    ("cls", "reason"),
    [
        ("class V(TemplateView):\n    def get(self, request):\n", "derives from `django.views.generic.TemplateView`"),
        (("class V(View):\n    def dispatch(self, *a, **k):\n        return super().dispatch(*a, **k)\n\n"
         "    def get(self, request):\n"), "defines `dispatch`, which would stay sync"),
        (("class V(View):\n    def options(self, request):\n        return JsonResponse({})\n\n"
         "    def get(self, request):\n"), "defines `options`"),
    ],
)
def test_class_based_views_other_than_plain_view_handlers_stay_sync(cls, reason, tmp_path):
    body = TWO_CALLS.replace("    ", "        ")
    _n(f"{cls}{body}        return JsonResponse({{'a': a, 'b': b}})\n", reason, tmp_path)


def test_a_handler_calling_a_method_of_the_view_is_not_followed(tmp_path):
    body = TWO_CALLS.replace("    ", "        ")
    _n(
        f"class V(View):\n    def extra(self):\n        return 1\n\n    def get(self, request):\n{body}"
        "        return JsonResponse({'a': a, 'b': b, 'x': self.extra()})\n",
        "calls `self.extra(...)`, not known to be safe",
        tmp_path,
    )


def test_the_skip_comment_is_obeyed(tmp_path):
    _n(f"def view(request):  # dj-asyncify: skip\n{TWO_CALLS}    return JsonResponse({{'a': a}})\n",
       "marked `# dj-asyncify: skip`", tmp_path)


def test_a_module_binding_sync_to_async_otherwise_is_left_alone(tmp_path):
    _n(
        "from django.shortcuts import render\n\nsync_to_async = None\n\n\n"
        f"def view(request):\n{TWO_CALLS}    return render(request, 't.html', {{'a': a, 'b': b}})\n",
        "binds `sync_to_async` to something else",
        tmp_path,
    )


def test_without_settings_atomic_requests_is_unknown_and_said(tmp_path):
    _n(
        f"def view(request):\n{TWO_CALLS}    return JsonResponse({{'a': a, 'b': b}})\n",
        ["cannot tell whether ATOMIC_REQUESTS is on", "atomic-requests=off"],
        tmp_path,
        options={"atomic-requests": "auto"},
    )
