"""The statements a run is made of: which awaiting statements can join one, and what each reads and binds."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import bindings, last_name
from codemods.knowledge.effects_gather import POST_METHODS
from codemods.knowledge.runtime import COROUTINE_WRAPPERS
from codemods.problems import Problem
from codemods.rules.gather_awaits.syntax import base_of, comments_in, has_await, names_in


class Stmt:
    """One statement that awaits a call first thing (optionally post-processing the result)."""

    def __init__(self, node: cst.SimpleStatementLine, small: cst.BaseSmallStatement,
                 target_node: cst.BaseExpression | None, value: cst.BaseExpression,
                 await_: cst.Await) -> None:
        self.node = node
        self.small = small
        self.target_node = target_node
        # a plain name target (bound directly by gather when nothing forces an own line)
        self.target = target_node.value if isinstance(target_node, cst.Name) else None
        self.value = value
        self.await_ = await_
        call = await_.expression
        assert isinstance(call, cst.Call)
        self.call: cst.Call = call
        self.has_post = value is not await_
        # a tuple/attribute/subscript target also needs a line of its own, in order
        self.needs_line = self.has_post or (target_node is not None and self.target is None)
        pre = names_in(call)
        self.pre_names = pre.names
        self.calls = pre.calls  # the awaited call first, then calls in its arguments
        # the call(s) whose coroutine is awaited: ``f()`` of ``wait_for(f(), 5)`` too
        self.primary = [call]
        while last_name(self.primary[-1].func) in COROUTINE_WRAPPERS:
            args = self.primary[-1].args
            if not args or args[0].keyword is not None or not isinstance(args[0].value, cst.Call):
                break
            self.primary.append(args[0].value)
        self.post_names = names_in(value).names - self.pre_names if self.has_post else set()
        self.bound: set[str] = set()  # names the statement binds
        # receivers and handed objects of its calls (see Independence.shared), once computed
        self.shared: tuple[dict[str, str], dict[str, str]] | None = None
        self.written: set[str] = set()  # objects it writes into (``a`` of ``a.b = ...``)
        if target_node is not None:
            target_names(target_node, self.bound, self.written)
            # names read by an attribute/subscript target are read after the call, in order
            self.post_names |= names_in(target_node).names - self.bound


def target_names(node: cst.BaseExpression, bound: set[str], written: set[str]) -> None:
    """Add to ``bound`` the names an assignment target binds, to ``written`` the objects it writes into."""
    bound.update(bindings.target_names(node))
    written.update(base_of(t) or "" for t in bindings.written_targets(node))


def target_problem(node: cst.BaseExpression) -> Problem | None:
    """Why an assignment target cannot be assigned later, on a line of its own."""
    if isinstance(node, cst.Name):
        return None
    if isinstance(node, (cst.Tuple, cst.List)):
        for el in node.elements:
            problem = target_problem(el.value)
            if problem:
                return problem
        return None
    if isinstance(node, cst.StarredElement):
        return target_problem(node.value)
    if isinstance(node, (cst.Attribute, cst.Subscript)):
        if base_of(node) is None or not simple(node):
            return Problem(
                "computed-target", "assigns to a target that computes something (call, nested expression)"
            )
        return None
    return Problem("target-kind", f"assigns to a {type(node).__name__.lower()} target")


def simple(expr: cst.BaseExpression) -> bool:
    """Literals, names, attribute and item reads: evaluating it cannot affect anything."""
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(expr, cst.Attribute):
        return simple(expr.value)
    if isinstance(expr, cst.Subscript):
        return simple(expr.value) and all(
            isinstance(el.slice, cst.Index) and simple(el.slice.value) for el in expr.slice
        )
    if isinstance(expr, cst.Tuple):
        return all(simple(el.value) for el in expr.elements)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return isinstance(expr.expression, (cst.Integer, cst.Float))
    return False


def split(value: cst.BaseExpression) -> cst.Await | Problem:
    """The await at the root of a post-processing chain, or why ``value`` is not one."""
    node = value
    while not isinstance(node, cst.Await):
        if isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Subscript):
            for el in node.slice:
                s = el.slice
                parts = [s.value] if isinstance(s, cst.Index) else [
                    x for x in (s.lower, s.upper, s.step) if x is not None
                ]
                if not all(simple(x) for x in parts):
                    return Problem(
                        "computed-index", "the result is indexed with something that is not a name or literal"
                    )
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method not in POST_METHODS:
                return Problem(
                    "post-method",
                    f"the result is post-processed with .{method}(), which may have side effects",
                )
            if not all(not a.star and simple(a.value) for a in node.args):
                return Problem(
                    "post-arguments",
                    f"the result's .{method}() gets arguments that are not names or literals",
                )
            node = node.func.value
        else:
            return Problem("await-not-first", "the await is not the first thing its statement evaluates")
    return node


def analyze(stmt: cst.BaseStatement) -> Stmt | Problem | None:
    """A gatherable statement, the reason an awaiting statement is not one, or None (no await)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return None
    if not has_await(stmt) or is_gather(stmt):
        return None
    if any(isinstance(s, cst.Return) for s in stmt.body):
        return None
    if len(stmt.body) != 1:
        return Problem("several-statements", "several statements on one line")
    small = stmt.body[0]
    target: cst.BaseExpression | None = None
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return Problem("chained-assignment", "chained assignment")
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign):
        if small.value is None:
            return Problem("bare-annotation", "annotation without a value")
        target, value = small.target, small.value
    elif isinstance(small, cst.Expr):
        value = small.value
    else:
        return Problem("statement-kind", f"await inside a {type(small).__name__.lower()} statement")
    if target is not None:
        problem = target_problem(target)
        if problem:
            return problem
    root = split(value)
    if isinstance(root, Problem):
        return root
    if not isinstance(root.expression, cst.Call):
        return Problem("awaits-non-call", "awaits something other than a call")
    if names_in(root.expression).unsafe:
        return Problem("unsafe-call", "the awaited call holds an await, walrus, lambda or yield")
    if len(comments_in(small)) != len(comments_in(root.expression)):
        return Problem(
            "comment-lost", "a comment inside the statement, outside the awaited call, would be lost"
        )
    return Stmt(stmt, small, target, value, root)


def is_gather(stmt: cst.BaseStatement) -> bool:
    """An ``x, y = await asyncio.gather(...)`` statement (this codemod's own output)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    value = small.value if isinstance(small, (cst.Assign, cst.Expr)) else None
    return (
        isinstance(value, cst.Await)
        and isinstance(value.expression, cst.Call)
        and last_name(value.expression.func) == "gather"
    )
