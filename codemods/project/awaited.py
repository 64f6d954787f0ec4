"""Awaited and scheduled names: the callables a file awaits, schedules or runs as coroutines."""

from __future__ import annotations

import ast

from codemods.knowledge import effects, runtime

# Calls that run, schedule or inspect a coroutine (function) given as an argument, by the last
# name of the callee: asyncio, asgiref, anyio and trio spellings. The wrappers of the shared table
# (``wait_for``, ``shield``, ``ensure_future``, ``create_task``) and the calls that run, schedule
# or inspect one without wrapping it (tests/test_project.py pins the whole set).
_SCHEDULERS = runtime.COROUTINE_WRAPPERS | frozenset(
    {
        "gather", "run", "async_to_sync", "run_until_complete", "wait", "as_completed",
        "run_coroutine_threadsafe", "start_soon", "start", "Task", "iscoroutinefunction", "iscoroutine",
    }
)
# Text that any file holding an await or a scheduling call contains; the words after "await" are
# the ones that may show scheduling outside an async def (then every node is looked at).
_SCHEDULING_WORDS = (
    "asyncio", "async_to_sync", "anyio", "trio", "gather", "ensure_future", "run_until_complete",
    "create_task", "start_soon", "as_completed", "coroutine",
)
_ASYNC_WORDS = ("await", *_SCHEDULING_WORDS)
# Methods that put their arguments into the receiver (``tasks.append(view(r))``).
_STORING = effects.STORING


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


_CONTAINERS = (ast.List, ast.Tuple, ast.Set)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)


