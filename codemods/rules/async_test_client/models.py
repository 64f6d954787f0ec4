"""Model classes a test names through its imports, with the concrete fields and managers read from disk."""

from __future__ import annotations

import dataclasses

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.orm import is_model_qual
from codemods.knowledge.testing import CONTRIB_USER, USER_FIELDS
from codemods.project import test_setup


@dataclasses.dataclass(frozen=True)
class Model:
    """One model class: its qualified name and what this codemod knows about it."""

    qual: str
    safe: frozenset[str]  # attributes an instance reads without a query (concrete fields)
    # Methods the class's ``objects`` manager defines itself (None: a manager this codemod cannot
    # see). ``Model.objects.acreate()`` runs ``QuerySet.create``, not an override on the manager.
    manager_methods: frozenset[str] | None = frozenset()

    @property
    def name(self) -> str:
        return self.qual.rsplit(".", 1)[1]


# What an expression of a test body holds: (kind, model) with kind one of "model" (the class),
# "qs" (a queryset or manager), "values" (a values()/values_list() queryset), "inst" (an
# instance), "instlist" (a list of instances), "pair" (get_or_create's (instance, created)),
# "conflict" (a name bound to ORM results and other values), "ctx" (a response context value).
Kind = tuple[str, "Model | None"]


class Models:
    """Model classes named through imports, with the concrete fields their files declare.

    ``shop.models.Product`` is looked up as ``shop/models.py`` (or ``shop/models/__init__.py``) in
    the test file's directory and its parents; ``.models.Product`` next to the test file. Only the
    class's own field assignments count (inherited fields are unknown, so reading them refuses)."""

    def __init__(self, imports: ImportTable, path: str) -> None:
        self.imports = imports
        self.dir = test_setup.folder_of(path)
        self.cache: dict[str, Model] = {}

    def contrib_user(self) -> Model:
        if CONTRIB_USER not in self.cache:
            self.cache[CONTRIB_USER] = Model(CONTRIB_USER, frozenset({"pk", "id"}) | USER_FIELDS, frozenset())
        return self.cache[CONTRIB_USER]

    def resolve(self, node: cst.BaseExpression, shadowed: set[str]) -> Model | None:
        qual = self.imports.qualify(node, shadowed)
        if qual is None or not is_model_qual(qual):
            return None
        if qual not in self.cache:
            fields, managers = self._fields(qual)
            self.cache[qual] = Model(qual, frozenset({"pk", "id"}) | fields, managers)
        return self.cache[qual]

    def _fields(self, qual: str) -> tuple[frozenset[str], frozenset[str] | None]:
        if qual == CONTRIB_USER:
            return USER_FIELDS, frozenset()
        return test_setup.model_facts(self.dir, qual)
