"""Loop safety: whether a view the run made async does only known-safe things on the event loop.

Run on the code the whole run ends with (requests-to-httpx, async-orm and gather-awaits done), so
it judges what will run, not a guess of what the other codemods will do. Known reads only: every
call must be awaited (the run wrote every await of a view that was sync), or be a call the tables
of ``knowledge.loop`` list, or a method of a value known to be plain data, an httpx response, a
Django response, the request's known reads, or a lazy queryset being built. Anything else (a
project helper that queries, ``request.session``, ``cache.get``, ``open``, a queryset evaluated by
``len``/``list``/``if``/``for``/``JsonResponse``) is a ``Refused`` with what it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from codemods.analysis import ImportTable
from codemods.knowledge import loop, orm, views
from codemods.knowledge.http import REQUEST_PARAMETER
from codemods.knowledge.runtime import SYNC_TO_ASYNC
from codemods.problems import Problem, Refused
from codemods.rules.async_views_to_sync.show import short

# What an expression is, as far as the check knows.
PLAIN = "plain"  # data: literals, decoded JSON, request reads, settings, URL parameters
RESPONSE = "httpx-response"  # an awaited httpx response, its body read
DJANGO_RESPONSE = "django-response"
CLIENT = "client"  # an httpx.AsyncClient of ``async with``
TASKS = "taskgroup"
REQUEST = "request"
MAPPING = "request-mapping"  # request.GET, .POST, .headers ...
SELF = "self"
LAZY = "lazy"  # a queryset not evaluated yet, or a container holding one
MANAGER = "manager"
MODEL = "model-class"
DB = "db-object"  # what an awaited ORM call or a thread returned: attributes read, nothing called
MODULE = "module"  # an imported name, qualified in ``Check.qualified``
UNKNOWN = "unknown"

_HTTPX_CLIENTS = frozenset({"httpx.AsyncClient", "httpx2.AsyncClient"})
_GATHER = "asyncio.gather"
_TASKGROUP = "asyncio.TaskGroup"
_PLAIN_AWAITS = frozenset({"acount", "aexists", "aaggregate", "acontains", "aupdate", "adelete", "abulk_update"})


def _fail(kind: str, message: str) -> Refused:
    return Refused(Problem(kind, message))


def _merge(a: str | tuple, b: str | tuple) -> str | tuple:
    if a == b:
        return a
    if LAZY in (a, b):
        return LAZY
    if {a, b} <= {PLAIN, DB}:
        return DB
    return UNKNOWN


class ModuleInfo:
    """What the module binds that a view may use: its sync functions, literal constants, model
    classes (imported from a ``models`` module or defined on ``models.Model``)."""

    def __init__(self, module: cst.Module, imports: ImportTable) -> None:
        self.imports = imports
        self.functions: dict[str, cst.FunctionDef] = {}
        self.constants: set[str] = set()
        self.other: set[str] = set()
        self.models: set[str] = set()
        for stmt in module.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.asynchronous is None:
                self.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.FunctionDef):
                self.other.add(stmt.name.value)
            elif isinstance(stmt, cst.ClassDef):
                self.other.add(stmt.name.value)
                if any((imports.qualify(b.value) or "").endswith("models.Model") for b in stmt.bases):
                    self.models.add(stmt.name.value)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                        literal = small.value is not None and (
                            _is_literal(small.value) or _safe_factory(small.value, imports)
                        )
                        for t in targets:
                            if isinstance(t, cst.Name):
                                (self.constants if literal else self.other).add(t.value)
        for local, full in imports.names.items():
            head, _, last = full.rpartition(".")
            if (head.endswith(".models") or head == "models") and last[:1].isupper():
                self.models.add(local)


def _loop_safe(q: str) -> bool:
    return q in loop.LOOP_SAFE_FUNCTIONS or any(q == m or q.startswith(m + ".") for m in loop.LOOP_SAFE_MODULES)


def _safe_factory(node: cst.BaseExpression, imports: ImportTable) -> bool:
    """A module-level value made by a loop-safe call with literal arguments
    (``logger = logging.getLogger(__name__)``): plain data for the check."""
    if not isinstance(node, cst.Call):
        return False
    q = imports.qualify(node.func)
    args_ok = all(_is_literal(a.value) or (isinstance(a.value, cst.Name) and a.value.value == "__name__") for a in node.args)
    return q is not None and _loop_safe(q) and args_ok


def _is_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.Imaginary)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return all(isinstance(e, cst.Element) and _is_literal(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and _is_literal(e.key) and _is_literal(e.value) for e in node.elements)
    if isinstance(node, cst.UnaryOperation):
        return _is_literal(node.expression)
    return False


class Check:
    """One def's walk. ``gathers``: for each gather (or TaskGroup) running two HTTP calls or
    more, how many."""

    def __init__(self, func: cst.FunctionDef, info: ModuleInfo, is_method: bool, depth: int = 0,
                 arg_kinds: Sequence[str | tuple] = ()) -> None:
        self.func = func
        self.info = info
        self.imports = info.imports
        self.depth = depth
        self.env: dict[str, str | tuple] = {}
        self.gathers: list[int] = []
        self.tasks: list[int] = []  # HTTP calls started in each TaskGroup being walked
        params = [*func.params.posonly_params, *func.params.params]
        for i, p in enumerate(params):
            if i == 0 and is_method:
                self.env[p.name.value] = SELF
            elif i < len(arg_kinds):
                self.env[p.name.value] = arg_kinds[i]
            elif p.name.value == REQUEST_PARAMETER:
                self.env[p.name.value] = REQUEST
            else:
                self.env[p.name.value] = PLAIN
        for p in (*func.params.kwonly_params,):
            self.env[p.name.value] = PLAIN
        for star in (func.params.star_arg, func.params.star_kwarg):
            if isinstance(star, cst.Param):
                self.env[star.name.value] = PLAIN

    def run(self) -> None:
        """Raises ``Refused`` at the first thing not known safe. Two passes: a name bound later
        in a loop is seen with that binding at its earlier uses."""
        body = self.func.body.body if isinstance(self.func.body, cst.IndentedBlock) else [self.func.body]
        for _ in range(2):
            self.gathers = []
            self.block(body)

    # ------------------------------------------------------------------ statements
    def block(self, stmts: Sequence[cst.CSTNode]) -> None:
        for s in stmts:
            self.stmt(s)

    def suite(self, suite: cst.BaseSuite | None) -> None:
        if suite is not None:
            self.block(suite.body)

    def stmt(self, s: cst.CSTNode) -> None:
        if isinstance(s, cst.SimpleStatementLine):
            self.block(s.body)
        elif isinstance(s, cst.Expr):
            self.expr(s.value)
        elif isinstance(s, cst.Assign):
            kind = self.expr(s.value)
            for t in s.targets:
                self.bind(t.target, kind)
        elif isinstance(s, cst.AnnAssign):
            if s.value is not None:
                self.bind(s.target, self.expr(s.value))
        elif isinstance(s, cst.AugAssign):
            kind = self.expr(s.value)
            self.bind(s.target, _merge(self.expr(s.target), kind))
        elif isinstance(s, cst.Return):
            if s.value is not None and self.expr(s.value) == LAZY:
                raise _fail("evaluates-queryset", f"returns the queryset `{short(s.value)}` (evaluated on the event loop)")
        elif isinstance(s, cst.Raise):
            if s.exc is not None:
                self.expr(s.exc)
        elif isinstance(s, cst.Assert):
            self.truth(s.test)
        elif isinstance(s, (cst.Pass, cst.Break, cst.Continue, cst.Import, cst.ImportFrom)):
            pass
        elif isinstance(s, (cst.If, cst.While)):
            self.truth(s.test)
            self.suite(s.body)
            if isinstance(s.orelse, cst.If):
                self.stmt(s.orelse)
            elif s.orelse is not None:
                self.suite(s.orelse.body)
        elif isinstance(s, cst.Else):
            self.suite(s.body)
        elif isinstance(s, cst.For):
            self.loop(s)
        elif isinstance(s, cst.With):
            self.with_(s)
        elif isinstance(s, (cst.Try, cst.TryStar)):
            self.suite(s.body)
            for h in s.handlers:
                if h.type is not None:
                    self.expr(h.type)
                if h.name is not None:
                    self.bind(h.name.name, PLAIN)
                self.suite(h.body)
            if s.orelse is not None:
                self.suite(s.orelse.body)
            if s.finalbody is not None:
                self.suite(s.finalbody.body)
        elif isinstance(s, (cst.FunctionDef, cst.ClassDef)):
            raise _fail("nested-scope", f"defines `{s.name.value}` inside the view, which is not followed")
        else:
            raise _fail("statement", f"has a `{type(s).__name__}` statement, which is not followed")

    def loop(self, s: cst.For) -> None:
        it = self.expr(s.iter)
        if s.asynchronous is not None:
            if it not in (LAZY, MANAGER):
                raise _fail("blocking-call", f"iterates `{short(s.iter)}` with `async for`, not a queryset")
            self.bind(s.target, DB)
        else:
            self.bind(s.target, self.element(it, s.iter))
        self.suite(s.body)
        if s.orelse is not None:
            self.suite(s.orelse.body)

    def element(self, it: str | tuple, node: cst.BaseExpression) -> str:
        if it in (LAZY, MANAGER):
            raise _fail("evaluates-queryset", f"iterates the queryset `{short(node)}` on the event loop")
        if it in (PLAIN, MAPPING):
            return PLAIN
        if it == DB:
            return DB
        raise _fail("blocking-call", f"iterates `{short(node)}`, which is not known to be plain data")

    def with_(self, s: cst.With) -> None:
        for item in s.items:
            call = item.item
            q = self.imports.qualify(call.func) if isinstance(call, cst.Call) else None
            if s.asynchronous is not None and q in _HTTPX_CLIENTS:
                self.arguments(call, awaited=False)
                kind: str = CLIENT
            elif s.asynchronous is not None and q == _TASKGROUP:
                kind = TASKS
            else:
                raise _fail("sync-with", f"enters `{short(call)}`, which is not known to be safe on the event loop")
            if item.asname is not None:
                self.bind(item.asname.name, kind)
        groups = sum(
            1 for item in s.items if isinstance(item.item, cst.Call) and self.imports.qualify(item.item.func) == _TASKGROUP
        )
        self.tasks += [0] * groups
        self.suite(s.body)
        for _ in range(groups):
            started = self.tasks.pop()
            if started >= 2:
                self.gathers.append(started)

    def bind(self, target: cst.BaseExpression, kind: str | tuple) -> None:
        if isinstance(target, cst.Name):
            old = self.env.get(target.value)
            self.env[target.value] = kind if old is None else _merge(old, kind)
        elif isinstance(target, (cst.Tuple, cst.List)):
            parts = [e.value for e in target.elements]
            kinds = list(kind[1]) if isinstance(kind, tuple) and len(kind[1]) == len(parts) else None
            if kind == LAZY:
                raise _fail("evaluates-queryset", f"unpacks a queryset into `{short(target)}` on the event loop")
            for i, part in enumerate(parts):
                if isinstance(part, cst.StarredElement):
                    part = part.value
                self.bind(part, kinds[i] if kinds else (PLAIN if kind in (PLAIN, MAPPING) else DB if kind == DB else UNKNOWN))
        elif isinstance(target, cst.Subscript):
            receiver = self.expr(target.value)
            if receiver not in (PLAIN, DJANGO_RESPONSE, LAZY, DB):
                raise _fail("blocking-call", f"assigns to `{short(target)}`, which is not known to be plain data")
            if kind == LAZY and isinstance(target.value, cst.Name):
                self.env[target.value.value] = LAZY
        elif isinstance(target, cst.Attribute):
            receiver = self.expr(target.value)
            if receiver not in (PLAIN, DB, DJANGO_RESPONSE):
                raise _fail("blocking-call", f"assigns the attribute `{short(target)}`, which is not followed")
        else:
            raise _fail("statement", f"assigns to `{short(target)}`, which is not followed")

    def truth(self, node: cst.BaseExpression) -> None:
        if self.expr(node) in (LAZY, MANAGER):
            raise _fail("evaluates-queryset", f"tests the queryset `{short(node)}` (a query on the event loop)")

    # ------------------------------------------------------------------ expressions
    def expr(self, node: cst.BaseExpression) -> str | tuple:
        if isinstance(node, cst.Name):
            return self.name(node)
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)):
            return PLAIN
        if isinstance(node, cst.ConcatenatedString):
            self.expr(node.left)
            self.expr(node.right)
            return PLAIN
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression) and self.expr(part.expression) in (LAZY, MANAGER):
                    raise _fail("evaluates-queryset", f"formats the queryset `{short(part.expression)}`")
            return PLAIN
        if isinstance(node, cst.Attribute):
            return self.attribute(node)
        if isinstance(node, cst.Call):
            return self.call(node, awaited=False)
        if isinstance(node, cst.Await):
            return self.await_(node)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            kinds = [self.expr(e.value) for e in node.elements]
            return LAZY if LAZY in kinds or MANAGER in kinds else (DB if DB in kinds else PLAIN)
        if isinstance(node, cst.Dict):
            kinds = []
            for e in node.elements:
                if isinstance(e, cst.DictElement):
                    kinds += [self.expr(e.key), self.expr(e.value)]
                else:
                    kinds.append(self.expr(e.value))
            return LAZY if LAZY in kinds or MANAGER in kinds else (DB if DB in kinds else PLAIN)
        if isinstance(node, cst.Subscript):
            return self.subscript(node)
        if isinstance(node, cst.BinaryOperation):
            a, b = self.expr(node.left), self.expr(node.right)
            if LAZY in (a, b) or MANAGER in (a, b):
                if isinstance(node.operator, (cst.BitOr, cst.BitAnd)):
                    return LAZY
                raise _fail("evaluates-queryset", f"computes `{short(node)}` with a queryset")
            return DB if DB in (a, b) else PLAIN
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.Not):
                self.truth(node.expression)
            elif self.expr(node.expression) in (LAZY, MANAGER):
                raise _fail("evaluates-queryset", f"computes `{short(node)}` with a queryset")
            return PLAIN
        if isinstance(node, cst.BooleanOperation):
            self.truth(node.left)
            self.truth(node.right)
            return _merge(self.expr(node.left), self.expr(node.right))
        if isinstance(node, cst.Comparison):
            kinds = [self.expr(node.left), *(self.expr(c.comparator) for c in node.comparisons)]
            if LAZY in kinds or MANAGER in kinds:
                raise _fail("evaluates-queryset", f"compares with a queryset in `{short(node)}`")
            return PLAIN
        if isinstance(node, cst.IfExp):
            self.truth(node.test)
            return _merge(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self.comprehension(node)
        if isinstance(node, cst.NamedExpr):
            kind = self.expr(node.value)
            self.bind(node.target, kind)
            return kind
        if isinstance(node, cst.StarredElement):
            return self.expr(node.value)
        if isinstance(node, cst.Lambda):
            raise _fail("nested-scope", "defines a lambda inside the view, which is not followed")
        if isinstance(node, (cst.Yield,)):
            raise _fail("statement", "yields: a generator view is not followed")
        raise _fail("statement", f"has `{short(node)}`, which is not followed")

    def comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> str:
        kind: str = PLAIN
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            it = self.expr(comp.iter)
            if comp.asynchronous is not None:
                if it not in (LAZY, MANAGER):
                    raise _fail("blocking-call", f"iterates `{short(comp.iter)}` with `async for`, not a queryset")
                self.bind(comp.target, DB)
                kind = DB
            else:
                self.bind(comp.target, self.element(it, comp.iter))
            for cond in comp.ifs:
                self.truth(cond.test)
            comp = comp.inner_for_in
        parts = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
        kinds = [self.expr(p) for p in parts]
        if isinstance(node, cst.GeneratorExp):
            return UNKNOWN  # consumed later, out of sight
        return DB if DB in kinds or kind == DB else PLAIN

    def name(self, node: cst.Name) -> str | tuple:
        value = node.value
        if value in self.env:
            return self.env[value]
        if value in ("True", "False", "None"):
            return PLAIN
        if value in self.info.models:
            return MODEL
        if value in self.imports.names:
            return MODULE
        if value in self.info.constants:
            return PLAIN
        if value in self.info.functions or value in self.info.other:
            return UNKNOWN
        if value in loop.LOOP_SAFE_BUILTINS:
            return MODULE
        return UNKNOWN

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of an imported name or attribute chain not shadowed by the view."""
        head = node
        while isinstance(head, cst.Attribute):
            head = head.value
        if not isinstance(head, cst.Name) or head.value in self.env:
            return None
        return self.imports.qualify(node)

    def attribute(self, node: cst.Attribute) -> str | tuple:
        q = self.qualified(node)
        if q is not None:
            attr = node.attr.value
            owner = q.rpartition(".")[0]
            if q == loop.SETTINGS or q.startswith(loop.SETTINGS + "."):
                return PLAIN
            if attr in orm.MANAGER_ATTRS and _models_name(owner):
                return MANAGER
            if attr.isupper() or (attr in ("DoesNotExist", "MultipleObjectsReturned") and _models_name(owner)):
                return PLAIN
            return MODULE
        receiver = self.expr(node.value)
        attr = node.attr.value
        if receiver == REQUEST:
            if attr in views.REQUEST_READS:
                return MAPPING if attr in views.REQUEST_MAPPINGS else PLAIN
            raise _fail("request-attribute", f"reads `{short(node)}`, which may query the database or block; "
                        "read it before the view, or convert by hand")
        if receiver == SELF:
            if attr in loop.VIEW_INSTANCE_READS:
                return REQUEST if attr == "request" else PLAIN
            raise _fail("self-attribute", f"reads `{short(node)}`, which is not followed")
        if receiver == MODEL:
            if attr in orm.MANAGER_ATTRS:
                return MANAGER
            if attr in ("DoesNotExist", "MultipleObjectsReturned"):
                return PLAIN
            raise _fail("blocking-call", f"reads `{short(node)}` of a model class, which is not followed")
        if receiver in (PLAIN, MAPPING, DJANGO_RESPONSE):
            return PLAIN
        if receiver == RESPONSE:
            if attr in loop.HTTPX_RESPONSE_READS:
                return PLAIN
            raise _fail("blocking-call", f"reads `{short(node)}` of an httpx response, which is not followed")
        if receiver == DB:
            return DB
        if receiver == CLIENT:
            return PLAIN
        raise _fail("blocking-call", f"reads `{short(node)}`, which is not known to be plain data")

    def subscript(self, node: cst.Subscript) -> str | tuple:
        receiver = self.expr(node.value)
        slices = [s.slice for s in node.slice]
        for s in slices:
            if isinstance(s, cst.Index):
                self.expr(s.value)
            else:
                for part in (s.lower, s.upper, s.step):
                    if part is not None:
                        self.expr(part)
        if receiver in (LAZY, MANAGER):
            if all(isinstance(s, cst.Slice) for s in slices):
                return LAZY
            raise _fail("evaluates-queryset", f"indexes the queryset `{short(node)}` (a query on the event loop)")
        if receiver in (PLAIN, MAPPING, DJANGO_RESPONSE):
            return PLAIN
        if receiver == DB:
            return DB
        if isinstance(receiver, tuple):
            return UNKNOWN
        raise _fail("blocking-call", f"indexes `{short(node.value)}`, which is not known to be plain data")

    def arguments(self, call: cst.Call, awaited: bool, lazy_ok: bool = False) -> list[str | tuple]:
        kinds = []
        for arg in call.args:
            kind = self.expr(arg.value)
            if kind in (LAZY, MANAGER) and not (awaited or lazy_ok):
                raise _fail("evaluates-queryset", f"hands the queryset `{short(arg.value)}` to `{short(call.func)}` "
                            "on the event loop (it may evaluate it)")
            kinds.append(kind)
        return kinds

    def await_(self, node: cst.Await) -> str | tuple:
        if not isinstance(node.expression, cst.Call):
            raise _fail("statement", f"awaits `{short(node.expression)}`, which is not followed")
        return self.call(node.expression, awaited=True)

    def call(self, node: cst.Call, awaited: bool) -> str | tuple:
        func = node.func
        if awaited:
            return self.awaited_call(node)
        q = self.qualified(func)
        if isinstance(func, cst.Name) and func.value not in self.env and func.value not in self.imports.names:
            if func.value in self.info.functions:
                return self.helper(node, self.info.functions[func.value])
            if func.value in self.info.models:
                self.arguments(node, awaited=False)
                return DB
            if func.value in loop.LOOP_SAFE_BUILTINS and func.value not in self.info.other:
                self.arguments(node, awaited=False)
                return PLAIN
            raise _fail("blocking-call", f"calls `{short(func)}(...)`, not known to be safe on the event loop")
        receiver_kind = self.expr(func.value) if isinstance(func, cst.Attribute) else None
        if q is not None and receiver_kind not in (MANAGER, LAZY, MODEL):
            return self.known_call(node, q)
        if not isinstance(func, cst.Attribute):
            raise _fail("blocking-call", f"calls `{short(func)}(...)`, not known to be safe on the event loop")
        receiver = receiver_kind
        method = func.attr.value
        if receiver in (LAZY, MANAGER):
            if method in orm.LAZY_METHODS:
                self.arguments(node, awaited=False, lazy_ok=True)
                return LAZY
            raise _fail("evaluates-queryset", f"calls `{short(func)}(...)`, a query on the event loop")
        if receiver == TASKS and method == "create_task" and node.args and isinstance(node.args[0].value, cst.Call):
            kind = self.awaited_call(node.args[0].value)
            if kind == RESPONSE and self.tasks:
                self.tasks[-1] += 1
            return ("task", kind)
        if isinstance(receiver, tuple) and receiver[0] == "task" and method == "result":
            return receiver[1]
        self.arguments(node, awaited=False)
        if receiver in (PLAIN, MAPPING):
            return PLAIN
        if receiver == RESPONSE and method in loop.HTTPX_RESPONSE_READS:
            return PLAIN
        if receiver == DJANGO_RESPONSE and method in loop.RESPONSE_METHODS:
            return PLAIN
        if receiver == REQUEST and method in views.REQUEST_READS:
            return PLAIN
        if receiver == DB:
            raise _fail("db-method", f"calls `{short(func)}(...)` on a database object (it may query)")
        raise _fail("blocking-call", f"calls `{short(func)}(...)`, not known to be safe on the event loop")

    def known_call(self, node: cst.Call, q: str) -> str | tuple:
        if q in loop.RESPONSE_CLASSES:
            self.arguments(node, awaited=False, lazy_ok=q.startswith("django.template.response."))
            return DJANGO_RESPONSE
        if q == loop.REDIRECT:
            kinds = self.arguments(node, awaited=False)
            if kinds and kinds[0] != PLAIN:
                raise _fail("blocking-call", f"redirects to `{short(node.args[0].value)}` (a model's URL may query)")
            return DJANGO_RESPONSE
        if q in loop.RENDERING:
            raise _fail("blocking-call", f"renders a template with `{short(node.func)}(...)` on the event loop")
        if _models_name(q):
            self.arguments(node, awaited=False)
            return DB
        if _loop_safe(q) or q in loop.DJANGO_EXCEPTIONS:
            self.arguments(node, awaited=False)
            return PLAIN
        raise _fail("blocking-call", f"calls `{q}`, not known to be safe on the event loop (it may block or query)")

    def awaited_call(self, node: cst.Call) -> str | tuple:
        """An awaited call (written by the run: the view was sync): its arguments are checked, its
        result's kind returned; an awaited gather counts how many HTTP calls run at once."""
        func = node.func
        q = self.qualified(func)
        if q == _GATHER:
            kinds = [self.awaited_call(a.value) if isinstance(a.value, cst.Call) else self.expr(a.value)
                     for a in node.args]
            at_once = sum(1 for k in kinds if k == RESPONSE)
            if at_once >= 2:
                self.gathers.append(at_once)
            return ("gather", tuple(kinds))
        if isinstance(func, cst.Call):  # sync_to_async(f)(...)
            inner = self.qualified(func.func)
            self.arguments(node, awaited=True)
            target = func.args[0].value if func.args else None
            if inner == SYNC_TO_ASYNC and target is not None and self.qualified(target) in loop.RENDERING:
                return DJANGO_RESPONSE
            return DB
        self.arguments(node, awaited=True)
        if isinstance(func, cst.Attribute):
            receiver = self.expr(func.value)
            if receiver == CLIENT:
                return RESPONSE
            if func.attr.value in _PLAIN_AWAITS:
                return PLAIN
        return DB

    def helper(self, node: cst.Call, func: cst.FunctionDef) -> str | tuple:
        """A sync function of the module called by the view: safe when its own body is."""
        kinds = self.arguments(node, awaited=False)
        if self.depth >= 3:
            raise _fail("helper", f"calls `{func.name.value}()`, followed no deeper")
        inner = Check(func, self.info, is_method=False, depth=self.depth + 1, arg_kinds=kinds)
        try:
            inner.run()
        except Refused as refusal:
            raise _fail("helper", f"calls `{func.name.value}()`, which {refusal.problem.message}") from None
        return PLAIN


def _models_name(q: str) -> bool:
    head, _, last = q.rpartition(".")
    return (head.endswith(".models") or head == "models") and last[:1].isupper()

