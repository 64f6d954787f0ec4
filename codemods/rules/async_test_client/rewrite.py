"""The rewrite of one test body, step by step as its plan says, and the awaited client calls."""

from __future__ import annotations

import libcst as cst

from codemods.analysis.orm import TwinRewrite, async_list, awaited_twin, paren
from codemods.knowledge.testing import LOGIN, VERBS
from codemods.rules.async_test_client.client_args import headers_arg
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.plan import (
    AsyncFor,
    ClientAttr,
    ListComp,
    NewAsyncClient,
    Plan,
    Redirect,
    SessionRead,
    SessionSet,
    Twin,
)
from codemods.rules.async_test_client.scan_assertions import redirect_statements


class Rewrite(TwinRewrite):
    """Takes each planned step at its node of the original body, awaits every call on a client
    (``self.client.get`` -> ``await self.async_client.get``, login helpers -> their a-twins,
    ``HTTP_*`` -> ``headers=``), and parenthesises an await that became the value of an
    attribute, subscript or call. ``fresh``: the loop variable of ``list(qs)`` comprehensions;
    ``async_class``: the name ``AsyncClient`` is imported as."""

    def __init__(self, env: Env, plan: Plan, fresh: str, async_class: str = "AsyncClient") -> None:
        self.env = env
        self.plan = plan
        self.async_class = async_class
        self.fresh = fresh

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        step = self.plan.step(original_node)
        if isinstance(step, SessionSet):
            call = cst.Call(
                func=cst.Attribute(value=step.session, attr=cst.Name("aset")),
                args=[
                    cst.Arg(step.key, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Arg(step.value),
                ],
            )
            return updated_node.with_changes(body=[cst.Expr(cst.Await(expression=call))])
        if isinstance(step, Redirect):
            return redirect_statements(updated_node, step, self.env)
        return updated_node

    def async_loop(self, original: cst.For | cst.CompFor) -> bool:
        return isinstance(self.plan.step(original), AsyncFor)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        step = self.plan.step(original_node)
        if isinstance(step, NewAsyncClient):
            return updated_node.with_changes(func=cst.Name(self.async_class))
        if isinstance(step, Twin):
            return awaited_twin(updated_node, step.name)
        if isinstance(step, ListComp):
            return async_list(updated_node.args[0].value, self.fresh, updated_node)
        func = updated_node.func
        if isinstance(func, cst.Attribute) and self.env.is_client(func.value):
            verb = func.attr.value
            new_verb = LOGIN.get(verb, verb)
            args = list(updated_node.args)
            if verb in VERBS:
                args = headers_arg(args)
            value = func.value
            if isinstance(value, cst.Attribute):
                value = value.with_changes(attr=cst.Name("async_client"))
            elif value.value not in self.env.extra_clients:
                value = cst.Name("async_client")
            new_func = func.with_changes(value=value, attr=cst.Name(new_verb))
            return cst.Await(expression=updated_node.with_changes(func=new_func, args=args))
        if isinstance(updated_node.func, cst.Await) and not updated_node.func.lpar:
            return updated_node.with_changes(func=paren(updated_node.func))
        return updated_node

    def _async_client_expr(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(value, cst.Attribute):
            return value.with_changes(attr=cst.Name("async_client"))
        if isinstance(value, cst.Name) and value.value not in self.env.extra_clients:
            return cst.Name("async_client")
        return value

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        step = self.plan.step(original_node)
        if isinstance(step, ClientAttr):
            return updated_node.with_changes(value=self._async_client_expr(updated_node.value))
        if isinstance(step, SessionRead):
            func = cst.Attribute(value=self._async_client_expr(updated_node.value), attr=cst.Name("asession"))
            return cst.Await(expression=cst.Call(func=func))
        return super().leave_Attribute(original_node, updated_node)
