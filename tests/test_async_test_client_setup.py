"""async-test-client: client setup in bases, login backends, headers, other plugins, imports, diagnostics."""

from __future__ import annotations

import textwrap

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.async_test_client_support import (
    ALL_VIEWS,
    CM,
    DJ,
    PROJECT,
    _refused,
    _run_django_tests,
    check_noop,
    check_transformed,
    rewrite,
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
