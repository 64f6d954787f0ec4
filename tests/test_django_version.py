"""The Django version a project declares (``codemods.project.django_version``) and its use as the
default ``--target-django``, on real layouts written under tmp_path and real sdists' metadata."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codemods.project.django_version import declared, find, lowest

REAL = Path(__file__).resolve().parent / "fixtures" / "real" / "django_version"


@pytest.fixture(autouse=True)
def _in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


@pytest.mark.parametrize(
    ("spec", "version"),
    [
        (">=4.2,<5.0", (4, 2)), ("==5.1.3", (5, 1)), ("~=4.2.0", (4, 2)), ("~=4.2", (4, 2)),
        (">= 4.2", (4, 2)), ("^4.2", (4, 2)), ("~4.1", (4, 1)), ("4.2.*", (4, 2)), ("==4.2.*", (4, 2)),
        (">4.2", (4, 2)), (">=4.2rc1", (4, 2)), ("<5.0,>=3.2", (3, 2)), (">=3.2 || >=4.0", (3, 2)),
        ("!=4.0,>=3.2", (3, 2)), ("5", (5, 0)),
        ("<5", None), ("", None), ("*", None), ("!=4.0", None), (">=3.2 || <5", None), ("latest", None),
    ],
)
def test_lowest_version_a_specifier_allows(spec, version):
    assert lowest(spec) == version


@pytest.mark.parametrize(
    ("name", "text", "version"),
    [
        ("requirements/base.txt", "# web\nDjango>=4.2,<5.0  # LTS\npsycopg[binary]>=3.1\n", (4, 2)),
        ("requirements.txt", "django==5.1.3 ; python_version >= '3.10'\n", (5, 1)),
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["Django~=4.2.0", "django-otp>=1.0"]\n', (4, 2)),
        ("pyproject.toml", '[project]\nname = "x"\n[project.optional-dependencies]\ndj = ["django[argon2]>=5.0"]\n', (5, 0)),
        ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.10"\nDjango = "^4.2"\n', (4, 2)),
        ("pyproject.toml", '[tool.poetry.group.dev.dependencies]\ndjango = {version = ">=5.1", extras = ["bcrypt"]}\n', (5, 1)),
        ("setup.cfg", "[metadata]\nname = x\n[options]\ninstall_requires =\n    Django >= 3.2\n    requests\n", (3, 2)),
        ("setup.py", "setup(\n    classifiers=['Framework :: Django :: 3.1'],\n    install_requires=['Django>=4.0'],\n)\n", (4, 0)),
        ("Pipfile", '[packages]\ndjango = ">=4.1"\n', (4, 1)),
        ("Pipfile.lock", json.dumps({"default": {"django": {"version": "==4.2.7"}}}), (4, 2)),
        ("poetry.lock", '[[package]]\nname = "Django"\nversion = "5.0.4"\n', (5, 0)),
        ("uv.lock", 'version = 1\n[[package]]\nname = "django"\nversion = "5.2.1"\n', (5, 2)),
    ],
)
def test_each_layout(tmp_path, name, text, version):
    write(tmp_path, name, text)
    assert declared(tmp_path) == (*version, name)


def test_not_django_and_no_lower_bound_tell_nothing(tmp_path):
    write(tmp_path, "requirements.txt", "django-otp>=1.0\ndjango-allauth==65.0\n# Django>=2.0\n")
    write(tmp_path, "setup.cfg", "[options]\ninstall_requires =\n    Django<6\n")
    assert declared(tmp_path) is None
    write(tmp_path, "poetry.lock", '[[package]]\nname = "django"\nversion = "4.2.11"\n')
    assert declared(tmp_path) == (4, 2, "poetry.lock")


def test_declared_specifiers_come_before_pins(tmp_path):
    write(tmp_path, "uv.lock", '[[package]]\nname = "django"\nversion = "5.2.1"\n')
    write(tmp_path, "requirements/base.txt", "Django>=4.2\n")
    assert declared(tmp_path) == (4, 2, "requirements/base.txt")


@pytest.mark.parametrize(
    ("folder", "version", "file"),
    [("django-otp", (4, 2), "pyproject.toml"), ("channels", (4, 2), "setup.cfg"),
     ("django-silk", (5, 2), "setup.py"), ("django-ninja", (3, 1), "pyproject.toml")],
)
def test_real_sdists(tmp_path, folder, version, file):
    shutil.copytree(REAL / folder, tmp_path / folder)
    assert declared(tmp_path / folder) == (*version, f"{folder}/{file}")


def test_an_unparseable_file_is_named_with_its_line_and_passed_over(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nversion = = "1"\ndependencies = ["Django>=4.2"]\n')
    write(tmp_path, "requirements.txt", "Django>=3.2\n")
    found = find(tmp_path)
    assert found.version == (3, 2) and found.source == "requirements.txt"
    [problem] = found.problems
    assert problem.message.startswith("pyproject.toml: not valid TOML (") and "line 3" in problem.message


def test_an_unparseable_lock_names_its_line(tmp_path):
    write(tmp_path, "Pipfile.lock", '{\n  "default": {"django": \n}\n')
    found = find(tmp_path)
    assert found.version is None
    assert [p.message for p in found.problems] == ["Pipfile.lock: not valid JSON (line 3: Expecting value)"]


# --------------------------------------------------------------------------- the CLI's default
VIEWS = """\
from shop.models import Product


