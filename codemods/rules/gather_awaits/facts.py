"""The facts of a module's functions: what each reads, writes, mutates and calls, propagated through calls."""

from __future__ import annotations

from typing import Any

import libcst as cst

from codemods.analysis import local_bindings
from codemods.analysis.unwrap import named_sync_to_async
from codemods.knowledge.effects import MUTATORS
from codemods.rules.gather_awaits.calls import callee_key, ordering_effect, write_effect
from codemods.rules.gather_awaits.syntax import base_of, names_in


class Func:
    """What one function of this module (or of a project module it imports, see ``origin``) does
    to its parameters and the world."""

    def __init__(self, name: str, params: cst.Parameters, method: bool) -> None:
        self.name = name
        self.positional = [x.name.value for x in [*params.posonly_params, *params.params]]
        self.star = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None
        self.kwstar = params.star_kwarg.name.value if params.star_kwarg is not None else None
        self.params = [*self.positional, *(x.name.value for x in params.kwonly_params)]
        self.params += [x for x in (self.star, self.kwstar) if x]
        self.method = method
        self.owner: int | None = None  # id of the class a method is defined in
        self.top_level = False  # a def directly in the module (not in a class or function)
        self.origin: str | None = None  # the dotted module it comes from; None: this module
        self.mutated: set[str] = set()
        self.mutated_other: set[str] = set()
        self._locals: set[str] | None = None
        self.node: cst.FunctionDef | None = None
        self.nested_reads: set[str] = set()  # names read in functions/lambdas nested in it
        self.declared: set[str] = set()  # global/nonlocal names
        self.writes: str | None = None
        # every call made in its body, with whether it is awaited (judged by ``effect_free``)
        self.body_calls: list[tuple[cst.Call, bool]] = []
        self.facts: ModuleFacts | None = None  # the facts of the module defining it
        # what it awaits besides calls: ``await fut``, ``async with x``, ``async for y in x``
        self.awaited_other: list[tuple[str, cst.BaseExpression]] = []
        # calls made in the body: (callee key, call) for the fixpoint
        self.calls: list[tuple[str, bool, cst.Call]] = []
        # functions of other project modules it calls (filled in only when needed)
        self.project_calls: list[tuple[Func, cst.Call]] = []

    @property
    def locals(self) -> set[str]:
        """Names the function binds, parameters excepted (computed when first needed)."""
        if self._locals is None:
            assert self.node is not None
            self._locals = local_bindings(self.node) - set(self.params)
        return self._locals


