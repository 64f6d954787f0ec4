"""Finding views: which files hold them, the module's classes and view class families, handlers."""

from __future__ import annotations

import os

import libcst as cst

from codemods.analysis import ImportTable
from codemods.knowledge import layout
from codemods.knowledge.views import HANDLERS, is_view_base


def is_test_module(path: str) -> bool:
    """A test module (``codemods.knowledge.layout``), ``test.py`` not counted. The folders counted
    are those of the path relative to the working folder when the file is below it, else of the
    path as given (so a checkout that itself lives in a folder named ``test`` is not taken for
    tests when run from inside it)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        rel = path
    if rel.startswith(".."):
        rel = path
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return False
    # This codemod has always judged a file by its name less ``.py``, whatever it ends in (a file
    # named on the command line need not end in ``.py``); layout's rule reads ``.py`` names.
    name = parts[-1] if parts[-1].endswith(".py") else f"{parts[-1]}.py"
    return layout.is_test_module((*parts[:-1], name), test_py=False)


def handlers(cls: cst.ClassDef) -> list[cst.FunctionDef]:
    """The HTTP handlers (``get``, ``post`` ...) a class defines itself."""
    if not isinstance(cls.body, cst.IndentedBlock):
        return []
    return [s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value in HANDLERS]


class _ClassCollector(cst.CSTVisitor):
    """Classes defined at module level (also inside module-level ``if``/``try`` blocks)."""

    def __init__(self) -> None:
        self.classes: dict[str, cst.ClassDef] = {}
        self.twice: set[str] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if node.name.value in self.classes:
            self.twice.add(node.name.value)
        self.classes[node.name.value] = node
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False


def module_classes(module: cst.Module) -> dict[str, cst.ClassDef]:
    collector = _ClassCollector()
    module.visit(collector)
    # a name defined twice (if/else variants) cannot be resolved to one class
    return {n: c for n, c in collector.classes.items() if n not in collector.twice}


def view_families(classes: dict[str, cst.ClassDef], imports: ImportTable) -> dict[str, list[str]]:
    """Class name -> the names of its family: the module's classes linked to it through base
    classes (bases and subclasses, transitively), for families where some class derives from a
    Django view. Members are listed in definition order."""
    parent: dict[str, str] = {n: n for n in classes}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for name, cls in classes.items():
        for arg in cls.bases:
            if isinstance(arg.value, cst.Name) and arg.value.value in classes and arg.value.value not in imports.names:
                parent[find(name)] = find(arg.value.value)
    groups: dict[str, list[str]] = {}
    for name in classes:
        groups.setdefault(find(name), []).append(name)
    out: dict[str, list[str]] = {}
    for members in groups.values():
        if any(is_view_base(imports.qualify(arg.value) or "") for m in members for arg in classes[m].bases):
            for m in members:
                out[m] = members
    return out


def module_level_names(module: cst.Module) -> set[str]:
    """Names the module binds at top level by def, class or assignment (not by import)."""
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets = (
                    [t.target for t in small.targets] if isinstance(small, cst.Assign)
                    else [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
                )
                names.update(t.value for t in targets if isinstance(t, cst.Name))
    return names
