from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
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


def test_basic_get_and_expression_positions():
    check_transformed(
        CM,
        """\
        from django.test import TestCase


        class T(TestCase):
            def setUp(self):
                self.url = "/"

            def test_home(self):
                r = self.client.get("/")
                self.assertEqual(self.client.get("/x").json(), {})
                self.assertEqual(self.client.post("/y", {"a": 1})["k"], 1)
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r.context["form"], None)

            def helper(self):
                return 1
        """,
        """\
        from django.test import TestCase


        class T(TestCase):
            def setUp(self):
                self.url = "/"

            async def test_home(self):
                r = await self.async_client.get("/")
                self.assertEqual((await self.async_client.get("/x")).json(), {})
                self.assertEqual((await self.async_client.post("/y", {"a": 1}))["k"], 1)
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r.context["form"], None)

            def helper(self):
                return 1
        """,
    )


def test_http_headers_become_headers_dict():
    check_transformed(
        CM,
        """\
        class T(SimpleTestCase):
            def test_h(self):
                self.client.get("/", HTTP_ACCEPT="application/json", HTTP_X_FOO=v, secure=True)
        """,
        """\
        class T(SimpleTestCase):
            async def test_h(self):
                await self.async_client.get("/", headers={"accept": "application/json", "x-foo": v}, secure=True)
        """,
    )


def test_login_and_follow_on_50():
    check_transformed(
        CM,
        """\
        class T(TestCase):
            def test_l(self):
                self.client.force_login(self.user)
                r = self.client.get("/", follow=True)
                self.client.logout()
        """,
        """\
        class T(TestCase):
            async def test_l(self):
                await self.async_client.aforce_login(self.user)
                r = await self.async_client.get("/", follow=True)
                await self.async_client.alogout()
        """,
    )


def test_project_subclass_base():
    check_transformed(
        CM,
        """\
        class MyBase(TestCase):
            def setUp(self):
                self.x = 1


        class T(MyBase):
            def test_a(self):
                self.client.delete("/a", HTTP_A="1", HTTP_B="2")
        """,
        """\
        class MyBase(TestCase):
            def setUp(self):
                self.x = 1


        class T(MyBase):
            async def test_a(self):
                await self.async_client.delete("/a", headers={"a": "1", "b": "2"})
        """,
        project=ProjectIndex(test_base_classes=frozenset({"TestCase", "MyBase"})),
    )


def test_not_a_test_class_is_silent():
    check_noop(
        CM,
        """\
        class T(object):
            def test_a(self):
                self.client.get("/a")
        """,
        None,
    )


DJ = "from django.urls import reverse\n\n\n"  # pytest snippets: a Django test module (finding 4)


def _refused(body: str, reason: str, **kw):
    src = "class T(TestCase):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    check_noop(CM, src, reason, **kw)


def test_refusals():
    _refused('def test_a(self):\n    User.objects.create(username="u")\n    self.client.get("/")\n', ".objects")
    _refused('def test_a(self):\n    self.obj.save()\n    self.client.get("/")\n', ".save()")
    _refused('def test_a(self):\n    self.obj.delete()\n    self.client.get("/")\n', ".delete()")
    _refused('def test_a(self):\n    self.obj.refresh_from_db()\n    self.client.get("/")\n', "refresh_from_db")
    _refused('def test_a(self):\n    self.client.get("/")\n    self.assertNumQueries(1)\n', "assertNumQueries")
    _refused('def test_a(self):\n    s = self.client.session\n    s["k"]\n    self.client.get("/")\n', "session s is used")
    _refused('def test_a(self):\n    self.client.session["k"] = 1\n    self.client.get("/")\n', "other than")
    _refused('def test_a(self):\n    s = self.client.session\n    s.save()\n    self.client.get("/")\n', "5.1+", target_django=(5, 0))
    _refused('def test_a(self):\n    s = self.client.session\n    s.clear()\n    self.client.get("/")\n', "no async twin")
    _refused('@mock.patch("x")\ndef test_a(self, m):\n    self.client.get("/")\n', "not known to support async")
    _refused('@skipUnlessDBFeature("x")\ndef test_a(self):\n    self.client.get("/")\n', "not known to support async")
    _refused('def test_a(self):\n    f = lambda: self.client.get("/")\n    self.client.get("/")\n', "nested")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r.client.get("/x")\n', "response.client")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r.wsgi_request\n', "wsgi_request")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r.request["PATH_INFO"]\n', "ASGI scope")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    b"".join(r.streaming_content)\n', "async iterator")
    _refused('def test_a(self):\n    self.client.get("/").getvalue()\n', "async iterator")
    _refused('def test_a(self):\n    self.client.get("/", **extra)\n', "**kwargs")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r.context["user"].pk\n', "response.context")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r.context.get("x")\n', "response.context")
    _refused('def test_a(self):\n    self.client.get("/", REMOTE_ADDR="1.2.3.4")\n', "WSGI extra")
    _refused('def test_a(self):\n    self.client.get("/", HTTP_A="1", headers={"b": "2"})\n', "mixes")
    _refused('def test_a(self):\n    self.client.get("/", follow=True)\n', "5.0", target_django=(4, 2))
    _refused('def test_a(self):\n    self.client.force_login(u)\n    self.client.get("/")\n', "5.0", target_django=(4, 2))
    _refused('def test_a(self):\n    self.make_user()\n    self.client.get("/")\n', "self.make_user()")
    _refused('def test_a(self):\n    UserFactory()\n    self.client.get("/")\n', "UserFactory")
    _refused('def test_a(self):\n    list(self.client.get(u) for u in us)\n', "nested")


def test_client_state_outside_the_test_is_refused():
    check_noop(
        CM,
        """\
        class T(TestCase):
            def setUp(self):
                self.client.force_login(self.user)

            def test_a(self):
                self.client.get("/")
        """,
        "sets up or customises the client",
    )
    check_noop(
        CM,
        """\
        class T(TestCase):
            client_class = MyClient

            def test_a(self):
                self.client.get("/")
        """,
        "customises the client",
    )
    check_noop(
        CM,
        """\
        class T(ElsewhereBase):
            def test_a(self):
                self.client.get("/")
        """,
        "defined in another file",
        project=ProjectIndex(test_base_classes=frozenset({"TestCase", "ElsewhereBase"})),
    )


