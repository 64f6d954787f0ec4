"""What the names of one test body hold: bindings, ORM kinds, extra clients and sessions."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import bindings as b
from codemods.knowledge.testing import (
    CLIENT_CLASSES,
    CONTEXT_ATTRS,
    LAZY_QS,
    MANAGER_ATTRS,
    QS_TWINS_INST,
    QS_TWINS_PAIR,
    USER_TWINS,
    VALUES_QS,
)
from codemods.rules.async_test_client.models import Kind, Models

# Kinds whose values are ORM results (or may be): using one other than by a rewritten call may run
# a query synchronously.
DB_KINDS = frozenset({"qs", "values", "inst", "conflict", "ctx"})


class Env:
    """What the names of one test body refer to: model classes, querysets, model instances."""

    def __init__(
        self,
        models: Models,
        self_name: str | None,
        self_attrs: dict[str, Kind],
        shadowed: set[str],
        client_name: str | None = None,
        opaque: frozenset[str] = frozenset(),
    ) -> None:
        self.models = models
        self.self_name = self_name
        self.client_name = client_name  # pytest: the ``client`` fixture parameter
        self.opaque = opaque  # pytest fixtures whose values are unknown (maybe model instances)
        self.extra_clients: set[str] = set()  # names bound once to django.test.Client(...)
        self.client_ctors: set[cst.Call] = set()  # those Client(...) calls
        # the Name nodes they (and the sessions below) are assigned to
        self.client_targets: set[cst.Name] = set()
        self.sessions: set[str] = set()  # names bound once to <client>.session
        self.session_reads: set[cst.Attribute] = set()  # those <client>.session reads
        self.self_attrs = self_attrs
        self.shadowed = shadowed
        self.names: dict[str, Kind] = {}
        self.sources: dict[str, list[tuple[str, cst.BaseExpression | None]]] = {}
        self.assigns: list[tuple[cst.Name, cst.BaseExpression]] = []

    def kind(self, node: cst.BaseExpression) -> Kind | None:
        if isinstance(node, cst.Name):
            if node.value in self.names:
                return self.names[node.value]
            m = self.models.resolve(node, self.shadowed)
            return ("model", m) if m else None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == self.self_name:
                return self.self_attrs.get(node.attr.value)
            vk = self.kind(node.value)
            if vk is not None:
                if vk[0] == "model" and node.attr.value in MANAGER_ATTRS:
                    return ("qs", vk[1])
                return None
            m = self.models.resolve(node, self.shadowed)
            return ("model", m) if m else None
        if isinstance(node, cst.Subscript):
            if context_key(node) is not None:
                return ("ctx", None)
            vk = self.kind(node.value)
            return ("inst", vk[1]) if vk and vk[0] in ("instlist", "pair") else None
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                vk = self.kind(func.value)
                if vk is None or vk[0] not in ("qs", "values"):
                    return None
                meth = func.attr.value
                if meth in LAZY_QS:
                    return vk
                if meth in VALUES_QS:
                    return ("values", vk[1])
                if vk[0] == "values":
                    return None
                if meth in QS_TWINS_INST or meth in USER_TWINS:
                    return ("inst", vk[1])
                if meth in QS_TWINS_PAIR:
                    return ("pair", vk[1])
                if meth in ("bulk_create", "in_bulk"):
                    return ("instlist", vk[1])
                return None
            fk = self.kind(func)
            if fk is not None and fk[0] == "model":
                return ("inst", fk[1])
        return None

    def is_client(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name) and node.value in self.extra_clients:
            return True
        if self.client_name is not None:
            return isinstance(node, cst.Name) and node.value == self.client_name
        return is_self_client(node, self.self_name)

    def find_clients(self) -> None:
        """``c = Client(...)`` statements (``c`` bound nowhere else) make ``c`` a client to rewrite."""
        for target, call in self.assigns:
            if not (isinstance(call, cst.Call) and self.is_client_class(call.func)):
                continue
            if len(self.sources.get(target.value, ())) == 1:
                self.extra_clients.add(target.value)
                self.client_ctors.add(call)
                self.client_targets.add(target)

    def find_sessions(self) -> None:
        """``s = <client>.session`` (``s`` bound nowhere else): ``s`` is that client's session."""
        for target, attr in self.assigns:
            if not (isinstance(attr, cst.Attribute) and attr.attr.value == "session" and self.is_client(attr.value)):
                continue
            if len(self.sources.get(target.value, ())) == 1:
                self.sessions.add(target.value)
                self.session_reads.add(attr)
                self.client_targets.add(target)

    def is_client_class(self, node: cst.BaseExpression) -> bool:
        return self.models.imports.qualify(node, self.shadowed) in CLIENT_CLASSES

    def bind(self, body: cst.CSTNode, params: list[str], known: dict[str, Kind] | None = None) -> None:
        collector = Bindings()
        collector.add(body)
        self.sources = collector.sources
        self.assigns = collector.assigns
        self.shadowed = self.shadowed | set(collector.sources) | set(params)
        for p in params:
            collector.sources.setdefault(p, []).append(("other", None))
        known = known or {}
        for _ in range(4):
            new: dict[str, Kind] = {}
            for name, sources in collector.sources.items():
                kinds = {self._source_kind(how, expr) for how, expr in sources}
                if len(kinds) == 1:
                    (k,) = kinds
                    if k is not None:
                        new[name] = k
                elif any(k is not None and k[0] in DB_KINDS for k in kinds):
                    new[name] = ("conflict", None)
            for name, k in known.items():
                new[name] = k if len(collector.sources.get(name, ())) <= 1 else ("conflict", None)
            if new == self.names:
                break
            self.names = new

    def _source_kind(self, how: str, expr: cst.BaseExpression | None) -> Kind | None:
        if expr is None:
            return None
        k = self.kind(expr)
        if k is None:
            return None
        if how == "expr":
            return k
        if how == "iter":
            if k[0] in ("qs", "instlist"):
                return ("inst", k[1])
            return None
        if how == "pair0":
            return ("inst", k[1]) if k[0] == "pair" else None
        return None


