"""Analysis shared by the codemods: what a name refers to, scopes, suppression comments.

Names are resolved through the module's imports (``import requests as rq``, ``from requests import
get``), not matched as text, with a table built in one pass over the tree. That answers "is this
``requests.get``?" as QualifiedNameProvider would, at a fraction of its cost. A name that a function
rebinds locally (parameter, assignment, ``for`` target, nested ``def``/``import``) is not resolved
through the module's imports inside that function.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

SKIP_COMMENT = "dj-asyncify: skip"


# --------------------------------------------------------------------------- dotted names
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


def _module_name(node: cst.BaseExpression) -> str:
    name = dotted_name(node)
    assert name is not None
    return name


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
        visitor = _ImportCollector()
        module.visit(visitor)
        self.import_nodes = visitor.nodes
        for node in visitor.nodes:
            if isinstance(node, cst.Import):
                for alias in node.names:
                    full = _module_name(alias.name)
                    if alias.asname is not None:
                        self.names[_module_name(alias.asname.name)] = full
                    else:
                        head = full.split(".")[0]
                        self.names.setdefault(head, head)
            elif not isinstance(node.names, cst.ImportStar):
                base = "." * len(node.relative) + (
                    _module_name(node.module) if node.module is not None else ""
                )
                for alias in node.names:
                    imported = _module_name(alias.name)
                    local = _module_name(alias.asname.name) if alias.asname else imported
                    self.names[local] = f"{base}.{imported}" if base else imported

    def qualify(self, node: cst.BaseExpression, shadowed: Iterable[str] = ()) -> str | None:
        """Fully qualified name of ``node`` if its head is imported, else None."""
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in shadowed or head not in self.names:
            return None
        full = self.names[head]
        return f"{full}.{rest}" if rest else full

    def locals_for(self, qualified: str) -> list[str]:
        """Local names bound to ``qualified`` (``requests`` -> ``["requests", "rq"]``)."""
        return [local for local, full in self.names.items() if full == qualified]


class _ImportCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.Import | cst.ImportFrom] = []

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        # Imports are always statements of their own line; expressions never hold one.
        self.nodes.extend(s for s in node.body if isinstance(s, (cst.Import, cst.ImportFrom)))
        return False


# --------------------------------------------------------------------------- scopes
class _BindingCollector(cst.CSTVisitor):
    """Names bound directly in one function body (not in nested functions or classes)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _target(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._target(el.value)
        elif isinstance(node, cst.StarredElement):
            self._target(node.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._target(node.name.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self._target(alias.asname.name)
            else:
                self.names.add(_module_name(alias.name).split(".")[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self._target(alias.asname.name if alias.asname else alias.name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.names.discard(item.name.value)


def local_bindings(func: cst.FunctionDef) -> set[str]:
    """Names a function binds locally: its parameters and everything assigned in its body."""
    collector = _BindingCollector()
    params = func.params
    for p in [*params.posonly_params, *params.params, *params.kwonly_params]:
        collector.names.add(p.name.value)
    for p in (params.star_arg, params.star_kwarg):
        if isinstance(p, cst.Param):
            collector.names.add(p.name.value)
    func.body.visit(collector)
    return collector.names


def is_async(func: cst.FunctionDef) -> bool:
    return func.asynchronous is not None


class SameScope:
    """Mixin for visitors and transformers that must not enter nested functions, lambdas or classes
    (an ``await`` there belongs to another scope)."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


# --------------------------------------------------------------------------- suppression
def _comment_text(ws: cst.TrailingWhitespace) -> str:
    return ws.comment.value if ws.comment is not None else ""


def has_skip_comment(node: cst.FunctionDef | cst.ClassDef) -> bool:
    """True if the ``def``/``class`` line (or one of its decorator lines) says ``# dj-asyncify: skip``."""
    comments: list[str] = []
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        comments.append(_comment_text(body.header))
    elif isinstance(body, cst.SimpleStatementSuite):
        comments.append(_comment_text(body.trailing_whitespace))
    for dec in node.decorators:
        comments.append(_comment_text(dec.trailing_whitespace))
    return any(_is_skip(c) for c in comments)


def _is_skip(comment: str) -> bool:
    text = comment.lstrip("#").strip()
    return text == SKIP_COMMENT or text.startswith((SKIP_COMMENT + " ", SKIP_COMMENT + ":"))


class _NameUses(cst.CSTVisitor):
    """Names used as expressions (not in import statements, not as attribute names)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # ``x.name``: the attribute is not a use of ``name``
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.used.add(node.value)


def name_uses(node: cst.CSTNode) -> set[str]:
    """Names ``node`` reads or binds outside import statements, attribute names aside: what
    decides whether an import is still used."""
    uses = _NameUses()
    node.visit(uses)
    return uses.used
