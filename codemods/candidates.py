"""Which codemods could do anything to a file, decided without LibCST.

Two cheap steps before the costly LibCST parse (see ``shared/reference/performance.md``):

1. each codemod's ``precheck(text)``: a substring test over the raw text;
2. for the codemods whose pre-check said "maybe", one ``ast.parse`` of the file (about a tenth of
   a LibCST parse) and each codemod's structural test, ``Codemod.candidate(facts)``, over the
   ``Facts`` of that tree (defined here, shared by all the tests; each test sits in its codemod's
   ``__init__``, next to its ``precheck``).

The tests must be *sound*: True for every file on which the codemod would rewrite anything or
report anything (a refusal or a rewrite). They may say True far more often than needed; a False
only ever saves work. They are deliberately looser than the codemods themselves, because the
codemods grow (see issues 3-6 and 9), so each test names the widest shape its codemod looks at.
``tests/test_candidates.py`` runs every codemod over the sample sources of the test-suite and
checks that the test said True wherever the codemod produced a change or a diagnostic. A codemod
that defines no ``candidate`` is always a candidate once its pre-check passed.

Nothing here imports libcst.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from codemods.knowledge.layout import is_test_class, is_test_function, is_test_module

# Compound statements: gather-awaits only ever gathers simple statements (their bodies are
# blocks of their own, looked at separately).
_COMPOUND = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
    ast.With, ast.AsyncWith, ast.Try, ast.Match,
) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def walk(root: ast.AST) -> list[ast.AST]:
    """Every node at or below ``root`` (like ``ast.walk``, about twice as fast; no ctx nodes)."""
    node_type = ast.AST
    out = [root]
    append = out.append
    for node in out:
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        append(item)
            elif isinstance(value, node_type) and name != "ctx":
                append(value)
    return out


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def statements(tree: ast.Module) -> list[ast.stmt]:
    """Every statement at any depth (in defs, classes, branches, handlers and match cases);
    far cheaper than a walk over every node, since most nodes are expressions."""
    out: list[ast.stmt] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for name in _BLOCKS:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.stmt):
                        out.append(item)
                    stack.append(item)  # statements, except handlers, match cases
    return out


def _outer_defs(tree: ast.Module) -> list[ast.AST]:
    """Defs and async defs not nested in a def, lambda or class (module level, maybe under
    if/try/with/for/while/match)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(node)
        elif isinstance(node, ast.ClassDef):
            continue
        else:
            for name in _BLOCKS:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    stack.extend(value)
    return found


class Facts:
    """Structural facts about one parsed module, computed lazily and shared by the tests."""

    def __init__(self, tree: ast.Module, path: str = "") -> None:
        self.tree = tree
        self.path = path  # the file as the run shows it ("": unknown, not a test module)
        self._nodes: list[ast.AST] | None = None
        self._statements: list[ast.stmt] | None = None
        self._async_defs: list[ast.AsyncFunctionDef] | None = None

    @property
    def nodes(self) -> list[ast.AST]:
        if self._nodes is None:
            self._nodes = walk(self.tree)
        return self._nodes

    @property
    def statements(self) -> list[ast.stmt]:
        if self._statements is None:
            self._statements = statements(self.tree)
        return self._statements

    @property
    def async_defs(self) -> list[ast.AsyncFunctionDef]:
        if self._async_defs is None:
            self._async_defs = [n for n in self.statements if isinstance(n, ast.AsyncFunctionDef)]
        return self._async_defs

    def async_defs_outside_tests(self) -> list[ast.AsyncFunctionDef]:
        """Async defs at any depth, except tests and what is nested in them: a test function or
        test class of ``knowledge.layout`` (``self.path`` tells whether this is a test module)."""
        test_module = is_test_module(Path(self.path).parts, conftest=False) if self.path else False
        out: list[ast.AsyncFunctionDef] = []
        stack: list[ast.AST] = list(self.tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.ClassDef):
                bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
                if is_test_class(node.name, bases, test_module):
                    continue
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if is_test_function(node.name, test_module):
                    continue
                if isinstance(node, ast.AsyncFunctionDef):
                    out.append(node)
            for name in _BLOCKS:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    stack.extend(item for item in value if isinstance(item, ast.AST))
        return out

    def outer_async_defs(self) -> list[ast.AsyncFunctionDef]:
        """Async defs not nested in a def, lambda or class."""
        return [d for d in _outer_defs(self.tree) if isinstance(d, ast.AsyncFunctionDef)]

    def client_aliases(self) -> set[str]:
        """Local names bound by imports of a name containing "client" (any case)."""
        out: set[str] = set()
        for node in self.statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    if "client" in a.name.lower():
                        out.add((a.asname or a.name).split(".")[0])
        return out

    def imports_module(self, name: str) -> bool:
        """An ``import name[.x]`` / ``from name[.x] import ...`` anywhere (functions included)."""
        prefix = name + "."
        for node in self.statements:
            if isinstance(node, ast.Import) and any(a.name == name or a.name.startswith(prefix) for a in node.names):
                return True
            if (
                isinstance(node, ast.ImportFrom)
                and not node.level
                and node.module
                and (node.module == name or node.module.startswith(prefix))
            ):
                return True
        return False


def involves_await(stmt: ast.stmt, memo: dict[int, bool]) -> bool:
    """A simple statement whose expressions hold an ``await`` or an async comprehension."""
    if isinstance(stmt, _COMPOUND):
        return False
    key = id(stmt)
    hit = memo.get(key)
    if hit is None:
        hit = any(
            isinstance(n, ast.Await) or (isinstance(n, ast.comprehension) and n.is_async) for n in walk(stmt)
        )
        memo[key] = hit
    return hit


def statement_lists(node: ast.AST) -> Iterable[list[ast.stmt]]:
    """Every block of statements at or below ``node`` (bodies, else/finally, handlers, cases)."""
    for sub in walk(node):
        if isinstance(sub, (ast.stmt, ast.excepthandler, ast.match_case)):
            for name in ("body", "orelse", "finalbody"):
                value = getattr(sub, name, None)
                if value.__class__ is list and len(value) >= 2:
                    yield value


def mentions_client(node: ast.AST, aliases: set[str]) -> bool:
    """A name, attribute, parameter, keyword or imported name containing "client", or one of
    ``aliases``, at or below ``node``."""
    for sub in walk(node):
        if isinstance(sub, ast.Name):
            ident = sub.id
        elif isinstance(sub, ast.Attribute):
            ident = sub.attr
        elif isinstance(sub, ast.arg):
            ident = sub.arg
        elif isinstance(sub, ast.keyword):
            ident = sub.arg or ""
        elif isinstance(sub, ast.alias):
            ident = sub.name + " " + (sub.asname or "")
        else:
            continue
        if "client" in ident.lower() or ident in aliases:
            return True
    return False


def structural(names: Iterable[str], tree: ast.Module | Facts) -> list[str]:
    """The subset of ``names`` (codemods whose pre-check passed) whose structural test
    (``Codemod.candidate``) keeps the file."""
    from codemods.registry import all_codemods

    facts = tree if isinstance(tree, Facts) else Facts(tree)
    by_name = {cm.name: cm for cm in all_codemods()}
    return [n for n in names if n not in by_name or by_name[n].candidate(facts)]