async def product(request, pk):
    return await Product.objects.aget(pk=pk)
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env_path = str(Path(__file__).resolve().parent.parent)
    return subprocess.run(
        [sys.executable, "-m", "codemods", *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )


def _project(tmp_path: Path, requirements: str) -> Path:
    write(tmp_path, "proj/requirements/base.txt", requirements)
    write(tmp_path, "proj/shop/views.py", VIEWS)
    (tmp_path / "proj" / ".git").mkdir()
    return tmp_path / "proj"


def test_the_summary_says_which_version_and_where_from(tmp_path):
    root = _project(tmp_path, "Django>=4.2,<5.0\n")
    out = run("apply", "--check", "--no-cache", "shop", cwd=root)
    assert out.returncode == 1, out.stderr
    assert "  target Django 4.2 (from requirements/base.txt)\n" in out.stderr
    out = run("apply", "--check", "--no-cache", "--target-django", "5.0", "shop", cwd=root)
    assert "  target Django 5.0 (from --target-django)\n" in out.stderr
    out = run("apply", "--check", "--no-cache", "--report", "json", "shop", cwd=root)
    assert json.loads(out.stdout)["summary"]["target_django"] == {"version": "4.2", "source": "requirements/base.txt"}


def test_the_declared_version_decides_what_is_emitted(tmp_path):
    # Django 4.0 has no async ORM (aget is 4.1+): async-views-to-sync (4.1+) does not run at all.
    root = _project(tmp_path, "Django>=4.0\n")
    out = run("apply", "--check", "--no-cache", "shop", cwd=root)
    assert out.returncode == 0, out.stderr
    assert "target Django 4.0 (from requirements/base.txt)" in out.stderr
    assert "0 would change" in out.stderr


def test_a_config_target_wins_over_the_declared_one(tmp_path):
    root = _project(tmp_path, "Django>=4.0\n")
    write(root, "pyproject.toml", '[tool.dj-asyncify]\ntarget-django = "5.1"\n')
    out = run("apply", "--check", "--no-cache", "shop", cwd=root)
    assert "target Django 5.1 (from " in out.stderr and "pyproject.toml)" in out.stderr


def test_falling_back_says_why(tmp_path):
    write(tmp_path, "proj/Pipfile.lock", '{\n  "default": {"django": \n}\n')
    write(tmp_path, "proj/shop/views.py", VIEWS)
    (tmp_path / "proj" / ".git").mkdir()
    out = run("apply", "--check", "--no-cache", "shop", cwd=tmp_path / "proj")
    assert "  target Django 5.2 (default; Pipfile.lock: not valid JSON (line 3: Expecting value))\n" in out.stderr
