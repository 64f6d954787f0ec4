"""Helpers and constants shared by the tests/test_async_orm_*.py files (no tests here): a small shop
project on disk (its models module is what the codemod reads), and a Django test run in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

CM = "async-orm"

MODELS = """\
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=20)


class Tag(models.Model):
    name = models.CharField(max_length=20)


class PublishedManager(models.Manager):
    def get(self, *args, **kwargs):
        return super().get(*args, **kwargs)

    def published(self):
        return self.filter(stock__gt=0)


class Product(models.Model):
    name = models.CharField(max_length=20)
    stock = models.IntegerField(default=0)
    category = models.ForeignKey(Category, null=True, on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag)


class Offer(models.Model):
    title = models.CharField(max_length=20)
    objects = PublishedManager()
"""


def shop(tmp_path: Path, name: str = "views.py") -> str:
    """A ``shop`` package with its models module under ``tmp_path``; the path of ``shop/<name>``."""
    (tmp_path / "shop").mkdir(exist_ok=True)
    (tmp_path / "shop/__init__.py").write_text("")
    (tmp_path / "shop/models.py").write_text(MODELS)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    return str(tmp_path / "shop" / name)


SETTINGS = """\
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
"""


def django_project(tmp_path: Path, files: dict[str, str]) -> Path:
    """The shop project made runnable (settings, ``manage.py``-less: DJANGO_SETTINGS_MODULE in the
    environment) with ``files`` added (dedented)."""
    shop(tmp_path)
    (tmp_path / "shop/settings.py").write_text(SETTINGS)
    for rel, text in files.items():
        (tmp_path / rel).write_text(textwrap.dedent(text))
    return tmp_path


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m <args>`` in ``root`` with the shop settings."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shop.settings", PYTHONPATH=str(root))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=root, env=env, capture_output=True, text=True, timeout=180, check=False
    )


AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
MIDDLEWARE = f"""\
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "{AUTH_MIDDLEWARE}",
]
"""


def user_shop(tmp_path: Path, settings: str | None = MIDDLEWARE, name: str = "views.py") -> str:
    """The shop package with a ``manage.py`` naming ``shop.settings``, whose text is ``settings``
    (None: no settings module); the path of ``shop/<name>``."""
    path = shop(tmp_path, name)
    (tmp_path / "manage.py").write_text('import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n')
    if settings is not None:
        (tmp_path / "shop/settings.py").write_text(textwrap.dedent(settings))
    return path
