"""sync-views-to-async over a project on disk: its settings, the other files that use a view, the CLI's output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.test_cli import EXE

VIEWS = """\
import requests
from django.http import JsonResponse


def dashboard(request):
    a = requests.get("http://127.0.0.1:1/a").json()
    b = requests.get("http://127.0.0.1:1/b").json()
    return JsonResponse({"a": a, "b": b})
"""
URLS = """\
from django.urls import path

from shop import views
from shop.views import (
    dashboard,
)

urlpatterns = [
    path("dash/", views.dashboard, name="dashboard"),
    path("again/", dashboard),
]
"""
SETTINGS = """\
SECRET_KEY = "x"
ROOT_URLCONF = "shop.urls"
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"%s}}
"""


def project(tmp_path: Path, settings: str = SETTINGS % "", **files: str) -> Path:
    (tmp_path / "shop").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\ndependencies = ['django>=5.2']\n")
    (tmp_path / "manage.py").write_text('import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n')
    (tmp_path / "shop/__init__.py").write_text("")
    (tmp_path / "shop/settings.py").write_text(settings)
    (tmp_path / "shop/views.py").write_text(VIEWS)
    (tmp_path / "shop/urls.py").write_text(URLS)
    for name, text in files.items():
        (tmp_path / "shop" / f"{name}.py").write_text(text)
    return tmp_path


def apply(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), "apply", "--no-cache", "--select", "sync-views-to-async,requests-to-httpx,gather-awaits,async-orm",
         *args, "."], cwd=root, capture_output=True, text=True, check=False,
    )


def test_a_routed_view_of_a_readable_project_is_converted_and_urls_and_imports_are_no_use(tmp_path):
    root = project(tmp_path)
    out = apply(root)
    assert out.returncode == 0, out.stderr
    assert "async def dashboard(request):" in (root / "shop/views.py").read_text()
    assert "asyncio.gather(" in (root / "shop/views.py").read_text()
    assert "sync-views-to-async: 1 rewritten, 0 refused" in out.stderr
    again = apply(root)
    assert (root / "shop/views.py").read_text().count("async def") == 1 and "0 changed" in again.stderr


def test_atomic_requests_on_keeps_every_view_sync(tmp_path):
    root = project(tmp_path, SETTINGS % ', "ATOMIC_REQUESTS": True')
    out = apply(root)
    assert (root / "shop/views.py").read_text() == VIEWS
    assert "DJA606 `dashboard` stays sync: settings.py sets ATOMIC_REQUESTS" in out.stderr


def test_atomic_requests_off_is_no_reason(tmp_path):
    root = project(tmp_path, SETTINGS % ', "ATOMIC_REQUESTS": False')
    apply(root)
    assert "async def dashboard" in (root / "shop/views.py").read_text()


def test_non_atomic_requests_lets_the_view_be_converted_under_atomic_requests(tmp_path):
    root = project(tmp_path, SETTINGS % ', "ATOMIC_REQUESTS": True')
    marked = VIEWS.replace("from django.http", "from django.db import transaction\nfrom django.http").replace(
        "def dashboard", "@transaction.non_atomic_requests\ndef dashboard")
    (root / "shop/views.py").write_text(marked)
    apply(root)
    assert "async def dashboard" in (root / "shop/views.py").read_text()


def test_a_test_calling_the_view_directly_keeps_it_sync_and_is_named(tmp_path):
    caller = (
        "from django.test import RequestFactory\n\nfrom shop.views import dashboard\n\n\n"
        "def test_dashboard():\n    assert dashboard(RequestFactory().get('/')).status_code == 200\n"
    )
    root = project(tmp_path, tests=caller)
    out = apply(root, "shop/views.py")  # only the views given, as pre-commit would: the test still counts
    assert (root / "shop/views.py").read_text() == VIEWS
    assert "DJA608 `dashboard` stays sync: is used at shop/tests.py:7" in out.stderr


def test_a_subclass_or_a_wrapper_elsewhere_is_a_use(tmp_path):
    wrapper = "from shop import views\n\ncached = some_cache(views.dashboard)\n"
    root = project(tmp_path, extra=wrapper)
    out = apply(root)
    assert (root / "shop/views.py").read_text() == VIEWS
    assert "is used at shop/extra.py:3 (`cached = some_cache(views.dashboard)`)" in out.stderr


def test_strings_and_comments_naming_the_view_are_no_use(tmp_path):
    other = 'from django.urls import reverse\n\n# dashboard(request) was here\nURL = reverse("dashboard")\n'
    root = project(tmp_path, links=other)
    apply(root)
    assert "async def dashboard" in (root / "shop/views.py").read_text()


def test_middleware_not_djangos_own_is_noted_and_the_report_lists_the_view(tmp_path):
    settings = SETTINGS.replace('"django.middleware.common.CommonMiddleware"', '"corsheaders.middleware.CorsMiddleware"')
    root = project(tmp_path, settings % "")
    out = apply(root, "--report", "json", "--check")
    report = json.loads(out.stdout)
    mine = [d for f in report["files"] for d in f["diagnostics"] if d["codemod"] == "sync-views-to-async"]
    assert [d["level"] for d in mine] == ["fixed", "note"]
    assert mine[0]["message"] == "`dashboard` made async: 2 HTTP calls run concurrently, 1 wait per request instead of 2"
    assert mine[1]["code"] == "DJA623" and "corsheaders.middleware.CorsMiddleware" in mine[1]["message"]
