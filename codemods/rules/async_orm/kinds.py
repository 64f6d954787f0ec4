"""Kinds room: what an expression of one async function is, as far as it is known to be Django's ORM.

Known: a model class (imported from a ``models`` module, or a class of this file deriving from
``Model``); its managers (``Product.objects``); a queryset got from one through lazy methods
(``filter``, ``order_by`` ...), or a slice of it; ``qs.iterator()``; a model instance (``Product(...)``,
the result of ``get``/``first``/... or their awaited twins, a loop variable over a queryset, the
first of ``get_or_create``'s pair, ``get_object_or_404``'s result); a related manager
(``order.tags`` for a ManyToManyField the model's source declares, ``order.item_set``). A local
name is known when every binding of it in the function says the same. Anything else is unknown:
no rewrite, and no word about it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container, Iterator

import libcst as cst

from codemods.analysis import ImportTable, dotted_name
from codemods.analysis import bindings as b
from codemods.analysis.orm import is_model_qual
from codemods.analysis.unwrap import thread_wrapped
from codemods.knowledge import orm, runtime
from codemods.project import test_setup

QS, RELATED, ITER, INST, PAIR, MODEL = "qs", "related", "iter", "inst", "pair", "model"
CYCLE = "cycle"  # ``qs = qs.filter(...)``: decided by the name's other bindings
ALL = None  # ``loaded``: every relation (``select_related()`` without names)

# Sync names of the twins that give an instance / an (instance, created) pair.
_GIVES_INSTANCE = orm.sync_names(orm.names(orm.QUERYSET, returns=orm.OBJECT))
_GIVES_PAIR = orm.sync_names(orm.names(orm.QUERYSET, returns=orm.PAIR))
_AWAITED_INSTANCE = orm.names(orm.QUERYSET, returns=orm.OBJECT)
_AWAITED_PAIR = orm.names(orm.QUERYSET, returns=orm.PAIR)
_LAZY = orm.LAZY_METHODS - orm.NOT_ASYNC_ITERABLE | {"get_queryset"}
WRAPPERS = (runtime.SYNC_TO_ASYNC, runtime.DATABASE_SYNC_TO_ASYNC)  # the thread wrappers looked through


@dataclasses.dataclass(frozen=True)
class Kind:
    """``what`` (one of the constants above); ``model``: the model's qualified name (None: not
    known); ``loaded``: relations the query loads with its rows (``ALL``: every one); ``fetched``:
    an instance read from the database (not built by the code)."""

    what: str
    model: str | None = None
    loaded: frozenset[str] | None = frozenset()
    fetched: bool = False

    def but(self, what: str, **changes: object) -> Kind:
        return dataclasses.replace(self, what=what, **changes)  # type: ignore[arg-type]


def _literal_names(call: cst.Call) -> frozenset[str] | None:
    """The relation names ``select_related("a", "b__c")`` loads (first segments); ALL without
    arguments or with one that is not a plain string."""
    if not call.args:
        return ALL
    out: set[str] = set()
    for arg in call.args:
        if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.SimpleString):
            return ALL
        out.add(str(arg.value.evaluated_value).split("__")[0])
    return frozenset(out)


class Models:
    """Model classes of one module: the imported ones and the file's own, with their facts."""

    def __init__(self, module: cst.Module, imports: ImportTable, path: str) -> None:
        self.imports = imports
        self.folder = test_setup.folder_of(path)
        self.module = module
        # classes of this file deriving from Model, directly or through one another (abstract bases)
        self.own: set[str] = set()
        classes = [s for s in module.body if isinstance(s, cst.ClassDef)]
        grew = True
        while grew:
            grew = False
            for stmt in classes:
                bases = {(dotted_name(base.value) or "").rpartition(".")[2] for base in stmt.bases}
                if stmt.name.value not in self.own and (bases & self.own or "Model" in bases):
                    self.own.add(stmt.name.value)
                    grew = True
        self._facts: dict[str, test_setup.ModelFacts | None] = {}
        # A class of a ``models`` module whose source is not in the project (an installed app's,
        # or another library's: ``transformers.models.bert.BertModel``) is taken for a model when
        # the code reaches it through a manager (``X.objects``: Django's); as a class called to build
        # an instance (``verified``), only under ``trust_unread`` (the pass that finds what would be
        # rewritten if it were one). Those refused are in ``unread``.
        self.trust_unread = False
        self.unread: set[str] = set()

    def qual(self, node: cst.BaseExpression, shadowed: Container[str], verified: bool = False) -> str | None:
        if isinstance(node, cst.Name) and node.value in self.own and node.value not in shadowed:
            return node.value  # a class of this file: its bare name
        qual = self.imports.qualify(node, shadowed, is_model_qual)
        if qual is None:
            return None
        facts = self.facts(qual)
        if verified and facts is None and not qual.startswith("django.") and not self.trust_unread:
            self.unread.add(qual)
            return None
        if facts is not None and (not facts.bases or set(facts.bases) <= orm.NOT_MODEL_BASES):
            return None  # the models module defines it, and not as a model
        return qual

    def facts(self, qual: str) -> test_setup.ModelFacts | None:
        if qual not in self._facts:
            if "." not in qual:
                self._facts[qual] = test_setup.class_facts(self.module.code, qual)
            else:
                self._facts[qual] = test_setup.model_class_facts(self.folder, qual)
        return self._facts[qual]


