"""Analysis shared by the codemods: what a name refers to, bindings, scopes, suppression comments.

Rooms: ``names`` (the import table, dotted names, name uses), ``bindings`` (what a function binds
locally), ``scope`` (what nested scopes hide), ``comments`` (``# dj-asyncify: skip``). The names
most codemods use are re-exported here.
"""

from __future__ import annotations

from codemods.analysis.bindings import local_bindings
from codemods.analysis.comments import SKIP_COMMENT, has_skip_comment
from codemods.analysis.names import ImportTable, dotted_name, last_name, name_uses
from codemods.analysis.scope import SameScope, is_async

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
