"""async-test-client: the rewrite of test client calls, its refusals, and a real Django run before and after."""

from __future__ import annotations

import textwrap

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.async_test_client_support import (
    ALL_VIEWS,
    CM,
    PROJECT,
    _refused,
    _run_django_tests,
    check_noop,
    check_transformed,
)


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
