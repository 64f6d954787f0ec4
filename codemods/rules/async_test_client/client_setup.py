"""Client set-up a test class may share with its tests (setUp, mixins, bases); ``self.x`` setUp binds."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst

from codemods.analysis import last_name
from codemods.knowledge.testing import CLIENT_WORDS, DJANGO_TEST_CASES, TESTCASE_METHODS
from codemods.problems import Problem
from codemods.project import test_setup
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.models import Kind
from codemods.rules.async_test_client.module_base import ModuleBase

# Builtins that may get ``self`` without reaching its client.
SELF_SAFE_CALLS = frozenset(
    {"super", "isinstance", "type", "id", "getattr", "hasattr", "setattr", "vars", "repr", "str"}
)


class SelfAssigns(cst.CSTVisitor):
    """``self.x = value`` (and augmented or unpacking stores, with no value) in one method."""

    def __init__(self, me: str) -> None:
        self.me = me
        self.assigns: list[tuple[str, cst.BaseExpression | None]] = []

    def walk(self, body: cst.BaseSuite) -> None:
        """Statements only (an assignment to ``self.x`` is a statement; a walrus cannot target an
        attribute), which is far cheaper than visiting every expression."""
        todo: list[cst.CSTNode] = [body]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.SimpleStatementLine):
                for small in node.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                        small.visit(self)
            elif isinstance(node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                todo.extend(node.body)
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                continue
            elif isinstance(node, cst.BaseCompoundStatement):
                if isinstance(node, cst.For):
                    self._target(node.target, None)
                elif isinstance(node, cst.With):
                    for item in node.items:
                        if item.asname is not None:
                            self._target(item.asname.name, None)
                todo.extend(
                    child for child in node.children
                    if isinstance(child, (cst.BaseSuite, cst.BaseCompoundStatement, cst.If, cst.Else,
                                          cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally))
                )
            elif isinstance(node, (cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
                todo.append(node.body)

    def _target(self, node: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self.me:
            self.assigns.append((node.attr.value, value))
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._target(el.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._target(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name, None)

def ast_dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Subscript):  # Generic[...]
        return ast_dotted(node.value)
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def class_client_use(cls: ast.ClassDef, defined: set[str], self_calls: list[tuple[str, str]]) -> Problem | None:
    """Why ``cls`` itself (not its bases) may set up the client outside its test methods; records
    its methods in ``defined`` and the ``self.x()`` calls they make in ``self_calls``."""
    for st in cls.body:
        is_fn = isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef))
        if is_fn and st.name.startswith("test"):
            continue
        if is_fn:
            defined.add(st.name)
        for n in ast.walk(st):
            if (isinstance(n, ast.Attribute) and n.attr in CLIENT_WORDS) or (
                isinstance(n, ast.Name) and n.id in CLIENT_WORDS - {"client"}
            ):
                where = f"{st.name}()" if is_fn else "its class attributes"
                return Problem(
                    "client-setup",
                    f"class {cls.name} sets up or customises the client outside the tests (in {where})",
                )
        if not is_fn or not st.args.args:
            continue
        me = st.args.args[0].arg
        for n in ast.walk(st):
            if not isinstance(n, ast.Call):
                continue
            func = n.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == me:
                self_calls.append((f"{cls.name}.{st.name}", func.attr))
            if isinstance(func, ast.Attribute) and func.attr in ("addCleanup", "addClassCleanup"):
                continue  # runs after the tests
            passed = [*n.args, *(k.value for k in n.keywords)]
            if any(isinstance(a, ast.Name) and a.id == me for a in passed) and ast_dotted(func) not in SELF_SAFE_CALLS:
                callee = ast_dotted(func) or ast.unparse(func)
                return Problem(
                    "self-passed",
                    f"{cls.name}.{st.name}() passes {me} to {callee}(), which may log in with "
                    f"{me}.client",
                )
    return None



class ClientSetup(ModuleBase):
    """A test class's set-up as seen from its tests: whether the sync client may carry state into
    them (``_shared_client_state``: the class and its bases, read from this module or the
    project), and which ``self.x`` hold one model's instances (``_self_attrs``)."""

    def _shared_client_state(self, cls: cst.ClassDef) -> Problem | None:
        """Why the sync client may carry state (login, cookies, custom class) into the tests: the
        class or any base (mixins included, read from this file or, through its import, from the
        project's files) touches the client outside test methods or passes ``self`` to a callable
        (which may log in with ``self.client``), a method calls ``self.x()`` that none of those
        classes defines, or a base cannot be read."""
        if self._module_ast is None:
            try:
                self._module_ast = ast.parse(self.module_code)
            except (SyntaxError, ValueError):
                return Problem(
                    "unparsable-module", "this module cannot be parsed by ast (its client setup cannot be checked)"
                )
        here = test_setup.folder_of(self.ctx.path)
        tree = self._module_ast
        node = test_setup.class_in(tree, cls.name.value)
        if node is None:
            return None
        defined: set[str] = set()
        self_calls: list[tuple[str, str]] = []
        todo: list[tuple[ast.ClassDef, ast.Module, Path]] = [(node, tree, here)]
        visited: set[tuple[str, str]] = set()
        while todo:
            current, module, folder = todo.pop()
            if (str(folder), current.name) in visited:
                continue
            visited.add((str(folder), current.name))
            why = class_client_use(current, defined, self_calls)
            if why:
                return why
            imports = self.reader.imports_of(module)
            for b in current.bases:
                name = ast_dotted(b)
                if name is None:
                    return Problem(
                        "computed-base",
                        f"class {current.name} has a computed base class (its setUp may log in with self.client)",
                    )
                head, _, rest = name.partition(".")
                qual = imports[head] + ("." + rest if rest else "") if head in imports else name
                if qual == "object" or qual.startswith(("django.", "unittest.")):
                    continue
                found = self.reader.read_class(qual, folder, module)
                if found is None:
                    if "." not in qual and qual in DJANGO_TEST_CASES:
                        continue  # Django's, not imported by name (a snippet)
                    return Problem(
                        "unreadable-base",
                        f"base class {name} is defined in another file this codemod cannot read; its "
                        "setUp or helpers may log in with self.client",
                    )
                todo.append(found)
        for meth, called in self_calls:
            if called not in defined and called not in TESTCASE_METHODS and not called.startswith("assert"):
                return Problem(
                    "unknown-self-call",
                    f"{meth}() calls self.{called}(), which neither the class nor a base this codemod "
                    "can read defines (it may log in with self.client)",
                )
        return None

    def _self_attrs(self, cls: cst.ClassDef) -> dict[str, Kind]:
        """``self.x``/``cls.x`` that every method of the class (and of its bases in this file)
        binds to one model's instances."""
        found: dict[str, set[Kind | None]] = {}
        seen: set[str] = set()
        todo = [cls]
        while todo:
            current = todo.pop()
            if current.name.value in seen:
                continue
            seen.add(current.name.value)
            self._self_assigns(current, found)
            for b in current.bases:
                base = self.module_classes.get(last_name(b.value) or "")
                if base is not None:
                    todo.append(base)
        out: dict[str, Kind] = {}
        for attr, kinds in found.items():
            if len(kinds) == 1:
                (k,) = kinds
                if k is not None:
                    out[attr] = k
        return out

    def _self_assigns(self, cls: cst.ClassDef, found: dict[str, set[Kind | None]]) -> None:
        for st in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
            if not isinstance(st, cst.FunctionDef) or not st.params.params:
                continue
            me = st.params.params[0].name.value
            v = SelfAssigns(me)
            v.walk(st.body)
            if not v.assigns:
                continue
            env = Env(self.models, None, {}, set())
            env.bind(st.body, [p.name.value for p in st.params.params])
            for attr, value in v.assigns:
                k = env.kind(value) if value is not None else None
                found.setdefault(attr, set()).add(k if k is not None and k[0] == "inst" else None)
