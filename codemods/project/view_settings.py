"""Settings an async view depends on: ``ATOMIC_REQUESTS`` on a database, middleware not Django's own.

Read through ``test_setup.settings_trees`` (the settings module ``manage.py`` or the pytest
configuration names, star imports followed), so every read is recorded for the cache.
"""

from __future__ import annotations

import ast

from codemods.knowledge import loop
from codemods.project.test_setup import BackendsUnknown, _literal_strings, settings_trees

# What ``atomic_requests`` says when the settings cannot be read, by ``BackendsUnknown.kind``.
_UNREAD = {
    "no-settings": "no manage.py or pytest configuration names DJANGO_SETTINGS_MODULE",
    "no-module": "the settings module {where} is not in the project",
    "unreadable": "{where} cannot be read",
    "star-import": "{where} star-imports {what}, which cannot be read",
}


def atomic_requests(path: str) -> tuple[bool, str]:
    """(True, where) when a settings file turns ``ATOMIC_REQUESTS`` on or sets it to something
    not read (Django then raises for every async view), (False, "") when no settings file names
    it, (False, why) when the settings cannot be read at all."""
    for item in settings_trees(path):
        if isinstance(item, BackendsUnknown):
            return False, _UNREAD.get(item.kind, item.kind).format(where=item.where, what=item.what)
        f, text, tree = item
        if loop.ATOMIC_REQUESTS not in text:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    off = isinstance(value, ast.Constant) and value.value is False
                    if isinstance(key, ast.Constant) and key.value == loop.ATOMIC_REQUESTS and not off:
                        return True, f.name
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.slice, ast.Constant)
                and node.slice.value == loop.ATOMIC_REQUESTS
            ):
                return True, f.name
    return False, ""


def foreign_middleware(path: str) -> list[str]:
    """The entries of ``MIDDLEWARE`` that are not Django's own, as literally listed (none when
    the settings cannot be read or do not list it literally)."""
    out: list[str] = []
    for item in settings_trees(path):
        if isinstance(item, BackendsUnknown):
            return []
        _, text, tree = item
        if "MIDDLEWARE" not in text:
            continue
        for node in tree.body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(node, ast.AugAssign):
                target = node.target
            if isinstance(target, ast.Name) and target.id == "MIDDLEWARE":
                values = _literal_strings(node.value) or []  # type: ignore[attr-defined]
                out.extend(v for v in values if not v.startswith(loop.DJANGO_MIDDLEWARE_PREFIX))
    return sorted(set(out))