class _Awaited:
    """Names of the callables a file awaits, schedules or runs as coroutines, as precise as the
    file allows: ``await view(r)``, ``await views.view(r)``, ``await super().get(r)``,
    ``await SomeView.as_view()(r)`` (``SomeView``), ``asyncio.run(view(r))``,
    ``gather(*[view(r) for r in rs])``, ``wait_for(fut=view(r))``, ``start_soon(view, r)``,
    ``c = view(r); await c``, ``await getattr(views, "view")(r)``, ``await HANDLERS["view"](r)``
    (a string as a getattr name or a key counts as a name), ``await import_string(path)(r)`` (the
    string's last component, or the names of the expression); an import alias counts under its
    imported name too.

    Not counted: methods called on a receiver that is a client, not a view: a name or ``self``
    attribute containing "client" (``self.async_client``, the ``async_client`` fixture), or one
    bound in the file to a call of a ``*Client*``/``*Session*`` class (``httpx.AsyncClient()``,
    ``async with ... as c``). Any other receiver counts, ``self.something`` included (it may hold
    a view instance: ``await self.view.get(request)``). Names are collected per file, not per
    scope: a binding anywhere in the file counts everywhere in it (more names, never fewer)."""

    def __init__(self, statements: list[ast.stmt]) -> None:
        self.aliases: dict[str, str] = {}
        self.stored: dict[str, list[ast.expr]] = {}
        self.clients: set[str] | None = None
        for st in statements:
            t = type(st)
            if t is ast.Assign:
                for target in st.targets:
                    self._bind(target, st.value)
            elif t is ast.AnnAssign or t is ast.AugAssign:
                if st.value is not None:
                    self._bind(st.target, st.value)
            elif t is ast.For or t is ast.AsyncFor:
                self._bind(st.target, st.iter)
            elif t is ast.With or t is ast.AsyncWith:
                for item in st.items:
                    if item.optional_vars is not None:
                        self._bind(item.optional_vars, item.context_expr)
            elif t is ast.ImportFrom:
                for a in st.names:
                    if a.asname and a.asname != a.name:
                        self.aliases[a.asname] = a.name

    @staticmethod
    def _key(node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return "self." + node.attr
        return None

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:  # the whole value for each name: more names, never fewer
                self._bind(elt.value if isinstance(elt, ast.Starred) else elt, value)
            return
        key = self._key(target)
        if key is not None:
            self.stored.setdefault(key, []).append(value)

    def collect(self, nodes: list[ast.AST]) -> set[str]:
        used: list[ast.expr] = []
        for node in nodes:
            t = type(node)
            if t is ast.Await:
                used.append(node.value)
            elif t is ast.Call:
                func = node.func
                if isinstance(func, ast.Name):
                    fname = self.aliases.get(func.id, func.id)
                elif isinstance(func, ast.Attribute):
                    fname = func.attr
                    if fname in _STORING:
                        key = self._key(func.value)
                        if key is not None:
                            self.stored.setdefault(key, []).extend(node.args)
                else:
                    continue
                if fname in _SCHEDULERS:
                    used.extend(node.args)
                    used.extend(kw.value for kw in node.keywords)
            elif t is ast.NamedExpr:
                self._bind(node.target, node.value)
            elif t is ast.comprehension:
                self._bind(node.target, node.iter)
        out: set[str] = set()
        seen: set[str] = set()
        for expr in used:
            self._names(expr, out, seen)
        return out

    def _is_client(self, recv: ast.expr) -> bool:
        if isinstance(recv, ast.Call):
            name = _last_name(recv.func) or ""
            return "Client" in name or "Session" in name
        key = self._key(recv)
        if key is None:
            return False
        if "client" in key.lower():
            return True
        if self.clients is None:
            self.clients = {
                k for k, values in self.stored.items()
                if any(isinstance(v, ast.Call) and self._is_client(v) for v in values)
            }
        return key in self.clients

    def _names(self, expr: ast.expr, out: set[str], seen: set[str]) -> None:
        """Add the names of the views ``expr`` may be, call or hold (see the class docstring)."""
        stack = [expr]
        while stack:
            e = stack.pop()
            t = type(e)
            if t is ast.Name:
                out.add(e.id)
                if e.id in self.aliases:
                    out.add(self.aliases[e.id])
                if e.id in self.stored and e.id not in seen:
                    seen.add(e.id)
                    stack.extend(self.stored[e.id])
            elif t is ast.Attribute:
                recv = e.value
                if e.attr == "as_view":  # SomeView.as_view(): the view is SomeView
                    name = _last_name(recv)
                    out.add(name if name else "as_view")
                    if isinstance(recv, ast.Name) and recv.id in self.aliases:
                        out.add(self.aliases[recv.id])
                elif not self._is_client(recv):
                    out.add(e.attr)
                    key = self._key(e)
                    if key is not None and key in self.stored and key not in seen:
                        seen.add(key)
                        stack.extend(self.stored[key])
            elif t is ast.Call:
                stack.append(e.func)
                func = e.func
                if isinstance(func, ast.Name) and func.id == "getattr" and len(e.args) >= 2:
                    named = e.args[1]  # getattr(views, "product"): the view is named by a string
                    if isinstance(named, ast.Constant) and isinstance(named.value, str):
                        out.add(named.value)
                elif _last_name(func) == "import_string" and e.args:
                    # import_string("shop.views.product") / import_string(settings.HOOK)
                    named = e.args[0]
                    if isinstance(named, ast.Constant) and isinstance(named.value, str):
                        out.add(named.value.rpartition(".")[2])
                    else:
                        stack.append(named)
            elif t in _CONTAINERS:
                stack.extend(e.elts)
            elif t is ast.Starred or t is ast.NamedExpr or t is ast.Await:
                stack.append(e.value)
            elif t in _COMPREHENSIONS:
                stack.append(e.elt)
            elif t is ast.DictComp:
                stack.append(e.value)
            elif t is ast.Dict:
                stack.extend(v for v in e.values if v is not None)
            elif t is ast.IfExp:
                stack.extend((e.body, e.orelse))
            elif t is ast.BoolOp:
                stack.extend(e.values)
            elif t is ast.Subscript:
                stack.append(e.value)
                key = e.slice  # vars(views)["product"], HANDLERS["product"]: a name as a key
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    out.add(key.value)
            elif t is ast.Lambda:
                stack.append(e.body)
