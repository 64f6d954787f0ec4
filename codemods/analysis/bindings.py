"""Bindings room: every name one scope binds, each tagged with how it is bound.

``BindingCollector`` walks one function body (or any statements) without entering nested
functions, classes or lambdas and records each binding in order as a ``Binding``: the name, its
kind (``ASSIGN``, ``ANNOTATED``, ``AUGMENTED``, ``FOR``, ``COMPREHENSION``, ``WITH``, ``EXCEPT``,
``WALRUS``, ``IMPORT``, ``DEF``, ``CLASS``, ``GLOBAL``, ``NONLOCAL``), the value it is bound to
when the statement names one, and where in an unpacking target it sits. Each codemod filters the
kinds it cares about: ``local_bindings`` (a function's parameters and the names its body binds, so
that a rebound name is not resolved through the module's imports), gather-awaits' HTTP-client
bindings, async-test-client's value sources. ``function_parameters`` gives the parameters, tagged
``PARAMETER`` or ``STAR_PARAMETER`` (``*args``/``**kwargs``).
"""

from __future__ import annotations

import libcst as cst

ASSIGN = "assign"  # x = value (each target of x = y = value)
ANNOTATED = "annotated"  # x: T = value / x: T
AUGMENTED = "augmented"  # x += value
FOR = "for"  # for x in iterable
COMPREHENSION = "comprehension"  # [... for x in iterable]
WITH = "with"  # with item as x
EXCEPT = "except"  # except E as x
WALRUS = "walrus"  # (x := value)
IMPORT = "import"  # import x / from m import x
DEF = "def"  # def x(): ...
CLASS = "class"  # class x: ...
GLOBAL = "global"  # global x (the name is the module's, not a local)
NONLOCAL = "nonlocal"  # nonlocal x
PARAMETER = "parameter"
STAR_PARAMETER = "star-parameter"  # *args, **kwargs


