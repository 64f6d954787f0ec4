"""Where a run sits: the defs/classes worth entering, the frames around a block, tests, guards.

``hot_scopes`` finds, without a visitor, the only scopes where something can be rewritten or
reported. ``ScopeWalk`` is the part of the transformer that walks them: it keeps one ``Frame`` per
def/class entered (whether it is an ``async def`` to rewrite, a test, how many ``try``/``atomic``
blocks guard it, what enclosing ``finally`` blocks read) in the shared ``Site``, which the analysis
of a run reads.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import libcst as cst

from codemods.analysis import ImportTable, has_skip_comment, last_name
from codemods.analysis.scope import suites
from codemods.knowledge import layout
from codemods.knowledge.layout import is_test_module
from codemods.rules.gather_awaits.facts import Func, ModuleFacts
from codemods.rules.gather_awaits.syntax import has_await, names_in


def is_test_path(path: str) -> bool:
    """A test module: ``test_*.py``, ``*_test(s).py``, ``test(s).py`` or a file under a
    ``tests``/``test`` folder. Not ``conftest.py`` elsewhere: it holds fixtures, not tests (the
    ``conftest=False`` variant of the shared rule)."""
    return is_test_module(Path(path).parts, conftest=False)


def is_test_class(node: cst.ClassDef, test_module: bool) -> bool:
    return layout.is_test_class(node.name.value, [last_name(b.value) or "" for b in node.bases], test_module)


def hot_scopes(module: cst.Module, path: str = "") -> set[int]:
    """Ids of the defs/classes around a block of an ``async def`` where two statement lines
    holding an ``await`` follow each other: the only places the codemod can rewrite or report.
    Tests (``is_test_path(path)``, ``layout.is_test_class``/``is_test_function``) are not entered:
    gather-awaits leaves them alone without a word (the order of a test's awaits is usually what it
    checks, and speed does not matter there).

    Walks statements only (no LibCST visitor: it would rebuild every node it passes); only the
    statement lines directly in an ``async def`` are searched for an ``await`` -- anywhere else
    an ``await`` is a syntax error, and the transformer rewrites nothing there anyway."""
    hot: set[int] = set()
    scopes: list[cst.CSTNode] = []
    test_module = is_test_path(path)

    def suite(node: cst.BaseSuite, in_async: bool) -> None:
        if not isinstance(node, cst.IndentedBlock):
            return  # ``if x: a; b`` holds no block of statements to gather
        flags = [statement(stmt, in_async) for stmt in node.body]
        if any(a and b for a, b in itertools.pairwise(flags)):
            hot.update(id(scope) for scope in scopes)

    def statement(stmt: cst.BaseStatement, in_async: bool) -> bool:
        if isinstance(stmt, cst.SimpleStatementLine):
            return in_async and has_await(stmt)
        if isinstance(stmt, cst.FunctionDef) and layout.is_test_function(stmt.name.value, test_module):
            return False
        if isinstance(stmt, cst.ClassDef) and is_test_class(stmt, test_module):
            return False
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            scopes.append(stmt)
            suite(stmt.body, isinstance(stmt, cst.FunctionDef) and stmt.asynchronous is not None)
            scopes.pop()
            return False
        for part in suites(stmt):
            suite(part, in_async)
        return False

    for stmt in module.body:
        statement(stmt, False)
    return hot


class Frame:
    """One def or class being walked (the module is the first frame, with no ``func``)."""

    def __init__(self, func: cst.FunctionDef | None, active: bool) -> None:
        self.func = func
        self.active = active
        self.guard = 0  # enclosing try-with-handlers / atomic blocks inside this function
        self.allocated: set[str] = set()  # fresh names handed out in this function
        self.finally_reads: list[set[str]] = []  # names read by enclosing finally blocks


class Site:
    """What the rooms of the transformer share about the module being rewritten: the module, its
    facts, its imports (built when first asked for) and the frames of the walk."""

    def __init__(self, module: cst.Module, facts: ModuleFacts) -> None:
        self.module = module
        self.facts = facts
        self.frames: list[Frame] = [Frame(None, False)]
        self._imports: ImportTable | None = None

    @property
    def imports(self) -> ImportTable:
        if self._imports is None:
            self._imports = ImportTable(self.module)
        return self._imports

    def fn(self, frame: Frame) -> Func:
        """The facts of the function of ``frame`` (a frame of a def)."""
        assert frame.func is not None
        return self.facts.by_node[id(frame.func)]


def same_children(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """``b`` is ``a`` rebuilt from the very same children (same objects, field by field)."""
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if x is y:
            continue
        if not (isinstance(x, (tuple, list)) and isinstance(y, (tuple, list)) and len(x) == len(y)):
            return False
        if not all(p is q for p, q in zip(x, y, strict=True)):
            return False
    return True


class ScopeWalk(cst.CSTTransformer):
    """The walk: enters only the hot defs/classes, keeps their frames in ``site.frames`` (tests,
    ``# dj-asyncify: skip``, guards, ``finally`` reads), and hands back unchanged nodes as the
    originals. Subclasses rewrite blocks (``leave_IndentedBlock``)."""

    def __init__(self, site: Site, path: str, hot: set[int]) -> None:
        self.site = site
        self.frames = site.frames
        self.hot = hot  # only the defs/classes around a block worth a look are entered
        self._guards: list[bool] = []

    def on_leave(self, original_node, updated_node):
        # LibCST rebuilds every node it walks through; a node whose children all came back
        # unchanged is handed back as the original, so an unchanged module stays the same object
        # (the runner then needs no code generation).
        result = super().on_leave(original_node, updated_node)
        if result is updated_node and updated_node is not original_node and same_children(
            original_node, updated_node
        ):
            return original_node
        return result

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False  # blocks are rewritten from their statement lists

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        active = node.asynchronous is not None and not has_skip_comment(node)
        self.frames.append(Frame(node, active))
        return id(node) in self.hot

    def leave_FunctionDef(self, original_node, updated_node):
        self.frames.pop()
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.frames.append(Frame(None, False))
        return id(node) in self.hot

    def leave_ClassDef(self, original_node, updated_node):
        self.frames.pop()
        return updated_node

    def visit_Try(self, node: cst.Try) -> None:
        self.frames[-1].guard += 1 if node.handlers else 0
        self._guards.append(bool(node.handlers))
        final = names_in(node.finalbody).names if node.finalbody is not None else set()
        self.frames[-1].finally_reads.append(final)

    def leave_Try(self, original_node, updated_node):
        if self._guards.pop():
            self.frames[-1].guard -= 1
        self.frames[-1].finally_reads.pop()
        return updated_node

    def visit_TryStar(self, node) -> None:
        self.frames[-1].guard += 1
        self._guards.append(True)

    def leave_TryStar(self, original_node, updated_node):
        self._guards.pop()
        self.frames[-1].guard -= 1
        return updated_node

    def visit_With(self, node: cst.With) -> None:
        names = set()
        for item in node.items:
            names |= names_in(item.item).names
        g = any("atomic" in n or "transaction" in n for n in names)
        self.frames[-1].guard += g
        self._guards.append(g)

    def leave_With(self, original_node, updated_node):
        if self._guards.pop():
            self.frames[-1].guard -= 1
        return updated_node