class Bindings:
    """name -> where its values come from, in one function body (comprehensions included): the
    shared collector's bindings (``analysis.bindings``; ``global``/``nonlocal`` do not bind here),
    each as ``(how, expr)``: ``("expr", value)`` for a name assigned a value (``=``, ``:=``,
    annotated with a value), ``("pair0", value)`` for the first of two names unpacked from it,
    ``("iter", iterable)`` for a ``for``/comprehension target, ``("other", None)`` otherwise."""

    def __init__(self) -> None:
        self.sources: dict[str, list[tuple[str, cst.BaseExpression | None]]] = {}
        self.assigns: list[tuple[cst.Name, cst.BaseExpression]] = []  # ``name = value`` statements

    def add(self, body: cst.CSTNode) -> None:
        for binding in b.collect_bindings(body):
            if binding.kind in (b.GLOBAL, b.NONLOCAL):
                continue
            how, expr = b.value_source(binding)
            self.sources.setdefault(binding.name, []).append((how, expr))
            node = binding.node
            if binding.kind == b.ASSIGN and binding.whole:
                assert isinstance(node, cst.Assign)
                if len(node.targets) == 1:
                    self.assigns.append((binding.target, node.value))


def is_self_client(node: cst.BaseExpression, self_name: str | None) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "client"
        and isinstance(node.value, cst.Name)
        and node.value.value == self_name
    )


def context_key(node: cst.Subscript) -> str | None:
    """``key`` for ``<x>.context["key"]`` / ``<x>.context_data["key"]``."""
    value = node.value
    if isinstance(value, cst.Attribute) and value.attr.value in CONTEXT_ATTRS and len(node.slice) == 1:
        idx = node.slice[0].slice
        if isinstance(idx, cst.Index) and isinstance(idx.value, cst.SimpleString):
            key = idx.value.evaluated_value
            return key if isinstance(key, str) else None
    return None

