"""Thread-wrapped calls: a sync function run in a thread and awaited where the wrapper is made.

The wrappers are recognised by the shared ``codemods.analysis.unwrap`` (every thread form, and
``functools.partial(f, *bound)`` in the place of ``f``). This room holds requests-to-httpx's own
policy on top: when a wrapper cannot simply be dropped (``_wrapper_problem``: options that do more
than pick the thread, executor or loop expressions that may have effects), and the calls handed to
``asyncio.gather(...)`` (``_gather_calls``, ``_map_gathered``). Once the function is async itself,
the wrapper goes and ``f``'s async twin is called with the arguments ``f`` received
(``unwrapped_args``).

Nothing here knows what ``f`` is: requests-to-httpx decides that (``calls._match``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import libcst as cst

from codemods.analysis import ImportTable, SameScope, dotted_name, name_uses
from codemods.analysis.bindings import ASSIGN, collect_bindings
from codemods.analysis.unwrap import SYNC_TO_ASYNC_FORM, THREAD_FORMS, Wrapped, thread_wrapped
from codemods.knowledge import runtime, views
from codemods.problems import Problem

__all__ = ["FORMS", "SYNC_TO_ASYNC_FORM", "_gather_calls", "_map_gathered", "_wrapper_problem"]
# The thread wrappers this codemod looks through: the shared ones and Channels'
# ``database_sync_to_async`` (sync_to_async that also closes the thread's old database connections
# around the call, which a requests call does not rely on).
FORMS = (*THREAD_FORMS, runtime.DATABASE_SYNC_TO_ASYNC)
# ``asyncio`` functions that return the running loop without side effects (receivers of
# ``run_in_executor`` that may be evaluated once more or not at all).
_LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop")


def _wrapper_problem(
    call: cst.Call, wrapped: Wrapped, what: str, imports: ImportTable, shadowed: set[str]
) -> Problem | None:
    """Why dropping the wrapper of ``call`` (which runs ``what``) would change behaviour, or None:
    ``sync_to_async`` options other than those choosing the thread, an executor or loop expression
    that may have effects, keyword arguments to ``run_in_executor`` (it takes none)."""
    for opt in wrapped.options:
        if opt.keyword is None or opt.keyword.value not in runtime.SYNC_TO_ASYNC_THREAD_OPTIONS:
            return Problem("wrapper-option", f"{wrapped.form}({what}) with an option that cannot be kept")
    if wrapped.form == runtime.RUN_IN_EXECUTOR:
        executor = call.args[0].value
        if not isinstance(executor, cst.Name):
            return Problem(
                "executor-expression",
                "run_in_executor() with an executor expression that may have side effects",
            )
        if any(a.keyword is not None for a in wrapped.given):
            return Problem("executor-keywords", "run_in_executor() with keyword arguments")
        func = call.func
        receiver = func.value if isinstance(func, cst.Attribute) else None
        if not isinstance(receiver, cst.Name) and not (
            isinstance(receiver, cst.Call)
            and imports.qualify(receiver.func, shadowed) in _LOOP_GETTERS
            and not receiver.args
        ):
            return Problem(
                "loop-expression", "run_in_executor() on a loop expression that may have side effects"
            )
    return None


def _gather_calls(gather: cst.Call) -> list[tuple[cst.Call, int]]:
    """Calls passed to ``asyncio.gather(a(), b())`` / ``gather(*[f(x) for x in xs])`` / ``gather(*(...))``,
    each with 1 when it sits in a generator expression (a nested scope), else 0."""
    out: list[tuple[cst.Call, int]] = []
    for arg in gather.args:
        value = arg.value
        if not arg.star and isinstance(value, cst.Call):
            out.append((value, 0))
        elif (
            arg.star == "*"
            and isinstance(value, (cst.ListComp, cst.GeneratorExp))
            and isinstance(value.elt, cst.Call)
        ):
            out.append((value.elt, int(isinstance(value, cst.GeneratorExp))))
        elif arg.star == "*" and isinstance(value, (cst.List, cst.Tuple)):
            out.extend((el.value, 0) for el in value.elements if isinstance(el.value, cst.Call))
    return out


def _map_gathered(call: cst.Call, fn: Callable[[cst.BaseExpression], cst.BaseExpression]) -> cst.Call:
    """``asyncio.gather(...)`` with ``fn`` applied to each awaitable it is given, in the places
    ``_gather_calls`` looks at."""
    args = []
    for arg in call.args:
        value = arg.value
        if not arg.star:
            value = fn(value)
        elif arg.star == "*" and isinstance(value, (cst.ListComp, cst.GeneratorExp)):
            value = value.with_changes(elt=fn(value.elt))
        elif arg.star == "*" and isinstance(value, (cst.List, cst.Tuple)):
            value = value.with_changes(
                elements=[el.with_changes(value=fn(el.value)) for el in value.elements]
            )
        args.append(arg.with_changes(value=value))
    return call.with_changes(args=args)


# Builtins a lambda may call around its requests call: they convert plain values, nothing more.
_LAMBDA_BUILTINS = frozenset({"str", "int", "float", "bool", "len", "dict", "list", "tuple", "repr", "round"})
# Modules whose functions only compute on values (``urllib.request`` does I/O: not it).
_LAMBDA_MODULES = ("json.", "urllib.parse.")


class _LambdaCheck(cst.CSTVisitor):
    """Why the body of ``lambda: <body>`` (given to a thread wrapper) cannot run where the wrapper is
    awaited, with its requests calls awaited: anything in it that may block or query the database
    besides them (other calls, attributes read two levels deep from a local value, which may load
    a related object), a walrus (it would bind in the function), a nested lambda."""

    def __init__(
        self, imports: ImportTable, shadowed: set[str], params: set[str], responses: set[str], sessions: Collection[str]
    ) -> None:
        self.imports, self.shadowed, self.params = imports, shadowed, params
        self.responses, self.sessions = responses, sessions
        self.problem: str | None = None
        self.requests_calls = 0

    def _fail(self, why: str) -> bool:
        if self.problem is None:
            self.problem = why
        return False

    def _request_read(self, expr: cst.BaseExpression) -> bool:
        """``request.<attr>`` on the view's ``request`` parameter, ``attr`` a plain read."""
        return (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == "request"
            and "request" in self.params
            and expr.attr.value in views.REQUEST_READS
        )

    def _is_response(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return expr.value in self.responses
        return isinstance(expr, cst.Call) and self._requests_call(expr)

    def _requests_call(self, call: cst.Call) -> bool:
        from codemods.rules.requests_to_httpx.calls import _match, _Req

        req = _match(call, self.imports, self.shadowed, self.sessions)
        return isinstance(req, _Req) and req.form == "call"

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._fail("holds another lambda")

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        return self._fail("binds a name with := (it would bind in the function)")

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if self._requests_call(node):
            self.requests_calls += 1
            for arg in node.args:
                arg.visit(self)
            return False
        q = self.imports.qualify(func, self.shadowed)
        ok = (
            (isinstance(func, cst.Name) and func.value in _LAMBDA_BUILTINS and func.value not in self.shadowed)
            or (q is not None and q.startswith(_LAMBDA_MODULES))
            or (isinstance(func, cst.Attribute) and func.attr.value == "json" and self._is_response(func.value))
            or self._request_read(func)
            or (
                isinstance(func, cst.Attribute)
                and func.attr.value == "get"
                and self._request_read(func.value)
                and func.value.attr.value in views.REQUEST_MAPPINGS  # type: ignore[attr-defined]
            )
        )
        if not ok:
            name = dotted_name(func) or (f".{func.attr.value}" if isinstance(func, cst.Attribute) else "a function")
            return self._fail(f"also calls {name}() (it may block)")
        if isinstance(func, cst.Attribute):
            self._attribute_value(func.value)
        for arg in node.args:
            arg.visit(self)
        return False

    def _attribute_value(self, expr: cst.BaseExpression) -> None:
        if isinstance(expr, cst.Attribute):
            self.visit_Attribute(expr)
        else:
            expr.visit(self)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if self._is_response(node.value):  # ``r.status_code``, ``requests.get(u).status_code``
            if isinstance(node.value, cst.Call):
                node.value.visit(self)  # the call's arguments
            return False
        if self._request_read(node):
            return False
        if isinstance(node.value, cst.Name) and node.value.value == "request" and "request" in self.params:
            return self._fail(f"reads request.{node.attr.value} (it may query the database)")
        if self.imports.qualify(node, self.shadowed) is not None:
            return False  # settings.X, a module's constant
        value = node.value
        if (
            isinstance(value, cst.Attribute)
            and dotted_name(value) is not None
            and self.imports.qualify(value, self.shadowed) is None
            and not self._request_read(value)
        ):
            return self._fail(f"reads {dotted_name(value)}.{node.attr.value} (a related object may be loaded)")
        return True


def _lambda_target(
    call: cst.Call, imports: ImportTable, shadowed: set[str]
) -> tuple[Wrapped, cst.Lambda] | None:
    """``(wrapped, lambda)`` when ``call`` runs a lambda through a thread wrapper."""
    wrapped = thread_wrapped(call, imports, shadowed, FORMS)
    if wrapped is None or not isinstance(wrapped.target, cst.Lambda):
        return None
    return wrapped, wrapped.target


def _lambda_problem(
    call: cst.Call,
    imports: ImportTable,
    shadowed: set[str],
    params: set[str],
    responses: set[str],
    sessions: Collection[str] = (),
) -> str | None:
    """Why the thread-wrapped lambda ``call`` runs cannot be replaced by its body, or None."""
    found = _lambda_target(call, imports, shadowed)
    assert found is not None
    wrapped, lam = found
    if lam.params.params or lam.params.star_arg != cst.MaybeSentinel.DEFAULT or lam.params.kwonly_params:
        return "takes parameters"
    if lam.params.star_kwarg is not None or lam.params.posonly_params:
        return "takes parameters"
    if wrapped.given:
        return "is given arguments"
    problem = _wrapper_problem(call, wrapped, "a lambda", imports, shadowed)
    if problem is not None:
        return problem.message.removeprefix(f"{wrapped.form}(a lambda) ")
    check = _LambdaCheck(imports, shadowed, params, responses, sessions)
    lam.body.visit(check)
    return check.problem


def _mentions_response(node: cst.CSTNode, responses: set[str]) -> bool:
    return any(n in responses for n in name_uses(node))


class _LambdaUnwrap(SameScope, cst.CSTTransformer):
    """``await sync_to_async(lambda: <body>)()`` (also ``asyncio.to_thread(lambda: ...)``,
    ``loop.run_in_executor(None, lambda: ...)``) -> ``<body>``, for lambdas whose body makes a
    requests call or reads a response of one, and does nothing else that may block
    (``_lambda_problem``). The requests calls in it are then rewritten as those of the function.
    ``origin`` maps each new node to the node it replaces, for diagnostics."""

    def __init__(
        self, imports: ImportTable, shadowed: set[str], params: set[str], responses: set[str], sessions: Collection[str]
    ) -> None:
        self.imports, self.shadowed, self.params = imports, shadowed, params
        self.responses, self.sessions = responses, sessions
        self.origin: dict[int, cst.CSTNode] = {}
        self.reasons: dict[int, str] = {}  # id of a wrapper call left as it is -> why
        self.blocked: str | None = None  # why no lambda of this function is unwrapped, if so
        self.unwrapped = 0
        self._made: list[cst.CSTNode] = []  # keeps the new nodes alive: their ids stay theirs

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        result = super().on_leave(original_node, updated_node)
        if isinstance(result, cst.CSTNode) and result is not original_node:
            self.origin[id(result)] = self.origin.get(id(original_node), original_node)
            self._made.append(result)
        return result  # type: ignore[return-value]

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        from codemods.rules.requests_to_httpx.calls import _mentions_requests

        call = original_node.expression
        if not isinstance(call, cst.Call) or _lambda_target(call, self.imports, self.shadowed) is None:
            return updated_node
        lam = _lambda_target(call, self.imports, self.shadowed)[1]  # type: ignore[index]
        if not (
            _mentions_requests(lam.body, self.imports, self.shadowed, self.sessions)
            or _mentions_response(lam.body, self.responses)
        ):
            return updated_node
        problem = self.blocked or _lambda_problem(
            call, self.imports, self.shadowed, self.params, self.responses, self.sessions
        )
        if problem:
            # by the call as it is in the file, and as it is in the new tree (a visit remakes every node)
            self.reasons[id(call)] = self.reasons[id(updated_node.expression)] = problem
            self._made.append(updated_node.expression)
            return updated_node
        self.unwrapped += 1
        body = lam.body
        code = cst.Module(body=[]).code_for_node(body)
        bare = isinstance(body, (cst.Call, cst.Name, cst.Attribute, cst.Subscript)) and (
            "\n" not in code or (isinstance(body, cst.Call) and "\n" not in cst.Module(body=[]).code_for_node(body.func))
        )
        if body.lpar or bare:
            return body.with_changes(lpar=[*original_node.lpar, *body.lpar], rpar=[*body.rpar, *original_node.rpar])
        return body.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _response_names(func: cst.FunctionDef, imports: ImportTable, shadowed: set[str], sessions: Collection[str]) -> set[str]:
    """Names the function assigns only responses of requests calls (bare, or a wrapped lambda's)."""
    from codemods.rules.requests_to_httpx.calls import _match, _mentions_requests, _Req

    values: dict[str, list[cst.BaseExpression | None]] = {}
    for b in collect_bindings(func.body):
        values.setdefault(b.name, []).append(b.value if b.kind == ASSIGN and not b.path else None)

    def is_response(v: cst.BaseExpression | None) -> bool:
        if isinstance(v, cst.Await):
            v = v.expression
        if not isinstance(v, cst.Call):
            return False
        if isinstance(_match(v, imports, shadowed, sessions), _Req):
            return True
        found = _lambda_target(v, imports, shadowed)
        return found is not None and _mentions_requests(found[1].body, imports, shadowed, sessions)

    return {n for n, vs in values.items() if vs and all(is_response(v) for v in vs)}


def _unwrap_lambdas(
    func: cst.FunctionDef, imports: ImportTable, shadowed: set[str]
) -> tuple[cst.FunctionDef, dict[int, cst.CSTNode], dict[int, str]]:
    """``func`` with its awaited thread-wrapped lambdas that can be unwrapped replaced by their
    body (see ``_LambdaUnwrap``), the map from new nodes to those they replace (``func`` itself
    and ``{}`` when there are none), and why each other awaited wrapper of a requests lambda was
    left (id of its call -> the end of a message "a lambda that ..."). Not done in a function
    holding a nested async def (its rewrite, made first, would be lost)."""
    from codemods.rules.requests_to_httpx.sessions import _SessionFinder

    finder = _HasLambdaOrAsync()
    func.body.visit(finder)
    if not finder.lambdas:
        return func, {}, {}
    sessions = _SessionFinder(imports, shadowed)
    func.body.visit(sessions)
    ps = func.params
    params = {p.name.value for p in [*ps.posonly_params, *ps.params, *ps.kwonly_params]}
    responses = _response_names(func, imports, shadowed, sessions.names)
    unwrap = _LambdaUnwrap(imports, shadowed, params, responses, sessions.names)
    if finder.nested_async:
        unwrap.blocked = "sits in a function holding an async def (not unwrapped there)"
    body = func.body.visit(unwrap)
    if not unwrap.unwrapped:
        return func, {}, unwrap.reasons
    assert isinstance(body, cst.BaseSuite)
    return func.with_changes(body=body), unwrap.origin, unwrap.reasons


class _HasLambdaOrAsync(cst.CSTVisitor):
    def __init__(self) -> None:
        self.lambdas = False
        self.nested_async = False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.lambdas = True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.nested_async = self.nested_async or node.asynchronous is not None
        return not self.nested_async
