"""requests calls: recognising one however it is written (``requests.get(...)``, on a local Session,
thread-wrapped) as a ``_Req``, and rewriting it into a call of the AsyncClient (``_CallRewrites``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import TYPE_CHECKING

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.unwrap import merge_args, partial_target, thread_wrapped, unwrapped_args
from codemods.knowledge.requests_api import METHODS
from codemods.problems import Problem
from codemods.rules.requests_to_httpx.arguments import _httpx_call, _is_raw_body
from codemods.rules.requests_to_httpx.unwrap import FORMS, _map_gathered, _wrapper_problem

if TYPE_CHECKING:
    from codemods.rules.requests_to_httpx.values import _Locals


@dataclasses.dataclass
class _Req:
    """One requests call, however it was written: the method and the arguments requests receives."""

    method: str
    args: list[cst.Arg]
    form: str  # "call", "sync_to_async", "asyncio.to_thread", "run_in_executor"
    refs: list[cst.CSTNode]  # the ``requests.get`` references it consumes (not uses of their own)
    session: str | None = None  # the local Session it is made on (becomes that AsyncClient)


def _qualified_method(call: cst.Call, imports: ImportTable, shadowed: set[str]) -> str | None:
    q = imports.qualify(call.func, shadowed)
    if q is None or not q.startswith("requests."):
        return None
    method = q[len("requests.") :]
    if method in METHODS or method.startswith("api.") and method[4:] in METHODS:
        return method.rpartition(".")[2]
    return None


def _session_method(expr: cst.BaseExpression, sessions: Collection[str]) -> tuple[str, str] | None:
    """(session, method) for ``s.get`` where ``s`` is a local requests Session."""
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value in sessions
        and expr.attr.value in METHODS
    ):
        return expr.value.value, expr.attr.value
    return None


def _resolve_callable(
    expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str], sessions: Collection[str] = ()
) -> tuple[str, list[cst.Arg], cst.CSTNode, str | None] | Problem | None:
    """``requests.get``, ``session.get`` or ``functools.partial(requests.get, ...)``: (method, bound
    args, reference, session).

    A Problem is a reason to refuse; None means the callable is not a requests function."""
    sm = _session_method(expr, sessions)
    if sm is not None:
        return sm[1], [], expr, sm[0]
    q = imports.qualify(expr, shadowed)
    if q is not None and q.startswith("requests."):
        method = q[len("requests.") :]
        method = method.removeprefix("api.")
        return (method, [], expr, None) if method in METHODS else None
    partial = partial_target(expr, imports, shadowed)
    if partial is not None:
        inner = _resolve_callable(partial[0], imports, shadowed, sessions)
        if isinstance(inner, tuple):
            return inner[0], [*inner[1], *partial[1]], inner[2], inner[3]
        return inner
    if isinstance(expr, cst.Lambda):
        if not _mentions_requests(expr, imports, shadowed, sessions):
            return None  # e.g. an ORM query: none of this codemod's business
        return Problem("wrapped-lambda", "a lambda")
    return None


class _RequestsMention(cst.CSTVisitor):
    def __init__(self, imports: ImportTable, shadowed: set[str], sessions: Collection[str]) -> None:
        self.imports, self.shadowed, self.sessions = imports, shadowed, sessions
        self.found = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        q = self.imports.qualify(node, self.shadowed)
        if q is not None and q.split(".")[0] == "requests":
            self.found = True
        return not self.found

    def visit_Name(self, node: cst.Name) -> None:
        q = self.imports.qualify(node, self.shadowed)
        if (q is not None and q.split(".")[0] == "requests") or node.value in self.sessions:
            self.found = True


def _mentions_requests(
    node: cst.CSTNode, imports: ImportTable, shadowed: set[str], sessions: Collection[str] = ()
) -> bool:
    """True if ``node`` refers to requests (the module, a name imported from it, a local Session)."""
    finder = _RequestsMention(imports, shadowed, sessions)
    node.visit(finder)
    return finder.found


def _match(
    call: cst.Call, imports: ImportTable, shadowed: set[str], sessions: Collection[str] = ()
) -> _Req | Problem | None:
    """The requests call ``call`` makes (plainly, on a local Session or through a thread wrapper), a
    reason to refuse it, or None when it is not a requests call."""
    method = _qualified_method(call, imports, shadowed)
    if method is not None:
        return _Req(method, list(call.args), "call", [call.func])
    sm = _session_method(call.func, sessions)
    if sm is not None:
        return _Req(sm[1], list(call.args), "call", [call.func], sm[0])
    wrapped = thread_wrapped(call, imports, shadowed, FORMS)
    if wrapped is None:
        return None
    form = wrapped.form
    resolved = _resolve_callable(wrapped.target, imports, shadowed, sessions)
    if resolved is None:
        return None
    if isinstance(resolved, Problem) and resolved.kind == "wrapped-lambda":
        # not unwrapped before the analysis; an awaited one has its reason from
        # ``unwrap._unwrap_lambdas`` (the analysis puts it in the message)
        return Problem(resolved.kind, f"{form}() of a lambda that is not awaited where it is made")
    if isinstance(resolved, Problem):
        return Problem(resolved.kind, f"{form}() of {resolved.message}")
    method, bound, ref, session = resolved
    problem = _wrapper_problem(call, wrapped, f"requests.{method}", imports, shadowed)
    if problem is not None:
        return problem
    args = merge_args(bound, wrapped.given)
    if isinstance(args, Problem):
        return Problem(args.kind, f"{form}(requests.{method}) {args.message}")
    return _Req(method, args, form, [ref], session)


def _streams(req: _Req | Problem | None) -> bool:
    """True for a requests call passing stream=True."""
    if not isinstance(req, _Req):
        return False
    return any(
        a.keyword is not None
        and a.keyword.value == "stream"
        and isinstance(a.value, cst.Name)
        and a.value.value == "True"
        for a in req.args
    )


class _CallRewrites:
    """``_Rewriter``'s part for the calls: ``requests.get(...)`` -> ``await client.get(...)``, an
    awaited thread wrapper -> ``await client.get(...)``, wrapped calls given to ``asyncio.gather`` ->
    ``client.get(...)`` coroutines, ``s.close()`` of a local Session -> ``await s.aclose()``."""

    imports: ImportTable
    shadowed: set[str]
    client: str
    local: _Locals
    module_name: str

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        node = updated_node
        if isinstance(node.func, cst.Await) and not node.func.lpar:
            node = node.with_changes(
                func=node.func.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            )
        func = original_node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "close"
            and isinstance(func.value, cst.Name)
            and func.value.value in self.local.sessions
            and not original_node.args
        ):
            aclose = node.with_changes(func=node.func.with_changes(attr=cst.Name("aclose")))  # type: ignore[attr-defined]
            return cst.Await(expression=aclose.with_changes(lpar=[], rpar=[]), lpar=node.lpar, rpar=node.rpar)
        if self.imports.qualify(original_node.func, self.shadowed) == "asyncio.gather":
            return self._gather(node)
        req = self.local.match(original_node)
        if not isinstance(req, _Req) or req.form != "call":
            return node
        call = self._client_call(req.method, list(node.args), node.whitespace_before_args, req.session)
        return cst.Await(expression=call, lpar=node.lpar, rpar=node.rpar)

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        inner = updated_node.expression
        if not isinstance(inner, cst.Call):
            return updated_node
        req = self.local.match(inner)
        if not isinstance(req, _Req) or req.form == "call":
            return updated_node
        return updated_node.with_changes(expression=self._wrapped_call(req))

    def _wrapped_call(self, req: _Req) -> cst.Call:
        """``client.get(...)`` (not awaited) for a thread-wrapped call."""
        return self._client_call(req.method, unwrapped_args(req.args), cst.SimpleWhitespace(""), req.session)

    def _unwrap(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Call):
            req = self.local.match(expr)
            if isinstance(req, _Req) and req.form != "call":
                return self._wrapped_call(req).with_changes(lpar=expr.lpar, rpar=expr.rpar)
        return expr

    def _gather(self, call: cst.Call) -> cst.Call:
        """``asyncio.gather(sync_to_async(requests.get)(u), ...)``: each wrapped call becomes the
        coroutine ``client.get(u, ...)`` (gather awaits them together, as it did the wrappers)."""
        return _map_gathered(call, self._unwrap)

    def _client_call(
        self,
        method: str,
        given: list[cst.Arg],
        whitespace_before_args: cst.BaseParenthesizableWhitespace,
        session: str | None = None,
    ) -> cst.Call:
        return _httpx_call(
            method,
            given,
            whitespace_before_args,
            receiver=session or self.client,
            session=session is not None,
            module_name=self.module_name,
            raw_body=self._raw_body,
        )

    def _raw_body(self, expr: cst.BaseExpression) -> bool:
        """Visibly str/bytes: see ``_is_raw_body``; also a local name only ever assigned such values."""
        if isinstance(expr, cst.Name) and expr.value not in self.local.params:
            values = self.local.values.get(expr.value)
            return bool(values) and all(
                v is not None and _is_raw_body(v, self.imports, self.shadowed) for v in values
            )
        return _is_raw_body(expr, self.imports, self.shadowed)
