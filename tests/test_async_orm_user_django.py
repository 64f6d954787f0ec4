"""async-orm's ``request.user`` rewrite against a real Django, in a subprocess with a test database:
an async view that reads ``request.user.username``, called by the async test client with a logged-in
session, raises SynchronousOnlyOperation before and answers the username after."""

from __future__ import annotations

from tests.async_orm_support import MIDDLEWARE, SETTINGS, django_project, run, user_shop
from tests.harness import rewrite

VIEWS = """\
from django.http import HttpResponse
from django.views import View


async def whoami(request):
    if not request.user.is_authenticated:
        return HttpResponse("anonymous")
    return HttpResponse(request.user.username)


class WhoAmI(View):
    async def get(self, request):
        return HttpResponse(f"{self.request.user.username}:{request.user.pk == self.request.user.pk}")
"""

URLS = """\
from django.urls import path

from shop import after, before

urlpatterns = [
    path("before/", before.whoami),
    path("after/", after.whoami),
    path("before-class/", before.WhoAmI.as_view()),
    path("after-class/", after.WhoAmI.as_view()),
]
"""

TESTS = """\
from django.contrib.auth.models import User
from django.core.exceptions import SynchronousOnlyOperation
from django.test import TestCase


class UserTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = User.objects.create_user("ann", password="pw")

    async def test_before_raises(self):
        await self.async_client.aforce_login(self.ann)
        with self.assertRaises(SynchronousOnlyOperation):
            await self.async_client.get("/before/")
        with self.assertRaises(SynchronousOnlyOperation):
            await self.async_client.get("/before-class/")

    async def test_after_answers_the_username(self):
        await self.async_client.aforce_login(self.ann)
        self.assertEqual((await self.async_client.get("/after/")).content, b"ann")
        self.assertEqual((await self.async_client.get("/after-class/")).content, b"ann:True")

    async def test_after_anonymous(self):
        self.assertEqual((await self.async_client.get("/after/")).content, b"anonymous")
"""


def test_request_user_before_raises_after_answers_the_logged_in_username(tmp_path):
    settings = SETTINGS + MIDDLEWARE + 'ROOT_URLCONF = "shop.urls"\n'
    out = rewrite("async-orm", VIEWS, path=user_shop(tmp_path, settings))
    assert out.error is None and not [d for d in out.diagnostics if d.kind == "refused"], out.diagnostics
    assert out.source.count("auser()") == 5 and "request.user" not in out.source
    root = django_project(
        tmp_path, {"shop/before.py": VIEWS, "shop/after.py": out.source, "shop/urls.py": URLS, "shop/tests.py": TESTS}
    )
    (root / "shop/settings.py").write_text(settings)
    result = run(root, "django", "test", "shop", "-v", "2")
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Ran 3 tests" in report and "OK" in report, report
