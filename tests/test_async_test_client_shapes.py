"""async-test-client: assertRedirects, explicit clients, and the fixtures and decorators tests carry."""

from __future__ import annotations

from codemods.project import ProjectIndex
from tests.async_test_client_support import (
    CM,
    DJ,
    ORM_HEAD,
    _refused,
    _shop,
    check_noop,
    check_transformed,
    rewrite,
)


def test_assert_redirects_fetches_the_target_with_the_async_client():
    check_transformed(
        CM,
        """\
        from django.urls import reverse


        class T(TestCase):
            def test_a(self):
                r = self.client.get("/a/")
                self.assertRedirects(r, "/b/")
                self.assertRedirects(self.client.post("/a/"), "/login/?next=/a/%3Fx", 301, 404)
                self.assertRedirects(r, reverse("b", args=[self.pk]), fetch_redirect_response=True)
                self.assertRedirects(r, f"/p/{self.obj.pk}/#top", target_status_code=302)
                self.assertRedirects(r, "/c/", fetch_redirect_response=False)
                f = self.client.get("/a/", follow=True)
                self.assertRedirects(f, "/b/")
        """,
        """\
        from urllib.parse import urljoin

        from django.urls import reverse


        class T(TestCase):
            async def test_a(self):
                r = await self.async_client.get("/a/")
                self.assertEqual(r.status_code, 302)
                self.assertURLEqual(urljoin(r.request["path"], r.url), "/b/")
                self.assertEqual((await self.async_client.get("/b/")).status_code, 200)
                redirect_response = await self.async_client.post("/a/")
                self.assertEqual(redirect_response.status_code, 301)
                self.assertURLEqual(urljoin(redirect_response.request["path"], redirect_response.url), "/login/?next=/a/%3Fx")
                self.assertEqual((await self.async_client.get("/login/", {"next": "/a/?x"})).status_code, 404)
                self.assertEqual(r.status_code, 302)
                self.assertURLEqual(urljoin(r.request["path"], r.url), reverse("b", args=[self.pk]))
                self.assertEqual((await self.async_client.get(reverse("b", args=[self.pk]))).status_code, 200)
                self.assertEqual(r.status_code, 302)
                self.assertURLEqual(urljoin(r.request["path"], r.url), f"/p/{self.obj.pk}/#top")
                self.assertEqual((await self.async_client.get(f"/p/{self.obj.pk}/#top")).status_code, 302)
                self.assertEqual(r.status_code, 302)
                self.assertURLEqual(urljoin(r.request["path"], r.url), "/c/")
                f = await self.async_client.get("/a/", follow=True)
                self.assertRedirects(f, "/b/")
        """,
    )
    # the response's own client fetches the target; pytest-django's assertURLEqual is imported
    check_transformed(
        CM,
        "from pytest_django.asserts import assertRedirects\nfrom django.test import Client\n\n\n"
        "def test_b(db):\n    c = Client()\n    assertRedirects(c.get('/a/'), '/b/')\n",
        "from urllib.parse import urljoin\n\nimport pytest\nfrom pytest_django.asserts import assertURLEqual\n"
        "from django.test import AsyncClient\n\n\n@pytest.mark.asyncio\n"
        "@pytest.mark.django_db(transaction=True)\nasync def test_b(db):\n    c = AsyncClient()\n"
        "    redirect_response = await c.get('/a/')\n    assert redirect_response.status_code == 302\n"
        "    assertURLEqual(urljoin(redirect_response.request[\"path\"], redirect_response.url), '/b/')\n"
        '    assert (await c.get("/b/")).status_code == 200\n',
    )


def test_assert_redirects_refusals():
    _refused('def test_a(self):\n    r = self.client.get("/")\n    self.assertRedirects(r, "/b?x=1&y=2")\n', "several query")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    self.assertRedirects(r, url)\n', "not a literal path")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    self.assertRedirects(r, "http://x/")\n', "literal local path")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    self.assertRedirects(r, "/b", target_status_code=s)\n', "computed")
    _refused('def test_a(self):\n    r = self.client.get("/", follow=f)\n    self.assertRedirects(r, "/b")\n', "cannot tell")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r = self.client.get("/x")\n    self.assertRedirects(r, "/b")\n', "cannot tell")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    x = self.assertRedirects(r, "/b")\n', "statement of its own")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    self.assertRedirects(r, reverse("b", args=[f()]))\n', "evaluated twice")


