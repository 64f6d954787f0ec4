"""The policy: which calls gather-awaits knows to be free of ordering effects; every other call keeps its order.

Known free: an HTTP GET/HEAD/OPTIONS on a known client, an async ORM read, a function of the
project read and found to call only such things (the calls it makes, awaited or not, are judged the
same way; see ``knowledge.effects_gather`` for the plain computations allowed), and a call the user
declares (option ``effect-free``: qualified names or fnmatch patterns). ``Judge`` answers for one
call; the answer is a description of what is unknown (``"billing.charge_card()"``), or None.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libcst as cst

from codemods import project as _disk
from codemods.analysis import ImportTable, dotted_name, last_name
from codemods.knowledge.effects_gather import (
    CLIENT_SETUP,
    DATA_METHODS,
    LAZY_ORM_METHODS,
    LOGGERS,
    ORM_READ_FUNCTIONS,
    ORM_READS,
    PURE_BUILTINS,
    PURE_MODULES,
)
from codemods.knowledge.runtime import COROUTINE_WRAPPERS
from codemods.rules.gather_awaits.calls import callee_key, ordering_effect
from codemods.rules.gather_awaits.clients import ScopeBindings, http_read_receiver
from codemods.rules.gather_awaits.facts import Func, ModuleFacts
from codemods.rules.gather_awaits.project_callees import ProjectModules, import_bindings
from codemods.rules.gather_awaits.syntax import annotation_expr

OPTION = "effect-free"


def parse_patterns(value: Any) -> tuple[str, ...]:
    """The ``effect-free`` option: a list of strings (config) or one comma-separated string (``-o``)."""
    if isinstance(value, str):
        items: Any = value.split(",")
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise ValueError(
            f"gather-awaits: {OPTION} must be a list of qualified names or patterns, not {value!r}"
        )
    return tuple(p.strip() for p in items if p.strip())


def module_dotted(path: str) -> str:
    """The dotted name of the module in ``path``: its stem under the packages (folders holding an
    ``__init__.py``) above it; ``""`` without a path."""
    if not path:
        return ""
    file = Path(path).resolve()
    parts = [] if file.name == "__init__.py" else [file.stem]
    folder = file.parent
    while folder != folder.parent and _disk.path_exists(folder / "__init__.py"):
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


class ModuleContext:
    """What judging a call of one module needs: its imports, scopes, name and project modules."""

    def __init__(self, facts: ModuleFacts, project: ProjectModules | None = None) -> None:
        assert facts.module is not None
        self.facts = facts
        self.imports = ImportTable(facts.module)
        self.bindings = import_bindings(facts.module)
        self.dotted = module_dotted(facts.path)
        self.package = facts.path.endswith("__init__.py")
        self.scopes = ScopeBindings(facts.module, self.imports, facts)
        self.project = project or ProjectModules(facts.module, facts.path)

    def absolute(self, level: int, parts: tuple[str, ...]) -> str:
        if not level:
            return ".".join(parts)
        base = self.dotted.split(".") if self.dotted else []
        if not self.package:
            base = base[:-1]
        if level > 1:
            base = base[: max(0, len(base) - (level - 1))]
        return ".".join([*base, *parts])

    def qualified(self, func: cst.BaseExpression, shadowed: set[str], types: dict[str, str]) -> str | None:
        """``billing.charge_card`` for ``billing.charge_card`` (``import billing``) or ``charge_card``
        (``from billing import charge_card``); ``pkg.mod.Client.get`` for ``c.get`` with ``c``
        annotated ``Client``; ``this.module.f`` for a name of this module; None for a local."""
        name = dotted_name(func)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        tail = f".{rest}" if rest else ""
        if head in shadowed:
            return f"{types[head]}{tail}" if head in types else None
        if head in self.bindings:
            return self.absolute(*self.bindings[head]) + tail
        imported = self.imports.qualify(func)
        if imported is not None and not imported.startswith("."):
            return imported
        if isinstance(func, cst.Name) and func.value in PURE_BUILTINS:
            return name
        return f"{self.dotted}.{name}" if self.dotted else name


class Judge:
    """Whether calls are known free of ordering effects (see the module docstring); one per
    rewritten module, sharing what it learns about the functions it reads."""

    def __init__(self, declared: tuple[str, ...]) -> None:
        self.declared = declared
        self._memo: dict[int, str | None] = {}
        self._contexts: dict[int, ModuleContext] = {}

    def context(self, facts: ModuleFacts, project: ProjectModules | None = None) -> ModuleContext:
        if id(facts) not in self._contexts:
            self._contexts[id(facts)] = ModuleContext(facts, project)
        return self._contexts[id(facts)]

    def is_declared(self, qualified: str | None) -> bool:
        return qualified is not None and any(fnmatch.fnmatchcase(qualified, p) for p in self.declared)

    def call(
        self,
        mctx: ModuleContext,
        call: cst.Call,
        awaited: bool,
        shadowed: set[str],
        types: dict[str, str],
        is_client: Callable[[str], bool],
        callees: list[Func],
        owner: int | None = None,
    ) -> tuple[str, str | None] | None:
        """None if ``call`` is known free of ordering effects; else (the call as the user would
        declare it, ``"billing.charge_card()"``; why, when the reason lies inside a function read)."""
        func = call.func
        qualified = mctx.qualified(func, shadowed, types) if not isinstance(func, cst.Call) else None
        shown = f"{qualified or dotted_name(func) or last_name(func) or 'the call'}()"
        # an object of unknown type is matched by the call's text (``self.api.get_rates``)
        declared = self.is_declared(qualified or (dotted_name(func) if not isinstance(func, cst.Call) else None))
        callees = proving(call, callees, shadowed, owner)
        if callees:
            # a declaration covers what the analysis cannot see, not a write it found
            for fn in callees:
                why = self.function(fn)
                if why is not None and not (declared and fn.writes is None):
                    return shown, why
            return None
        if declared:
            return None
        if isinstance(func, cst.Name) and func.value in PURE_BUILTINS and func.value not in shadowed:
            return None
        if qualified is not None:
            if qualified in CLIENT_SETUP or qualified in ORM_READ_FUNCTIONS:
                return None
            if any(qualified == m or qualified.startswith(m + ".") for m in PURE_MODULES):
                return None
            if qualified.startswith("asyncio.") and (
                last_name(func) in COROUTINE_WRAPPERS
                or (last_name(func) == "sleep" and ordering_effect(call) is None)
            ):
                return None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if last_name(func.value) in LOGGERS:
                return None
            if awaited:
                receiver = http_read_receiver(call)
                if (receiver is not None and is_client(receiver)) or method in ORM_READS:
                    return None
            elif method in DATA_METHODS or method in LAZY_ORM_METHODS:
                return None
        return shown, None

    def function(self, fn: Func) -> str | None:
        """None if everything ``fn`` does is known free of ordering effects; else why not
        (``"it calls thirdparty.fetch()"``). Recursion counts as free (nothing new happens)."""
        key = id(fn)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None
        why = fn.writes
        if why is None and fn.facts is not None and fn.facts.module is not None and fn.node is not None:
            mctx = self.context(fn.facts)
            shadowed = fn.locals | set(fn.params)
            types = annotated_types(mctx, fn.node)
            why = self.around(mctx, fn, shadowed, types)
        if why is None and fn.facts is not None and fn.facts.module is not None and fn.node is not None:
            for call, awaited in fn.body_calls:
                key2 = callee_key(call)
                found = fn.facts.callees(*key2) if key2 else []
                found = found + mctx.project.callees(call, shadowed)
                verdict = self.call(
                    mctx, call, awaited, shadowed, types,
                    lambda n: mctx.scopes.client_in(n, fn.node, n in shadowed), found, fn.owner,
                )
                if verdict is not None:
                    shown, inner = verdict
                    why = inner or f"it calls {shown}"
                    break
        elif why is None and (fn.facts is None or fn.facts.module is None or fn.node is None):
            why = "it could not be read"
        self._memo[key] = why
        return why

    def around(self, mctx: ModuleContext, fn: Func, shadowed: set[str], types: dict[str, str]) -> str | None:
        """Why what wraps or suspends ``fn`` besides its calls is not known free: a decorator
        (its wrapper runs at each call), ``await`` of something other than a call (a future, an
        event: set by other tasks), ``async with`` other than a client or a known HTTP read
        (a lock...), ``async for`` other than over a QuerySet (a stream, a cursor...)."""
        assert fn.node is not None
        for dec in fn.node.decorators:
            expr = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
            name = dotted_name(expr)
            if name in ("staticmethod", "classmethod"):
                continue
            if not self.is_declared(mctx.qualified(expr, shadowed, types) or name):
                return f"it is decorated with @{name or 'an expression'}, whose wrapper is not read"
        for what, expr in fn.awaited_other:
            text = dotted_name(expr.func if isinstance(expr, cst.Call) else expr) or "an expression"
            if what == "async for" and _queryset(expr):
                continue
            if what == "async with" and isinstance(expr, cst.Call):
                continue  # judged with the calls (a client made, a GET on a known client)
            return f"it uses {what} {text}" if what != "await" else f"it awaits {text}, which is not a call"
        return None


def _queryset(expr: cst.BaseExpression) -> bool:
    """``Model.objects``, ``Model.objects.filter(...)...``: lazy QuerySet methods on a manager."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and (
        expr.func.attr.value in LAZY_ORM_METHODS
    ):
        expr = expr.func.value
    return isinstance(expr, cst.Attribute) and expr.attr.value == "objects"


