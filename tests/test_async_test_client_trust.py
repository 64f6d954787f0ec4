"""async-test-client behaviour tests (issue 14 item 3): converted tests still run, keep their data, and
their assertions keep their meaning, in real Django projects run by pytest-django in temp folders."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.async_test_client_support import ALL_VIEWS, CM, check_noop, check_transformed

SHOP = {
    "shop/__init__.py": "",
    "shop/settings.py": """\
        SECRET_KEY = "x"
        ALLOWED_HOSTS = ["*"]
        ROOT_URLCONF = "shop.urls"
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
        USE_TZ = True
        """,
    "shop/models.py": """\
        from django.db import models


        class Country(models.Model):
            code = models.CharField(max_length=2)
        """,
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": """\
        from django.db import migrations, models


        def countries(apps, schema_editor):
            apps.get_model("shop", "Country").objects.bulk_create(
                [apps.get_model("shop", "Country")(code=c) for c in ("fr", "de")]
            )


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="Country",
                    fields=[("id", models.AutoField(primary_key=True)), ("code", models.CharField(max_length=2))],
                ),
                migrations.RunPython(countries),
            ]
        """,
    "shop/urls.py": """\
        from django.http import HttpResponseRedirect, JsonResponse
        from django.urls import path

        from shop.hooks import hook
        from shop.models import Country


        def item(request):
            return HttpResponseRedirect("../next/")


        async def codes(request):
            return JsonResponse({"codes": [c.code async for c in Country.objects.order_by("code")]})


        def lang(request):
            return JsonResponse({"lang": request.COOKIES.get("lang")})


        urlpatterns = [
            path("lang/", lang),
            path("hook/", hook),
            path("shop/item/", item),
            path("shop/next/", codes),
            path("codes/", codes),
        ]
        """,
    "shop/hooks.py": """\
        from django.db import transaction
        from django.http import JsonResponse

        HITS = []


        def hook(request):
            transaction.on_commit(lambda: HITS.append(1))
            return JsonResponse({})
        """,
    "shop/test_shop.py": """\
        import pytest
        from django.test import TestCase

        from shop.models import Country


        @pytest.mark.django_db
        def test_relative_redirect(client):
            response = client.get("/shop/item/")
            assert response["Location"] == "../next/"
            assertRedirects(response, "/shop/next/")


        @pytest.mark.django_db
        def test_codes(client):
            assert client.get("/codes/").json() == {"codes": ["de", "fr"]}


        @pytest.mark.django_db
        def test_migrated_rows_later(client):
            assert Country.objects.count() == 2
            assert client.get("/codes/").status_code == 200


        class CaseTests(TestCase):
            def test_relative_redirect(self):
                response = self.client.get("/shop/item/")
                self.assertRedirects(response, "/shop/next/")

            def test_migrated_rows(self):
                self.assertEqual(Country.objects.count(), 2)
                self.assertEqual(self.client.get("/codes/").json(), {"codes": ["de", "fr"]})
        """,
    "pytest.ini": """\
        [pytest]
        DJANGO_SETTINGS_MODULE = shop.settings
        pythonpath = .
        asyncio_default_fixture_loop_scope = function
        """,
}
# assertRedirects comes from pytest-django's asserts (the module's first import line)
SHOP["shop/test_shop.py"] = "        from pytest_django.asserts import assertRedirects\n" + SHOP["shop/test_shop.py"]


def _project(root, plugin: str | None) -> str:
    for rel, text in SHOP.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    deps = "pytest-django>=4.8\n" + (f"{plugin}\n" if plugin else "")
    (root / "requirements-test.txt").write_text(deps)
    return str(root / "shop/test_shop.py")


def _pytest(root, *plugins_off: str, test: str = "shop/test_shop.py") -> subprocess.CompletedProcess:
    off = [a for p in plugins_off for a in ("-p", f"no:{p}")]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *off, "-q", "-rA", test],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )


def _convert(path: str, **options) -> tuple[str, list[str]]:
    with open(path) as f:
        src = f.read()
    out = transform_source(src, path, Settings(select=(CM,), options={CM: {**ALL_VIEWS, **(options or {})}}), ProjectIndex())
    assert out.error is None, out.error
    return out.source, [d.message for d in out.diagnostics if d.kind == "refused"]


def test_no_async_plugin_refuses_and_the_suite_still_passes(tmp_path):
    """Without pytest-asyncio (or anyio) among the test dependencies, pytest tests stay sync, with
    the reason and what to add; TestCase tests (Django runs them) are still converted."""
    path = _project(tmp_path, None)
    source, refused = _convert(path)
    assert source.count("async def test_") == 2  # the two TestCase methods
    assert len(refused) == 3 and all("lists neither pytest-asyncio nor anyio (add one, or set" in m for m in refused)
    with open(path, "w") as f:
        f.write(source)
    run = _pytest(tmp_path, "asyncio", "anyio")  # the project really runs without either plugin
    assert run.returncode == 0, run.stdout + run.stderr + source
    assert "5 passed" in run.stdout
    # what the old default (the marker put on regardless) did to such a project
    forced, refused = _convert(path, **{"async-marker": "pytest.mark.asyncio"})
    assert not refused
    with open(path, "w") as f:
        f.write(forced)
    run = _pytest(tmp_path, "asyncio", "anyio")
    assert run.returncode != 0 and "async def functions are not natively supported" in run.stdout + run.stderr


def test_data_migration_rows_and_relative_redirects_survive_the_conversion(tmp_path):
    """With pytest-asyncio declared: every test converted; the transactional tests restore the
    rows the data migration made (serialized_rollback), so the later test still sees them; a
    relative Location is resolved as Django resolves it, and a wrong target still fails."""
    path = _project(tmp_path, "pytest-asyncio>=0.23")
    before = _pytest(tmp_path)
    assert before.returncode == 0 and "5 passed" in before.stdout, before.stdout + before.stderr
    source, refused = _convert(path)
    assert not refused, refused
    assert source.count("async def test_") == 5
    marks = "@pytest.mark.django_db(transaction=True, serialized_rollback=True, reset_sequences=True)"
    assert source.count(marks) == 3
    assert 'assertURLEqual(urljoin(response.request["path"], response.url), "/shop/next/")' in source
    with open(path, "w") as f:
        f.write(source)
    after = _pytest(tmp_path)
    assert after.returncode == 0 and "5 passed" in after.stdout, after.stdout + after.stderr + source
    # the rows are really at stake: without serialized_rollback the later test loses them
    with open(path, "w") as f:
        f.write(source.replace(", serialized_rollback=True", ""))
    lost = _pytest(tmp_path)
    assert lost.returncode != 0 and "test_migrated_rows_later" in lost.stdout
    # the assertion keeps its meaning: a wrong expected target fails, in both kinds of test
    with open(path, "w") as f:
        f.write(source.replace('"/shop/next/"', '"/shop/other/"'))
    wrong = _pytest(tmp_path)
    assert "2 failed" in wrong.stdout, wrong.stdout


def test_async_plugin_choice_from_the_dependencies(tmp_path):
    """pytest-asyncio -> pytest.mark.asyncio (nothing under asyncio_mode = auto); anyio ->
    pytest.mark.anyio; neither -> refused unless async-marker names the mark."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = shop.settings\n")
    path = str(tmp_path / "test_a.py")
    src = "from django.urls import reverse\n\n\ndef test_a(client):\n    client.get('/')\n"
    after = "import pytest\nfrom django.urls import reverse\n\n\n@pytest.mark.{}\nasync def test_a(async_client):\n    await async_client.get('/')\n"
    check_noop(CM, src, "no dependency file lists pytest-asyncio or anyio (add one", path=path)
    check_transformed(CM, src, after.format("anyio"), path=path, options={"async-marker": "pytest.mark.anyio"})
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\ntest = ["anyio>=4"]\n')
    check_transformed(CM, src, after.format("anyio"), path=path)
    (tmp_path / "pyproject.toml").write_text('[project.optional-dependencies]\ntest = ["pytest_asyncio"]\n')
    check_transformed(CM, src, after.format("asyncio"), path=path)
    (tmp_path / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = shop.settings\nasyncio_mode = auto\n")
    check_transformed(
        CM, src, "from django.urls import reverse\n\n\nasync def test_a(async_client):\n    await async_client.get('/')\n",
        path=path,
    )
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "tox.ini").write_text("[testenv]\ndeps =\n    pytest-django\n    pytest-asyncio\n")
    check_transformed(
        CM, src, "from django.urls import reverse\n\n\nasync def test_a(async_client):\n    await async_client.get('/')\n",
        path=path,
    )