def test_explicit_client_objects():
    check_transformed(
        CM,
        """\
        from django.test import Client, TestCase


        class T(TestCase):
            def setUp(self):
                self.client.force_login(self.user)

            def test_b(self):
                c = Client(enforce_csrf_checks=True)
                r = c.post("/", HTTP_ACCEPT="x")
                c.force_login(u)
                self.assertEqual(c.get("/x").status_code, 200)
        """,
        """\
        from django.test import AsyncClient, TestCase


        class T(TestCase):
            def setUp(self):
                self.client.force_login(self.user)

            async def test_b(self):
                c = AsyncClient(enforce_csrf_checks=True)
                r = await c.post("/", headers={"accept": "x"})
                await c.aforce_login(u)
                self.assertEqual((await c.get("/x")).status_code, 200)
        """,
    )
    check_transformed(
        CM,
        "from django.test import AsyncClient as AC, Client as C\n\n\ndef test_a():\n    c = C()\n    c.get('/')\n",
        "import pytest\nfrom django.test import AsyncClient as AC\n\n\n@pytest.mark.asyncio\n"
        "async def test_a():\n    c = AC()\n    await c.get('/')\n",
    )
    check_noop(CM, "from django.test import Client\n\n\ndef test_a():\n    c = Client(HTTP_X=1)\n    c.get('/')\n", "WSGI defaults")
    check_noop(CM, "from django.test import Client\n\n\ndef test_a():\n    c = Client(headers=h)\n    c.get('/')\n", "AsyncClient ignores")
    check_noop(CM, "from django.test import Client\n\n\ndef test_a():\n    c = Client()\n    print(c)\n    c.get('/')\n", "other than")
    check_noop(CM, "from django.test import Client\n\n\ndef test_a():\n    Client().get('/')\n", None)
    check_noop(
        CM,
        "from django.test import Client\nfrom x import AsyncClient\n\n\ndef test_a():\n    c = Client()\n    c.get('/')\n",
        "AsyncClient is bound",
    )


def test_context_values_only_compared():
    check_transformed(
        CM,
        """\
        class T(TestCase):
            def test_a(self):
                r = self.client.post("/f/", {"a": 1})
                form = r.context["form"]
                self.assertEqual(r.context["form"].errors, {"a": ["bad"]})
                self.assertFormError(form, "a", "bad")
                self.assertIsNone(r.context_data["next"])
                self.assertTrue(r.context["n"] == 1)
        """,
        """\
        class T(TestCase):
            async def test_a(self):
                r = await self.async_client.post("/f/", {"a": 1})
                form = r.context["form"]
                self.assertEqual(r.context["form"].errors, {"a": ["bad"]})
                self.assertFormError(form, "a", "bad")
                self.assertIsNone(r.context_data["next"])
                self.assertTrue(r.context["n"] == 1)
        """,
    )
    get = 'def test_a(self):\n    r = self.client.get("/")\n'
    _refused(get + '    self.assertEqual(len(r.context["items"]), 2)\n', "compared in an assertion")
    _refused(get + '    self.assertEqual(r.context["obj"].name, "x")\n', "may be a lazy queryset")
    _refused(get + '    for x in r.context["items"]:\n        pass\n', "compared in an assertion")
    _refused(get + '    self.assertIn(1, r.context["items"])\n', "compared in an assertion")
    _refused(get + '    self.assertTrue(r.context["items"])\n', "compared in an assertion")
    _refused(get + '    r.context_data["form"].is_valid()\n', "on a context value")
    _refused(get + '    items = r.context["items"]\n    list(items)\n', "compared in an assertion")


