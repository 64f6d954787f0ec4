"""The scan's judgement of calls in a test body: client requests, ORM twins, ``self.*``, other calls."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import dotted_name
from codemods.knowledge.effects import STR_METHODS  # called on an UPPER_CASE module constant: formatting
from codemods.knowledge.testing import (
    CLIENT_CLASSES,
    CLIENT_INIT_KW,
    CONTRIB_USER,
    CTX_ASSERTS,
    EQ_ASSERTS,
    INSTANCE_TWINS,
    LAZY_QS,
    LOGIN,
    MANAGER_ATTRS,
    ORM_ATTRS,
    QS_TWINS_INST,
    QS_TWINS_OTHER,
    QS_TWINS_PAIR,
    QUERY_ASSERTS,
    SAFE_BUILTINS,
    SAFE_MODULES,
    SAFE_SELF,
    SESSION_TWINS,
    USER_TWINS,
    VALUES_QS,
    VERBS,
)
from codemods.rules.async_test_client.common import code, root_name
from codemods.rules.async_test_client.models import Model
from codemods.rules.async_test_client.plan import ListComp, NewAsyncClient, Twin
from codemods.rules.async_test_client.scan_base import ScanBase


class CallsScan(ScanBase):
    """Every call of the test body: a request or login helper on a client (counted; its
    arguments judged by ``ClientArgsScan``), an ORM call with an awaited twin (planned as
    ``Twin``), ``list(qs)`` (planned as ``ListComp``), ``Client(...)`` (planned as
    ``NewAsyncClient``), ``self.assert*`` and pytest-django's assertions (``assertRedirects``
    judged by ``AssertionsScan``), and any other call, refused unless it is known not to touch
    the database."""

    def visit_Call(self, node: cst.Call) -> None:
        self._check_use(node)
        func = node.func
        if isinstance(func, cst.Attribute) and self.env.is_client(func.value):
            self.ok_client_attrs.add(func.value)
            if not (isinstance(func.value, cst.Name) and func.value.value in self.env.extra_clients):
                self.default_client = True
            self.handled.add(func)
            verb = func.attr.value
            if self.depth_nested:
                self._refuse("nested-client", "the client is used inside a nested function, lambda or generator")
                self.client_calls += 1
                return
            if verb in VERBS:
                self._check_args(node)
                self.requests.append(node)
                self.client_calls += 1
            elif verb in LOGIN:
                self.logins = self.logins or verb == "login"
                if self.target < (5, 0):
                    self._refuse("needs-django", f"client.{verb}() has an async twin only on Django 5.0+")
                self._ok_args(node, ("inst",))
                self.client_calls += 1
            else:
                self._refuse("client-method", f"client.{verb}() has no supported async rewrite")
            return
        if isinstance(func, cst.Attribute):
            self._method_call(node, func)
        else:
            self._plain_call(node, func)

    def _ok_args(self, node: cst.Call, kinds: tuple[str, ...]) -> None:
        todo = [a.value for a in node.args]
        while todo:
            value = todo.pop()
            if isinstance(value, (cst.List, cst.Tuple, cst.Set)) and "inst" in kinds:
                todo += [e.value for e in value.elements if not isinstance(e, cst.StarredElement)]
                continue
            k = self._kind(value)
            if k is not None and k[0] in kinds:
                self.ok.add(value)

    def _twin(self, node: cst.Call, twin: str, version: tuple[int, int], what: str) -> None:
        if self.depth_nested:
            self._refuse("nested-orm", f"{what} runs inside a nested function, lambda or generator")
        elif self._need(version, what):
            self.plan.add(node, Twin(twin))

    def _method_call(self, node: cst.Call, func: cst.Attribute) -> None:
        name = func.attr.value
        recv = func.value
        rk = self._kind(recv)
        self.handled.add(func)
        if rk is not None and rk[0] in ("qs", "values"):
            self.ok.add(recv)
            self._ok_args(node, ("qs", "values", "inst"))
            model = rk[1]
            if name in LAZY_QS or name in VALUES_QS:
                return
            if name in QS_TWINS_INST or name in QS_TWINS_PAIR or name in QS_TWINS_OTHER or name == "bulk_create":
                if self._manager_override(recv, model, name):
                    return
                self._twin(node, "a" + name, (4, 1), f".{name}()")
            elif name in USER_TWINS and model is not None and model.qual == CONTRIB_USER:
                self._twin(node, "a" + name, (5, 2), f"User.objects.{name}()")
            else:
                self._refuse("no-twin", f".{name}() on a queryset has no async twin this codemod uses")
            return
        if rk is not None and rk[0] == "inst":
            self.ok.add(recv)
            if name in INSTANCE_TWINS:
                self._twin(node, "a" + name, (4, 2), f"{code(recv)}.{name}()")
            else:
                self._refuse("may-query", f"{code(func)}() may run a query synchronously")
            return
        if rk is not None and rk[0] == "model":
            self.ok.add(recv)
            self._refuse("may-query", f"{code(func)}() may run a query synchronously")
            return
        if isinstance(recv, cst.Name) and recv.value in self.env.sessions:
            self.ok.add(recv)
            if name in SESSION_TWINS:
                self._twin(node, "a" + name, (5, 1), f"session.{name}()")
            else:
                self._refuse("no-twin", f"session.{name}() has no async twin")
            return
        if rk is not None and rk[0] == "ctx":
            self.ok.add(recv)
            if name != "non_field_errors":
                self._refuse("context-value", f"{code(func)}() on a context value may run a query synchronously")
            return
        if isinstance(recv, cst.Name) and recv.value == self.self_name:
            if name == "assertRedirects":
                self._redirect(node)
            elif name in QUERY_ASSERTS:
                self._refuse("query-assert", f"{name} needs the sync client or runs queries synchronously")
            elif name in EQ_ASSERTS or name in CTX_ASSERTS:
                self._ok_args(node, ("inst",) if name not in CTX_ASSERTS else ("inst", "ctx"))
            elif not name.startswith("assert") and name not in SAFE_SELF:
                self._refuse("may-touch-db", f"self.{name}() may touch the database synchronously")
            return
        if isinstance(recv, cst.Attribute) and recv.attr.value == "cookies" and self.env.is_client(recv.value):
            return  # the cookie jar (a SimpleCookie)
        origin = self._response_object(recv, 0)
        if origin is not None:
            self._refuse(
                "response-object",
                f"{code(func)}() calls a method of {origin} (an object the response carries, not its "
                "data), which may touch the database synchronously",
            )
            return
        if name in ORM_ATTRS:
            self._refuse("may-touch-db", f"{code(func)}() may touch the database synchronously")
            return
        root = root_name(recv)
        dotted = dotted_name(recv) or ""
        if dotted.split(".")[0] in (self.self_name, *self.env.opaque) and not self.env.is_client(recv):
            self._refuse("may-touch-db", f"{code(func)}() may touch the database synchronously")
            return
        if isinstance(recv, cst.Name) and recv.value.isupper() and recv.value not in self.env.shadowed and name in STR_METHODS:
            return  # a str method of a module constant (MESSAGE.format())
        if root is not None and root not in self.env.names and root not in self.env.shadowed:
            qual = self.env.models.imports.qualify(func, self.env.shadowed)
            if qual is not None and not qual.startswith(SAFE_MODULES):
                self._refuse("may-touch-db", f"cannot tell whether {code(func)}() touches the database")

    def _manager_override(self, recv: cst.BaseExpression, model: Model | None, name: str) -> bool:
        """Refuses ``Model.objects.<name>()`` when the manager may define ``<name>`` itself: its
        a-twin (proxied to the QuerySet) would not run that override."""
        if not (isinstance(recv, cst.Attribute) and recv.attr.value in MANAGER_ATTRS):
            return False
        methods = model.manager_methods if model is not None else None
        if methods is None:
            self._refuse(
                "manager-override",
                f"{code(recv)} is a manager this codemod cannot see (a{name}() would skip an override "
                f"of {name}() on it)",
            )
            return True
        if name in methods:
            self._refuse("manager-override", f"{code(recv)} overrides {name}() (a{name}() would not run it)")
            return True
        return False

    def _plain_call(self, node: cst.Call, func: cst.BaseExpression) -> None:
        fk = self._kind(func)
        if fk is not None and fk[0] == "model":
            self.ok.add(func)
            self._ok_args(node, ("inst", "qs", "values"))
            return
        if not isinstance(func, cst.Name):
            return
        name = func.value
        if name in self.env.names or name in self.env.shadowed:
            self._refuse("local-callable", f"{name}() is a local callable that may touch the database synchronously")
            return
        qual = self.env.models.imports.qualify(func, self.env.shadowed)
        if qual in CLIENT_CLASSES:
            if node not in self.env.client_ctors or self.depth_nested:
                self._refuse("client-class", f"{name}() is used other than as `name = {name}(...)` in the test body")
                return
            for a in node.args:
                if a.star or (a.keyword is not None and a.keyword.value not in CLIENT_INIT_KW):
                    self._refuse(
                        "client-class",
                        f"{name}(...) passes default headers, query_params or WSGI defaults, which "
                        "AsyncClient ignores",
                    )
            self.plan.add(node, NewAsyncClient())
            return
        if qual is not None and qual.startswith("pytest_django.asserts."):
            assertion = qual.rsplit(".", 1)[1]
            if assertion == "assertRedirects":
                self._redirect(node)
            elif assertion in QUERY_ASSERTS:
                self._refuse("query-assert", f"{name} needs the sync client or runs queries synchronously")
            elif assertion in EQ_ASSERTS or assertion in CTX_ASSERTS:
                self._ok_args(node, ("inst",) if assertion not in CTX_ASSERTS else ("inst", "ctx"))
            return
        if qual is None:
            if name == "list" and len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star:
                k = self._kind(node.args[0].value)
                if k is not None and k[0] in ("qs", "values"):
                    self.ok.add(node.args[0].value)
                    if self.depth_nested:
                        self._refuse("nested-queryset", "a queryset is listed inside a nested function")
                    elif self._need((4, 1), "list() of a queryset as an async comprehension"):
                        self.plan.add(node, ListComp())
                    return
            if name in SAFE_BUILTINS:
                return
            self._refuse("may-touch-db", f"cannot tell whether {name}() touches the database")
        elif not qual.startswith(SAFE_MODULES):
            self._refuse("may-touch-db", f"cannot tell whether {name}() touches the database")
