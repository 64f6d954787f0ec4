"""Analysis shared by the codemods: names, bindings, scopes, thread wrappers, imports, fresh names.

Rooms: ``names`` (the import table, dotted names, name uses; the import records of
``import_records``, which needs no libcst), ``bindings`` (every binding of a scope, by kind),
``scope`` (what nested scopes hide), ``unwrap`` (thread-wrapped calls), ``imports`` (import-editing
primitives), ``fresh`` (new names), ``comments`` (``# dj-asyncify: skip``), ``decorators`` (which view
decorators take sync and async views alike, by version). The names most codemods
use are re-exported here, loaded when first asked for: ``codemods.project`` reads import records
without loading libcst.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SKIP_COMMENT": "comments",
    "has_skip_comment": "comments",
    "ImportTable": "names",
    "dotted_name": "names",
    "last_name": "names",
    "name_uses": "names",
    "local_bindings": "bindings",
    "SameScope": "scope",
    "is_async": "scope",
}

__all__ = [
    "SKIP_COMMENT",
    "ImportTable",
    "SameScope",
    "dotted_name",
    "has_skip_comment",
    "is_async",
    "last_name",
    "local_bindings",
    "name_uses",
]


def __getattr__(name: str) -> Any:
    room = _EXPORTS.get(name)
    if room is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{room}"), name)
    globals()[name] = value
    return value
