"""Helpers and constants shared by the topic files tests/test_async_test_client_*.py (no tests here)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests import harness

CM = "async-test-client"


# These tests are of the rewrite itself, mostly on snippets without a project: they opt into
# every test's conversion (only-async-views = false). The default, which converts only tests of
# async views, is tested on real small projects in test_async_test_client_views.py.
ALL_VIEWS = {"only-async-views": False}


def _all_views(kwargs: dict) -> dict:
    kwargs["options"] = {**ALL_VIEWS, **(kwargs.get("options") or {})}
    return kwargs


def check_transformed(codemod, before, after, **kwargs):
    return harness.check_transformed(codemod, before, after, **_all_views(kwargs))


def check_noop(codemod, source, reason, **kwargs):
    return harness.check_noop(codemod, source, reason, **_all_views(kwargs))


def rewrite(codemod, source, **kwargs):
    return harness.rewrite(codemod, source, **_all_views(kwargs))


DJ = "from django.urls import reverse\n\n\n"  # pytest snippets: a Django test module (finding 4)


def _refused(body: str, reason: str, **kw):
    src = "class T(TestCase):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    check_noop(CM, src, reason, **kw)


PROJECT = {
    "proj/__init__.py": "",
    "proj/settings.py": """\
        SECRET_KEY = "x"
        DEBUG = True
        ALLOWED_HOSTS = ["*"]
        ROOT_URLCONF = "proj.urls"
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "proj"]
        MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
        USE_TZ = True
        """,
    "proj/models.py": """\
        from django.db import models


        class Category(models.Model):
            name = models.CharField(max_length=20)


        class Product(models.Model):
            name = models.CharField(max_length=20)
            stock = models.IntegerField(default=0)
            category = models.ForeignKey(Category, null=True, on_delete=models.CASCADE)
        """,
    "proj/urls.py": """\
        from django.http import HttpResponseRedirect, JsonResponse
        from django.urls import path

        from proj.models import Product


        def sync_view(request):
            return JsonResponse({"kind": "sync", "accept": request.headers.get("accept", "")})


        async def async_view(request):
            from django.conf import settings

            return JsonResponse(
                {"kind": "async", "foo": request.headers.get("x-foo", ""), "g": getattr(settings, "GREETING", "")}
            )


        def restock(request, pk):
            p = Product.objects.get(pk=pk)
            p.stock += int(request.POST["n"])
            p.save()
            return JsonResponse({"stock": p.stock})


        async def names(request):
            return JsonResponse({"names": [p.name async for p in Product.objects.order_by("name")]})


        def go(request):
            return HttpResponseRedirect("/names/?from=go")


        def cart(request):
            return JsonResponse({"cart": request.session.get("cart"), "theme": request.COOKIES.get("theme")})


        urlpatterns = [
            path("go/", go, name="go"),
            path("cart/", cart),
            path("s/", sync_view),
            path("a/", async_view),
            path("restock/<int:pk>/", restock, name="restock"),
            path("names/", names),
        ]
        """,
    "proj/tests.py": """\
        from django.test import Client, TestCase, override_settings
        from django.urls import reverse

        from proj.models import Category, Product


        class ViewsTest(TestCase):
            @classmethod
            def setUpTestData(cls):
                cls.cat = Category.objects.create(name="tools")

            def test_views(self):
                r = self.client.get("/s/", HTTP_ACCEPT="text/plain")
                self.assertEqual(r.json(), {"kind": "sync", "accept": "text/plain"})
                self.assertEqual(self.client.get("/a/", HTTP_X_FOO="bar").json()["foo"], "bar")
                self.assertEqual(self.client.get("/a/").json()["kind"], "async")

            def test_orm_in_the_test_body(self):
                p = Product.objects.create(name="saw", category=self.cat)
                obj, created = Product.objects.get_or_create(name="axe")
                self.assertTrue(created)
                r = self.client.post(reverse("restock", args=[p.pk]), {"n": "3"})
                self.assertEqual(r.json(), {"stock": 3})
                p.refresh_from_db()
                self.assertEqual(p.stock, 3)
                self.assertEqual(Product.objects.count(), 2)
                self.assertTrue(Product.objects.filter(stock=3).exists())
                self.assertEqual(list(Product.objects.order_by("name").values_list("name", flat=True)), ["axe", "saw"])
                self.assertEqual(self.client.get("/names/").json()["names"], ["axe", "saw"])
                for q in Product.objects.filter(stock=0):
                    q.stock = 5
                    q.save()
                self.assertEqual([q.stock for q in Product.objects.order_by("name")], [5, 3])
                Product.objects.filter(name="axe").update(stock=1)
                self.assertEqual(Product.objects.get(name="axe").stock, 1)
                obj.delete()
                self.assertFalse(Product.objects.filter(name="axe").exists())

            def test_redirects(self):
                Product.objects.create(name="saw")
                r = self.client.get("/go/")
                self.assertRedirects(r, "/names/?from=go")
                self.assertRedirects(self.client.get(reverse("go")), "/names/?from=go", 302, 200)
                followed = self.client.get("/go/", follow=True)
                self.assertRedirects(followed, "/names/?from=go")
                self.assertEqual(followed.json(), {"names": ["saw"]})

            def test_session(self):
                session = self.client.session
                session["cart"] = [1, 2]
                session.save()
                self.client.cookies["theme"] = "dark"
                self.assertEqual(self.client.get("/cart/").json(), {"cart": [1, 2], "theme": "dark"})

            @override_settings(GREETING="hi")
            def test_decorated(self):
                self.assertEqual(self.client.get("/a/").json()["g"], "hi")

            def test_own_client(self):
                c = Client(enforce_csrf_checks=True)
                self.assertEqual(c.get("/a/", headers={"x-foo": "baz"}).json()["foo"], "baz")
                self.assertEqual(c.post("/s/", {"k": "v"}).json()["kind"], "sync")

            def test_refused_lazy_relation(self):
                p = Product.objects.create(name="saw", category=self.cat)
                p = Product.objects.get(pk=p.pk)
                self.assertEqual(self.client.get("/names/").json()["names"], ["saw"])
                self.assertEqual(p.category.name, "tools")
        """,
}


def _run_django_tests(root) -> subprocess.CompletedProcess:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="proj.settings", PYTHONPATH=str(root))
    return subprocess.run(
        [sys.executable, "-m", "django", "test", "proj", "-v", "2"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


MODELS = """\
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=10)


class Product(models.Model):
    name = models.CharField(max_length=10)
    price = models.IntegerField(default=0)
    category = models.ForeignKey(Category, null=True, on_delete=models.CASCADE)

    @property
    def label(self):
        return self.category.name
"""


ORM_HEAD = """\
from django.contrib.auth.models import User
from django.test import TestCase

from shop.models import Category, Product


class T(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = User.objects.create_user("u", password="p")
        cls.cat = Category.objects.create(name="c")
"""


def _shop(tmp_path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop/models.py").write_text(MODELS)
    return str(tmp_path / "shop/tests.py")
