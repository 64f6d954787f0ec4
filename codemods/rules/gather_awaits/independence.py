"""The independence analysis of a run: which statements must keep their place, and which two conflict.

``Independence.barrier`` says why one statement must keep its place with respect to every other
await (a write, a synchronisation, a name others read...); ``Independence.conflict`` why two
statements cannot run together (a data dependency, a mutated or shared object, one receiver).
Both answer with a ``Problem``. The calls are resolved to the functions they may run: of this
module (``facts``), or of a project module it imports (``project_callees``).
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis import dotted_name, last_name
from codemods.analysis.unwrap import named_sync_to_async
from codemods.knowledge.effects import IMMUTABLE_TYPES
from codemods.knowledge.effects_gather import (
    BUILTIN_NAMES,
    CONFIG_OBJECTS,
    ORM_READ_FUNCTIONS,
    ORM_READS,
    POST_METHODS,
    SEQUENTIAL_RECEIVERS,
)
from codemods.problems import Problem
from codemods.rules.gather_awaits.calls import callee_key, ordering_effect, write_effect
from codemods.rules.gather_awaits.clients import KnownClients
from codemods.rules.gather_awaits.effect_free import Judge, annotated_types
from codemods.rules.gather_awaits.facts import Func, mutated_objects, overlap, where_defined
from codemods.rules.gather_awaits.project_callees import ProjectModules
from codemods.rules.gather_awaits.scopes import Frame, Site
from codemods.rules.gather_awaits.statements import Stmt
from codemods.rules.gather_awaits.syntax import annotation_expr, base_of, short


class Independence:
    """What the statements of a run do and share, judged in the frames of the walk (``site``)."""

    def __init__(self, site: Site, path: str, declared: tuple[str, ...] = ()) -> None:
        self.site = site
        self.frames = site.frames
        self.facts = site.facts
        self.project = ProjectModules(site.module, path)
        self.clients = KnownClients(site)
        self._followed: set[int] = set()  # ids of the module functions already followed
        self._module_imports: set[str] | None = None
        self.judge = Judge(declared)

    # --- one statement --------------------------------------------------------------
    def barrier(self, s: Stmt, frame: Frame) -> Problem | None:
        """Why this statement must keep its place with respect to every other await."""
        func = s.call.func
        if isinstance(func, cst.Attribute) and last_name(func.value) in SEQUENTIAL_RECEIVERS:
            return Problem(
                "test-client",
                "order-sensitive: a Django test client request runs the app in-process and shares "
                "cookies, session and database with the next one",
            )
        if isinstance(s.call.func, cst.Call) and write_effect(s.call) is None:
            return Problem("opaque-call", "order kept: cannot tell what the awaited call does")
        # the awaited call, and calls in its arguments (``client.get(url_for(o))``)
        for call in s.calls:
            if isinstance(call.func, cst.Call) and named_sync_to_async(call.func.func) is not None:
                # a function run in a thread: unknown, not known to write
                return Problem("opaque-call", f"order kept: cannot tell what {short(call.func)}(...) does")
            reason = write_effect(call)
            if reason is not None:
                return Problem("write", f"order-sensitive write: {reason}")
            for fn in self.callees(call):
                if fn.writes is not None:
                    return Problem(
                        "callee-writes",
                        f"order-sensitive: {fn.name}() is defined {where_defined(fn)} and {fn.writes}",
                    )
        # what is awaited (also inside ``wait_for(...)``): judged by its name too
        for call in s.primary:
            reason = ordering_effect(call)
            if reason is not None:
                return Problem("ordering", f"order-sensitive: {reason}")
        # every call must be known free of ordering effects (see ``effect_free``)
        problem = self.unknown_effects(s, frame)
        if problem is not None:
            return problem
        fn = self.site.fn(frame)
        for w in sorted(s.written):
            if (w not in fn.params and w not in fn.locals) or w in fn.declared:
                return Problem(
                    "foreign-write",
                    f"writes into {w!r}, which is not a local of this function: others may read it",
                )
        for t in sorted(s.bound | s.written):
            if t in fn.nested_reads:
                return Problem("nested-read", f"data dependency on {t!r}: a function nested here reads it")
            if t in fn.declared:
                return Problem(
                    "declared-name",
                    f"data dependency on {t!r}: it is global/nonlocal, other code may read it",
                )
            if any(t in names for names in frame.finally_reads):
                return Problem(
                    "finally-read",
                    f"a finally block reads {t!r}: if a later call fails, it would not have been "
                    "assigned yet",
                )
        return None

    def _scope(self) -> tuple[set[str], dict[str, str]]:
        """The names local to the enclosing functions, and those of their parameters annotated
        with a class (by its qualified name)."""
        mctx = self.judge.context(self.facts, self.project)
        shadowed: set[str] = set()
        types: dict[str, str] = {}
        for outer in self.frames:
            if outer.func is not None:
                fn = self.site.fn(outer)
                shadowed |= fn.locals | set(fn.params)
                types.update(annotated_types(mctx, outer.func))
        return shadowed, types

    def _verdict(self, call: cst.Call, awaited: bool) -> tuple[str, str | None] | None:
        shadowed, types = self._scope()
        # the class of the method the run is in (``self.m()`` is proven by its own class's m)
        owner = next((self.site.fn(f).owner for f in reversed(self.frames) if f.func is not None), None)
        return self.judge.call(
            self.judge.context(self.facts, self.project), call, awaited, shadowed, types,
            self.clients.known_client, self.callees(call), owner,
        )

    def unknown_effects(self, s: Stmt, frame: Frame) -> Problem | None:
        """Why a call of the statement is not known free of ordering effects (a note, not a refusal)."""
        primary = {id(c) for c in s.primary}
        for call in s.calls:
            verdict = self._verdict(call, id(call) in primary)
            if verdict is not None:
                shown, why = verdict
                because = f" ({why})" if why else ""
                return Problem(
                    "unknown-effects",
                    f"order kept: {shown} has unknown effects{because}; if none, list it in gather-awaits.effect-free",
                )
        return None

    # --- what the calls of a run share ---------------------------------------------
    def module_import(self, name: str) -> bool:
        """``name`` is bound by ``import x`` (a module: calls on it are plain functions)."""
        if self._module_imports is None:
            self._module_imports = set()
            for node in self.site.imports.import_nodes:
                if isinstance(node, cst.Import):
                    for alias in node.names:
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            self._module_imports.add(alias.asname.name.value)
                        elif alias.asname is None:
                            self._module_imports.add((dotted_name(alias.name) or "").split(".")[0])
        return name in self._module_imports

    def immutable_params(self, frame: Frame) -> set[str]:
        """Parameters of the enclosing functions annotated with a type of values nothing can change."""
        out: set[str] = set()
        for outer in self.frames:
            if outer.func is None:
                continue
            params = outer.func.params
            for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                ann = annotation_expr(p.annotation)
                if ann is not None and dotted_name(ann) in IMMUTABLE_TYPES:
                    out.add(p.name.value)
        return out

    def shared(self, s: Stmt, frame: Frame) -> tuple[dict[str, str], dict[str, str]]:
        """(receivers, handed): the objects whose methods the statement calls (dotted, e.g.
        ``agent``, ``self.client``) and the objects it passes to calls, each with the name of a
        call; calls known to leave them alone (functions analysed here, whose mutations are
        judged by ``mutated_objects``, HTTP reads on a known client, async ORM reads, builtins,
        dict-like reads in arguments) and modules are left out."""
        if s.shared is not None:
            return s.shared
        receivers: dict[str, str] = {}
        handed: dict[str, str] = {}
        immutable = self.immutable_params(frame)
        primary = {id(c) for c in s.primary}
        for call in s.calls:
            func = call.func
            if isinstance(func, cst.Name) and func.value in BUILTIN_NAMES:
                continue
            if self.callees(call) or self.clients.http_read(call, frame) or self.orm_read(func):
                continue
            if id(call) not in primary and last_name(func) in POST_METHODS:
                continue
            name = dotted_name(func) or last_name(func) or "the call"
            if isinstance(func, cst.Attribute):
                receiver = dotted_name(func.value) or base_of(func.value)
                if receiver and not self.module_import(receiver.split(".")[0]):
                    receivers.setdefault(receiver, name)
            for arg in call.args:
                base = base_of(arg.value)
                if (
                    base and base not in immutable and not self.module_import(base)
                    and not self._config(arg, base)
                ):
                    handed.setdefault(base, name)
        s.shared = (receivers, handed)
        return s.shared

    def _config(self, arg: cst.Arg, base: str) -> bool:
        """An attribute of Django's settings passed (``timeout=settings.T``): a value, not the object."""
        return base != dotted_name(arg.value) and self.site.imports.qualify(cst.Name(base)) in CONFIG_OBJECTS

    def conflict(self, a: Stmt, b: Stmt, frame: Frame) -> Problem | None:
        """Why ``a`` and the later ``b`` cannot run together."""
        for x, y in ((a, b), (b, a)):
            dep = (x.bound | x.written) & y.pre_names
            if dep:
                return Problem("data-dependency", f"data dependency on {min(dep)!r}")
        if a.bound & b.bound:
            return Problem("same-name", "data dependency: the same name is assigned twice")
        for x, y in ((a, b), (b, a)):
            for call in x.calls:
                for fn in self.callees(call):
                    mutated = mutated_objects(fn, call, isinstance(call.func, cst.Attribute))
                    shared = mutated & (y.pre_names | y.post_names)
                    if shared:
                        return Problem(
                            "mutated-argument",
                            f"shared argument {min(shared)!r} passed to a function that mutates "
                            f"it ({fn.name}() is defined {where_defined(fn)})",
                        )
        (recv_a, handed_a), (recv_b, handed_b) = self.shared(a, frame), self.shared(b, frame)
        for r, name in sorted(recv_a.items()):
            for q, other in sorted(recv_b.items()):
                if overlap(r, q):
                    return Problem(
                        "same-receiver",
                        f"same receiver {min(r, q, key=len)!r}: {name}() and {other}() are calls on "
                        "one object, which may keep state between them (not analysed here, nor an "
                        "HTTP read on a known client)",
                    )
        for x, y in ((a, b), (b, a)):
            handed = handed_a if x is a else handed_b
            shared = sorted(set(handed) & (y.pre_names | y.post_names))
            if shared:
                obj = shared[0]
                return Problem(
                    "handed-object",
                    f"shared argument {obj!r} passed to {handed[obj]}(), which is not analysed here "
                    "and may change it, and used by the other call",
                )
        return None

    # --- the functions a call may run ---------------------------------------------
    def callees(self, call: cst.Call) -> list[Func]:
        """Functions ``call`` may run: of this module (by name), or of a project module it
        imports (only looked up here, i.e. for the calls of a run)."""
        key = callee_key(call)
        found = self.facts.callees(*key) if key else []
        if found:
            self.follow_project_calls(found)
        shadowed: set[str] = set()
        for outer in self.frames:
            if outer.func is not None:
                fn = self.site.fn(outer)
                shadowed |= fn.locals | set(fn.params)
        return found + self.project.callees(call, shadowed)

    def follow_project_calls(self, start: list[Func]) -> None:
        """Give the functions of this module reachable from ``start`` what the project
        functions they call do (``helper(c)`` calling ``services.fill(c)`` mutates ``c``), then
        propagate again. Done once per function, when a run calls it (directly or not); the
        project functions' own calls into further modules are judged by their names only."""
        seen: dict[int, Func] = {}
        todo = list(start)
        while todo:
            fn = todo.pop()
            if id(fn) in seen or id(fn) in self._followed or fn.origin is not None:
                continue
            seen[id(fn)] = fn
            for key, attribute, _call in fn.calls:
                todo.extend(self.facts.callees(key, attribute))
        self._followed |= set(seen)
        for fn in seen.values():
            shadowed = fn.locals | set(fn.params)
            for _key, _attribute, call in fn.calls:
                fn.project_calls += [(c, call) for c in self.project.callees(call, shadowed)]
        if any(fn.project_calls for fn in seen.values()):
            every = [f for group in (*self.facts.funcs.values(), *self.facts.methods.values()) for f in group]
            self.facts.propagate(every)

    def orm_read(self, func: cst.BaseExpression) -> bool:
        """An async ORM read: ``qs.aget(...)``-like by method name, or an imported shortcut."""
        if isinstance(func, cst.Attribute):
            return func.attr.value in ORM_READS
        return self.site.imports.qualify(func) in ORM_READ_FUNCTIONS