class Binding:
    """One binding of ``target.value``: ``kind``; ``value``, what the statement binds (the
    assigned value, the ``for``/comprehension iterable, the ``with`` item; None when it names
    none); ``path``, the (index, length) of each unpacking level the name sits in (``()`` when the
    target is the name itself: ``a, (b, c) = v`` puts ``c`` at ``((1, 2), (1, 2))``); ``node``,
    the statement or expression that binds (the ``Assign``, ``Param``, ``Global``...)."""

    __slots__ = ("kind", "node", "path", "target", "value")

    def __init__(
        self,
        target: cst.Name,
        kind: str,
        value: cst.BaseExpression | None,
        node: cst.CSTNode,
        path: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self.target, self.kind, self.value, self.node, self.path = target, kind, value, node, path

    @property
    def name(self) -> str:
        return self.target.value

    @property
    def whole(self) -> bool:
        """The target is the name itself, not a part of an unpacking."""
        return not self.path


def target_names(target: cst.BaseExpression | None) -> list[str]:
    """The names an assignment target binds (``a, *b`` -> ``["a", "b"]``; none for ``x.y``)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in target_names(el.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def written_targets(target: cst.BaseExpression | None) -> list[cst.Attribute | cst.Subscript]:
    """The attribute and subscript targets in an assignment target (``a.b, c[0] = v``): objects
    written into, where ``target_names`` gives the names bound."""
    if isinstance(target, (cst.Attribute, cst.Subscript)):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [t for el in target.elements for t in written_targets(el.value)]
    if isinstance(target, cst.StarredElement):
        return written_targets(target.value)
    return []


class BindingCollector(cst.CSTVisitor):
    """Every binding of one scope, in the order of the code (``bindings``); nested functions,
    classes and lambdas are not entered (their names are bound, as ``DEF``/``CLASS``)."""

    def __init__(self) -> None:
        self.bindings: list[Binding] = []

    def _target(
        self,
        node: cst.BaseExpression,
        kind: str,
        value: cst.BaseExpression | None,
        owner: cst.CSTNode,
        path: tuple[tuple[int, int], ...] = (),
    ) -> None:
        if isinstance(node, cst.Name):
            self.bindings.append(Binding(node, kind, value, owner, path))
        elif isinstance(node, (cst.Tuple, cst.List)):
            n = len(node.elements)
            for i, el in enumerate(node.elements):
                self._target(el.value, kind, value, owner, (*path, (i, n)))
        elif isinstance(node, cst.StarredElement):
            self._target(node.value, kind, value, owner, path)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._target(t.target, ASSIGN, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, ANNOTATED, node.value, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, AUGMENTED, node.value, node)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, FOR, node.iter, node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._target(node.target, COMPREHENSION, node.iter, node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name, WITH, node.item, node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._target(node.name.name, EXCEPT, None, node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target, WALRUS, node.value, node)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self._target(alias.asname.name, IMPORT, None, node)
            else:  # ``import a.b`` binds ``a``
                head: cst.BaseExpression = alias.name
                while isinstance(head, cst.Attribute):
                    head = head.value
                self._target(head, IMPORT, None, node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self._target(alias.asname.name if alias.asname else alias.name, IMPORT, None, node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.bindings.append(Binding(node.name, DEF, None, node))
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.bindings.append(Binding(node.name, CLASS, None, node))
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.bindings.append(Binding(item.name, GLOBAL, None, node))

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.bindings.append(Binding(item.name, NONLOCAL, None, node))


def value_source(binding: Binding) -> tuple[str, cst.BaseExpression | None]:
    """How ``binding`` gives its name a value a codemod can follow: ``("expr", value)`` for the name
    assigned a value (``=``, ``:=``, annotated with a value), ``("pair0", value)`` for the first of
    two names unpacked from it, ``("iter", iterable)`` for a ``for``/comprehension target,
    ``("other", None)`` otherwise."""
    if binding.kind in (ASSIGN, WALRUS, ANNOTATED) and binding.value is not None:
        if binding.whole:
            return "expr", binding.value
        if binding.path == ((0, 2),):
            return "pair0", binding.value
    elif binding.kind in (FOR, COMPREHENSION) and binding.whole:
        return "iter", binding.value
    return "other", None


def collect_bindings(node: cst.CSTNode) -> list[Binding]:
    """The bindings of the scope ``node`` is the body (or a statement) of."""
    collector = BindingCollector()
    node.visit(collector)
    return collector.bindings


def function_parameters(func: cst.FunctionDef) -> list[Binding]:
    """The parameters of ``func`` (positional-only, plain, keyword-only, then ``*args`` and
    ``**kwargs`` as ``STAR_PARAMETER``)."""
    params = func.params
    out = [
        Binding(p.name, PARAMETER, None, p)
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    ]
    out.extend(
        Binding(p.name, STAR_PARAMETER, None, p)
        for p in (params.star_arg, params.star_kwarg)
        if isinstance(p, cst.Param)
    )
    return out


# The kinds ``local_bindings`` counts: comprehension targets live in the comprehension's scope and
# ``nonlocal`` names in the enclosing function's; ``global`` takes a name back out (see below).
_LOCAL_KINDS = frozenset({ASSIGN, ANNOTATED, AUGMENTED, FOR, WITH, EXCEPT, WALRUS, IMPORT, DEF, CLASS})


def local_bindings(func: cst.FunctionDef) -> set[str]:
    """Names a function binds locally: its parameters and everything assigned in its body. A
    ``global x`` drops ``x`` as far as it has been bound before it (a later binding counts)."""
    return local_names(func, collect_bindings(func.body))


def local_names(func: cst.FunctionDef, bindings: list[Binding]) -> set[str]:
    """``local_bindings(func)`` from the bindings of its body, already collected."""
    names = {b.name for b in function_parameters(func)}
    for b in bindings:
        if b.kind in _LOCAL_KINDS:
            names.add(b.name)
        elif b.kind == GLOBAL:
            names.discard(b.name)
    return names
