"""What async-test-client can tell from a test module's text before any parse (no libcst here)."""

from __future__ import annotations

from typing import Any

from codemods.problems import Problem
from codemods.project.urlconf import UrlConf
from codemods.registry import Context


def wanted(value: Any) -> bool:
    """The option's value read as a flag."""
    return value is True or str(value).lower() in ("true", "1", "yes")


def module_urlconf_problem(source: str, ctx: Context) -> Problem | None:
    """Why no test of this module can reach a known async view, when that is so for all of them:
    option only-async-views is set, the module names no urlconf of its own (``ROOT_URLCONF`` in
    ``override_settings`` or a test body, pytest-django's ``mark.urls``: then each test is looked
    at), and the one its settings name cannot be read (``UrlConf.problem``). None otherwise."""
    if not wanted(ctx.option("only-async-views")) or "ROOT_URLCONF" in source or "mark.urls" in source:
        return None
    problem = UrlConf(ctx.path).problem
    if problem is None:
        return None
    return Problem(
        "urlconf-unknown",
        f"tests left sync: which views their requests reach cannot be known ({problem})",
    )
