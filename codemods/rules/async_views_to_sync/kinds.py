"""What names and expressions in a view are: the request, a queryset, a model instance, a session, a cache."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, local_bindings
from codemods.analysis import bindings as b
from codemods.knowledge import orm
from codemods.knowledge.orm import LAZY_METHODS, MANAGER_ATTRS

# Methods whose awaited result is a model instance (for ``obj = await ...; await obj.asave()``),
# or a pair whose first item is one.
INSTANCE_RESULTS = orm.names(orm.QUERYSET, orm.USER_MANAGER, returns=orm.OBJECT)
PAIR_RESULTS = orm.names(orm.QUERYSET, returns=orm.PAIR)


class _Assignments:
    """Name -> the values bound to it in one function body (not nested scopes); for/comp targets
    are recorded as ``("iter", iterable)``, tuple unpacking of a value as ``("pair0", value)`` for
    its first name. Read from the shared collector (``analysis.bindings``): imports, ``global``
    and ``nonlocal`` are not followed here, nor an annotation without a value."""

    FOLLOWED = frozenset({b.ASSIGN, b.ANNOTATED, b.FOR, b.COMPREHENSION})
    SKIPPED = frozenset({b.IMPORT, b.GLOBAL, b.NONLOCAL})

    def __init__(self) -> None:
        self.values: dict[str, list[tuple[str, cst.BaseExpression]]] = {}
        self.other: set[str] = set()  # bound in ways we do not follow (with-as, except, walrus ...)

    def add(self, body: cst.CSTNode) -> None:
        for binding in b.collect_bindings(body):
            if binding.kind in self.SKIPPED or (binding.kind == b.ANNOTATED and binding.value is None):
                continue
            how = self._how(binding)
            if how is None:
                self.other.add(binding.name)
            else:
                assert binding.value is not None
                self.values.setdefault(binding.name, []).append((how, binding.value))

    def _how(self, binding: b.Binding) -> str | None:
        if binding.kind not in self.FOLLOWED:
            return None
        iterated = binding.kind in (b.FOR, b.COMPREHENSION)
        if binding.whole:
            return "iter" if iterated else "value"
        if not iterated and len(binding.path) == 1 and binding.path[0][0] == 0:
            return "pair0"
        return None


class Kinds:
    """What an expression in a view is: "request", "queryset" (manager or QuerySet), "instance"
    (model instance), "session", "cache", or None (unknown)."""

    def __init__(
        self, func: cst.FunctionDef, imports: ImportTable, is_method: bool, module_names: frozenset[str] = frozenset()
    ) -> None:
        self.imports = imports
        self.module_names = module_names  # bound at module level other than by imports
        self.shadowed = local_bindings(func)
        params = [*func.params.posonly_params, *func.params.params]
        self.self_name = params[0].name.value if is_method and params else None
        request_index = 1 if is_method else 0
        self.request_name = params[request_index].name.value if len(params) > request_index else None
        scan = _Assignments()
        scan.add(func.body)
        self.values = scan.values
        self.other = scan.other
        self._busy: set[str] = set()

    def _qualify(self, node: cst.BaseExpression) -> str:
        return self.imports.qualify(node, self.shadowed) or ""

    def _is_model_class(self, node: cst.BaseExpression) -> bool:
        qualified = self._qualify(node)
        parts = qualified.split(".")
        return len(parts) > 2 and "models" in parts[:-1] and not qualified.startswith("django.db.")

    def of_name(self, name: str) -> str | None:
        if name == self.request_name and name not in self.values and name not in self.other:
            return "request"
        if name in self.other or name not in self.values:
            return None
        if name in self._busy:
            return "cycle"  # `qs = qs.filter(...)`: decided by the name's other bindings
        self._busy.add(name)
        try:
            kinds = {self._bound(how, value) for how, value in self.values[name]} - {"cycle"}
        finally:
            self._busy.discard(name)
        return kinds.pop() if len(kinds) == 1 else None

    def _bound(self, how: str, value: cst.BaseExpression) -> str | None:
        if how == "iter":
            return "instance" if self.of(value) == "queryset" or self.is_aiterator(value) else None
        if isinstance(value, cst.Await) and isinstance(value.expression, cst.Call):
            call = value.expression
            func = call.func
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                receiver = self.of(func.value)
                if method == "auser" and receiver == "request":
                    return "instance" if how == "value" else None
                if receiver == "queryset":
                    if method in INSTANCE_RESULTS and how == "value":
                        return "instance"
                    if method in PAIR_RESULTS and how == "pair0":
                        return "instance"
                return None
            if self._qualify(func) == "django.shortcuts.aget_object_or_404" and how == "value":
                return "instance"
            return None
        if how != "value":
            return None
        if isinstance(value, cst.Call) and self._is_model_class(value.func):
            return "instance"
        return self.of(value)

    def is_aiterator(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "aiterator"
            and self.of(node.func.value) == "queryset"
        )

    def of(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Name):
            if self._qualify(node) == "django.core.cache.cache":
                return "cache"
            return self.of_name(node.value)
        if isinstance(node, cst.Attribute):
            attr = node.attr.value
            if self.self_name and isinstance(node.value, cst.Name) and node.value.value == self.self_name:
                if attr == "request":
                    return "request"
                if attr == "object":
                    return None
            if attr in MANAGER_ATTRS:
                return "queryset"
            base = self.of(node.value)
            if base == "request":
                return {"session": "session", "user": "instance"}.get(attr)
            if base == "instance":
                return "queryset"  # a related manager
            if self._is_model_class(node.value):
                return "queryset"  # a custom manager on a model class
            return None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            attr = node.func.attr.value
            if attr in LAZY_METHODS:
                base = self.of(node.func.value)
                return base if base in ("queryset", "cycle") else None
            if (
                attr == "get_queryset"
                and self.self_name
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value == self.self_name
            ):
                return "queryset"
            return None
        if isinstance(node, cst.Subscript) and self._qualify(node.value) == "django.core.cache.caches":
            return "cache"
        return None
