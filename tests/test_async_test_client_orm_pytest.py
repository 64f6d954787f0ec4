"""async-test-client: ORM calls become async twins, and pytest-django tests (functions, marks, refusals)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.async_test_client_support import (
    ALL_VIEWS,
    CM,
    DJ,
    ORM_HEAD,
    PROJECT,
    _shop,
    check_noop,
    check_transformed,
)


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