def test_serialized_rollback_joins_transaction_only_where_data_migrations_exist(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = shop.settings\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest-asyncio\n")
    (tmp_path / "shop/migrations").mkdir(parents=True)
    (tmp_path / "shop/migrations/0001_initial.py").write_text("operations = []\n")
    path = str(tmp_path / "shop/test_a.py")
    src = (
        "import pytest\nfrom django.urls import reverse\n\n\n@pytest.mark.django_db(databases=['default'])\n"
        "def test_a(client):\n    client.get('/')\n\n\n@pytest.mark.django_db(transaction=True)\n"
        "def test_b(client):\n    client.get('/')\n"
    )
    mark = "@pytest.mark.django_db(databases=['default'], transaction=True{})\nasync def test_a"
    out = check_transformed(
        CM, src,
        src.replace("@pytest.mark.django_db(databases=['default'])\ndef test_a", "@pytest.mark.asyncio\n" + mark.format(""))
        .replace("@pytest.mark.django_db(transaction=True)\ndef test_b", "@pytest.mark.asyncio\n@pytest.mark.django_db(transaction=True)\nasync def test_b")
        .replace("    client.get", "    await async_client.get").replace("(client)", "(async_client)"),
        path=path,
    )
    assert out.source
    (tmp_path / "shop/migrations/0002_rows.py").write_text("operations = [migrations.RunPython(f)]\n")
    out = check_transformed(
        CM, src,
        src.replace("@pytest.mark.django_db(databases=['default'])\ndef test_a", "@pytest.mark.asyncio\n" + mark.format(", serialized_rollback=True"))
        # test_b flushed before the conversion already: its mark is kept as it was
        .replace("@pytest.mark.django_db(transaction=True)\ndef test_b", "@pytest.mark.asyncio\n@pytest.mark.django_db(transaction=True)\nasync def test_b")
        .replace("    client.get", "    await async_client.get").replace("(client)", "(async_client)"),
        path=path,
    )


def test_more_of_the_same_kind_refused_with_the_reason():
    """Programs whose meaning a conversion would change, each left as it was with why: a mock
    decorator (it may not await the coroutine), query counting and on-commit capture (they watch the
    test's own thread and connection), a yield fixture's object (not known to be an instance),
    assertRedirects with msg_prefix (its messages would be lost)."""
    tc = "from unittest import mock\nfrom django.test import TestCase\n\n\nclass T(TestCase):\n"
    check_noop(
        CM, tc + "    @mock.patch('shop.views.fetch')\n    def test_a(self, fetch):\n        self.client.get('/')\n",
        "decorator @mock.patch('shop.views.fetch') is not known to support async tests",
    )
    check_noop(
        CM, tc + "    def test_a(self):\n        with self.assertNumQueries(1):\n            self.client.get('/')\n",
        "assertNumQueries needs the sync client",
    )
    check_noop(
        CM, tc + "    def test_a(self):\n        with self.captureOnCommitCallbacks(execute=True):\n"
        "            self.client.post('/')\n",
        "captureOnCommitCallbacks() may touch the database synchronously",
    )
    check_noop(
        CM, tc + "    def test_a(self):\n        r = self.client.get('/')\n        self.assertRedirects(r, '/b/', msg_prefix='m')\n",
        "msg_prefix",
    )
    check_noop(
        CM,
        "import pytest\nfrom shop.models import P\n\n\n@pytest.fixture\ndef p(db):\n    obj = P.objects.create()\n"
        "    yield obj\n\n\ndef test_a(client, p):\n    client.get('/')\n    assert p.name == 'x'\n",
        "fixture p is not known to be a model instance",
    )
    check_noop(
        CM,
        "from django.test import TestCase\n\n\nclass T(TestCase):\n    def test_a(self):\n"
        "        urljoin = 1\n        r = self.client.get('/')\n        self.assertRedirects(r, '/b/')\n",
        "the name urljoin (which the rewritten assertRedirects uses) is taken",
    )


def test_a_fixture_preparing_the_client_keeps_the_test_sync(tmp_path):
    """A fixture (conftest.py, the module, autouse, or through another fixture) that takes
    ``client`` prepares the sync client; the converted test would use ``async_client``, another
    object, and lose what it set (here a cookie): refused, and the suite still passes. The old
    conversion, written out, shows the meaning that was at stake."""
    _project(tmp_path, "pytest-asyncio")
    (tmp_path / "shop/conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef french(client):\n    client.cookies['lang'] = 'fr'\n"
    )
    test = tmp_path / "shop/test_lang.py"
    src = (
        "import pytest\n\n\n@pytest.fixture\ndef prefs(french):\n    return 1\n\n\n"
        "@pytest.mark.django_db\ndef test_lang(client, prefs):\n    assert client.get('/lang/').json() == {'lang': 'fr'}\n"
    )
    test.write_text(src)
    out, refused = _convert(str(test))
    assert out == src
    assert refused == [
        "not made async: fixture french (conftest.py) uses the client fixture: what it does to it (a login, "
        + "cookies) would not reach async_client"
    ]
    assert _pytest(tmp_path, test="shop/test_lang.py").returncode == 0
    test.write_text(
        src.replace("@pytest.mark.django_db\ndef test_lang(client", "@pytest.mark.asyncio\n"
                    "@pytest.mark.django_db(transaction=True, serialized_rollback=True, reset_sequences=True)\n"
                    "async def test_lang(async_client")
        .replace("client.get('/lang/')", "(await async_client.get('/lang/'))")
    )
    old = _pytest(tmp_path, test="shop/test_lang.py")
    assert old.returncode != 0 and "{'lang': None}" in old.stdout, old.stdout


def test_anyio_marked_tests_run_under_anyio_alone(tmp_path):
    """With anyio (and not pytest-asyncio) among the test dependencies, the converted tests carry
    ``pytest.mark.anyio`` and pass with only anyio's plugin loaded."""
    path = _project(tmp_path, "anyio>=4")
    source, refused = _convert(path)
    assert not refused and source.count("@pytest.mark.anyio\n") == 3 and "mark.asyncio" not in source
    with open(path, "w") as f:
        f.write(source)
    run = _pytest(tmp_path, "asyncio")
    assert run.returncode == 0 and "5 passed" in run.stdout, run.stdout + run.stderr + source


def test_a_view_with_commit_hooks_keeps_a_plain_django_db_test_sync(tmp_path):
    """Under plain ``django_db`` a view's ``transaction.on_commit`` callbacks never run; the converted
    test's views commit on another thread's connection, so they would: refused (the request reaches
    a view whose module calls on_commit), unless the test was transactional already."""
    _project(tmp_path, "pytest-asyncio")
    test = tmp_path / "shop/test_hook.py"
    src = (
        "import pytest\n\nfrom shop import hooks\n\n\n@pytest.mark.django_db\ndef test_hook(client):\n"
        "    client.get('/hook/')\n    assert hooks.HITS == []\n"
    )
    test.write_text(src)
    out, refused = _convert(str(test))
    assert out == src and len(refused) == 1
    assert "it requests shop.hooks.hook (hooks.py), whose module calls transaction.on_commit" in refused[0]
    assert _pytest(tmp_path, test="shop/test_hook.py").returncode == 0
    test.write_text(
        src.replace("@pytest.mark.django_db\ndef test_hook(client)", "@pytest.mark.asyncio\n"
                    "@pytest.mark.django_db(transaction=True)\nasync def test_hook(async_client)")
        .replace("client.get('/hook/')", "await async_client.get('/hook/')")
    )
    old = _pytest(tmp_path, test="shop/test_hook.py")
    assert old.returncode != 0 and "assert [1] == []" in old.stdout, old.stdout
    # already transactional: the callbacks ran before too, so the conversion changes nothing there
    transactional = src.replace("django_db\n", "django_db(transaction=True)\n").replace("== []", "== [1]")
    test.write_text(transactional)
    out, refused = _convert(str(test))
    assert not refused and "async def test_hook(async_client)" in out
    test.write_text(out)
    assert _pytest(tmp_path, test="shop/test_hook.py").returncode == 0


def test_primary_keys_stay_as_the_sqlite_rollback_left_them(tmp_path):
    """On SQLite a rolled-back test leaves the primary key sequence where the migrations left it; a
    flush does not reset it: ``reset_sequences=True`` joins ``transaction=True`` (the settings name
    only SQLite), so a test expecting the next pk still passes, and fails without it."""
    _project(tmp_path, "pytest-asyncio")
    test = tmp_path / "shop/test_pk.py"
    body = "    assert Country.objects.create(code='xx').pk == 3\n    assert client.get('/codes/').status_code == 200\n"
    src = (
        "import pytest\n\nfrom shop.models import Country\n\n\n"
        f"@pytest.mark.django_db\ndef test_one(client):\n{body}\n\n@pytest.mark.django_db\ndef test_two(client):\n{body}"
    )
    test.write_text(src)
    assert _pytest(tmp_path, test="shop/test_pk.py").returncode == 0
    out, refused = _convert(str(test))
    assert not refused and out.count("reset_sequences=True)") == 2
    test.write_text(out)
    run = _pytest(tmp_path, test="shop/test_pk.py")
    assert run.returncode == 0, run.stdout + out
    test.write_text(out.replace(", reset_sequences=True", ""))
    assert "assert 4 == 3" in _pytest(tmp_path, test="shop/test_pk.py").stdout
    # another engine never reset its sequences on rollback: nothing to add
    settings = tmp_path / "shop/settings.py"
    settings.write_text(settings.read_text().replace("django.db.backends.sqlite3", "django.db.backends.postgresql"))
    test.write_text(src)
    check = _convert(str(test))[0]
    assert check.count("@pytest.mark.django_db(transaction=True, serialized_rollback=True)\n") == 2