def test_async_safe_decorators_kept():
    check_transformed(
        CM,
        """\
        import unittest

        from django.test import TestCase, override_settings, tag


        class T(TestCase):
            @override_settings(DEBUG=True)
            @tag("slow")
            @unittest.skipIf(False, "never")
            def test_a(self):
                self.client.get("/")
        """,
        """\
        import unittest

        from django.test import TestCase, override_settings, tag


        class T(TestCase):
            @override_settings(DEBUG=True)
            @tag("slow")
            @unittest.skipIf(False, "never")
            async def test_a(self):
                await self.async_client.get("/")
        """,
    )


def test_instances_from_a_base_class_setup(tmp_path):
    head = ORM_HEAD.replace("class T(TestCase):", "class Base(TestCase):")
    body = head + """

class T(Base):
    def test_a(self):
        self.client.get("/")
        self.assertEqual(self.cat.name, "c")
"""
    check_transformed(
        CM, body,
        body.replace("    def test_a", "    async def test_a").replace("self.client.get", "await self.async_client.get"),
        path=_shop(tmp_path),
        project=ProjectIndex(test_base_classes=frozenset({"TestCase", "Base"})),
    )
    check_noop(
        CM, body.replace("self.cat.name", "self.cat.product_set"), "self.cat.product_set may load",
        path=str(tmp_path / "shop/tests.py"),
        project=ProjectIndex(test_base_classes=frozenset({"TestCase", "Base"})),
    )


def test_manager_overrides_are_not_bypassed(tmp_path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop/models.py").write_text(
        "from django.db import models\n"
        "from elsewhere import SoftDeleteManager\n\n\n"
        "class TagManager(models.Manager):\n    def create(self, **kw):\n        return super().create(**kw)\n\n\n"
        "class TagQuerySet(models.QuerySet):\n    def count(self):\n        return 0\n\n\n"
        "class Tag(models.Model):\n    name = models.CharField(max_length=9)\n    objects = TagManager()\n\n\n"
        "class Note(models.Model):\n    objects = TagQuerySet.as_manager()\n\n\n"
        "class Soft(models.Model):\n    objects = SoftDeleteManager()\n\n\n"
        "class Stamped(TimeStamped):\n    pass\n"
    )
    path = str(tmp_path / "shop/tests.py")
    head = "from django.test import TestCase\n\nfrom shop.models import Note, Soft, Stamped, Tag\n\n\nclass T(TestCase):\n    def test_a(self):\n        self.client.get('/')\n"
    check_noop(CM, head + "        Tag.objects.create(name='x')\n", "Tag.objects overrides create()", path=path)
    check_noop(CM, head + "        Soft.objects.count()\n", "manager this codemod cannot see", path=path)
    check_noop(CM, head + "        Stamped.objects.count()\n", "manager this codemod cannot see", path=path)
    for ok in ("Tag.objects.count()", "Tag.objects.filter(name='x').create(name='y')", "Note.objects.count()",
               "Stamped.objects.all().count()"):
        src = head + f"        {ok}\n"
        out = rewrite(CM, src, path=path)
        assert "async def test_a" in out.source, (ok, [d.message for d in out.diagnostics])


def test_client_fixture_overridden_in_conftest(tmp_path):
    (tmp_path / "requirements-test.txt").write_text("pytest-asyncio\n")  # the plugin that runs async tests
    (tmp_path / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = app.settings\n")
    (tmp_path / "app").mkdir()
    path = str(tmp_path / "app/test_x.py")
    src = DJ + "def test_a(client):\n    client.get('/')\n"
    assert "async def" in rewrite(CM, src, path=path).source
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef client(client, admin_user):\n"
        "    client.force_login(admin_user)\n    return client\n"
    )
    check_noop(CM, src, "conftest.py defines its own client", path=path)
    check_noop(
        CM, "import pytest\n\n\n@pytest.fixture\ndef async_client():\n    return 1\n\n\n" + src,
        "this module defines its own",
    )