def test_skip_comment_and_already_async():
    check_noop(CM, 'class T(TestCase):\n    def test_a(self):  # dj-asyncify: skip\n        self.client.get("/")\n', None)
    check_noop(CM, 'class T(TestCase):\n    async def test_a(self):\n        await self.async_client.get("/")\n', None)


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


def test_real_django_before_and_after(tmp_path):
    for rel, text in PROJECT.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    before = _run_django_tests(tmp_path)
    assert before.returncode == 0, before.stderr
    assert "Ran 7 tests" in before.stderr
    tests_py = tmp_path / "proj/tests.py"
    out = transform_source(tests_py.read_text(), str(tests_py), Settings(select=(CM,), options={CM: ALL_VIEWS}), ProjectIndex())
    assert out.error is None, out.error
    assert "async def test_views(self):" in out.source
    assert "session = await self.async_client.asession()" in out.source
    assert 'await session.aset("cart", [1, 2])' in out.source
    assert 'self.async_client.cookies["theme"] = "dark"' in out.source
    assert '@override_settings(GREETING="hi")\n    async def test_decorated(self):' in out.source
    assert "async def test_orm_in_the_test_body(self):" in out.source
    assert "await Product.objects.acreate(" in out.source
    assert "async for q in Product.objects.filter(stock=0):" in out.source
    assert 'self.assertURLEqual(urljoin(r.request["path"], r.url), "/names/?from=go")' in out.source
    assert 'self.assertEqual((await self.async_client.get("/names/", {"from": "go"})).status_code, 200)' in out.source
    assert "    def test_refused_lazy_relation(self):" in out.source
    assert [d.message for d in out.diagnostics if d.kind == "refused"] == [
        (
            "not made async: p.category may load a related object or run a query synchronously "
            "(only concrete fields of the model are read in an async test)"
        ),
    ]
    tests_py.write_text(out.source)
    after = _run_django_tests(tmp_path)
    assert after.returncode == 0, after.stderr + out.source
    assert "Ran 7 tests" in after.stderr


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


def test_orm_calls_become_async_twins(tmp_path):
    check_transformed(
        CM,
        ORM_HEAD + """
    def test_a(self):
        p = Product.objects.create(name="x", category=self.cat)
        obj, created = Product.objects.get_or_create(name="y")
        self.client.force_login(self.user)
        r = self.client.post(f"/buy/{p.pk}/", {"n": p.category_id})
        self.assertEqual(Product.objects.count(), 2)
        self.assertTrue(Product.objects.filter(name="x").exists())
        p.refresh_from_db()
        self.assertEqual(p.price, 1)
        row = list(Product.objects.values_list("name", flat=True))
        for q in Product.objects.filter(price__gt=0):
            self.assertEqual(q.name, "x")
        self.assertEqual([q.name for q in Product.objects.all()], row)
        self.assertEqual(self.user.username, "u")
        self.assertEqual(Product.objects.get(pk=p.pk).name, "x")
        self.assertEqual(Product.objects.first(), p)
        p.save()
        obj.delete()
        Product.objects.filter(name="z").update(price=3)
        Product.objects.all().delete()
        objs = Product.objects.bulk_create([Product(name="a"), Product(name=p.name)])
        self.assertEqual(objs[0].name, "a")
        n = f"{Product.objects.count()} items"
""",
        ORM_HEAD + """
    async def test_a(self):
        p = await Product.objects.acreate(name="x", category=self.cat)
        obj, created = await Product.objects.aget_or_create(name="y")
        await self.async_client.aforce_login(self.user)
        r = await self.async_client.post(f"/buy/{p.pk}/", {"n": p.category_id})
        self.assertEqual(await Product.objects.acount(), 2)
        self.assertTrue(await Product.objects.filter(name="x").aexists())
        await p.arefresh_from_db()
        self.assertEqual(p.price, 1)
        row = [row_1 async for row_1 in Product.objects.values_list("name", flat=True)]
        async for q in Product.objects.filter(price__gt=0):
            self.assertEqual(q.name, "x")
        self.assertEqual([q.name async for q in Product.objects.all()], row)
        self.assertEqual(self.user.username, "u")
        self.assertEqual((await Product.objects.aget(pk=p.pk)).name, "x")
        self.assertEqual(await Product.objects.afirst(), p)
        await p.asave()
        await obj.adelete()
        await Product.objects.filter(name="z").aupdate(price=3)
        await Product.objects.all().adelete()
        objs = await Product.objects.abulk_create([Product(name="a"), Product(name=p.name)])
        self.assertEqual(objs[0].name, "a")
        n = f"{await Product.objects.acount()} items"
""",
        path=_shop(tmp_path),
    )


def test_create_user_twin_only_for_contrib_user_on_52(tmp_path):
    body = ORM_HEAD + """
    def test_a(self):
        u = User.objects.create_user("v", password="p")
        self.client.force_login(u)
        self.client.get("/")
"""
    out = check_transformed(
        CM, body, body.replace("def test_a", "async def test_a")
        .replace('u = User.objects.create_user', 'u = await User.objects.acreate_user')
        .replace("self.client.force_login", "await self.async_client.aforce_login")
        .replace("self.client.get", "await self.async_client.get"),
        path=_shop(tmp_path),
    )
    assert not [d for d in out.diagnostics if d.kind == "refused"]
    check_noop(CM, body, "5.2+", target_django=(5, 1), path=str(tmp_path / "shop/tests.py"))


