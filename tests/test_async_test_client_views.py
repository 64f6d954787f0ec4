"""async-test-client's default (only-async-views): tests of async views convert, tests of sync views
stay sync (a note), and a URL that cannot be followed to a view is said so (a warning).

Each test writes a small real Django project under ``tmp_path`` (manage.py, settings, a root
urlconf with an ``include``, a namespaced app urlconf, sync and async function views, class-based
views), runs the codemod over its test module, and one runs the converted module with Django's
own test runner (real Django, real SQLite) to show the converted tests pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.harness import check_noop, rewrite

CM = "async-test-client"

PROJECT = {
    "manage.py": (
        "import os\nimport sys\n\n"
        'if __name__ == "__main__":\n'
        '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_.settings")\n'
        "    from django.core.management import execute_from_command_line\n\n"
        "    execute_from_command_line(sys.argv)\n"
    ),
    "site_/__init__.py": "",
    "site_/settings.py": (
        'SECRET_KEY = "test"\nDEBUG = False\nALLOWED_HOSTS = ["testserver"]\nUSE_TZ = True\n'
        'ROOT_URLCONF = "site_.urls"\n'
        "INSTALLED_APPS = [\n"
        '    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "app",\n'
        "]\n"
        "MIDDLEWARE = [\n"
        '    "django.contrib.sessions.middleware.SessionMiddleware",\n'
        '    "django.contrib.auth.middleware.AuthenticationMiddleware",\n'
        "]\n"
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}\n'
        'TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]\n'
    ),
    "site_/urls.py": (
        "from django.contrib.auth import views as auth_views\n"
        "from django.urls import include, path, re_path\n\n"
        "from app import views\n"
        "from app.routers import router\n\n"
        "urlpatterns = [\n"
        '    path("", include("app.urls")),\n'
        '    path("legacy/", views.legacy),\n'
        '    re_path(r"^re/(?P<n>[0-9]+)/$", views.fast),\n'
        '    path("ext/", include(router.urls)),\n'
        '    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),\n'
        "]\n"
    ),
    "app/__init__.py": "",
    "app/routers.py": "class _Router:\n    urls = []\n\n\nrouter = _Router()\n",
    "app/urls.py": (
        "from django.urls import path\n\nfrom . import views\n\napp_name = \"shop\"\n\n"
        "urlpatterns = [\n"
        '    path("fast/<int:pk>/", views.fast, name="fast"),\n'
        '    path("slow/", views.slow, name="slow"),\n'
        '    path("cbv/", views.AsyncView.as_view(), name="cbv"),\n'
        '    path("sync-cbv/", views.SyncView.as_view(), name="sync-cbv"),\n'
        '    path("opaque/", views.OpaqueView.as_view(), name="opaque"),\n'
        '    path("wrapped/", views.wrapped, name="wrapped"),\n'
        "]\n"
    ),
    "app/views.py": (
        "from django.http import HttpResponse, JsonResponse\n"
        "from django.views import View\n\n"
        "from app.helpers import HelperView, timed\n\n\n"
        "async def fast(request, pk=0, n=0):\n    return JsonResponse({\"pk\": pk, \"n\": n})\n\n\n"
        "def slow(request):\n    return HttpResponse(\"slow\")\n\n\n"
        "def legacy(request):\n    return HttpResponse(\"legacy\")\n\n\n"
        "@timed\nasync def wrapped(request):\n    return HttpResponse(\"wrapped\")\n\n\n"
        "class AsyncView(View):\n"
        "    async def get(self, request):\n        return HttpResponse(\"get\")\n\n"
        "    async def post(self, request):\n        return HttpResponse(\"post\")\n\n\n"
        "class SyncView(View):\n    def get(self, request):\n        return HttpResponse(\"sync\")\n\n\n"
        "class OpaqueView(HelperView):\n    async def get(self, request):\n        return HttpResponse(\"opaque\")\n"
    ),
    "app/templates/registration/login.html": "login\n",
    "app/helpers.py": (
        "from django.views.generic import TemplateView\n\n\n"
        "def timed(view):\n    return view\n\n\n"
        "class HelperView(TemplateView):\n    pass\n"
    ),
}

TESTS = """\
from django.test import TestCase
from django.urls import reverse


