"""One run sees its own rewrites: test modules are rewritten after the code they test, under its new text.

A small Django project under tmp_path has a view async-views-to-sync makes sync (``about``) and one
it keeps async (``ping``), and a test of each. One ``dj-asyncify`` run (the CLI, every codemod, a
subprocess of this interpreter) converts only the test of the view that stays async, in ``apply``,
``--check`` and ``--diff`` (whose diff is what ``apply`` writes), with ``-j1`` and ``-j2``, cold and
from the cache; and the result is what the two-run recipe (``--skip async-test-client``, then
``--select async-test-client``) gives, on the small project and on a copy of the example.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from codemods import runner
from codemods.config import Settings
from codemods.project import read_text, reads_current, recording_reads
from codemods.project.reads import overlaid
from tests.test_safety import NOBODY, _as_nobody

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "legacy_shop"
CM = "async-test-client"

FILES = {
    "manage.py": """\
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)
        """,
    "proj/__init__.py": "",
    "proj/settings.py": """\
        SECRET_KEY = "not-a-secret"
        DEBUG = True
        ALLOWED_HOSTS = ["testserver"]
        INSTALLED_APPS = ["app"]
        ROOT_URLCONF = "proj.urls"
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
        USE_TZ = True
        """,
    "proj/urls.py": """\
        from django.urls import path

        from app import views

        urlpatterns = [
            path("about/", views.about),
            path("ping/", views.ping),
        ]
        """,
    "app/__init__.py": "",
    "app/views.py": """\
        import asyncio

        from django.http import HttpResponse


        async def about(request):
            return HttpResponse("about")


        async def ping(request):
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return HttpResponse("pong")
        """,
    "tests/__init__.py": "",
    "tests/test_views.py": """\
        from django.test import TestCase


        class ViewTests(TestCase):
            def test_about(self):
                response = self.client.get("/about/")
                self.assertEqual(response.content, b"about")

            def test_ping(self):
                response = self.client.get("/ping/")
                self.assertEqual(response.content, b"pong")
        """,
}


def _project(where: Path) -> Path:
    for name, text in FILES.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_text(textwrap.dedent(text))
    return where


def _run(project: Path, *args: str, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1", DJ_ASYNCIFY_CACHE_DIR=str(cache or ""))
    return subprocess.run(
        [sys.executable, "-m", "codemods", "apply", *args, "."],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def _snapshot(project: Path) -> dict[str, str]:
    return {
        str(p.relative_to(project)): p.read_text()
        for p in sorted(project.rglob("*.py"))
        if ".dj-asyncify-cache" not in p.parts and "__pycache__" not in p.parts
    }


def _two_runs(project: Path) -> dict[str, str]:
    first = _run(project, "--skip", CM)
    assert first.returncode in (0, 1), first.stderr
    second = _run(project, "--select", CM)
    assert second.returncode in (0, 1), second.stderr
    return _snapshot(project)


def _apply_patch(project: Path, diff: str) -> None:
    patch = subprocess.run(["patch", "-p0", "-s"], cwd=project, input=diff, text=True, capture_output=True, check=False)
    assert patch.returncode == 0, patch.stdout + patch.stderr


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The small project after the two-run recipe."""
    return _two_runs(_project(tmp_path_factory.mktemp("two_runs")))


