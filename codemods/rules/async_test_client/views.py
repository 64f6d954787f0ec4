"""Option only-async-views: whether every request of a test visibly reaches an async view."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from codemods.analysis import ImportTable
from codemods.knowledge.testing import COMMIT_HOOKS
from codemods.problems import Problem
from codemods.project import read_text
from codemods.project.test_setup import Route, UrlConf, module_file
from codemods.rules.async_test_client.common import code


def wanted(value: Any) -> bool:
    """The option's value read as a flag."""
    return value is True or str(value).lower() in ("true", "1", "yes")


def request_url(call: cst.Call, imports: ImportTable, shadowed: set[str], urls: UrlConf) -> tuple[str, Route | None]:
    """The route a client request reaches, as far as its URL argument shows (literal path, f-string
    with placeholders taken as ``1``, ``reverse("name")``)."""
    arg = next((a.value for a in call.args if a.keyword is None or a.keyword.value == "path"), None)
    if arg is None:
        return "?", None
    shown = code(arg)
    if isinstance(arg, cst.SimpleString) and isinstance(arg.evaluated_value, str):
        return shown, urls.by_path(arg.evaluated_value)
    if isinstance(arg, cst.FormattedString):
        text = "".join(p.value if isinstance(p, cst.FormattedStringText) else "1" for p in arg.parts)
        return shown, urls.by_path(text)
    if (
        isinstance(arg, cst.Call)
        and imports.qualify(arg.func, shadowed) in ("django.urls.reverse", "django.urls.reverse_lazy")
        and arg.args
        and isinstance(arg.args[0].value, cst.SimpleString)
    ):
        name = arg.args[0].value.evaluated_value
        return shown, urls.by_name(name) if isinstance(name, str) else None
    return shown, None


def _only(text: str) -> Problem:
    return Problem("only-async-views", f"only-async-views: {text}")


def not_only_async(
    requests: list[cst.Call], imports: ImportTable, shadowed: set[str], urls: UrlConf
) -> Problem | None:
    """Why these requests do not (visibly) reach only async views of ``urls``."""
    if urls.settings is None:
        return _only("no manage.py or pytest configuration names the settings module")
    if urls.root_urlconf is None:
        return _only(f"ROOT_URLCONF not found in {urls.settings}")
    for call in requests:
        shown, route = request_url(call, imports, shadowed, urls)
        if route is None:
            return _only(f"{shown} does not resolve to a view in the urlconf")
        if route.is_async is not True:
            return _only(f"{shown} reaches {route.label}, not an async view")
    return None


def commit_hook_view(requests: list[cst.Call], imports: ImportTable, shadowed: set[str], urls: UrlConf) -> str | None:
    """The first view these requests visibly reach (through ``urls``) whose module calls a commit
    hook (``COMMIT_HOOKS``, e.g. ``transaction.on_commit``), as ``view (file)``; None if none is seen."""
    if urls.root_urlconf is None:
        return None
    for call in requests:
        _, route = request_url(call, imports, shadowed, urls)
        if route is None or "." not in route.label:
            continue
        module = route.label.rpartition(".")[0]
        f = module_file(urls.root, module)
        try:
            text = read_text(f, "replace") if f is not None else ""
        except OSError:
            continue
        if any(re.search(rf"\b{hook}\s*\(", text) for hook in COMMIT_HOOKS):
            return f"{route.label} ({f.name if f else module})"
    return None
