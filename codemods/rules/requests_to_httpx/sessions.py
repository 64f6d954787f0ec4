"""Sessions: local ``requests.Session()`` objects that become an ``async with httpx.AsyncClient()``
(found by ``_SessionFinder``, checked by ``_SessionCheck``, whose settings lines become client
arguments), and Sessions shared at module or class level, which are reported, not rewritten."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from codemods.analysis import ImportTable, SameScope, dotted_name, local_bindings
from codemods.knowledge.requests_api import (
    METHODS,
    SESSION_CLASSES,
    SESSION_NONE_OK,
    SESSION_READ,
    SESSION_SETTINGS,
)
from codemods.problems import Problem
from codemods.rules.requests_to_httpx.arguments import _client_value_problem, _stable
from codemods.rules.requests_to_httpx.calls import _Req
from codemods.rules.requests_to_httpx.syntax import _assigned_name, _count, _kwarg

if TYPE_CHECKING:
    from codemods.rules.requests_to_httpx.values import _Locals


def _is_session_call(call: cst.Call, imports: ImportTable, shadowed: set[str]) -> bool:
    """``requests.Session()`` (or ``requests.session()``), without arguments."""
    q = imports.qualify(call.func, shadowed)
    return not call.args and q in SESSION_CLASSES


class _SessionFinder(SameScope, cst.CSTVisitor):
    """Names bound by ``s = requests.Session()`` (a line of its own) or ``with requests.Session() as s:``."""

    def __init__(self, imports: ImportTable, shadowed: set[str]) -> None:
        self.imports, self.shadowed = imports, shadowed
        self.names: set[str] = set()
        self.nodes: dict[int, str] = {}  # id of the requests.Session() call -> name

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        name = _assigned_name(node)
        value = node.body[0].value if name is not None else None  # type: ignore[attr-defined]
        if isinstance(value, cst.Call) and _is_session_call(value, self.imports, self.shadowed):
            assert name is not None
            self.names.add(name)
            self.nodes[id(value)] = name

    def visit_With(self, node: cst.With) -> None:
        if len(node.items) != 1 or node.asynchronous is not None:
            return
        item = node.items[0]
        if (
            isinstance(item.item, cst.Call)
            and _is_session_call(item.item, self.imports, self.shadowed)
            and item.asname is not None
            and isinstance(item.asname.name, cst.Name)
        ):
            self.names.add(item.asname.name.value)
            self.nodes[id(item.item)] = item.asname.name.value


def _is_setup_line(stmt: cst.BaseStatement, name: str) -> bool:
    """A line that only sets up the Session ``name`` (makes no request, reads nothing from it):
    ``name.attr = v``, ``name.headers[k] = v``, ``name.headers.update(...)``."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if _count([small], name) != 1:
            return False
        if isinstance(small, cst.Assign):
            for t in small.targets:
                target = t.target
                if isinstance(target, cst.Subscript):
                    target = target.value
                    if not (isinstance(target, cst.Attribute) and target.attr.value == "headers"):
                        return False
                if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
                    return False
                if target.value.value != name:
                    return False
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            func = small.value.func
            if not (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Attribute)
                and func.value.attr.value == "headers"
                and isinstance(func.value.value, cst.Name)
                and func.value.value.value == name
            ):
                return False
        else:
            return False
    return True


