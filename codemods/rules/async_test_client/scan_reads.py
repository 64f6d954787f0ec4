"""The scan's judgement of reads: names, subscripts and attributes of ORM values, clients, responses."""

from __future__ import annotations

import libcst as cst

from codemods.knowledge.testing import CONTEXT_ATTRS, LAZY_CONTEXT, MANAGER_ATTRS, SHARED_CLIENT_ATTRS
from codemods.rules.async_test_client.common import code
from codemods.rules.async_test_client.env import DB_KINDS, context_key, is_self_client
from codemods.rules.async_test_client.plan import ClientAttr, SessionRead
from codemods.rules.async_test_client.scan_base import ScanBase


class ReadsScan(ScanBase):
    """Every name, subscript and attribute the other parts have not marked as judged: an ORM
    value (queryset, instance, context value) used where it may be evaluated; the client used
    bare; a session read by key; attributes of instances that are not concrete fields; what a
    response carries that differs under AsyncClient (``wsgi_request``, ``request``,
    ``streaming_content``, ``client``, ``context``). ``<client>.cookies`` and
    ``<client>.session`` are planned here (``ClientAttr``, ``SessionRead``)."""

    def _check_use(self, node: cst.BaseExpression) -> None:
        if node in self.ok:
            return
        k = self._kind(node)
        if k is None or k[0] not in DB_KINDS:
            return
        if k[0] == "conflict":
            self._refuse("conflict", f"{code(node)} is bound both to ORM results and to other values")
        elif k[0] == "inst":
            self._refuse(
                "instance-use", f"{code(node)} (a model instance) is used where it may run a query synchronously"
            )
        elif k[0] == "ctx":
            self._refuse(
                "context-value",
                f"{code(node)} is used other than compared in an assertion (a context value may be a "
                "lazy queryset or model instance)",
            )
        else:
            self._refuse("queryset-use", f"{code(node)} (a queryset) is used where it may be evaluated synchronously")

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_refs.add(node.keyword)

    def visit_Name(self, node: cst.Name) -> None:
        if node in self.not_refs:
            return
        if self.env.is_client(node) and node not in self.ok_client_attrs and node not in self.env.client_targets:
            self.bare = True
        self._check_use(node)
        if node.value in self.env.sessions and node not in self.ok and node not in self.env.client_targets:
            self._refuse(
                "session-use",
                f"session {node.value} is used other than by key assignment, save() or another "
                "method with an async twin (reading a key would load it synchronously)",
            )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._check_use(node)
        vk = self._kind(node.value)
        if vk is not None and vk[0] in ("qs", "values"):
            self.ok.add(node.value)
            self._refuse("queryset-use", f"{code(node)} evaluates a queryset synchronously")
        elif vk is not None and vk[0] == "instlist":
            self.ok.add(node.value)
        key = context_key(node)
        if key is not None and key not in LAZY_CONTEXT:
            self.ok_context.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_refs.add(node.attr)
        if self.env.is_client(node) and node not in self.ok_client_attrs:
            self.bare = True
        self._check_use(node)
        attr = node.attr.value
        if attr in SHARED_CLIENT_ATTRS and self.env.is_client(node.value):
            # Client and AsyncClient keep these the same way (ClientMixin / RequestFactory)
            self.ok_client_attrs.add(node.value)
            self.handled.add(node)
            if self.depth_nested:
                self._refuse("nested-client", "the client is used inside a nested function, lambda or generator")
            self.plan.add(node, ClientAttr())
            return
        if node in self.env.session_reads:
            self.ok_client_attrs.add(node.value)
            self.handled.add(node)
            if self.depth_nested:
                self._refuse("nested-client", "the client's session is read inside a nested function")
            elif self._need((5, 1), "client.session as await client.asession()"):
                self.plan.add(node, SessionRead())
            return
        if isinstance(node.value, cst.Name) and node.value.value in self.env.sessions and attr == "session_key":
            self.ok.add(node.value)
            return
        vk = self._kind(node.value)
        if vk is not None:
            if vk[0] == "conflict":
                self._check_use(node.value)
                return
            self.ok.add(node.value)
            if node in self.handled or vk[0] in ("model", "instlist", "pair"):
                return
            if vk[0] == "ctx":
                if attr != "errors":
                    self._refuse(
                        "context-value",
                        f"{code(node)} reads a context value that may be a lazy queryset or model "
                        "instance",
                    )
                return
            if vk[0] == "inst":
                model = vk[1]
                if model is None or attr not in model.safe:
                    self._refuse(
                        "instance-attr",
                        f"{code(node)} may load a related object or run a query synchronously "
                        "(only concrete fields of the model are read in an async test)",
                    )
                return
            self._refuse("queryset-use", f"{code(node)} on a queryset may evaluate it synchronously")
            return
        if attr == "getvalue" and self._is_response(node.value):
            self._refuse(
                "streaming",
                f"{code(node)}: an async view's streaming content is an async iterator under "
                "AsyncClient (Client consumed it into a sync one)",
            )
        if node in self.handled:
            return
        if attr in CONTEXT_ATTRS and node not in self.ok_context:
            self._refuse(
                "response-context",
                "response.context is read other than by a plain key (its lazy user/request may "
                "query the database synchronously)",
            )
        elif attr in MANAGER_ATTRS:
            self._refuse("unknown-manager", f"{code(node)} is not a manager of a model this codemod can resolve")
        elif attr == "wsgi_request":
            self._refuse("response-wsgi", "response.wsgi_request does not exist on AsyncClient responses")
        elif attr == "streaming_content":
            self._refuse(
                "streaming",
                f"{code(node)}: an async view's streaming content is an async iterator under "
                "AsyncClient (Client consumed it into a sync one)",
            )
        elif attr == "request" and self._is_response(node.value):
            self._refuse(
                "response-request", f"{code(node)} is an ASGI scope under AsyncClient (a WSGI environ under Client)"
            )
        elif attr == "client" and not is_self_client(node, self.self_name):
            self._refuse("response-client", "response.client would be the async client")
        elif isinstance(node.value, cst.Name) and node.value.value in self.env.opaque and attr not in ("pk", "id"):
            self._refuse(
                "opaque-fixture",
                f"{code(node)} may load a related object synchronously (fixture "
                f"{node.value.value} is not known to be a model instance)",
            )
        elif (
            isinstance(node.value, cst.Attribute)
            and isinstance(node.value.value, cst.Name)
            and node.value.value.value == self.self_name
            and node.value.attr.value not in ("client", "async_client")
            and attr not in ("pk", "id")
        ):
            self._refuse(
                "self-attr",
                f"{code(node)} may load a related object synchronously ({code(node.value)} is not "
                "known to be a model instance created in setUp/setUpTestData)",
            )