class Views(TestCase):
    url = "/slow/"

    def test_fast(self):
        r = self.client.get(reverse("shop:fast", args=[3]))
        self.assertEqual(r.json(), {"pk": 3, "n": 0})

    def test_fast_by_path_and_regex(self):
        self.assertEqual(self.client.get("/fast/4/?x=1").json()["pk"], 4)
        self.assertEqual(self.client.get("/re/12/").json()["n"], "12")

    def test_fast_by_local_url_and_fstring(self):
        url = reverse("shop:fast", args=[5])
        pk = 6
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get(f"/fast/{pk}/").json()["pk"], 6)

    def test_async_cbv(self):
        self.assertEqual(self.client.post(reverse("shop:cbv")).content, b"post")

    def test_slow(self):
        self.assertEqual(self.client.get("/slow/").content, b"slow")

    def test_legacy(self):
        self.assertEqual(self.client.get("/legacy/").content, b"legacy")

    def test_sync_cbv(self):
        self.assertEqual(self.client.get(reverse("shop:sync-cbv")).content, b"sync")

    def test_django_login_page(self):
        self.assertEqual(self.client.get(reverse("login")).status_code, 200)

    def test_fast_then_slow(self):
        self.client.get("/fast/1/")
        self.client.get("/slow/")

    def test_computed(self):
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_router(self):
        self.assertEqual(self.client.get("/ext/things/").status_code, 404)

    def test_nowhere(self):
        self.assertEqual(self.client.get("/nowhere/").status_code, 404)

    def test_opaque_base(self):
        self.assertEqual(self.client.get(reverse("shop:opaque")).content, b"opaque")

    def test_decorated(self):
        self.assertEqual(self.client.get(reverse("shop:wrapped")).content, b"wrapped")