class _SessionCheck(SameScope, cst.CSTVisitor):
    """A local Session must live only inside the ``async with`` that replaces it: every use after
    its creation in the same block (or inside its ``with``), none in nested scopes, and only as
    ``s.get(...)`` & co (also thread-wrapped), ``s.headers`` (not reassigned), ``s.auth = (u, p)``,
    ``s.close()`` and, in the statements right after its creation (before any other use),
    ``s.verify``/``cert``/``trust_env``/``proxies``/``max_redirects = <value>``, which become
    arguments of the AsyncClient (``settings``; their lines, ``setup_lines``, are dropped)."""

    def __init__(self, local: _Locals, body: cst.BaseSuite) -> None:
        self.local = local
        self.body = body
        self.problems: list[tuple[cst.CSTNode, Problem]] = []
        self._ok: set[int] = set()
        self.settings: dict[str, list[cst.Arg]] = {}  # Session name -> AsyncClient arguments
        self.setup_lines: set[int] = set()  # ids of the lines that set them
        self._movable: dict[int, cst.SimpleStatementLine] = {}  # id of the Assign -> its line

    def _setup(self, name: str, stmts: Sequence[cst.BaseStatement]) -> None:
        """Marks the settings assignments among the statements after ``name`` is made, up to the
        first that uses it other than to set it up (statements not naming it are passed over)."""
        for stmt in stmts:
            if not _count([stmt], name):
                continue
            if not _is_setup_line(stmt, name):
                return
            assert isinstance(stmt, cst.SimpleStatementLine)
            small = stmt.body[0]
            if len(stmt.body) == 1 and isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Attribute) and target.attr.value in SESSION_SETTINGS:
                    self._movable[id(small)] = stmt

    def _setting_problem(self, node: cst.Assign, name: str, attr: str) -> Problem | None:
        """Why ``name.attr = value`` cannot become an AsyncClient argument (the end of a message
        starting ``sets name.attr``), or None (then it is one)."""
        line = self._movable.get(id(node))
        if line is None:
            return Problem(
                "session-setting-late",
                "other than on a line of its own right after requests.Session(), before the Session is "
                "used (an AsyncClient takes it only when created)",
            )
        value = node.value
        known = self.settings.setdefault(name, [])
        if any(a.keyword is not None and a.keyword.value == attr for a in known):
            return Problem("session-setting-twice", "twice")
        if isinstance(value, cst.Name) and value.value == "None" and attr not in SESSION_NONE_OK:
            return Problem(
                "session-setting-none",
                "to None (requests then uses its default, httpx would take None as the value)",
            )
        if not _stable(value, self.local.assigned):
            return Problem(
                "session-setting-computed",
                "to a value computed in the function (moved to the client, it would be evaluated earlier)",
            )
        if attr == "proxies" and _client_value_problem(attr, value):
            return Problem(
                "proxies-shape",
                "to other than {'http': P, 'https': P} (httpx would need per-scheme transports)",
            )
        known.append(_kwarg(attr, value))
        self.setup_lines.add(id(line))
        return None

    def _placement(self, name: str, inside: Sequence[cst.CSTNode], node: cst.CSTNode) -> None:
        if _count([self.body], name) != _count(inside, name):
            self.problems.append(
                (
                    node,
                    Problem(
                        "session-outside-block",
                        f"the requests Session {name} is used outside the block that owns it",
                    ),
                )
            )

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        for i, stmt in enumerate(node.body):
            name = _assigned_name(stmt)
            if name is not None and name in self.local.sessions:
                value = stmt.body[0].value  # type: ignore[attr-defined]
                if self.local.session_nodes.get(id(value)) == name:
                    self._placement(name, node.body[i:], stmt)
                    self._ok.add(id(stmt.body[0].targets[0].target))  # type: ignore[attr-defined]
                    self._setup(name, node.body[i + 1 :])

    def visit_With(self, node: cst.With) -> None:
        if len(node.items) == 1 and self.local.session_nodes.get(id(node.items[0].item)) is not None:
            name = self.local.session_nodes[id(node.items[0].item)]
            self._placement(name, [node], node)
            assert node.items[0].asname is not None
            self._ok.add(id(node.items[0].asname.name))
            if isinstance(node.body, cst.IndentedBlock):
                self._setup(name, node.body.body)

    def visit_Call(self, node: cst.Call) -> None:
        req = self.local.match(node)
        if isinstance(req, _Req) and req.session is not None:
            for ref in req.refs:
                if isinstance(ref, cst.Attribute):
                    self._ok.add(id(ref.value))
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "close"
            and isinstance(func.value, cst.Name)
            and func.value.value in self.local.sessions
            and not node.args
        ):
            self._ok.add(id(func.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            target = t.target
            if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
                continue
            if target.value.value not in self.local.sessions:
                continue
            value = node.value
            name, attr = target.value.value, target.attr.value
            self._ok.add(id(target.value))
            if attr == "auth" and isinstance(value, cst.Tuple) and len(value.elements) == 2:
                continue
            if attr in SESSION_SETTINGS:
                problem = self._setting_problem(node, name, attr)
                if problem:
                    self.problems.append(
                        (node, Problem(problem.kind, f"sets {name}.{attr} {problem.message}"))
                    )
            elif attr == "params":
                why = "requests adds them to each URL's query string, keeping the URL's own and leaving out None"
                why += " values; httpx merges them over it and sends None as an empty value"
                self.problems.append((node, Problem("session-params", f"sets {name}.params ({why})")))
            else:
                self.problems.append(
                    (
                        node,
                        Problem(
                            "session-attribute", f"sets {name}.{attr} (no same-behaving AsyncClient setting)"
                        ),
                    )
                )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value = node.value
        if (
            isinstance(value, cst.Name)
            and value.value in self.local.sessions
            and node.attr.value in SESSION_READ
        ):
            self._ok.add(id(value))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.local.sessions and id(node) not in self._ok:
            why = "other than for requests, headers, auth or close()"
            self.problems.append(
                (node, Problem("session-used", f"uses the requests Session {node.value} {why}"))
            )

    def nested_scope(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> bool:
        for name in self.local.sessions:
            if _count([node], name):
                self.problems.append(
                    (
                        node,
                        Problem(
                            "session-nested-scope", f"uses the requests Session {name} in a nested scope"
                        ),
                    )
                )
        return False


def _holder(expr: cst.BaseExpression, shared: tuple[set[str], set[str]], shadowed: set[str]) -> str | None:
    """How messages name ``expr`` if it gives a Session kept at module or class level: ``SESSION``,
    ``self.session``, ``self.sessions[...]`` (kept in a dict), ``self._get_session()`` (a function
    returning one of those); else None."""
    names, attrs = shared
    if isinstance(expr, cst.Name) and expr.value in names and expr.value not in shadowed:
        return expr.value
    if isinstance(expr, cst.Attribute) and expr.attr.value in attrs:
        return dotted_name(expr) or expr.attr.value
    if isinstance(expr, cst.Subscript):
        inner = _holder(expr.value, shared, shadowed)
        return f"{inner}[...]" if inner is not None else None
    if isinstance(expr, cst.Call):  # a function handing one out, kept as ``name()``
        func = expr.func
        if isinstance(func, cst.Name) and f"{func.value}()" in names and func.value not in shadowed:
            return f"{func.value}()"
        if isinstance(func, cst.Attribute) and f"{func.attr.value}()" in attrs:
            return f"{dotted_name(func) or func.attr.value}()"
    return None


def _shared_session(
    func: cst.BaseExpression,
    shared: tuple[set[str], set[str]],
    shadowed: set[str],
    aliases: dict[str, str] | None = None,
) -> str | None:
    """``SESSION.get``/``self.session.get``/``self.sessions[k].get`` on a Session created at module or
    class level, or ``s.get`` where ``s`` is a local name given such a Session (``aliases``: name ->
    where it came from): how messages name the Session, else None."""
    if not isinstance(func, cst.Attribute) or func.attr.value not in METHODS:
        return None
    value, method = func.value, func.attr.value
    if isinstance(value, cst.Name) and aliases and value.value in aliases:
        return f"{value.value}.{method} (from {aliases[value.value]})"
    if isinstance(value, cst.Name) and value.value in shadowed:
        return None
    held = _holder(value, shared, shadowed)
    return None if held is None else f"{held}.{method}"


class _SharedSessions(cst.CSTVisitor):
    """Sessions that outlive one call: ``NAME = requests.Session()`` at module level, and
    ``NAME = requests.Session()`` in a class body or ``self.NAME = requests.Session()`` (any method),
    also kept in a dict (``self.sessions[k] = requests.Session()``); and the functions returning
    one of those (``return self.sessions[k]``: kept as ``name()``, a holder when called).
    Walks statements only (expressions hold no assignment statement); twice, for a function
    defined before the assignment it returns."""

    def __init__(self, imports: ImportTable) -> None:
        self.imports = imports
        self.sessions: set[str] = set()
        self.attrs: set[str] = set()
        self._depth = 0  # inside functions
        self._classes = 0
        self._functions: list[cst.FunctionDef] = []
        self._passes = 0

    def leave_Module(self, original_node: cst.Module) -> None:
        self._passes += 1
        if self._passes == 1:
            original_node.visit(self)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1
        self._functions.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes -= 1

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            return False
        return super().on_visit(node)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None or not self._functions:
            return
        if _holder(node.value, (self.sessions, self.attrs), set()) is None:
            return
        func = self._functions[-1]
        in_class = self._classes and len(self._functions) == 1
        # as ``name()``: only a call of it gives a Session (no attribute or name is spelt so)
        (self.attrs if in_class else self.sessions).add(f"{func.name.value}()")

    def visit_Assign(self, node: cst.Assign) -> None:
        if not (isinstance(node.value, cst.Call) and _is_session_call(node.value, self.imports, set())):
            return
        for t in node.targets:
            target = t.target
            while isinstance(target, cst.Subscript):
                target = target.value
            if isinstance(target, cst.Name) and self._depth == 0:
                (self.attrs if self._classes else self.sessions).add(target.value)
            elif (
                isinstance(target, cst.Name)
                and target is not t.target
                and target.value not in local_bindings(self._functions[-1])
            ):  # ``CACHE[k] = requests.Session()`` in a function: a dict of the module's
                self.sessions.add(target.value)
            elif isinstance(target, cst.Attribute):
                self.attrs.add(target.attr.value)