def proving(call: cst.Call, callees: list[Func], shadowed: set[str], owner: int | None) -> list[Func]:
    """The callees that may prove ``call`` free: found by name, a method of this module is the
    callee of ``self.m()``/``cls.m()`` only, when the caller's own class (``owner``) defines
    ``m`` (else it comes from a base class elsewhere; ``api.m()`` on an object of unknown type,
    ``super().m()``, may be anything's ``m``), and a top-level function is not the callee of a
    name bound locally (a parameter ``load`` is not the module's ``load``). Writes are still
    looked for in all of them."""
    func = call.func
    if isinstance(func, cst.Attribute):
        receiver = func.value
        own = isinstance(receiver, cst.Name) and receiver.value in ("self", "cls") and owner is not None and any(
            fn.method and fn.owner == owner for fn in callees
        )
        return callees if own else [fn for fn in callees if not fn.method]
    if isinstance(func, cst.Name) and func.value in shadowed:
        return [fn for fn in callees if not fn.top_level]
    return callees


SELF_TYPES = frozenset({"typing.Self", "typing_extensions.Self"})


def annotated_types(mctx: ModuleContext, node: cst.FunctionDef) -> dict[str, str]:
    """Parameters annotated with a class, by the class's qualified name (``api: Client``)."""
    out: dict[str, str] = {}
    params = node.params
    for p in (*params.posonly_params, *params.params, *params.kwonly_params):
        ann = annotation_expr(p.annotation)
        if ann is not None:
            q = mctx.qualified(ann, set(), {})
            if q is not None and q not in SELF_TYPES:  # ``self: "Self"`` names no class
                out[p.name.value] = q
    return out