class _Shadowed:
    def __init__(self, kinds: Kinds) -> None:
        self.kinds = kinds

    def __contains__(self, name: object) -> bool:
        return name in self.kinds._collect()[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self.kinds._collect()[0])


class Kinds:
    """The kinds of one async function's expressions (``of``), from its own bindings."""

    def __init__(self, func: cst.FunctionDef, models: Models, method: bool = False) -> None:
        self.models = models
        self.func = func
        positional = [*func.params.posonly_params, *func.params.params]
        # the request: ``request``, the first parameter of a function (the second of a method),
        # and ``self.request`` in a method; neither rebound in the body
        self.self_name = positional[0].name.value if method and positional else None
        at = 1 if method else 0
        self.request_name = (
            "request" if len(positional) > at and positional[at].name.value == "request" else None
        )
        self._bindings: tuple[set[str], set[str], dict[str, list[tuple[str, cst.BaseExpression | None]]]] | None = None
        self._busy: set[str] = set()

    def _collect(self) -> tuple[set[str], set[str], dict[str, list[tuple[str, cst.BaseExpression | None]]]]:
        # The function's bindings, collected when first asked for: most async functions of a
        # module hold no ORM call to ask about.
        if self._bindings is None:
            values: dict[str, list[tuple[str, cst.BaseExpression | None]]] = {}
            bindings = b.collect_bindings(self.func.body)
            for binding in bindings:
                values.setdefault(binding.name, []).append(b.value_source(binding))
            params = {p.name for p in b.function_parameters(self.func)}
            self._bindings = (b.local_names(self.func, bindings), params, values)
        return self._bindings

    @property
    def shadowed(self) -> _Shadowed:
        """The names the function binds, for ``in`` tests: collected at the first such test (an
        import table asks only about the names it holds)."""
        return _Shadowed(self)

    @property
    def params(self) -> set[str]:
        return self._collect()[1]

    @property
    def values(self) -> dict[str, list[tuple[str, cst.BaseExpression | None]]]:
        return self._collect()[2]

    def is_request(self, node: cst.BaseExpression) -> bool:
        """``request`` (the request parameter) or ``self.request`` of a method."""
        if isinstance(node, cst.Name):
            return node.value == self.request_name and node.value not in self.values
        return (
            isinstance(node, cst.Attribute)
            and node.attr.value == "request"
            and isinstance(node.value, cst.Name)
            and self.self_name is not None
            and node.value.value == self.self_name
            and self.self_name not in self.values
        )

    def is_request_user(self, node: cst.CSTNode) -> bool:
        """``request.user`` / ``self.request.user`` on the request (see ``is_request``)."""
        return (
            isinstance(node, cst.Attribute)
            and node.attr.value == orm.REQUEST_USER_ATTR
            and self.is_request(node.value)
        )

    def model_of(self, node: cst.BaseExpression) -> str | None:
        return self.models.qual(node, self.shadowed)

    def of(self, node: cst.BaseExpression) -> Kind | None:
        if isinstance(node, cst.Name):
            return self._name(node.value)
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Await) and isinstance(node.expression, cst.Call):
            return self._awaited(node.expression)
        if isinstance(node, cst.Subscript):
            base = self.of(node.value)
            if base is not None and base.what == QS and is_plain_slice(node):
                return base
        return None

    def _name(self, name: str) -> Kind | None:
        if name not in self.values:
            if name in self.params:
                return None
            model = self.models.qual(cst.Name(name), self.shadowed)
            return Kind(MODEL, model) if model is not None else None
        if name in self._busy:
            return Kind(CYCLE)
        self._busy.add(name)
        try:
            kinds = set()
            for how, value in self.values[name]:
                kinds.add(self._bound(how, value))
        finally:
            self._busy.discard(name)
        cycled = any(k is not None and k.what == CYCLE for k in kinds)
        kinds = {k for k in kinds if k is None or k.what != CYCLE}
        if name in self.params or len(kinds) != 1:
            return None
        found = kinds.pop()
        # a queryset narrowed in a cycle (``qs = qs.select_related(...)``) may load anything
        return found.but(found.what, loaded=ALL) if found is not None and cycled else found

    def _bound(self, how: str, value: cst.BaseExpression | None) -> Kind | None:
        if value is None:
            return None
        k = self.of(value)
        if how == "expr":
            return None if k is not None and k.what == PAIR else k
        if how == "pair0":
            return k.but(INST) if k is not None and k.what == PAIR else None
        if how == "iter" and k is not None and k.what in (QS, ITER):
            return k.but(INST, fetched=True)
        return None

    def _attribute(self, node: cst.Attribute) -> Kind | None:
        attr = node.attr.value
        model = self.model_of(node.value)
        if model is not None:
            return Kind(QS, model) if attr in orm.MANAGER_ATTRS else None
        base = self.of(node.value)
        if base is None or base.what != INST:
            return None
        if attr.endswith("_set"):
            return Kind(RELATED)
        facts = self.models.facts(base.model) if base.model else None
        if facts is not None and attr in facts.many:
            return Kind(RELATED)
        return None

    def _call(self, node: cst.Call) -> Kind | None:
        func = node.func
        model = self.models.qual(func, self.shadowed, verified=True)
        if model is not None:
            return Kind(INST, model, loaded=ALL)  # built by the code: its relations are what it set
        qual = self.models.imports.qualify(func, self.shadowed, orm.SYNC_INSTANCE_FUNCTIONS.__contains__)
        if qual in orm.SYNC_INSTANCE_FUNCTIONS:
            return self._shortcut_instance(node)
        if not isinstance(func, cst.Attribute):
            return None
        base = self.of(func.value)
        if base is not None and base.what == CYCLE:
            return base if func.attr.value in _LAZY else None
        if base is None or base.what not in (QS, RELATED):
            return None
        name = func.attr.value
        return self._method_result(base, name, node)

    def _method_result(self, base: Kind, name: str, node: cst.Call) -> Kind | None:
        if name in _LAZY:
            if name in orm.LOADING_METHODS:
                names = _literal_names(node)
                loaded = ALL if names is ALL or base.loaded is ALL else base.loaded | names
                return base.but(QS, loaded=loaded)
            return base.but(QS)
        if name in orm.ITERATORS:
            return base.but(ITER)
        if name in _GIVES_INSTANCE:
            return base.but(INST, fetched=name != "create")
        if name in _GIVES_PAIR:
            return base.but(PAIR, fetched=True)
        return None

    def _awaited(self, call: cst.Call) -> Kind | None:
        wrapped = thread_wrapped(call, self.models.imports, self.shadowed, WRAPPERS)
        if wrapped is not None:  # ``await sync_to_async(Product.objects.get)(pk=1)``: what get gives
            target = wrapped.target
            if isinstance(target, cst.Lambda):
                return self._call(target.body) if isinstance(target.body, cst.Call) else None
            return self._call(cst.Call(func=target, args=list(wrapped.given)))
        func = call.func
        qual = self.models.imports.qualify(func, self.shadowed, _is_async_shortcut)
        if qual is not None:
            return self._shortcut_instance(call)
        if not isinstance(func, cst.Attribute):
            return None
        base = self.of(func.value)
        if base is None or base.what not in (QS, RELATED):
            return None
        name = func.attr.value
        if name in _AWAITED_INSTANCE:
            return base.but(INST, fetched=name != "acreate")
        if name in _AWAITED_PAIR:
            return base.but(PAIR, fetched=True)
        return None

    def _shortcut_instance(self, call: cst.Call) -> Kind | None:
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        first = call.args[0].value
        model = self.model_of(first)
        if model is not None:
            return Kind(INST, model, fetched=True)
        k = self.of(first)
        return k.but(INST, fetched=True) if k is not None and k.what in (QS, RELATED) else None

    def relations(self, kind: Kind) -> frozenset[str]:
        """The ForeignKey/OneToOneField names of an instance's model its source declares."""
        facts = self.models.facts(kind.model) if kind.model else None
        return facts.relations if facts is not None else frozenset()

    def manager_methods(self, model: str | None) -> tuple[bool, frozenset[str] | None]:
        """(the model's source was read, the methods its ``objects`` manager defines or None)."""
        facts = self.models.facts(model) if model else None
        if facts is None:
            return False, frozenset()
        return True, facts.managers


def is_plain_slice(node: cst.Subscript) -> bool:
    """``qs[a:b]`` (no step): a lazy queryset, not an evaluation."""
    return (
        len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Slice)
        and node.slice[0].slice.step is None
    )


def _is_async_shortcut(qual: str) -> bool:
    return qual.rpartition(".")[2] == "aget_object_or_404" and qual.startswith("django.")
