"""Responses of rewritten calls: they must not leave the function (``_EscapeCheck``), their
attributes must mean the same in httpx (``_ResponseChecks``, for the analysis), and ``.ok``,
``.reason``, ``.is_redirect``, ``raise_for_status()`` and ``requests.Response`` annotations are
rewritten to keep their meaning (``_ResponseRewrites``)."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import libcst as cst

from codemods.analysis import ImportTable, SameScope, last_name
from codemods.analysis.bindings import target_names
from codemods.analysis.unwrap import thread_wrapped
from codemods.knowledge.effects import STR_METHODS
from codemods.knowledge.requests_api import (
    BAD_ATTRS,
    MAPPINGS,
    MESSAGE_ATTRS,
    RENAMED_ATTRS,
    RESPONSE_CLASSES,
    RESPONSE_CLOSE,
    RESPONSE_SAME,
    REWRITTEN_ATTRS,
)
from codemods.problems import Problem
from codemods.rules.requests_to_httpx.calls import _Req
from codemods.rules.requests_to_httpx.exceptions import _LOGGERS
from codemods.rules.requests_to_httpx.syntax import _strip_await
from codemods.rules.requests_to_httpx.unwrap import FORMS

if TYPE_CHECKING:
    from codemods.rules.requests_to_httpx.values import _Locals


class _Mentions(cst.CSTVisitor):
    def __init__(self, local: _Locals) -> None:
        self.local = local
        self.found = False

    # A requests call made in the nested scope itself is reported as such (nested-sync-scope).
    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.local.tainted:
            self.found = True


# Logger methods that write a record (``logger.info(...)``); their arguments only become its text.
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
# Builtins that turn a value into text (inside a message, their argument only reaches that text).
_TO_TEXT = ("str", "repr", "format")


class _MessageParts(cst.CSTVisitor):
    """Expressions whose value only becomes the text of a message: the arguments of a logger call,
    ``print()``, ``warnings.warn()`` and of a builtin exception raised (``raise E(...)``), and inside them
    the parts of f-strings, ``+``/``%`` formatting, ``str()``, ``"...".format()``, slices and str
    methods; also ``body = r.text`` when every read of ``body`` is such a part. There requests'
    and httpx's ``.text``/``.url`` may differ (decoding, quoting) without the program acting on it."""

    def __init__(self, imports: ImportTable, shadowed: set[str]) -> None:
        self.imports, self.shadowed = imports, shadowed
        self.parts: set[int] = set()
        self._reads: dict[str, list[int]] = {}  # name -> ids of the Name nodes reading it
        self._stores: set[int] = set()
        self._assigned: list[tuple[str, cst.BaseExpression]] = []  # ``name = <value>``

    def _sink(self, call: cst.Call) -> bool:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _LOG_METHODS and last_name(func.value) in _LOGGERS:
            return True
        if isinstance(func, cst.Name) and func.value == "print":
            return "print" not in self.shadowed
        return self.imports.qualify(func, self.shadowed) == "warnings.warn"

    def _mark(self, expr: cst.BaseExpression) -> None:
        self.parts.add(id(expr))
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self._mark(part.expression)
        elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
            self._mark(expr.left)
            self._mark(expr.right)
        elif isinstance(expr, (cst.Tuple, cst.List)):
            for el in expr.elements:
                self._mark(el.value)
        elif isinstance(expr, cst.IfExp):
            self._mark(expr.body)
            self._mark(expr.orelse)
        elif isinstance(expr, cst.BooleanOperation):
            self._mark(expr.left)
            self._mark(expr.right)
        elif isinstance(expr, cst.Subscript):
            self._mark(expr.value)
        elif isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Name) and func.value in _TO_TEXT and func.value not in self.shadowed:
                for a in expr.args[:1]:
                    self._mark(a.value)
            elif isinstance(func, cst.Attribute) and func.attr.value in STR_METHODS:
                self._mark(func.value)
                if func.attr.value == "format":
                    for a in expr.args:
                        self._mark(a.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self._sink(node):
            for a in node.args:
                self._mark(a.value)

    def visit_Raise(self, node: cst.Raise) -> None:
        # only Python's own exceptions: a framework's may become a response (DRF's ValidationError)
        exc = node.exc
        if isinstance(exc, cst.Call) and isinstance(exc.func, cst.Name):
            name = exc.func.value
            builtin = getattr(builtins, name, None)
            if (
                isinstance(builtin, type)
                and issubclass(builtin, BaseException)
                and name not in self.shadowed
                and name not in self.imports.names
            ):
                for a in exc.args:
                    self._mark(a.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if isinstance(t.target, cst.Name):
                self._stores.add(id(t.target))
                if len(node.targets) == 1:
                    self._assigned.append((t.target.value, node.value))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False  # ``x.text``: ``text`` reads no name

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False  # ``f(text=...)``: neither

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._stores:
            self._reads.setdefault(node.value, []).append(id(node))

    def finish(self) -> None:
        """``body = r.text`` is a part when every read of ``body`` is (names read in nested scopes too)."""
        for name, value in self._assigned:
            reads = self._reads.get(name, [])
            if reads and all(r in self.parts for r in reads):
                self._mark(value)


# Calls that may take responses as arguments without the response reaching code that expects a
# requests Response: gather returns them (tracked as values), len counts a list of them, loggers
# only format them.
def _is_safe_sink(call: cst.Call, local: _Locals) -> bool:
    func = call.func
    if local.imports.qualify(func, local.shadowed) == "asyncio.gather":
        return True
    if isinstance(func, cst.Name) and func.value == "len" and "len" not in local.shadowed:
        return True  # of a list of responses
    return (
        isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in _LOGGERS
    )


class _EscapeCheck(SameScope, cst.CSTVisitor):
    """A response of a rewritten call must not leave the function (returned, yielded, passed to a
    call, stored in an attribute or item, captured by a nested function, formatted): whoever gets
    it expects a requests Response. Inside the function its uses are checked attribute by attribute."""

    def __init__(self, local: _Locals) -> None:
        self.local = local
        self.problems: list[tuple[cst.CSTNode, Problem]] = []
        self._outer: set[str] = set()  # names declared global/nonlocal

    def _formats_only_an_exception(self, expr: cst.BaseExpression | None) -> bool:
        """``f"{e}"``/``print(e)`` of ``except requests.HTTPError as e``: the text is the exception's
        message (reported as such by the handler check), not the response ``e.response`` holds."""
        return isinstance(expr, cst.Name) and expr.value in self.local.handler_names

    def _sink(self, node: cst.CSTNode, expr: cst.BaseExpression | None, how: str) -> None:
        if expr is not None and self.local.response_valued(expr):
            why = "where code may expect a requests Response"
            self.problems.append(
                (node, Problem("response-escapes", f"a response leaves the function ({how}), {why}"))
            )

    def visit_Return(self, node: cst.Return) -> None:
        self._sink(node, node.value, "returned")

    def visit_Yield(self, node: cst.Yield) -> None:
        value = node.value
        self._sink(node, value if isinstance(value, cst.BaseExpression) else None, "yielded")

    def visit_Call(self, node: cst.Call) -> None:
        if _is_safe_sink(node, self.local):
            return
        func = node.func
        formats = isinstance(func, cst.Name) and func.value in ("print", "str", "repr") and func.value not in self.local.shadowed
        for a in node.args:
            if formats and self._formats_only_an_exception(a.value):
                continue
            if isinstance(a.value, cst.Call) and thread_wrapped(a.value, self.local.imports, self.local.shadowed, FORMS):
                # ``wait_for(to_thread(requests.post, ...))`` passes an awaitable, not a response:
                # the call is reported as not awaited where it is made
                continue
            self._sink(node, a.value, "passed to a call")

    def visit_Global(self, node: cst.Global) -> None:
        self._outer.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self._outer.update(n.name.value for n in node.names)

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(not isinstance(t.target, (cst.Name, cst.Tuple, cst.List)) for t in node.targets):
            self._sink(node, node.value, "stored in an attribute or item")
        elif any(n in self._outer for t in node.targets for n in target_names(t.target)):
            self._sink(node, node.value, "stored in a global or nonlocal name")

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if not self._formats_only_an_exception(node.expression):
            self._sink(node, node.expression, "formatted as text")

    # A requests Response is falsy for 4xx/5xx (``__bool__`` is ``ok``); an httpx one is always true.
    def _truth(self, node: cst.CSTNode, expr: cst.BaseExpression | None) -> None:
        if expr is not None and self.local.is_response(expr):
            why = "(requests: r.ok; httpx: always true)"
            self.problems.append((node, Problem("response-truth", f"uses a response as a truth value {why}")))

    def visit_If(self, node: cst.If) -> None:
        self._truth(node, node.test)

    def visit_While(self, node: cst.While) -> None:
        self._truth(node, node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._truth(node, node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._truth(node, node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self._truth(node, node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._truth(node, node.expression)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._truth(node, node.left)
        self._truth(node, node.right)

    def nested_scope(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> bool:
        if isinstance(node, cst.FunctionDef) and node.asynchronous is not None:
            return False  # a nested async def is rewritten on its own
        finder = _Mentions(self.local)
        node.visit(finder)
        if finder.found:
            why = "(it may outlive the function)"
            self.problems.append(
                (node, Problem("response-nested-scope", f"a response is used in a nested scope {why}"))
            )
        return False


def _is_response_annotation(expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]) -> bool:
    return imports.qualify(expr, shadowed) in RESPONSE_CLASSES


def _method_statement(line: cst.SimpleStatementLine) -> cst.Attribute | None:
    """``x.m`` when ``line`` is exactly the statement ``x.m()`` (one call, no arguments)."""
    if len(line.body) != 1 or not isinstance(line.body[0], cst.Expr):
        return None
    call = line.body[0].value
    if not isinstance(call, cst.Call) or call.args or not isinstance(call.func, cst.Attribute):
        return None
    return call.func


def _raise_for_status_target(line: cst.SimpleStatementLine, local: _Locals) -> cst.Attribute | None:
    """``r.raise_for_status`` when ``line`` is exactly ``r.raise_for_status()`` on a response name."""
    func = _method_statement(line)
    if func is None or func.attr.value != "raise_for_status":
        return None
    value = _strip_await(func.value)
    if isinstance(value, cst.Call) and isinstance(local.match(value), _Req):
        return func  # ``requests.get(u).raise_for_status()``: the response gets a name
    if not isinstance(func.value, cst.Name):
        return None
    return func if local.is_response(func.value) else None


def _close_target(line: cst.SimpleStatementLine, local: _Locals) -> cst.Attribute | None:
    """``r.close`` when ``line`` is exactly ``r.close()`` on a response name."""
    func = _method_statement(line)
    if func is None or func.attr.value not in RESPONSE_CLOSE or not isinstance(func.value, cst.Name):
        return None
    return func if local.is_response(func.value) else None


class _ResponseChecks:
    """``_Analyzer``'s part for responses: attributes of (what may be) a response of a rewritten call
    must be rewritable or behave the same in httpx; ``headers``/``cookies`` only for lookups."""

    imports: ImportTable
    shadowed: set[str]
    local: _Locals
    problems: list[tuple[cst.CSTNode, Problem]]
    _call_funcs: set[int]
    _statement_rfs: set[int]  # ``r.raise_for_status``/``r.close`` of such statements (rewritten)
    _lookups: set[int]  # r.headers / r.cookies used as r.headers[k], .get(k), k in

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        # ``r: requests.Response = ...``: a local annotation is never evaluated; it becomes httpx's
        if _is_response_annotation(node.annotation.annotation, self.imports, self.shadowed):
            self._call_funcs.add(id(node.annotation.annotation))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        target = _raise_for_status_target(node, self.local) or _close_target(node, self.local)
        if target is not None:
            self._statement_rfs.add(id(target))

    def _check_response_attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        maybe = self.local.response_valued(node.value)
        if (
            maybe
            and attr in BAD_ATTRS
            and not (attr in MESSAGE_ATTRS and id(node) in self.local.message_parts)
            and not (
                attr in REWRITTEN_ATTRS
                and self.local.is_response(node.value)
                and (attr != "raise_for_status" or id(node) in self._statement_rfs)
            )
            and not (
                attr == "iter_content"
                and isinstance(node.value, cst.Name)
                and node.value.value in self.local.streams
            )
        ):  # iter_content on a streamed response: checked by _StreamCheck
            if attr == "raise_for_status":
                why = "rewritten only as a statement `name.raise_for_status()` on a response name"
            elif attr in REWRITTEN_ATTRS:
                why = "rewritten only on a response of a rewritten call"
            else:
                why = "differs between requests and httpx"
            message = f"uses .{attr}, which {why}"
            if attr in MESSAGE_ATTRS:
                message = f"uses .{attr} other than in a log/print/exception message: {MESSAGE_ATTRS[attr]}"
            self.problems.append((node, Problem("response-attribute", message)))
        elif maybe and attr not in BAD_ATTRS and self.local.may_be_response(node.value):
            # A name bound to a response in one place and to something else in another is checked
            # like a response: the rewrite changes what it holds on the requests path.
            if attr not in RESPONSE_SAME and not (attr in RESPONSE_CLOSE and id(node) in self._statement_rfs):
                why = "(no same-behaving httpx equivalent)"
                what = "a response" if self.local.is_response(node.value) else "a value that may be a response"
                self.problems.append((node, Problem("response-attribute", f"uses .{attr} of {what} {why}")))
            elif attr in MAPPINGS and id(node) not in self._lookups:
                why = "httpx lowercases header names when iterating; its cookie jar has other methods"
                message = f"uses a response's .{attr} other than to look one up ({why})"
                self.problems.append((node, Problem("response-mapping", message)))

    def _mark_lookup(self, expr: cst.BaseExpression) -> None:
        if isinstance(expr, cst.Attribute) and expr.attr.value in MAPPINGS:
            self._lookups.add(id(expr))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._mark_lookup(node.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                self._mark_lookup(target.comparator)


class _ResponseRewrites:
    """``_Rewriter``'s part for responses: ``r.ok`` -> ``not r.is_error``, ``r.reason`` ->
    ``r.reason_phrase``, ``r.is_redirect`` -> ``r.has_redirect_location``, the statement
    ``r.raise_for_status()`` -> ``if r.is_error: r.raise_for_status()``, ``r: requests.Response`` ->
    ``r: httpx.Response``; an awaited call used as a value gets parentheses (``(await c.get(u)).json()``)."""

    imports: ImportTable
    shadowed: set[str]
    local: _Locals
    module_name: str
    response_name: str  # a name free in the function, for the response of a chained raise_for_status()
    _made: set[int]  # ids of the ``(not r.is_error)`` made here (their parentheses may go)

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> cst.AnnAssign:
        if _is_response_annotation(original_node.annotation.annotation, self.imports, self.shadowed):
            new = cst.Attribute(value=cst.Name(self.module_name), attr=cst.Name("Response"))
            return updated_node.with_changes(annotation=updated_node.annotation.with_changes(annotation=new))
        return updated_node

    def _paren(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Await) and not expr.lpar:
            return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return expr

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        node = updated_node.with_changes(value=self._paren(updated_node.value))
        attr = original_node.attr.value
        if attr not in ("ok", *RENAMED_ATTRS) or not self.local.is_response(original_node.value):
            return node
        if attr in RENAMED_ATTRS:
            return node.with_changes(attr=cst.Name(RENAMED_ATTRS[attr]))
        # requests' ok: status below 400 (and not 4xx/5xx); httpx's is_error is exactly 4xx/5xx.
        negated = cst.UnaryOperation(
            operator=cst.Not(),
            expression=node.with_changes(attr=cst.Name("is_error"), lpar=[], rpar=[]),
            lpar=[cst.LeftParen(), *node.lpar],
            rpar=[*node.rpar, cst.RightParen()],
        )
        self._made.add(id(negated))
        return negated

    def leave_UnaryOperation(
        self, original_node: cst.UnaryOperation, updated_node: cst.UnaryOperation
    ) -> cst.BaseExpression:
        # ``not r.ok`` -> ``r.is_error`` (not ``not (not r.is_error)``)
        inner = updated_node.expression
        if isinstance(updated_node.operator, cst.Not) and id(inner) in self._made:
            assert isinstance(inner, cst.UnaryOperation)
            return inner.expression.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node

    def _unparen(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if id(expr) in self._made and len(expr.lpar) == 1:
            return expr.with_changes(lpar=[], rpar=[])
        return expr

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.If:
        return updated_node.with_changes(test=self._unparen(updated_node.test))

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> cst.While:
        return updated_node.with_changes(test=self._unparen(updated_node.test))

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        if updated_node.value is None:
            return updated_node
        return updated_node.with_changes(value=self._unparen(updated_node.value))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return updated_node.with_changes(value=self._unparen(updated_node.value))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        closed = _close_target(original_node, self.local)
        if closed is not None:  # ``r.close()`` -> ``await r.aclose()``
            expr = updated_node.body[0]
            assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
            call = expr.value.with_changes(func=expr.value.func.with_changes(attr=cst.Name(RESPONSE_CLOSE["close"])))
            return updated_node.with_changes(body=[expr.with_changes(value=cst.Await(expression=call))])
        target = _raise_for_status_target(original_node, self.local)
        if target is None:
            return updated_node
        # requests raises only for 4xx/5xx; httpx also for 1xx/3xx (an unfollowed redirect, a 304).
        if isinstance(target.value, cst.Name):
            return cst.If(
                test=cst.Attribute(value=cst.Name(target.value.value), attr=cst.Name("is_error")),
                body=cst.IndentedBlock(body=[updated_node.with_changes(leading_lines=[])]),
                leading_lines=updated_node.leading_lines,
            )
        # ``requests.get(u).raise_for_status()``: ``name = await client.get(u)`` first, then the same
        expr = updated_node.body[0]
        assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
        func = expr.value.func
        assert isinstance(func, cst.Attribute)
        name = cst.Name(self.response_name)
        made = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(name)], value=func.value.with_changes(lpar=[], rpar=[]))],
            leading_lines=updated_node.leading_lines,
        )
        check = cst.SimpleStatementLine(
            body=[expr.with_changes(value=expr.value.with_changes(func=func.with_changes(value=name)))],
            trailing_whitespace=updated_node.trailing_whitespace,
        )
        test = cst.Attribute(value=name, attr=cst.Name("is_error"))
        return cst.FlattenSentinel([made, cst.If(test=test, body=cst.IndentedBlock(body=[check]))])

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.Subscript:
        return updated_node.with_changes(value=self._paren(updated_node.value))
