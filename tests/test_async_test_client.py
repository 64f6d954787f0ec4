from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.harness import check_noop, check_transformed

CM = "async-test-client"


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


def _refused(body: str, reason: str, **kw):
    src = "class T(TestCase):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    check_noop(CM, src, reason, **kw)


def test_refusals():
    _refused('def test_a(self):\n    User.objects.create(username="u")\n    self.client.get("/")\n', ".objects")
    _refused('def test_a(self):\n    self.obj.save()\n    self.client.get("/")\n', ".save()")
    _refused('def test_a(self):\n    self.obj.delete()\n    self.client.get("/")\n', ".delete()")
    _refused('def test_a(self):\n    self.obj.refresh_from_db()\n    self.client.get("/")\n', "refresh_from_db")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    self.assertRedirects(r, "/b")\n', "assertRedirects")
    _refused('def test_a(self):\n    s = self.client.session\n    self.client.get("/")\n', "other than")
    _refused('def test_a(self):\n    self.client.cookies.clear()\n    self.client.get("/")\n', "other than")
    _refused('@mock.patch("x")\ndef test_a(self, m):\n    self.client.get("/")\n', "decorators")
    _refused('def test_a(self):\n    f = lambda: self.client.get("/")\n    self.client.get("/")\n', "nested")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r.client.get("/x")\n', "response.client")
    _refused('def test_a(self):\n    r = self.client.get("/")\n    r.wsgi_request\n', "wsgi_request")
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
        from django.http import JsonResponse
        from django.urls import path

        from proj.models import Product


        def sync_view(request):
            return JsonResponse({"kind": "sync", "accept": request.headers.get("accept", "")})


        async def async_view(request):
            return JsonResponse({"kind": "async", "foo": request.headers.get("x-foo", "")})


        def restock(request, pk):
            p = Product.objects.get(pk=pk)
            p.stock += int(request.POST["n"])
            p.save()
            return JsonResponse({"stock": p.stock})


        async def names(request):
            return JsonResponse({"names": [p.name async for p in Product.objects.order_by("name")]})


        urlpatterns = [
            path("s/", sync_view),
            path("a/", async_view),
            path("restock/<int:pk>/", restock, name="restock"),
            path("names/", names),
        ]
        """,
    "proj/tests.py": """\
        from django.test import TestCase
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
    assert "Ran 3 tests" in before.stderr
    tests_py = tmp_path / "proj/tests.py"
    out = transform_source(tests_py.read_text(), str(tests_py), Settings(select=(CM,)), ProjectIndex())
    assert out.error is None, out.error
    assert "async def test_views(self):" in out.source
    assert "async def test_orm_in_the_test_body(self):" in out.source
    assert "await Product.objects.acreate(" in out.source
    assert "async for q in Product.objects.filter(stock=0):" in out.source
    assert "    def test_refused_lazy_relation(self):" in out.source
    assert [d.message for d in out.diagnostics if d.kind == "refused"] == [
        (
            "not made async: p.category may load a related object or run a query synchronously "
            "(only concrete fields of the model are read in an async test)"
        )
    ]
    tests_py.write_text(out.source)
    after = _run_django_tests(tmp_path)
    assert after.returncode == 0, after.stderr + out.source
    assert "Ran 3 tests" in after.stderr


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
    refused(get + "make_product()\n", "make_product() may touch the database")
    refused(get + "p = 1\np.real\n", "bound both to ORM results")
    refused(get + "f = lambda: Product.objects.count()\n", "nested function")
    refused(get + "self.assertQuerySetEqual(Product.objects.all(), [])\n", "assertQuerySetEqual")
    refused(get, "needs Django 4.1+", target_django=(4, 0))
    refused(get + "p.save()\n", "needs Django 4.2+", target_django=(4, 1))
    refused('self.client.get("/")\nUnknown.objects.create()\n', "may touch the database")
    refused('self.client.get("/")\nthing.save()\n', "thing.save() may touch the database")
