"""Names room: what a name or dotted name refers to through the module's imports.

Names are resolved through the module's imports (``import requests as rq``, ``from requests import
get``), not matched as text, with a table built in one pass over the tree. That answers "is this
``requests.get``?" as QualifiedNameProvider would, at a fraction of its cost.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable

import libcst as cst

from codemods.analysis.import_records import ImportBinding, ast_top_level_bindings, module_alias

__all__ = [
    "ImportBinding",
    "ImportTable",
    "NameUses",
    "all_names",
    "ast_top_level_bindings",
    "dotted_name",
    "last_name",
    "module_alias",
    "module_name",
    "name_uses",
    "statement_bindings",
    "top_level_bindings",
]


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def last_name(node: cst.BaseExpression) -> str | None:
    """``c`` for ``a.b.c`` or ``c``; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def module_name(node: cst.BaseExpression) -> str:
    """The dotted name of an import's module or alias (always a Name/Attribute chain)."""
    name = dotted_name(node)
    assert name is not None
    return name


def statement_bindings(node: cst.Import | cst.ImportFrom) -> list[ImportBinding]:
    """The names one import statement binds, in order."""
    if isinstance(node, cst.Import):
        out = []
        for alias in node.names:
            full = module_name(alias.name)
            if alias.asname is not None:
                out.append(ImportBinding(module_name(alias.asname.name), full, alias=True))
            else:
                out.append(ImportBinding(full.partition(".")[0], full))
        return out
    if isinstance(node.names, cst.ImportStar):
        return []
    base = module_name(node.module) if node.module is not None else ""
    level = len(node.relative)
    out = []
    for alias in node.names:
        imported = module_name(alias.name)
        if alias.asname is not None:
            out.append(ImportBinding(module_name(alias.asname.name), base, level, imported, alias=True))
        else:
            out.append(ImportBinding(imported, base, level, imported))
    return out


def top_level_bindings(module: cst.Module) -> list[ImportBinding]:
    """The names the module-level import statements bind (not those inside ``if``/``try`` blocks
    or functions), in order."""
    out: list[ImportBinding] = []
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    out.extend(statement_bindings(small))
    return out


class ImportTable:
    """Local name -> fully qualified name, from every import statement in a module.

    ``import requests`` binds ``requests``; ``import requests.exceptions`` binds ``requests``;
    ``import requests as rq`` binds ``rq``; ``from requests import get as g`` binds ``g`` to
    ``requests.get``. Imports inside functions are included (a codemod that cares about the exact
    scope checks ``local_bindings``). Relative imports resolve to ``.name``.
    """

    def __init__(self, module: cst.Module) -> None:
        self.names: dict[str, str] = {}
        self.import_nodes: list[cst.Import | cst.ImportFrom] = []
        self._collect(module)

    def _collect(self, module: cst.Module) -> None:
        self.import_nodes = import_statements(module)
        for node in self.import_nodes:
            for b in statement_bindings(node):
                if b.name is not None:
                    self.names[b.local] = b.qualified(dotted_relative=True)
                elif b.alias:
                    self.names[b.local] = b.module
                else:
                    self.names.setdefault(b.local, b.local)  # the first import of the head wins

    def qualify(
        self, node: cst.BaseExpression, shadowed: Iterable[str] = (), wanted: Callable[[str], bool] | None = None
    ) -> str | None:
        """Fully qualified name of ``node`` if its head is imported, else None. ``wanted``: None
        also for a name it rejects, which is tested before ``shadowed`` (that may be costly to
        know: a function's bindings collected at the first question)."""
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head not in self.names:
            return None
        full = self.names[head]
        full = f"{full}.{rest}" if rest else full
        if wanted is not None and not wanted(full):
            return None
        return None if head in shadowed else full

    def locals_for(self, qualified: str) -> list[str]:
        """Local names bound to ``qualified`` (``requests`` -> ``["requests", "rq"]``)."""
        return [local for local, full in self.names.items() if full == qualified]


# Per node type, the fields a statement line may sit below (not expressions, not whitespace).
_STATEMENT_FIELDS: dict[type, tuple[str, ...]] = {}


def _statement_fields(kind: type) -> tuple[str, ...]:
    names = _STATEMENT_FIELDS.get(kind)
    if names is None:
        names = _STATEMENT_FIELDS[kind] = tuple(
            f.name for f in dataclasses.fields(kind)
            if "whitespace" not in f.name and f.name not in ("lpar", "rpar", "leading_lines", "header", "footer")
        )
    return names


def import_statements(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    """The import statements of every statement line, in source order (functions, classes and
    branches included; an import after ``:`` on its header's line is not one: imports are always
    statements of their own line). Walks the statements only, by their fields: a visitor would
    go through, and rebuild, every expression too."""
    out: list[cst.Import | cst.ImportFrom] = []
    node_type, expression, line = cst.CSTNode, cst.BaseExpression, cst.SimpleStatementLine
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, line):
            out.extend(s for s in node.body if isinstance(s, (cst.Import, cst.ImportFrom)))
            continue
        children: list[cst.CSTNode] = []
        for name in _statement_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, node_type):
                if not isinstance(value, expression):
                    children.append(value)
            elif isinstance(value, (list, tuple)):
                children.extend(v for v in value if isinstance(v, node_type) and not isinstance(v, expression))
        stack.extend(reversed(children))
    return out


class NameUses(cst.CSTVisitor):
    """Names used as expressions (not in import statements, not as attribute names): ``used``,
    and with ``counts=True`` how often each occurs (``counts``; requests-to-httpx keeps them
    current through its rewrite to tell which imports are still used)."""

    def __init__(self, counts: bool = False) -> None:
        self.used: set[str] = set()
        self.counts: Counter[str] | None = Counter() if counts else None

    @property
    def names(self) -> set[str]:
        return self.used

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # ``x.name``: the attribute is not a use of ``name``
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.used.add(node.value)
        if self.counts is not None:
            self.counts[node.value] += 1


class _AllNames(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def all_names(node: cst.CSTNode) -> set[str]:
    """Every name written anywhere in ``node`` (attribute names and imports too): what a fresh
    name must avoid."""
    v = _AllNames()
    node.visit(v)
    return v.names


def name_uses(node: cst.CSTNode) -> set[str]:
    """Names ``node`` reads or binds outside import statements, attribute names aside: what
    decides whether an import is still used."""
    uses = NameUses()
    node.visit(uses)
    return uses.used