def test_orm_refusals(tmp_path):
    path = _shop(tmp_path)

    def refused(body, reason, **kw):
        src = "def test_a(self):\n" + textwrap.indent(textwrap.dedent(body), "    ")
        check_noop(CM, ORM_HEAD + "\n" + textwrap.indent(src, "    "), reason, path=path, **kw)

    get = 'p = Product.objects.get(name="x")\nself.client.get("/")\n'
    refused(get + "p.category.name\n", "p.category may load a related object")
    refused(get + "p.label\n", "p.label may load")
    refused(get + 'self.assertEqual(str(p), "x")\n', "p (a model instance) is used")
    refused(get + "len(Product.objects.all())\n", "(a queryset) is used")
    refused(get + "Product.objects.all()[0]\n", "evaluates a queryset")
    refused(get + "qs = Product.objects.all()\nif qs:\n    pass\n", "qs (a queryset)")
    refused(get + "self.assertIn(p, Product.objects.all())\n", "(a queryset) is used")
    refused(get + "sum(x.price for x in Product.objects.all())\n", "generator expression")
    refused(get + "self.cat.product_set.count()\n", "may touch the database")
    refused(get + "self.user.groups\n", "self.user.groups may load")
    refused(get + "p.get_absolute_url()\n", "may run a query")
    refused(get + "Product.objects.only('name').get()\n", ".only() on a queryset")
    refused(get + "make_product()\n", "cannot tell whether make_product() touches the database")
    refused(get + "p = 1\np.real\n", "bound both to ORM results")
    refused(get + "f = lambda: Product.objects.count()\n", "nested function")
    refused(get + "self.assertQuerySetEqual(Product.objects.all(), [])\n", "assertQuerySetEqual")
    refused(get, "needs Django 4.1+", target_django=(4, 0))
    refused(get + "p.save()\n", "needs Django 4.2+", target_django=(4, 1))
    refused('self.client.get("/")\nUnknown.objects.create()\n', "may touch the database")
    refused('self.client.get("/")\nthing.save()\n', "thing.save() may touch the database")


PYTEST_FILE = """\
import pytest
from django.test import Client
from pytest_django.asserts import assertRedirects

from proj.models import Category, Product


@pytest.fixture
def saw(db):
    return Product.objects.create(name="saw", stock=2)


def test_plain(client):
    assert client.get("/a/", HTTP_X_FOO="bar").json()["foo"] == "bar"


@pytest.mark.django_db
def test_orm(client):
    p = Product.objects.create(name="axe")
    r = client.post(f"/restock/{p.pk}/", {"n": "3"})
    assert r.json() == {"stock": 3}
    p.refresh_from_db()
    assert p.stock == 3
    assert Product.objects.count() == 1


@pytest.mark.django_db
def test_isolated_from_the_previous_test(client):
    assert client.get("/names/").json()["names"] == []
    assert Product.objects.count() == 0


def test_fixture_instance(client, saw):
    assert client.get("/names/").json()["names"] == ["saw"]
    assert saw.stock == 2


def test_user_model(client, db, django_user_model):
    u = django_user_model.objects.create_user("x", password="p")
    client.force_login(u)
    assert client.get("/a/").status_code == 200


@pytest.mark.django_db
def test_redirect(client):
    assertRedirects(client.get("/go/"), "/names/?from=go", target_status_code=200)


@pytest.mark.django_db
def test_session(client):
    s = client.session
    s["cart"] = ["x"]
    s.save()
    assert client.get("/cart/").json() == {"cart": ["x"], "theme": None}


def test_own_client():
    browser = Client()
    assert browser.get("/a/", HTTP_X_FOO="qux").json()["foo"] == "qux"


class TestGroup:
    pytestmark = pytest.mark.django_db

    def test_in_class(self, client):
        Category.objects.create(name="c")
        assert client.get("/names/").json() == {"names": []}

    def test_after_class_test(self, client):
        assert Category.objects.count() == 0
        assert client.get("/a/").json()["kind"] == "async"
"""