def test_mock_patch_context_manager_is_kept():
    check_transformed(
        CM,
        """\
        from unittest import mock


        class T(TestCase):
            def test_a(self):
                with mock.patch("shop.views.fetch", return_value={"x": 1}) as fetch:
                    r = self.client.get("/")
                fetch.assert_called_once_with("/x")
        """,
        """\
        from unittest import mock


        class T(TestCase):
            async def test_a(self):
                with mock.patch("shop.views.fetch", return_value={"x": 1}) as fetch:
                    r = await self.async_client.get("/")
                fetch.assert_called_once_with("/x")
        """,
    )


def test_django_user_model_is_contrib_user_only_without_auth_user_model(tmp_path):
    (tmp_path / "requirements-test.txt").write_text("pytest-asyncio\n")  # the plugin that runs async tests
    (tmp_path / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings")\n')
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf/settings.py").write_text("DEBUG = True\n")
    path = str(tmp_path / "test_u.py")
    src = "def test_a(client, django_user_model):\n    u = django_user_model.objects.create_user('u')\n    client.force_login(u)\n"
    assert "await django_user_model.objects.acreate_user('u')" in rewrite(CM, src, path=path).source
    (tmp_path / "conf/settings.py").write_text("AUTH_USER_MODEL = 'acct.User'\n")
    check_noop(CM, src, ".create_user() on a queryset has no async twin", path=path)
    check_noop(
        CM, src.replace("create_user('u')", "create(username='u')"), "manager this codemod cannot see", path=path
    )


def test_parametrized_arguments_are_plain_values():
    check_transformed(
        CM,
        """\
        import pytest
        from django.urls import reverse


        @pytest.mark.parametrize("url,code", [("/a/", 200), ("/b/", 404)])
        def test_a(client, url, code):
            assert client.get(url.rstrip("/") + "/").status_code == code
        """,
        """\
        import pytest
        from django.urls import reverse


        @pytest.mark.parametrize("url,code", [("/a/", 200), ("/b/", 404)])
        @pytest.mark.asyncio
        async def test_a(async_client, url, code):
            assert (await async_client.get(url.rstrip("/") + "/")).status_code == code
        """,
    )
    check_noop(
        CM,
        """\
        import pytest
        from django.urls import reverse


        @pytest.mark.parametrize("product", ["p1"], indirect=True)
        def test_a(client, product):
            assert client.get(product.url).status_code == 200
        """,
        "fixture product is not known",
    )


def test_mocker_and_admin_user_fixtures(tmp_path):
    (tmp_path / "requirements-test.txt").write_text("pytest-asyncio\n")  # the plugin that runs async tests
    (tmp_path / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings")\n')
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf/settings.py").write_text("DEBUG = True\n")
    check_transformed(
        CM,
        """\
        def test_a(client, admin_user, mocker):
            fetch = mocker.patch("shop.views.fetch")
            client.force_login(admin_user)
            assert client.get("/").status_code == 200
            assert admin_user.username == "admin"
            fetch.assert_called_once()
        """,
        """\
        import pytest


        @pytest.mark.asyncio
        @pytest.mark.django_db(transaction=True)
        async def test_a(async_client, admin_user, mocker):
            fetch = mocker.patch("shop.views.fetch")
            await async_client.aforce_login(admin_user)
            assert (await async_client.get("/")).status_code == 200
            assert admin_user.username == "admin"
            fetch.assert_called_once()
        """,
        path=str(tmp_path / "test_m.py"),
    )


def test_cookies_and_raise_request_exception_carry_over():
    check_transformed(
        CM,
        """\
        class T(TestCase):
            def test_a(self):
                self.client.cookies["theme"] = "dark"
                self.client.raise_request_exception = False
                r = self.client.get("/")
                self.assertEqual(self.client.cookies["sessionid"].value, "x")
                self.client.cookies.clear()
        """,
        """\
        class T(TestCase):
            async def test_a(self):
                self.async_client.cookies["theme"] = "dark"
                self.async_client.raise_request_exception = False
                r = await self.async_client.get("/")
                self.assertEqual(self.async_client.cookies["sessionid"].value, "x")
                self.async_client.cookies.clear()
        """,
    )