"""

CONVERTED = {"test_fast", "test_fast_by_path_and_regex", "test_fast_by_local_url_and_fstring", "test_async_cbv"}
NOTES = {
    "test_slow": '"/slow/" reaches app.views.slow, a sync view',
    "test_legacy": '"/legacy/" reaches app.views.legacy, a sync view',
    "test_sync_cbv": 'reverse("shop:sync-cbv") reaches app.views.SyncView, a sync view',
    "test_django_login_page": 'reverse("login") reaches django.contrib.auth.views.LoginView, a sync view',
    "test_fast_then_slow": '"/slow/" reaches app.views.slow, a sync view',
    "test_computed": "self.url reaches app.views.slow, a sync view",  # url = "/slow/" in the class body
}
WARNINGS = {
    "test_router": '"/ext/things/": view unknown (it may go to include(router.urls) under "ext/", which is not read)',
    "test_nowhere": '"/nowhere/": view unknown (no route of the urlconf matches it)',
    "test_opaque_base": 'reverse("shop:opaque") reaches app.views.OpaqueView: cannot tell whether it is async (its base TemplateView is not read)',
    "test_decorated": 'reverse("shop:wrapped") reaches app.views.wrapped: cannot tell whether it is async (decorated by @timed)',
}


def _project(root: Path, files: dict[str, str] = PROJECT) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    tests = root / "app" / "tests.py"
    tests.write_text(TESTS)
    return tests


def _lines(out) -> dict[str, tuple[str, str]]:
    """Test name -> (diagnostic kind, message), from the line each diagnostic points at."""
    names = {i + 1: line.split("def ")[1].split("(")[0] for i, line in enumerate(TESTS.splitlines()) if "def test" in line}
    return {names[d.line]: (d.kind, d.message) for d in out.diagnostics if d.line in names}


def test_only_tests_of_async_views_convert_and_the_rest_say_why(tmp_path):
    tests = _project(tmp_path)
    out = transform_source(TESTS, str(tests), Settings(select=(CM,)), ProjectIndex())
    assert out.error is None, out.error
    made_async = {line.split("async def ")[1].split("(")[0] for line in out.source.splitlines() if "async def" in line}
    assert made_async == CONVERTED
    said = _lines(out)
    for name, text in NOTES.items():
        assert said[name] == ("note", f"left sync: {text} (only-async-views = false converts it)"), name
    for name, text in WARNINGS.items():
        assert said[name] == ("refused", f"not made async: {text}"), name
    assert set(said) == set(NOTES) | set(WARNINGS) | CONVERTED
    assert all(said[n][0] == "fixed" for n in CONVERTED)
    assert all(len(m) <= 160 and "\n" not in m for _, m in said.values())
    # A second run changes nothing.
    assert transform_source(out.source, str(tests), Settings(select=(CM,)), ProjectIndex()).source == out.source


def test_the_converted_module_passes_under_django_test_runner(tmp_path):
    tests = _project(tmp_path)
    out = transform_source(TESTS, str(tests), Settings(select=(CM,)), ProjectIndex())
    assert out.error is None and "await self.async_client.get(url)" in out.source
    tests.write_text(out.source)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "PYTHONPATH"))}
    run = subprocess.run(
        [sys.executable, "manage.py", "test", "app", "-v", "2", "--noinput"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Ran 14 tests" in output and "\nOK" in output, output
    for name in CONVERTED:  # the async tests ran (and passed) as tests, not skipped or collected away
        assert f"{name} (app.tests.Views.{name}) ... ok" in output, output


def test_option_false_keeps_the_old_behaviour_every_test_converts(tmp_path):
    tests = _project(tmp_path)
    settings = Settings(select=(CM,), options={CM: {"only-async-views": False}})
    out = transform_source(TESTS, str(tests), settings, ProjectIndex())
    assert out.source.count("async def test_") == TESTS.count("def test_") == 14
    assert not [d for d in out.diagnostics if d.kind in ("refused", "note")]


def test_urlconf_that_cannot_be_read_is_said_once_per_module(tmp_path):
    src = TESTS.split("    def test_fast_by_path")[0]
    first_test = src[: src.index("    def test_")].count("\n") + 1

    def once(path, why):
        out = check_noop(CM, src, f"tests left sync: which views their requests reach cannot be known ({why})", path=path)
        warned = [(d.line, d.col, d.code) for d in out.diagnostics if d.kind in ("refused", "note")]
        assert warned == [(first_test, 5, "DJA460")]  # one line, at the module's first test, nothing per test

    # No file names the settings module.
    once(str(tmp_path / "elsewhere" / "tests.py"), "no manage.py or pytest configuration names the settings module")
    # ROOT_URLCONF not a literal; its module missing.
    _project(tmp_path)
    settings = tmp_path / "site_/settings.py"
    settings.write_text(PROJECT["site_/settings.py"].replace('ROOT_URLCONF = "site_.urls"', 'ROOT_URLCONF = URLS'))
    once(str(tmp_path / "app/tests.py"), "ROOT_URLCONF is not a string literal in site_.settings")
    settings.write_text(PROJECT["site_/settings.py"].replace('"site_.urls"', '"site_.gone"'))
    once(str(tmp_path / "app/tests.py"), "the urlconf site_.gone (ROOT_URLCONF) is not a readable project file")
    # A module that names its own urlconf is looked at test by test.
    with_override = "from django.test import override_settings\n" + src.replace(
        "class ", '@override_settings(ROOT_URLCONF="site_.gone")\nclass ', 1
    )
    out = check_noop(CM, with_override, "(override_settings) is not a readable project file", path=str(tmp_path / "app/tests.py"))
    assert {d.code for d in out.diagnostics if d.kind == "refused"} == {"DJA458"}
    # Per test, when a request's view is unknown: that reason alone (it keeps the test sync).
    settings.write_text(PROJECT["site_/settings.py"])
    (tmp_path / "site_/urls.py").write_text(PROJECT["site_/urls.py"].replace('include("app.urls")', 'include("shop.urls")'))
    out = check_noop(
        CM, src, """(no route read is named 'shop:fast'; include('shop.urls') under "" is unread)""",
        path=str(tmp_path / "app/tests.py"),
    )
    per_test = [d.line for d in out.diagnostics if d.kind == "refused"]
    assert per_test and len(per_test) == len(set(per_test)), per_test  # one line per test


def test_fstring_placeholders_that_may_reach_either_kind_are_not_guessed(tmp_path):
    files = dict(PROJECT)
    files["app/urls.py"] = (
        "from django.urls import path\n\nfrom . import views\n\n"
        "urlpatterns = [\n"
        '    path("p/<int:pk>/", views.fast),\n'
        '    path("p/<slug:slug>/", views.slow),\n'
        "]\n"
    )
    _project(tmp_path, files)
    src = """\
        from django.test import TestCase


        class T(TestCase):
            def test_p(self):
                self.client.get(f"/p/{self.key}/")
        """
    check_noop(
        CM, src, 'f"/p/{self.key}/": view unknown (it may reach app.views.fast or app.views.slow, by its values)',
        path=str(tmp_path / "app/tests.py"),
    )


def test_pytest_django_tests_of_sync_views_keep_the_client_fixture(tmp_path):
    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n[project.optional-dependencies]\ntest = ["pytest-django", "pytest-asyncio"]\n'
        '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "site_.settings"\n'
    )
    src = textwrap.dedent(
        """\
        import pytest
        from django.urls import reverse


        @pytest.mark.django_db
        def test_fast(client):
            assert client.get(reverse("shop:fast", args=[1])).status_code == 200


        @pytest.mark.django_db
        def test_slow(client):
            assert client.get(reverse("shop:slow")).status_code == 200
        """
    )
    out = rewrite(CM, src, path=str(tmp_path / "app/test_pytest.py"))
    assert out.error is None
    assert "async def test_fast(async_client)" in out.source and "def test_slow(client)" in out.source
    notes = [d.message for d in out.diagnostics if d.kind == "note"]
    assert notes == ['left sync: reverse("shop:slow") reaches app.views.slow, a sync view (only-async-views = false converts it)']


def test_override_settings_root_urlconf_is_the_urlconf_read(tmp_path):
    _project(tmp_path)
    (tmp_path / "app/other_urls.py").write_text(
        'from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path("slow/", views.fast)]\n'
    )
    src = """\
        from django.test import TestCase, override_settings


        @override_settings(ROOT_URLCONF="app.other_urls")
        class T(TestCase):
            def test_other(self):
                self.client.get("/slow/")


        class U(TestCase):
            def test_site(self):
                self.client.get("/slow/")

            @override_settings(ROOT_URLCONF=URLS)
            def test_computed(self):
                self.client.get("/slow/")

            def test_inline(self):
                with self.settings(ROOT_URLCONF="app.other_urls"):
                    self.client.get("/slow/")
        """
    out = rewrite(CM, src, path=str(tmp_path / "app/tests.py"))
    assert out.source.count("async def") == 1 and "async def test_other" in out.source
    said = sorted((d.kind, d.message) for d in out.diagnostics if d.kind in ("note", "refused"))
    assert said == [
        ("note", 'left sync: "/slow/" reaches app.views.slow, a sync view (only-async-views = false converts it)'),
        ("refused", "not made async: ROOT_URLCONF is overridden in the test: cannot tell which views it reaches"),
        ("refused", "not made async: ROOT_URLCONF=URLS is not a string literal: cannot tell which views it reaches"),
    ]


def test_append_slash_redirect_followed_reaches_the_slashed_route(tmp_path):
    files = dict(PROJECT)
    files["site_/settings.py"] += 'MIDDLEWARE += ["django.middleware.common.CommonMiddleware"]\n'
    tests = _project(tmp_path, files)
    src = """\
        from django.test import TestCase


        class T(TestCase):
            def test_followed(self):
                self.assertEqual(self.client.get("/fast/1", follow=True).json()["pk"], 1)

            def test_not_followed(self):
                self.assertEqual(self.client.get("/fast/1").status_code, 301)
        """
    out = rewrite(CM, src, path=str(tests))
    assert "async def test_followed" in out.source and "    def test_not_followed" in out.source
    assert [d.message for d in out.diagnostics if d.kind == "refused"] == [
        'not made async: "/fast/1": view unknown (no route of the urlconf matches it)'
    ]


REAL = Path(__file__).resolve().parent / "fixtures" / "real" / "test_client" / "django-handlers"


def test_real_django_handler_tests_only_the_async_view_test_converts_and_still_passes(tmp_path):
    """An excerpt of Django's own handler tests (origin in tests/fixtures/real/README.md): one test of
    an async view among tests of sync views, behind override_settings(ROOT_URLCONF=...)."""
    shutil.copytree(REAL, tmp_path, dirs_exist_ok=True)
    (tmp_path / "manage.py").write_text(PROJECT["manage.py"].replace("site_.settings", "demo_settings"))
    (tmp_path / "demo_settings.py").write_text(
        'SECRET_KEY = "test"\nINSTALLED_APPS = ["handlers_demo"]\nDATABASES = {}\nROOT_URLCONF = "handlers_demo.urls"\n'
    )
    tests = tmp_path / "handlers_demo" / "tests.py"
    source = tests.read_text()
    out = transform_source(source, str(tests), Settings(select=(CM,)), ProjectIndex())
    assert out.error is None, out.error
    assert [line.strip() for line in out.source.splitlines() if "async" in line] == [
        "async def test_coroutine_view(self):",
        'response = await self.async_client.get("/coro/")',
    ]
    lines = source.splitlines()
    said = {lines[d.line - 1].strip(): (d.kind, d.message) for d in out.diagnostics}
    note = "left sync: {} reaches {}, a sync view (only-async-views = false converts it)"
    assert said == {
        "def test_coroutine_view(self):": ("fixed", "test now uses the async test client"),
        "def test_plain_view(self):": ("note", note.format('"/plain/"', "handlers_demo.views.plain")),
        "def test_bad_request_is_400(self):": ("note", note.format('"/rejected/"', "handlers_demo.views.rejected")),
        "def test_streaming(self):": ("note", note.format('"/stream/"', "handlers_demo.views.stream")),
        "def test_no_reply(self):": (
            "refused", ("not made async: url: view unknown (not a literal path, f-string or "
            "reverse() of a literal name)"),
        ),
        "def test_instance_view(self):": (
            "refused", ('not made async: "/no_reply_cbv/" reaches views.NoReply(): cannot tell whether it is async '
            "(not a function or a class's as_view())"),
        ),
        "def test_leaked_coroutine(self):": (
            "refused", ('not made async: "/leaked/" reaches handlers_demo.views.leaked_coroutine: cannot tell whether '
            "it is async (bound to LeakedCoroutineView())"),
        ),
    }
    tests.write_text(out.source)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "PYTHONPATH"))}
    run = subprocess.run(
        [sys.executable, "manage.py", "test", "handlers_demo", "-v", "2"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "Ran 7 tests" in output, output
    assert "test_coroutine_view (handlers_demo.tests.RequestTests.test_coroutine_view) ... ok" in output, output


def test_a_cached_result_follows_the_urlconf_and_the_views(tmp_path):
    from codemods import runner
    from tests.test_project import _age

    root, cache = tmp_path / "proj", tmp_path / "cache"
    _project(root)
    (root / "app/tests.py").write_text(
        "from django.test import TestCase\n\n\nclass T(TestCase):\n    def test_a(self):\n        self.client.get('/slow/')\n"
    )
    settings = Settings(select=(CM,), cache_dir=cache, root=root, jobs=1, respect_gitignore=False)

    def run() -> runner.FileResult:
        (res,) = [f for f in runner.run([root / "app"], settings, mode="check").files if f.path.endswith("tests.py")]
        return res

    assert not run().changed  # /slow/ reaches a sync view
    _age(cache)
    assert not run().changed
    views = root / "app/views.py"
    views.write_text(views.read_text().replace("def slow(request):", "async def slow(request):"))
    assert run().changed  # the view became async: the cached answer is not reused
    _age(cache)
    (root / "app/urls.py").write_text((root / "app/urls.py").read_text().replace("views.slow,", "views.legacy,"))
    assert not run().changed  # the urlconf now routes /slow/ to a sync view


def test_view_classes_are_judged_with_their_project_bases(tmp_path):
    files = dict(PROJECT)
    files["app/bases.py"] = (
        "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.views import View\n\n\n"
        "class AsyncBase(LoginRequiredMixin, View):\n    async def get(self, request):\n        return None\n"
    )
    files["app/views.py"] = PROJECT["app/views.py"] + (
        "\n\nfrom app.bases import AsyncBase\nfrom django.views.generic import FormView\n\n\n"
        "class Child(AsyncBase):\n    async def post(self, request):\n        return None\n\n\n"
        "class SyncChild(AsyncBase):\n    def post(self, request):\n        return None\n\n\n"
        "class Form(FormView):\n    pass\n"
    )
    files["app/urls.py"] = (
        "from django.urls import include, path\n\nfrom . import views\n\n"
        "urlpatterns = [\n"
        '    path("child/", views.Child.as_view()),\n'
        '    path("sync-child/", views.SyncChild.as_view()),\n'
        '    path("form/", views.Form.as_view()),\n'
        '    path("inline/", include([path("a/", views.fast)])),\n'
        "]\n"
        'urlpatterns.append(path("appended/", views.slow))\n'
    )
    _project(tmp_path, files)
    src = """\
        from django.test import TestCase


        class T(TestCase):
            def test_child(self):
                self.client.get("/child/")

            def test_sync_child(self):
                self.client.get("/sync-child/")

            def test_form(self):
                self.client.get("/form/")

            def test_inline(self):
                self.client.get("/inline/a/")

            def test_appended(self):
                self.client.get("/appended/")
        """
    out = rewrite(CM, src, path=str(tmp_path / "app/tests.py"))
    made_async = {line.split("async def ")[1].split("(")[0] for line in out.source.splitlines() if "async def" in line}
    assert made_async == {"test_child", "test_inline"}
    assert sorted(d.message for d in out.diagnostics if d.kind == "note") == [
        'left sync: "/appended/" reaches app.views.slow, a sync view (only-async-views = false converts it)',
        'left sync: "/form/" reaches app.views.Form, a sync view (only-async-views = false converts it)',
        'left sync: "/sync-child/" reaches app.views.SyncChild, a sync view (only-async-views = false converts it)',
    ]


def test_fstring_that_starts_with_a_reverse_call_is_that_name(tmp_path):
    _project(tmp_path)
    src = """\
        from django.test import TestCase
        from django.urls import reverse


        class T(TestCase):
            def test_query(self):
                self.client.get(f"{reverse('shop:fast', args=[2])}?next=/x")

            def test_slow_query(self):
                self.client.get(f"{reverse('shop:slow')}?next=/x")

            def test_computed_start(self):
                self.client.get(f"{self.base}/fast/1/")
        """
    out = rewrite(CM, src, path=str(tmp_path / "app/tests.py"))
    assert "async def test_query" in out.source and out.source.count("async def") == 1
    said = sorted(d.message for d in out.diagnostics if d.kind in ("note", "refused"))
    assert said == [
        """left sync: f"{reverse('shop:slow')}?next=/x" reaches app.views.slow, a sync view (only-async-views = false converts it)""",
        """not made async: f"{self.base}/fast/1/": view unknown (its path starts with a computed value)""",
    ]


def test_cli_shows_the_sync_view_note_only_with_verbose_and_the_warning_always(tmp_path):
    tests = _project(tmp_path)
    tests.write_text(
        "from django.test import TestCase\n\n\nclass T(TestCase):\n"
        "    def test_slow(self):\n        self.client.get('/slow/')\n\n"
        "    def test_computed(self):\n        self.client.get(self.url)\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "DJ_ASYNCIFY_CACHE_DIR": ""}

    def apply(*flags: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "codemods", "apply", "--select", CM, "--diff", *flags, "app"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        return run.stdout + run.stderr

    quiet, verbose = apply(), apply("-v")
    warning = "self.url: view unknown"
    note = """left sync: '/slow/' reaches app.views.slow, a sync view (only-async-views = false converts it)"""
    assert warning in quiet and note not in quiet
    assert warning in verbose and note in verbose


def test_self_attributes_bound_once_for_every_test_are_followed(tmp_path):
    _project(tmp_path)
    src = """\
        from django.test import TestCase
        from django.urls import reverse, reverse_lazy


        class T(TestCase):
            fast = reverse_lazy("shop:fast", args=[1])

            def setUp(self):
                self.cbv = reverse("shop:cbv")
                self.slow = "/slow/"

            def test_fast(self):
                self.client.get(self.fast)

            def test_cbv(self):
                self.client.get(self.cbv)

            def test_slow_rebound(self):
                self.slow = "/fast/1/"
                self.client.get(self.slow)
        """
    out = rewrite(CM, src, path=str(tmp_path / "app/tests.py"))
    made_async = {line.split("async def ")[1].split("(")[0] for line in out.source.splitlines() if "async def" in line}
    assert made_async == {"test_fast", "test_cbv"}
    assert [d.message for d in out.diagnostics if d.kind == "refused"] == [
        ("not made async: self.slow: view unknown (not a literal path, f-string or reverse() "
        "of a literal name)")
    ]


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "legacy_shop"
# The example's tests whose views are async after the other codemods ran: those that stay async,
# and the back office's that sync-views-to-async made async (the rest reach views async-views-to-sync
# made sync: about, product_count, product_detail, ProductListView, account, product_by_sku; or
# back-office views left sync: promotions_feed, shipping_estimate).
STILL_ASYNC_VIEW_TESTS = {
    "AccountTests.test_orders_require_login", "AccountTests.test_empty_order_list",
    "PlaceOrderTests.test_placed_order_is_listed", "PlaceOrderTests.test_get_is_not_allowed",
    "test_rates", "test_order_placed_by_a_logged_in_customer",
    "CatalogPageTests.test_stock_badge", "CatalogPageTests.test_summary_embeds_stock_badge",
    "CatalogPageTests.test_reviews_page_and_post", "UpstreamApiTests.test_dashboard_combines_three_services",
    "UpstreamApiTests.test_storefront_in_pounds", "UpstreamApiTests.test_overview_through_the_services",
    "UpstreamApiTests.test_extras", "CatalogPageTests.test_price_range", "test_low_stock", "test_restock",
    "BackofficeTests.test_partner_dashboard", "BackofficeTests.test_supplier_status",
    "BackofficeTests.test_restock_order_goes_upstream", "BackofficeTests.test_stock_report_lists_the_products_running_low",
    "test_partner_dashboard", "test_supplier_status", "test_restock_order_without_a_quantity",
    "test_stock_report_with_nothing_low",
}


def test_example_other_codemods_first_then_only_tests_of_async_views_convert_and_suites_pass(tmp_path):
    """Two runs, ``--skip async-test-client`` then ``--select async-test-client`` (one run gives the
    same, see tests/test_same_run.py): the tests of the views async-views-to-sync made sync keep the
    sync client, and both suites pass."""
    import ast

    project = tmp_path / "legacy_shop"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".dj-asyncify-cache", "db.sqlite3"))
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(PYTHONPATH=str(root), DJ_ASYNCIFY_CACHE_DIR="", PYTHONDONTWRITEBYTECODE="1")

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=project, env={**env, **extra}, capture_output=True, text=True,
            timeout=300, check=False,
        )

    first = run("-m", "codemods", "apply", "--skip", CM, ".")
    assert first.returncode in (0, 1), first.stderr
    second = run("-m", "codemods", "apply", "--select", CM, "-v", ".")
    assert second.returncode in (0, 1), second.stderr
    converted = set()
    for f in sorted(project.glob("*/tests/test_*.py")):
        tree = ast.parse(f.read_text())
        for node in tree.body:
            if isinstance(node, ast.AsyncFunctionDef):
                converted.add(node.name)
            if isinstance(node, ast.ClassDef):
                converted |= {f"{node.name}.{m.name}" for m in node.body if isinstance(m, ast.AsyncFunctionDef)}
    assert converted == STILL_ASYNC_VIEW_TESTS
    assert second.stderr.count("a sync view (only-async-views = false converts it) [note]") == 19, second.stderr
    suite_env = {"PYTHONPATH": "", "DJANGO_SETTINGS_MODULE": "shopsite.settings", "SHOP_DB_PATH": str(tmp_path / "x.sqlite3")}
    django = run("manage.py", "test", "--noinput", **suite_env)
    assert django.returncode == 0 and "\nOK" in django.stderr, django.stdout + django.stderr
    pyt = run("-m", "pytest", "-q", "-p", "no:cacheprovider", **suite_env)
    assert pyt.returncode == 0 and " passed" in pyt.stdout, pyt.stdout + pyt.stderr