def _run_pytest(root) -> subprocess.CompletedProcess:
    (root / "requirements-test.txt").write_text("pytest-django>=4.8\npytest-asyncio>=0.23\n")
    (root / "pytest.ini").write_text(
        "[pytest]\nDJANGO_SETTINGS_MODULE = proj.settings\npythonpath = .\n"
        "asyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "proj/test_pytest.py"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )


def test_real_pytest_django_before_and_after(tmp_path):
    for rel, text in PROJECT.items():
        if rel != "proj/tests.py":
            p = tmp_path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(text))
    test_py = tmp_path / "proj/test_pytest.py"
    test_py.write_text(PYTEST_FILE)
    before = _run_pytest(tmp_path)  # writes the pytest.ini and requirements-test.txt read below
    assert before.returncode == 0, before.stdout + before.stderr
    assert "10 passed" in before.stdout
    out = transform_source(PYTEST_FILE, str(test_py), Settings(select=(CM,), options={CM: ALL_VIEWS}), ProjectIndex())
    assert out.error is None, out.error
    assert not [d.message for d in out.diagnostics if d.kind == "refused"]
    assert out.source.count("@pytest.mark.asyncio\n") == 10
    assert out.source.count("async def test_") == 10
    assert "s = await async_client.asession()" in out.source
    assert "from django.test import AsyncClient\n" in out.source  # Client no longer used (finding 7)
    assert "browser = AsyncClient()" in out.source
    assert 'u = await django_user_model.objects.acreate_user("x", password="p")' in out.source
    assert 'assert (await async_client.get("/names/", {"from": "go"})).status_code == 200' in out.source
    # the project's database is SQLite: its rollback reset the primary keys, a flush does not
    assert out.source.count("@pytest.mark.django_db(transaction=True, reset_sequences=True)\n") == 8
    test_py.write_text(out.source)
    after = _run_pytest(tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr + out.source
    assert "10 passed" in after.stdout


def test_pytest_functions_and_marks():
    check_transformed(
        CM,
        """\
        \"\"\"Doc.\"\"\"

        from django.urls import reverse


        def test_a(client, settings):
            settings.DEBUG = True
            assert client.get(reverse("x"), HTTP_ACCEPT="a/b").status_code == 200


        def test_b(client, db):
            client.get("/")
        """,
        """\
        \"\"\"Doc.\"\"\"

        import pytest
        from django.urls import reverse


        @pytest.mark.asyncio
        async def test_a(async_client, settings):
            settings.DEBUG = True
            assert (await async_client.get(reverse("x"), headers={"accept": "a/b"})).status_code == 200


        @pytest.mark.asyncio
        @pytest.mark.django_db(transaction=True)
        async def test_b(async_client, db):
            await async_client.get("/")
        """,
    )
    check_transformed(
        CM,
        """\
        import pytest

        pytestmark = [pytest.mark.django_db(databases=["default"])]


        @pytest.mark.parametrize("u", ["/a", "/b"])
        def test_a(client, u):
            client.get(u)


        @pytest.mark.django_db(transaction=False)
        def test_b(client):
            client.get("/")


        class TestX:
            @pytest.mark.django_db(transaction=True)
            def test_c(self, client):
                client.get("/")
        """,
        """\
        import pytest

        pytestmark = [pytest.mark.django_db(databases=["default"])]


        @pytest.mark.parametrize("u", ["/a", "/b"])
        @pytest.mark.anyio
        @pytest.mark.django_db(databases=["default"], transaction=True)
        async def test_a(async_client, u):
            await async_client.get(u)


        @pytest.mark.anyio
        @pytest.mark.django_db(transaction=True)
        async def test_b(async_client):
            await async_client.get("/")


        class TestX:
            @pytest.mark.anyio
            @pytest.mark.django_db(transaction=True)
            async def test_c(self, async_client):
                await async_client.get("/")
        """,
        options={"async-marker": "pytest.mark.anyio"},
    )
    check_transformed(
        CM,
        "import pytest\nfrom django.urls import reverse\n\n\n@pytest.mark.asyncio\ndef test_a(client):\n    client.get('/')\n",
        "import pytest\nfrom django.urls import reverse\n\n\n@pytest.mark.asyncio\nasync def test_a(async_client):\n"
        "    await async_client.get('/')\n",
    )
    check_transformed(
        CM,
        DJ + "def test_a(client):\n    client.get('/')\n",
        DJ + "async def test_a(async_client):\n    await async_client.get('/')\n",
        options={"async-marker": "none"},
    )


def test_pytest_refusals():
    check_noop(CM, "import unittest\n\n\nclass TestX(unittest.TestCase):\n    def test_a(self, client):\n        client.get('/')\n", None)
    check_noop(CM, "class TestX(Base):\n    def test_a(self, client):\n        client.get('/')\n", None)
    check_noop(CM, "def test_a(admin_client):\n    admin_client.get('/')\n", "admin_client fixture has no async twin")
    check_noop(CM, "def test_a(client, admin_client):\n    client.get('/')\n", "admin_client fixture")
    check_noop(CM, DJ + "@mock.patch('x')\ndef test_a(m, client):\n    client.get('/')\n", "not a pytest mark")
    check_noop(CM, DJ + "def test_a(client, product):\n    client.get('/')\n    product.category\n", "fixture product is not known")
    check_noop(CM, DJ + "def test_a(client, product):\n    client.get('/')\n    product.bump()\n", "product.bump() may touch")
    check_noop(CM, DJ + "def test_a(client):\n    helper(client)\n    client.get('/')\n", "other than through a supported call")
    check_noop(CM, DJ + "def test_a(client):\n    client.get('/')\n    client.session['x']\n", "other than through")
    check_noop(
        CM, "def test_a(client, django_assert_num_queries):\n    client.get('/')\n", "django_assert_num_queries"
    )
    check_noop(
        CM, DJ + "def test_a(client):\n    async_client = 1\n    client.get('/')\n", "async_client is already used"
    )
    check_noop(
        CM,
        "import pytest\n\npytestmark = MARKS\n\n\ndef test_a(client):\n    client.get('/')\n",
        "would need transaction=True",
    )
    check_noop(
        CM,
        "import pytest\n\npytestmark = make_db_marks(django_db=1)\n\n\ndef test_a(client):\n    client.get('/')\n",
        "would need transaction=True",
    )
    check_noop(
        CM,
        "import pytest\n\npytestmark = pytest.mark.django_db(databases=DBS)\n\n\ndef test_a(client):\n"
        "    client.get('/')\n",
        "would need transaction=True",
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


def _write(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))


SETUP_TEST = """\
    def test_home(self):
        r = self.client.get("/admin/")
        self.assertEqual(r.status_code, 200)
"""


def test_client_setup_in_a_mixin_or_unreadable_base_is_refused(tmp_path):
    # finding 1: the login happens in a mixin's helper that setUp calls (same file)
    check_noop(
        CM,
        "from django.test import TestCase\n\n\nclass LoginMixin:\n    def login(self):\n"
        "        self.client.force_login(self.user)\n\n\nclass U(LoginMixin, TestCase):\n"
        "    def setUp(self):\n        self.login()\n\n" + SETUP_TEST,
        "class LoginMixin sets up or customises the client outside the tests (in login())",
    )
    # a mixin imported from a project file that can be read (through a package re-export)
    _write(tmp_path, {
        "app/__init__.py": "",
        "app/utils/__init__.py": "from .helpers import LoginMixin, Plain\n",
        "app/utils/helpers.py": (
            "class LoginMixin:\n    def login(self):\n        self.client.login(username='u', password='p')\n\n\n"
            "class Plain:\n    def make(self):\n        return 1\n"
        ),
    })
    imported = "from django.test import TestCase\n\nfrom app.utils import {name}\n\n\nclass U({name}, TestCase):\n" \
        "    def setUp(self):\n        self.{call}()\n\n" + SETUP_TEST
    path = str(tmp_path / "app/tests.py")
    check_noop(CM, imported.format(name="LoginMixin", call="login"), "class LoginMixin sets up", path=path)
    # a readable mixin that never touches the client: the test is rewritten
    out = rewrite(CM, imported.format(name="Plain", call="make"), path=path)
    assert "async def test_home(self):" in out.source
    # ... but a setUp call of a method no readable class defines is refused
    check_noop(
        CM, imported.format(name="Plain", call="login"),
        "U.setUp() calls self.login(), which neither the class nor a base this codemod can read defines",
        path=path,
    )
    # a mixin that cannot be read (an installed package, WagtailTestUtils-like)
    check_noop(
        CM, imported.replace("from app.utils", "from thirdparty.utils").format(name="Plain", call="make"),
        "base class Plain is defined in another file this codemod cannot read", path=path,
    )
    # setUp handing self to a function, which may log in with self.client
    check_noop(
        CM,
        "from django.test import TestCase\n\nfrom app.auth import log_in\n\n\nclass U(TestCase):\n"
        "    def setUp(self):\n        log_in(self)\n\n" + SETUP_TEST,
        "U.setUp() passes self to log_in(), which may log in with self.client",
    )
    # a cleanup taking self runs after the tests (DRF's URLPatternsTestCase.setUpClass)
    out = rewrite(
        CM,
        "from django.test import TestCase\n\nfrom app.auth import undo\n\n\nclass U(TestCase):\n"
        "    @classmethod\n    def setUpClass(cls):\n        cls.addClassCleanup(undo, cls)\n"
        "        super().setUpClass()\n\n" + SETUP_TEST,
    )
    assert "async def test_home(self):" in out.source
    # Django's own methods and super() are fine
    check_transformed(
        CM,
        "from django.test import TestCase\n\n\nclass U(TestCase):\n    def setUp(self):\n"
        "        super().setUp()\n        self.addCleanup(print)\n\n    def test_a(self):\n"
        "        self.client.get('/')\n",
        "from django.test import TestCase\n\n\nclass U(TestCase):\n    def setUp(self):\n"
        "        super().setUp()\n        self.addCleanup(print)\n\n    async def test_a(self):\n"
        "        await self.async_client.get('/')\n",
    )


def test_client_setup_in_a_mixin_fails_for_real(tmp_path):
    """Proof of finding 1 on real Django: a test whose setUp logs in through a mixin passes with
    the sync client and fails when rewritten naively to self.async_client (not logged in)."""
    _write(tmp_path, {k: v for k, v in PROJECT.items() if k != "proj/tests.py"})
    _write(tmp_path, {"proj/tests.py": """\
        from django.contrib.auth.models import User
        from django.test import TestCase


        class LoginMixin:
            def login(self):
                self.client.force_login(User.objects.create(username="m"))


        class T(LoginMixin, TestCase):
            def setUp(self):
                self.login()

            def test_session_user(self):
                r = self.client.get("/cart/")
                self.assertEqual(r.status_code, 200)
                self.assertIn("_auth_user_id", self.client.session.keys())
        """})
    assert _run_django_tests(tmp_path).returncode == 0
    src = (tmp_path / "proj/tests.py").read_text()
    out = transform_source(src, str(tmp_path / "proj/tests.py"), Settings(select=(CM,), options={CM: ALL_VIEWS}), ProjectIndex())
    assert out.source == src
    assert any("class LoginMixin sets up" in d.message for d in out.diagnostics)
    # what the old rewrite produced fails: the async client has no login
    naive = src.replace("def test_session_user", "async def test_session_user").replace(
        'r = self.client.get("/cart/")', 'r = await self.async_client.get("/cart/")'
    ).replace(
        'self.assertIn("_auth_user_id", self.client.session.keys())',
        'self.assertIn("_auth_user_id", await (await self.async_client.asession()).akeys())',
    )
    (tmp_path / "proj/tests.py").write_text(naive)
    failed = _run_django_tests(tmp_path)
    assert failed.returncode != 0 and "_auth_user_id" in failed.stderr


LOGIN_TEST = """\
from django.contrib.auth.models import User
from django.test import TestCase


class T(TestCase):
    def test_login(self):
        User.objects.create_user("u", password="p")
        self.assertTrue(self.client.login(username="u", password="p"))
        self.assertEqual(self.client.get("/cart/").status_code, 200)
"""
MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\n'
PLAIN_BACKEND = """\
from django.contrib.auth.models import User


class PlainBackend:
    def authenticate(self, request, username=None, password=None):
        user = User.objects.filter(username=username).first()
        return user if user is not None and user.check_password(password) else None

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id).first()
"""


def test_login_needs_django_auth_backends(tmp_path):
    """finding 2: alogin() calls aauthenticate() on each backend; only Django's own are known to
    behave as their authenticate()."""
    settings = tmp_path / "proj/settings.py"
    _write(tmp_path, {"manage.py": MANAGE, "proj/__init__.py": "", "proj/settings.py": "SECRET_KEY = 'x'\n"})
    path = str(tmp_path / "proj/tests.py")
    after = LOGIN_TEST.replace("def test_login", "async def test_login").replace(
        'User.objects.create_user("u"', 'await User.objects.acreate_user("u"'
    ).replace("self.client.login(", "await self.async_client.alogin(").replace(
        'self.client.get("/cart/")', '(await self.async_client.get("/cart/"))'
    )
    check_transformed(CM, LOGIN_TEST, after, path=path)  # unset: ModelBackend
    settings.write_text(
        "AUTHENTICATION_BACKENDS = [\n    'django.contrib.auth.backends.ModelBackend',\n"
        "    'django.contrib.auth.backends.RemoteUserBackend',\n]\n"
    )
    check_transformed(CM, LOGIN_TEST, after, path=path)
    for text, why in [
        (
            (
                'AUTHENTICATION_BACKENDS = ("social_core.backends.facebook.FacebookOAuth2", '
                '"django.contrib.auth.backends.ModelBackend")\n'
            ),
            "AUTHENTICATION_BACKENDS lists social_core.backends.facebook.FacebookOAuth2",
        ),
        ('AUTHENTICATION_BACKENDS = ["proj.auth.MyModelBackend"]\n', "lists proj.auth.MyModelBackend"),
        ("AUTHENTICATION_BACKENDS = BACKENDS\n", "is not a literal list"),
        ('AUTHENTICATION_BACKENDS = []\nAUTHENTICATION_BACKENDS += ["x.Y"]\n', "not read statically"),
        ("from .base import *\n", "star-imports base, which cannot be read"),
    ]:
        settings.write_text(text)
        check_noop(CM, LOGIN_TEST, why, path=path)
    (tmp_path / "manage.py").unlink()
    check_noop(CM, LOGIN_TEST, "AUTHENTICATION_BACKENDS is unknown", path=path)
    # an override in the test module itself
    settings.write_text("SECRET_KEY = 'x'\n")
    check_noop(
        CM, LOGIN_TEST.replace("class T", "@override_settings(AUTHENTICATION_BACKENDS=[])\nclass T"),
        "this module overrides AUTHENTICATION_BACKENDS", path=path,
    )
    # force_login authenticates nothing (Client.aforce_login only picks the backend's path)
    forced = LOGIN_TEST.replace('self.assertTrue(self.client.login(username="u", password="p"))',
                                'self.client.force_login(User(pk=1))')
    out = rewrite(CM, forced, path=path)
    assert "await self.async_client.aforce_login(User(pk=1))" in out.source


def test_login_with_a_plain_backend_real_django(tmp_path):
    """On real Django: with a backend that does not derive from BaseBackend the sync test passes,
    the codemod refuses it, and the rewrite it used to make dies in alogin(); with Django's
    backends the rewrite is made and passes."""
    _write(tmp_path, {k: v for k, v in PROJECT.items() if k != "proj/tests.py"})
    _write(tmp_path, {"manage.py": MANAGE, "proj/tests.py": LOGIN_TEST, "proj/auth.py": PLAIN_BACKEND})
    tests_py = tmp_path / "proj/tests.py"
    out = transform_source(LOGIN_TEST, str(tests_py), Settings(select=(CM,), options={CM: ALL_VIEWS}), ProjectIndex())
    assert "await self.async_client.alogin(" in out.source
    tests_py.write_text(out.source)
    assert _run_django_tests(tmp_path).returncode == 0
    settings = tmp_path / "proj/settings.py"
    settings.write_text(settings.read_text() + 'AUTHENTICATION_BACKENDS = ["proj.auth.PlainBackend"]\n')
    still = _run_django_tests(tmp_path)  # the old rewrite under this backend
    assert still.returncode != 0 and "has no attribute 'aauthenticate'" in still.stderr
    tests_py.write_text(LOGIN_TEST)
    assert _run_django_tests(tmp_path).returncode == 0
    out = transform_source(LOGIN_TEST, str(tests_py), Settings(select=(CM,), options={CM: ALL_VIEWS}), ProjectIndex())
    assert out.source == LOGIN_TEST
    assert any("lists proj.auth.PlainBackend" in d.message for d in out.diagnostics)


def test_headers_asyncclient_sends_itself_are_refused():
    """finding 3: AsyncClient appends a test's host/cookie/content-* header to its own (joined
    with ","), where Client's WSGI environ let the test's value replace Django's."""
    _refused('def test_a(self):\n    self.client.get("/", HTTP_HOST="localhost")\n', "HTTP_HOST sets a header AsyncClient always sends")
    _refused('def test_a(self):\n    self.client.get("/", HTTP_COOKIE="a=1")\n', "HTTP_COOKIE sets a header")
    _refused('def test_a(self):\n    self.client.get("/", headers={"Host": "x"})\n', "Host sets a header")
    _refused('def test_a(self):\n    self.client.post("/", d, headers={"content-type": "x"})\n', "content-type sets")
    _refused('def test_a(self):\n    self.client.get("/", headers=h)\n', "headers=h is not a dict literal")
    _refused('def test_a(self):\n    self.client.get("/", headers={**h})\n', "not a literal string")
    check_transformed(
        CM,
        'class T(TestCase):\n    def test_a(self):\n        self.client.get("/", HTTP_X_FORWARDED_HOST=h)\n',
        'class T(TestCase):\n    async def test_a(self):\n'
        '        await self.async_client.get("/", headers={"x-forwarded-host": h})\n',
    )


HOST_URLS = """\
from django.http import HttpResponse
from django.urls import path


def host(request):
    return HttpResponse(request.META["HTTP_HOST"])


urlpatterns = [path("a/", host)]
"""


def test_host_header_real_django(tmp_path):
    """The sync test passes; the old rewrite (headers={"host": ...}) gets a 400 (the host becomes
    "testserver,localhost"); the codemod now refuses it."""
    src = (
        "from django.test import TestCase\n\n\nclass T(TestCase):\n    def test_host(self):\n"
        '        self.assertEqual(self.client.get("/a/", HTTP_HOST="localhost").content, b"localhost")\n'
    )
    _write(tmp_path, {k: v for k, v in PROJECT.items() if k != "proj/tests.py"})
    _write(tmp_path, {"proj/urls.py": HOST_URLS})
    tests_py = tmp_path / "proj/tests.py"
    tests_py.write_text(src)
    assert _run_django_tests(tmp_path).returncode == 0
    out = transform_source(src, str(tests_py), Settings(select=(CM,), options={CM: ALL_VIEWS}), ProjectIndex())
    assert out.source == src and any("HTTP_HOST sets a header" in d.message for d in out.diagnostics)
    tests_py.write_text(
        src.replace("def test_host", "async def test_host").replace(
            'self.client.get("/a/", HTTP_HOST="localhost")',
            '(await self.async_client.get("/a/", headers={"host": "localhost"}))',
        )
    )
    old = _run_django_tests(tmp_path)
    assert old.returncode != 0 and "b'testserver,localhost' != b'localhost'" in old.stderr, old.stderr


CHALICE = """\
from pytest_chalice.handlers import RequestHandler


def test_boom(client: RequestHandler) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
"""


def test_client_fixture_of_another_plugin_is_left_alone(tmp_path):
    """finding 4: only pytest-django's client fixture is rewritten: the module must be a Django
    test and the project must use pytest-django."""
    check_noop(CM, CHALICE, None)  # no Django in the module (sentry's chalice tests)
    check_noop(CM, "def test_a(client):\n    client.get('/')\n", None)
    # a Django module whose client is annotated with another type
    check_noop(CM, "from django.urls import reverse\n" + CHALICE, "annotated RequestHandler, not django.test.Client")
    # evidence from pytest-django's marks and fixtures (no import needed)
    check_transformed(
        CM, "def test_a(client, rf):\n    client.get('/')\n",
        "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_a(async_client, rf):\n    await async_client.get('/')\n",
    )
    check_noop(
        CM, "from django.test import Client\n\n\ndef test_a(client: Client):\n    client.get('/')\n",
        "annotated Client, which async_client is not",
    )
    # the project side: nothing names pytest-django or the settings -> not pytest-django's
    (tmp_path / "requirements-test.txt").write_text("pytest-asyncio\n")  # the plugin that runs async tests
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\ndependencies = ['django']\n")
    path = str(tmp_path / "pkg/test_x.py")
    src = DJ + "def test_a(client):\n    client.get('/')\n"
    check_noop(CM, src, None, path=path)
    for name, text in [
        ("pyproject.toml", "[project.optional-dependencies]\ntest = ['pytest-django']\n"),
        ("requirements-dev.txt", "pytest_django==4.9\n"),
        ("tox.ini", "[testenv]\ncommands = pytest --ds=proj.settings\n"),
        ("pkg/conftest.py", "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'proj.settings'\n"),
    ]:
        (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
        for other in ("requirements-dev.txt", "tox.ini", "pkg/conftest.py"):
            (tmp_path / other).unlink(missing_ok=True)
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
        assert "async def test_a(async_client)" in rewrite(CM, src, path=path).source, name


def test_unused_client_import_is_dropped():
    """finding 7: after Client() -> AsyncClient() the Client import goes when nothing else uses it."""
    check_transformed(
        CM,
        "from django.test.client import Client\n\n\ndef test_page(db):\n    c = Client()\n"
        "    resp = c.get('/')\n    assert resp.status_code == 200\n",
        "import pytest\nfrom django.test.client import AsyncClient\n\n\n@pytest.mark.asyncio\n"
        "@pytest.mark.django_db(transaction=True)\nasync def test_page(db):\n    c = AsyncClient()\n"
        "    resp = await c.get('/')\n    assert resp.status_code == 200\n",
    )
    # still used by a test left sync (and by an annotation): kept
    check_transformed(
        CM,
        "from django.test import Client\n\n\ndef test_a():\n    c = Client()\n    c.get('/')\n\n\n"
        "def test_b():\n    c = Client()\n    helper(c)\n    c.get('/')\n",
        "import pytest\nfrom django.test import AsyncClient, Client\n\n\n@pytest.mark.asyncio\n"
        "async def test_a():\n    c = AsyncClient()\n    await c.get('/')\n\n\n"
        "def test_b():\n    c = Client()\n    helper(c)\n    c.get('/')\n",
        expect=["other than through a supported call"],
    )
    check_transformed(
        CM,
        "from django.test import Client\n\n\ndef make() -> Client: ...\n\n\ndef test_a():\n    c = Client()\n    c.get('/')\n",
        "import pytest\nfrom django.test import AsyncClient, Client\n\n\ndef make() -> Client: ...\n\n\n"
        "@pytest.mark.asyncio\nasync def test_a():\n    c = AsyncClient()\n    await c.get('/')\n",
    )


def test_methods_of_objects_the_response_carries_are_refused():
    """finding 8: ``view = r.view; view.load_rows()`` is an unknown call like any other."""
    get = 'def test_x(self):\n    r = self.client.get("/")\n'
    _refused(get + "    view = r.view\n    self.assertEqual(view.load_rows(), 3)\n",
             "view.load_rows() calls a method of r.view (an object the response carries")
    _refused(get + "    r.view.get_extra_action_url_map()\n", "calls a method of r.view")
    _refused(get + "    for row in r.view.rows:\n        row.refresh()\n", "calls a method of r.view")
    # the response's data: fine
    check_transformed(
        CM,
        "class T(TestCase):\n    def test_x(self):\n        r = self.client.get(\"/\")\n"
        "        data = r.json()\n        self.assertEqual(data.get('a'), r.headers.get('b'))\n"
        "        self.assertIn('x', r.content.decode())\n",
        "class T(TestCase):\n    async def test_x(self):\n        r = await self.async_client.get(\"/\")\n"
        "        data = r.json()\n        self.assertEqual(data.get('a'), r.headers.get('b'))\n"
        "        self.assertIn('x', r.content.decode())\n",
    )


OS = "import pytest\nfrom django.test import override_settings\n\n\n"


def test_marks_stay_together_next_to_existing_marks():
    """finding 9: the async marker and django_db(transaction=True) go together after the test's
    own pytest marks; the marker directly above an existing django_db mark."""
    check_transformed(
        CM,
        OS + "@override_settings(A=1)\n@pytest.mark.parametrize('u', ['/a'])\n@pytest.mark.slow\n"
        "def test_a(client, db, u):\n    client.get(u)\n",
        OS + "@override_settings(A=1)\n@pytest.mark.parametrize('u', ['/a'])\n@pytest.mark.slow\n"
        "@pytest.mark.asyncio\n@pytest.mark.django_db(transaction=True)\nasync def test_a(async_client, db, u):\n"
        "    await async_client.get(u)\n",
    )
    check_transformed(
        CM,
        "import pytest\n" + DJ + "@pytest.mark.django_db\n@pytest.mark.parametrize('u', ['/a'])\n"
        "def test_a(client, u):\n    client.get(u)\n",
        "import pytest\n" + DJ + "@pytest.mark.asyncio\n@pytest.mark.django_db(transaction=True)\n"
        "@pytest.mark.parametrize('u', ['/a'])\nasync def test_a(async_client, u):\n    await async_client.get(u)\n",
    )


def test_pytest_import_goes_where_isort_puts_it():
    """finding 9: not above the standard library imports, but in the third-party group."""
    body = "\n\ndef test_a(client, db):\n    client.get('/')\n"
    after = (
        "\n\n@pytest.mark.asyncio\n@pytest.mark.django_db(transaction=True)\n"
        "async def test_a(async_client, db):\n    await async_client.get('/')\n"
    )
    for before, expected in [
        (
            "from http import HTTPStatus\n\nfrom django.urls import reverse\n",
            "from http import HTTPStatus\n\nimport pytest\nfrom django.urls import reverse\n",
        ),
        (
            "import json\n\nimport django\nimport requests\nfrom django.urls import reverse\n",
            "import json\n\nimport django\nimport pytest\nimport requests\nfrom django.urls import reverse\n",
        ),
        ("import json\n\nfrom .models import Thing\n", "import json\n\nimport pytest\n\nfrom .models import Thing\n"),
        ("from .models import Thing\n", "import pytest\n\nfrom .models import Thing\n"),
    ]:
        check_transformed(CM, before + body, expected + after)


def test_diagnostics_name_the_real_blocker():
    """finding 10: a call inside a nested def is reported as such; django.http objects and str
    methods of module constants are not database calls."""
    src = (
        "from django.http import HttpResponse\nfrom django.test import TestCase\n\nfrom app.views import MESSAGE\n\n\n"
        "class T(TestCase):\n    def test_a(self):\n        def hook(request):\n            audit(request)\n"
        "            return HttpResponse()\n\n        self.register_hook(hook)\n        self.client.get('/')\n"
    )
    out = check_noop(CM, src, ["in nested function hook(): cannot tell whether audit() touches", "self.register_hook() may touch"])
    assert not any("HttpResponse" in d.message for d in out.diagnostics)
    check_transformed(
        CM,
        "from django.test import TestCase\n\nfrom app.views import MESSAGE\n\n\nclass T(TestCase):\n"
        "    def test_a(self):\n        r = self.client.get('/')\n        self.assertContains(r, MESSAGE.format(x=1))\n",
        "from django.test import TestCase\n\nfrom app.views import MESSAGE\n\n\nclass T(TestCase):\n"
        "    async def test_a(self):\n        r = await self.async_client.get('/')\n"
        "        self.assertContains(r, MESSAGE.format(x=1))\n",
    )


def test_shared_knowledge_derivations_keep_this_codemods_tables():
    """The ORM, HTTP, effects and layout facts async-test-client uses are derived from the shared
    knowledge; these are the tables it always used (a drift in either changes what it rewrites)."""
    from codemods.knowledge import effects, layout, testing
    from codemods.rules.async_test_client.scan_calls import STR_METHODS

    assert testing.MANAGER_ATTRS == {"objects", "_default_manager"}
    assert testing.LAZY_QS == {
        "all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "distinct",
        "annotate", "alias", "using", "reverse", "none", "complex_filter",
    }
    assert testing.VALUES_QS == {"values", "values_list"}
    assert testing.QS_TWINS_INST == {"get", "create", "first", "last", "latest", "earliest"}
    assert testing.QS_TWINS_PAIR == {"get_or_create", "update_or_create"}
    assert testing.QS_TWINS_OTHER == {
        "count", "exists", "contains", "aggregate", "update", "delete", "in_bulk", "bulk_update", "explain",
    }
    assert testing.USER_TWINS == {"create_user", "create_superuser"}
    assert testing.INSTANCE_TWINS == {"save", "delete", "refresh_from_db"}
    assert testing.ORM_ATTRS == {
        "save", "delete", "refresh_from_db", "create", "get_or_create", "update_or_create",
        "bulk_create", "bulk_update", "create_user", "create_superuser", "count", "exists",
        "first", "last", "aggregate", "update", "in_bulk", "latest", "earliest", "add", "remove",
        "clear", "set",
    }
    assert testing.SESSION_TWINS == {
        "save", "get", "pop", "setdefault", "update", "has_key", "keys", "values", "items", "flush",
        "cycle_key", "set_expiry", "get_expiry_age", "get_expiry_date", "get_expire_at_browser_close",
        "set_test_cookie", "test_cookie_worked", "delete_test_cookie", "delete", "exists", "create",
    }
    assert testing.CONTRIB_USER == "django.contrib.auth.models.User"
    assert testing.USER_FIELDS == {
        "username", "first_name", "last_name", "email", "password", "is_staff", "is_active",
        "is_superuser", "date_joined", "last_login",
    }
    assert testing.RELATION_FIELDS == {
        "ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject", "GenericForeignKey",
        "GenericRelation", "ParentalKey", "ParentalManyToManyField", "TreeForeignKey",
    }
    assert testing.MANAGER_BASES == {"Manager", "BaseManager", "BaseUserManager", "UserManager"}
    assert testing.SAFE_BUILTINS == {
        "len", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "frozenset",
        "sorted", "reversed", "range", "enumerate", "zip", "isinstance", "min", "max", "sum", "any",
        "all", "abs", "round", "repr", "print", "type", "bytes", "iter", "next", "divmod", "chr",
        "ord", "format", "hex",
    } | effects.BUILTIN_EXCEPTIONS | effects.NO_DATABASE_BUILTINS
    assert sorted(testing.SAFE_MODULES) == sorted((
        "json.", "datetime.", "decimal.", "uuid.", "re.", "urllib.parse.", "math.", "http.",
        "base64.", "string.", "textwrap.", "collections.", "itertools.", "operator.",
        "django.urls.", "django.utils.timezone.", "django.utils.http.", "django.utils.encoding.",
        "django.utils.html.", "django.utils.text.", "django.utils.dateparse.",
        "django.utils.datastructures.", "django.db.models.", "django.core.files.uploadedfile.",
        "django.core.files.base.", "django.http.", "io.", "os.path.", "pathlib.",
        "random.", "time.", "logging.", "hashlib.", "hmac.", "secrets.", "copy.", "os.environ.",
        "django.utils.crypto.", "django.utils.translation.", "django.core.signing.",
        "django.core.urlresolvers.", "os.getenv", "pytest.skip", "pytest.fail", "pytest.xfail",
        "pytest.approx", "django.test.override_settings", "django.test.modify_settings",
        "django.test.utils.override_settings", "django.test.utils.modify_settings",
        "django.contrib.auth.hashers.make_password", "django.contrib.auth.get_user_model",
        "django.shortcuts.reverse", "unittest.mock.", "mock.",
    ))
    assert STR_METHODS is effects.STR_METHODS and STR_METHODS == {
        "format", "join", "replace", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper",
        "startswith", "endswith", "encode", "splitlines", "partition", "removeprefix", "removesuffix",
    }
    assert testing.VERBS == {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
    assert testing.HTTP_HANDLERS == ("get", "post", "put", "patch", "delete", "head", "trace")
    assert set(testing.ROOT_MARKERS) == {"pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "manage.py", "setup.py"}
    assert testing.ROOT_MARKERS is layout.ROOT_MARKERS
    assert set(testing.CONFTEST_ROOT_MARKERS) == {"pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "manage.py"}