def test_the_two_runs_convert_only_the_test_of_the_view_that_stays_async(expected):
    assert "async def ping(request):" in expected["app/views.py"]
    assert "\ndef about(request):" in expected["app/views.py"]
    assert "async def test_ping(self):" in expected["tests/test_views.py"]
    assert "    def test_about(self):\n        response = self.client.get(" in expected["tests/test_views.py"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_one_apply_gives_what_the_two_runs_give_and_its_tests_pass(tmp_path, expected, jobs):
    project = _project(tmp_path / "p")
    cache = tmp_path / "cache"
    applied = _run(project, "-j", jobs, "-v", cache=cache)
    assert applied.returncode in (0, 1), applied.stderr
    assert _snapshot(project) == expected
    assert "a sync view (only-async-views = false converts it) [note]" in applied.stderr
    # From the cache now (the views on disk are the text the test module's result was made from).
    again = _run(project, "-j", jobs, "--check", cache=cache)
    assert again.returncode == 0 and "would rewrite" not in again.stderr, again.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "PYTHONPATH"))}
    suite = subprocess.run(
        [sys.executable, "manage.py", "test", "--noinput"], cwd=project, env=env,
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert suite.returncode == 0 and "Ran 2 tests" in suite.stderr, suite.stdout + suite.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_and_diff_show_what_apply_writes_cold_and_cached(tmp_path, expected, jobs):
    project = _project(tmp_path / "p")
    cache = tmp_path / "cache"
    before = _snapshot(project)
    outputs = []
    for _ in range(2):  # cold, then from the cache
        check = _run(project, "-j", jobs, "--check", "-v", cache=cache)
        assert check.returncode == 1, check.stderr
        assert "would rewrite tests/test_views.py" in check.stderr and "would rewrite app/views.py" in check.stderr
        assert check.stderr.count("a sync view (only-async-views = false converts it) [note]") == 1, check.stderr
        summary = re.compile(r"^\d+ files scanned.*$", re.MULTILINE)
        (line,) = summary.findall(check.stderr)
        assert line.endswith("(2 from cache)" if outputs else "0 failed"), line  # both, the second time
        outputs.append((check.stdout, summary.sub("", check.stderr)))
        diff = _run(project, "-j", jobs, "--diff", cache=cache)
        assert diff.returncode == 0, diff.stderr
        assert "+    async def test_ping(self):" in diff.stdout and "async def test_about" not in diff.stdout
        outputs.append((diff.stdout, ""))
    assert outputs[0] == outputs[2] and outputs[1] == outputs[3]
    assert _snapshot(project) == before  # nothing written
    patched = tmp_path / "patched"
    shutil.copytree(project, patched, ignore=shutil.ignore_patterns(".dj-asyncify-cache"))
    _apply_patch(patched, outputs[1][0])
    assert _snapshot(patched) == expected
    # apply, from the cache the check runs filled: writes what the diff showed
    applied = _run(project, "-j", jobs, cache=cache)
    assert applied.returncode in (0, 1), applied.stderr
    assert "(2 from cache)" in applied.stderr, applied.stderr
    assert _snapshot(project) == expected


def test_a_cached_test_result_is_made_afresh_when_the_view_it_read_changes(tmp_path):
    """The test module's cached result read the views as the run would leave them: once they are
    edited so that the view stays async, the same run's test result changes with them."""
    project = _project(tmp_path / "p")
    cache = tmp_path / "cache"
    first = _run(project, "--check", "-v", cache=cache)
    assert first.stderr.count("a sync view (only-async-views = false converts it) [note]") == 1, first.stderr
    views = project / "app" / "views.py"
    views.write_text(views.read_text().replace('    return HttpResponse("about")', '    await asyncio.sleep(0)\n' * 2 + '    return HttpResponse("about")'))
    second = _run(project, "--diff", cache=cache)
    assert "+    async def test_about(self):" in second.stdout and "+    async def test_ping(self):" in second.stdout


def test_a_refused_write_leaves_the_test_as_the_disk_reads(expected):
    """``apply`` overlays only the files it wrote: a views module it may not write (read-only) is
    read as it is on disk, so the test of ``about`` (still async there) converts, as a second run's
    would. Root may write anything: as root, the run is made as the unprivileged user 65534."""
    top = Path(tempfile.mkdtemp(prefix="dj-asyncify-same-run-"))  # pytest's folders may be root's alone
    try:
        top.chmod(0o755)
        project = _project(top / "p")
        views = project / "app" / "views.py"
        views.chmod(0o444)

        def run() -> list[str | None]:
            result = runner.run([project], Settings(root=project, jobs=1), "apply")
            return [f.error for f in result.files if Path(f.path).parts[-2:] == ("app", "views.py")]

        if hasattr(os, "geteuid") and os.geteuid() == 0:  # in a forked child that drops root
            _project(top / "warm")  # a first run imports all it needs while it still may read them
            runner.run([top / "warm"], Settings(root=top / "warm", jobs=1), "check")
            for path in [project, *project.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
            errors = _as_nobody(run)
        else:
            errors = run()
        assert errors == ["cannot write: permission denied; file left unchanged"]
        after = _snapshot(project)
        assert after["app/views.py"] == textwrap.dedent(FILES["app/views.py"])
        assert "async def test_about(self):" in after["tests/test_views.py"]
        assert "async def test_ping(self):" in after["tests/test_views.py"]
        assert after["tests/test_views.py"] != expected["tests/test_views.py"]
    finally:
        shutil.rmtree(top)


def test_the_example_in_one_run_is_the_two_run_recipe(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__", ".dj-asyncify-cache", "db.sqlite3")
    one, two = tmp_path / "one" / "legacy_shop", tmp_path / "two" / "legacy_shop"
    shutil.copytree(EXAMPLE, one, ignore=ignore)
    shutil.copytree(EXAMPLE, two, ignore=ignore)
    applied = _run(one, "-v")
    assert applied.returncode in (0, 1), applied.stderr
    assert applied.stderr.count("a sync view (only-async-views = false converts it) [note]") == 19, applied.stderr
    assert _snapshot(one) == _two_runs(two)


def test_a_test_case_class_outside_test_modules_is_rewritten_after_the_views_too(tmp_path):
    """Test code is known by path, or by a class derived from a test case: a module of such classes
    named like no test module is rewritten after the views all the same."""
    project = _project(tmp_path / "p")
    (project / "app" / "checks.py").write_text(textwrap.dedent('''\
        from django.test import TestCase


        class AboutChecks(TestCase):
            def test_about(self):
                self.client.get("/about/")

            def test_ping(self):
                self.client.get("/ping/")
        '''))
    result = runner.run([project], Settings(root=project, jobs=1), "diff")
    (diff,) = [f.diff for f in result.files if Path(f.path).parts[-2:] == ("app", "checks.py")]
    assert "+    async def test_ping(self):" in diff and "async def test_about" not in diff


def test_a_read_under_the_overlay_is_current_while_that_text_is_what_a_run_sees(tmp_path):
    """The cache's side: a read made under the overlay records the overlaid text; it is current
    under the same overlay (a --check re-run), or once the disk holds that text (after apply), and
    not while the disk holds anything else without that overlay."""
    views = tmp_path / "views.py"
    views.write_text("async def about(request): ...\n")
    new = b"def about(request): ...\n"
    overlay = {os.path.realpath(views): new}
    with recording_reads() as reads, overlaid(overlay):
        assert read_text(views) == new.decode()
    with overlaid(overlay):
        assert reads_current(reads, {})
    assert not reads_current(reads, {})  # the disk still holds the old text
    with overlaid({os.path.realpath(views): b"def about(request): return 1\n"}):
        assert not reads_current(reads, {})  # the run would leave another text
    views.write_bytes(new)
    assert reads_current(reads, {})
    with overlaid({}):
        assert read_text(views) == new.decode()
