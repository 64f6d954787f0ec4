"""sync-views-to-async, behaviour: a real Django project answers the same through its test client before and after.

A project in a temporary folder (settings named by ``manage.py``, SQLite, a template iterating a
lazy queryset) has sync views calling the local upstream server (tests/upstream.py) with
``requests``; a script in a subprocess renders each URL with Django's sync test ``Client`` (it
runs async views too) and prints the responses. ``dj-asyncify apply`` converts the views; the
same script must print the same responses, and the views must be ``async def`` with the calls
gathered, and a second run must change nothing.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.test_cli import EXE

SETTINGS = """\
import os
SECRET_KEY = "x"
ROOT_URLCONF = "shop.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SHOP_DB"]}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
UPSTREAM = os.environ["UPSTREAM"]
USE_TZ = True
ALLOWED_HOSTS = ["testserver"]
"""
MODELS = """\
from django.db import models


class Product(models.Model):
    sku = models.CharField(max_length=20)
    stock = models.IntegerField(default=0)
"""
VIEWS = """\
import requests
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import View

from shop.models import Product


def dashboard(request):
    rates = requests.get(settings.UPSTREAM + "/delay/50")
    stock = requests.get(settings.UPSTREAM + "/json", params={"sku": "a"})
    reviews = requests.get(settings.UPSTREAM + "/echo")
    return JsonResponse(
        {"rates": rates.json(), "stock": stock.json()["query"], "method": reviews.json()["method"]}
    )


class Status(View):
    def get(self, request):
        first = requests.get(settings.UPSTREAM + "/json", params={"n": "1"}).json()
        second = requests.get(settings.UPSTREAM + "/json", params={"n": "2"}).json()
        return JsonResponse({"first": first["query"], "second": second["query"]})


def report(request):
    low = Product.objects.filter(stock__lt=5).order_by("sku")
    rates = requests.get(settings.UPSTREAM + "/delay/10").json()
    echo = requests.get(settings.UPSTREAM + "/echo").json()
    return render(request, "shop/report.html", {"products": low, "ms": rates["delayed_ms"], "path": echo["path"]})
"""
URLS = """\
from django.urls import path

from shop import views

urlpatterns = [
    path("dash/", views.dashboard),
    path("status/", views.Status.as_view()),
    path("report/", views.report),
]
"""
TEMPLATE = "{% for p in products %}{{ p.sku }}:{{ p.stock }} {% endfor %}| {{ ms }} {{ path }}\n"
SCRIPT = """\
import json

import django

django.setup()
from django.core.management import call_command
from django.test import Client

from shop.models import Product

call_command("migrate", run_syncdb=True, verbosity=0)
Product.objects.create(sku="b", stock=1)
Product.objects.create(sku="a", stock=2)
Product.objects.create(sku="c", stock=9)
client = Client()
out = {}
for url in ("/dash/", "/status/", "/report/"):
    response = client.get(url)
    out[url] = [response.status_code, response.content.decode()]
print(json.dumps(out))
"""


def _project(root: Path) -> None:
    (root / "shop/templates/shop").mkdir(parents=True)
    (root / "manage.py").write_text('import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n')
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\ndependencies = ['django>=5.2']\n")
    for name, text in {"__init__": "", "settings": SETTINGS, "models": MODELS, "views": VIEWS, "urls": URLS}.items():
        (root / f"shop/{name}.py").write_text(text)
    (root / "shop/templates/shop/report.html").write_text(TEMPLATE)
    (root / "responses.py").write_text(SCRIPT)


def _responses(root: Path, upstream: str, db: str) -> dict[str, list]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shop.settings", PYTHONPATH=str(root), UPSTREAM=upstream,
               SHOP_DB=str(root / db))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    out = subprocess.run([sys.executable, "responses.py"], cwd=root, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_converted_views_answer_as_before_through_djangos_test_client(tmp_path, upstream):
    _project(tmp_path)
    before = _responses(tmp_path, upstream.base, "before.sqlite3")
    assert before["/report/"] == [200, "a:2 b:1 | 10 /echo\n"]
    assert before["/dash/"][0] == before["/status/"][0] == 200
    applied = subprocess.run([str(EXE), "apply", "--no-cache", "."], cwd=tmp_path, capture_output=True, text=True,
                             check=False)
    assert applied.returncode == 0, applied.stderr
    assert "sync-views-to-async: 3 rewritten" in applied.stderr, applied.stderr
    views = (tmp_path / "shop/views.py").read_text()
    tree = ast.parse(views)
    coroutines = {n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)}
    assert coroutines == {"dashboard", "get", "report"}
    assert views.count("asyncio.gather(") == 3 and "requests" not in views
    assert "await sync_to_async(render)(request, " in views
    after = _responses(tmp_path, upstream.base, "after.sqlite3")
    assert after == before
    again = subprocess.run([str(EXE), "apply", "--no-cache", "."], cwd=tmp_path, capture_output=True, text=True,
                           check=False)
    assert (tmp_path / "shop/views.py").read_text() == views, again.stderr


def test_the_views_as_written_would_break_without_the_render_in_a_thread(tmp_path, upstream):
    """The reason ``render`` is awaited in a thread: the same async view rendering its lazy
    queryset on the event loop fails (SynchronousOnlyOperation), so the wrapper is not decoration."""
    _project(tmp_path)
    subprocess.run([str(EXE), "apply", "--no-cache", "."], cwd=tmp_path, capture_output=True, text=True, check=True)
    views = (tmp_path / "shop/views.py")
    views.write_text(views.read_text().replace("await sync_to_async(render)(", "render("))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shop.settings", PYTHONPATH=str(tmp_path), UPSTREAM=upstream.base,
               SHOP_DB=str(tmp_path / "bare.sqlite3"))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    out = subprocess.run([sys.executable, "responses.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert "SynchronousOnlyOperation" in out.stderr + out.stdout, textwrap.shorten(out.stderr, 400)