class ModuleFacts(cst.CSTVisitor):
    """One pass over the module: functions and methods (mutated parameters, writes, closures)
    and every name."""

    def __init__(self) -> None:
        self.funcs: dict[str, list[Func]] = {}  # plain functions by name
        self.methods: dict[str, list[Func]] = {}  # methods by name (any class)
        self.by_node: dict[int, Func] = {}
        self.all_names: set[str] = set()
        self._stack: list[Func] = []
        self._in_class: list[bool] = [False]
        self._scopes: list[tuple[str, Any]] = []  # ("func", Func) / ("lambda", None) / ("class", node)
        self._awaited: set[int] = set()  # ids of calls directly awaited
        self.module: cst.Module | None = None  # set by whoever parsed it (for ``effect_free``)
        self.path = ""  # the file it was read from ("" : the module being rewritten)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._in_class.append(True)
        self._scopes.append(("class", node))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._in_class.pop()
        self._scopes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._scopes.append(("lambda", None))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._scopes.pop()

    def visit_Name(self, node: cst.Name) -> None:
        self.all_names.add(node.value)
        deferred = False
        for kind, fn in reversed(self._scopes):
            if kind == "func" and deferred:
                fn.nested_reads.add(node.value)
            if kind != "class":
                deferred = True

    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(id(node.expression))
        if self._stack and not isinstance(node.expression, cst.Call):
            self._stack[-1].awaited_other.append(("await", node.expression))

    def visit_With(self, node: cst.With) -> None:
        if self._stack and node.asynchronous is not None:
            for item in node.items:
                self._awaited.add(id(item.item))  # entered: judged as an awaited call
                self._stack[-1].awaited_other.append(("async with", item.item))

    def visit_For(self, node: cst.For) -> None:
        if self._stack and node.asynchronous is not None:
            self._stack[-1].awaited_other.append(("async for", node.iter))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if self._stack and node.asynchronous is not None:
            self._stack[-1].awaited_other.append(("async for", node.iter))

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        if self._stack:
            self._stack[-1].declared |= {item.name.value for item in node.names}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        method = self._in_class[-1]
        fn = Func(node.name.value, node.params, method)
        fn.node = node
        fn.facts = self
        if method and self._scopes and self._scopes[-1][0] == "class":
            fn.owner = id(self._scopes[-1][1])
        fn.top_level = not self._scopes
        self.by_node[id(node)] = fn
        for dec in node.decorators:
            d = dec.decorator
            if named_sync_to_async(d.func if isinstance(d, cst.Call) else d) is not None:
                fn.writes = "it runs in sync_to_async and may run any code"
        (self.methods if method else self.funcs).setdefault(fn.name, []).append(fn)
        self._stack.append(fn)
        self._in_class.append(False)
        self._scopes.append(("func", fn))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._stack.pop()
        self._in_class.pop()
        self._scopes.pop()

    def _hit(self, expr: cst.BaseExpression) -> None:
        if not self._stack:
            return
        fn, base = self._stack[-1], base_of(expr)
        if base is None:
            return
        if base in fn.params:
            fn.mutated.add(base)
        else:
            fn.mutated_other.add(base)  # resolved in finish(): a local, or state others may read

    def visit_Call(self, node: cst.Call) -> None:
        if not self._stack:
            return
        fn = self._stack[-1]
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in MUTATORS:
            self._hit(node.func.value)
        if fn.writes is None:
            reason = write_effect(node, sync_too=True)
            if reason is not None:
                fn.writes = f"it calls {reason}"
            elif id(node) in self._awaited:
                reason = ordering_effect(node)
                if reason is not None:
                    fn.writes = f"in it, {reason}"
        key = callee_key(node)
        if key is not None:
            fn.calls.append((*key, node))
        fn.body_calls.append((node, id(node) in self._awaited))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, (cst.Attribute, cst.Subscript)):
            self._hit(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # ``p += [x]`` extends a list in place, as ``p.x += 1`` and ``p[k] += 1`` write into p
        self._hit(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, (cst.Attribute, cst.Subscript)):
            self._hit(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
        for t in targets:
            value = t.value if isinstance(t, cst.Element) else t
            if isinstance(value, (cst.Attribute, cst.Subscript)):
                self._hit(value)

    def visit_Global(self, node: cst.Global) -> None:
        if self._stack:
            self._stack[-1].declared |= {item.name.value for item in node.names}
            if self._stack[-1].writes is None:
                self._stack[-1].writes = "it assigns a global"

    def callees(self, name: str, attribute: bool) -> list[Func]:
        return self.methods.get(name, []) if attribute else self.funcs.get(name, [])

    def finish(self) -> None:
        """Propagate writes and parameter mutations through calls between module functions."""
        every = [f for group in (*self.funcs.values(), *self.methods.values()) for f in group]
        for fn in every:
            if fn.writes is None and fn.mutated_other:
                # a module global or a variable of an enclosing function: state others may read
                # (``locals`` costs a walk of the function: only asked for when something to check)
                foreign = sorted(fn.mutated_other - fn.locals)
                if foreign:
                    fn.writes = f"it mutates {foreign[0]!r}, which it does not own"
        self.propagate(every)

    def propagate(self, every: list[Func]) -> None:
        """The fixpoint of ``finish``: writes and parameter mutations flow from callee to caller.
        Calls to functions of other project modules count once added to ``project_calls``."""
        changed = True
        while changed:
            changed = False
            for fn in every:
                pairs = [(c, call, attribute) for key, attribute, call in fn.calls
                         for c in self.callees(key, attribute)]
                pairs += [(c, call, isinstance(call.func, cst.Attribute)) for c, call in fn.project_calls]
                for callee, call, attribute in pairs:
                    if callee is fn:
                        continue
                    if fn.writes is None and callee.writes is not None:
                        where = f" of {callee.origin}" if callee.origin else ""
                        fn.writes = f"it calls {callee.name}(){where}, and {callee.writes}"
                        changed = True
                    for obj in mutated_objects(callee, call, attribute):
                        if obj in fn.params and obj not in fn.mutated:
                            fn.mutated.add(obj)
                            changed = True


def mutated_objects(fn: Func, call: cst.Call, attribute: bool) -> set[str]:
    """Base names of the objects a call to ``fn`` mutates (receiver included)."""
    if not fn.mutated:
        return set()
    out: set[str] = set()
    params = fn.positional
    offset = 0
    if attribute and fn.method:
        offset = 1
        if params and params[0] in fn.mutated and isinstance(call.func, cst.Attribute):
            base = base_of(call.func.value)
            if base:
                out.add(base)
    pos = 0
    for arg in call.args:
        if arg.star:
            if fn.mutated - set(params[:offset]):
                out |= names_in(arg.value).names
            continue
        if arg.keyword is not None:
            key = arg.keyword.value
            target = key if key in fn.params else fn.kwstar
        else:
            idx = pos + offset
            pos += 1
            target = fn.positional[idx] if idx < len(fn.positional) else fn.star
        base = base_of(arg.value)
        if (target is None or target in fn.mutated) and base:
            out.add(base)
    return out


def overlap(a: str, b: str) -> bool:
    """Dotted names of one object or of an object and one of its attributes."""
    pa, pb = a.split("."), b.split(".")
    n = min(len(pa), len(pb))
    return pa[:n] == pb[:n]


def where_defined(fn: Func) -> str:
    """``here`` (this module) or ``in shop.services`` (a project module), for messages."""
    return "here" if fn.origin is None else f"in {fn.origin}"


