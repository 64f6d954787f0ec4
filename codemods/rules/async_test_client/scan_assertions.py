"""assertRedirects and response objects: the scan's judgement, and what a redirect check becomes."""

from __future__ import annotations

import urllib.parse

import libcst as cst

from codemods.analysis import dotted_name
from codemods.knowledge.testing import RESPONSE_DATA_ATTRS, VERBS
from codemods.rules.async_test_client.common import code, code_full, is_plain_value, is_true, str_literal
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.plan import Redirect
from codemods.rules.async_test_client.scan_base import ScanBase

# The name the rewrite binds a response to when assertRedirects is given the request itself.
INLINE_RESPONSE = "redirect_response"


class AssertionsScan(ScanBase):
    """``assertRedirects`` (``self.`` or pytest-django's): on a response that was not followed it
    fetches the target with ``response.client``, which would be the async client, so it is
    planned as a ``Redirect`` (the same path fetched by the test itself). Also which expressions
    are a client's responses, and which objects a response carries besides its data."""

    def _redirect(self, node: cst.Call) -> None:
        """assertRedirects on a response that was not followed fetches the target with
        ``response.client`` (an un-awaited coroutine on an AsyncClient) and resolves a relative
        ``Location`` with ``response.request["PATH_INFO"]``, which an ASGI scope lacks (KeyError):
        its checks are planned spelled out (``Redirect``), the fetch done by the test itself."""
        names = ("response", "expected_url", "status_code", "target_status_code", "msg_prefix",
                 "fetch_redirect_response")
        args: dict[str, cst.BaseExpression] = {}
        for i, a in enumerate(node.args):
            if a.star:
                self._refuse("redirect", "assertRedirects gets *args/**kwargs")
                return
            key = a.keyword.value if a.keyword is not None else names[i] if i < len(names) else "?"
            args[key] = a.value
        resp = args.get("response")
        call = self._response_call(resp) if resp is not None else None
        followed = self._followed(call) if call is not None else None
        if followed is None:
            self._refuse(
                "redirect",
                "assertRedirects on a response not visibly from one client call (cannot tell whether "
                "it fetches the target)",
            )
            return
        self.ok.add(resp)
        if followed:
            return  # the redirect chain is checked: no fetch, no PATH_INFO; it works as it is
        if not isinstance(resp, cst.Name) and INLINE_RESPONSE in self.env.shadowed:
            self._refuse("name-taken", f"the name {INLINE_RESPONSE} (for the response assertRedirects reads) is taken")
            return
        if "msg_prefix" in args or "?" in args:
            self._refuse("redirect", "assertRedirects with msg_prefix= (its messages are not kept)")
            return
        fetch = args.get("fetch_redirect_response")
        fetching = not (isinstance(fetch, cst.Name) and fetch.value == "False")
        if fetching and fetch is not None and not is_true(fetch):
            self._refuse("redirect", "assertRedirects with a computed fetch_redirect_response=")
            return
        literal: dict[str, str] = {}
        for key, default in (("status_code", "302"), ("target_status_code", "200")):
            value = args.get(key)
            if value is None or isinstance(value, cst.Integer):
                literal[key] = default if value is None else value.value
            else:
                self._refuse("redirect", f"assertRedirects with a computed {key}=")
                return
        expected = args.get("expected_url")
        if expected is None:
            self._refuse("redirect", "assertRedirects without expected_url")
            return
        url = self._redirect_url(expected) if fetching else (None, None)
        if url is None:
            return
        line = self.line
        if (
            self.depth_nested
            or line is None
            or len(line.body) != 1
            or not isinstance(line.body[0], cst.Expr)
            or line.body[0].value is not node
        ):
            self._refuse("redirect", "assertRedirects is not a statement of its own in the test body")
            return
        for name, qual in (("urljoin", "urllib.parse.urljoin"), ("assertURLEqual", "pytest_django.asserts.assertURLEqual")):
            if name in self.env.shadowed or self.env.models.imports.names.get(name, qual) != qual:
                self._refuse("name-taken", f"the name {name} (which the rewritten assertRedirects uses) is taken")
                return
        self.plan.add(
            line,
            Redirect(
                resp.value if isinstance(resp, cst.Name) else "", literal["status_code"], code_full(expected), self._client_code(call),
                url[0], url[1], literal["target_status_code"],
            ),
        )

    def _client_code(self, call: cst.Call) -> str:
        """The code of the async client that ``call`` (a request) is made with after the rewrite."""
        assert isinstance(call.func, cst.Attribute)
        recv = call.func.value
        if self.env.client_name and isinstance(recv, cst.Name) and recv.value == self.env.client_name:
            return "async_client"
        if isinstance(recv, cst.Attribute):
            return f"{self.env.self_name}.async_client"
        return code(recv)

    def _is_response(self, node: cst.BaseExpression) -> bool:
        """A client request's result: the call itself or a name bound only from one."""
        if isinstance(node, cst.Name):
            sources = self.env.sources.get(node.value, [])
            return any(
                how == "expr" and isinstance(expr, cst.Call) and self._is_response(expr) for how, expr in sources
            )
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and self.env.is_client(node.func.value)
            and node.func.attr.value in VERBS
        )

    def _response_object(self, node: cst.BaseExpression, depth: int) -> str | None:
        """``r.view`` when ``node`` is (or is read from, or a name bound to) an attribute of a
        client response other than its data (status, content, headers, json(), ...)."""
        if depth > 8:
            return None
        if isinstance(node, cst.Attribute):
            if self._is_response(node.value):
                return None if node.attr.value in RESPONSE_DATA_ATTRS else code(node)
            return self._response_object(node.value, depth + 1)
        if isinstance(node, cst.Subscript):
            return self._response_object(node.value, depth + 1)
        if isinstance(node, cst.Call):
            return self._response_object(node.func, depth + 1)
        if isinstance(node, cst.Name) and not self._is_response(node):
            for how, expr in self.env.sources.get(node.value, ()):
                if expr is not None and how in ("expr", "iter", "pair0"):
                    found = self._response_object(expr, depth + 1)
                    if found is not None:
                        return found
        return None

    def _response_call(self, resp: cst.BaseExpression) -> cst.Call | None:
        """The one client request ``resp`` is (or the name ``resp`` is bound from), if visible."""
        call = resp
        if isinstance(resp, cst.Name):
            sources = self.env.sources.get(resp.value, [])
            if len(sources) != 1 or sources[0][0] != "expr":
                return None
            call = sources[0][1]
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and self.env.is_client(call.func.value)
            and call.func.attr.value in VERBS
        ):
            return None
        return call

    @staticmethod
    def _followed(call: cst.Call) -> bool | None:
        """Whether the request ``call`` has follow=True (None: cannot tell)."""
        for a in call.args:
            if a.keyword is not None and a.keyword.value == "follow":
                if isinstance(a.value, cst.Name) and a.value.value in ("True", "False"):
                    return a.value.value == "True"
                return None
        return False

    def _redirect_url(self, expr: cst.BaseExpression | None) -> tuple[str, str | None] | None:
        """(path code, query-data code) of the page Django would fetch, or None (refused)."""
        if isinstance(expr, cst.SimpleString):
            text = expr.evaluated_value
            if not isinstance(text, str) or not text.startswith("/") or text.startswith("//"):
                self._refuse("redirect-url", "assertRedirects to a URL that is not a literal local path")
                return None
            path, _, query = text.split("#", 1)[0].partition("?")
            if not query:
                return str_literal(path), None
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
            if len(pairs) != 1:
                self._refuse(
                    "redirect-url",
                    "assertRedirects to a URL with several query parameters (Django fetches them in "
                    "the order of the actual redirect)",
                )
                return None
            (key, value), = pairs
            return str_literal(path), "{" + str_literal(key) + ": " + str_literal(value) + "}"
        if isinstance(expr, cst.FormattedString) and expr.prefix.lower() == "f":
            first = expr.parts[0] if expr.parts else None
            texts = [p.value for p in expr.parts if isinstance(p, cst.FormattedStringText)]
            simple = all(
                isinstance(p, cst.FormattedStringText)
                or (
                    dotted_name(p.expression) is not None
                    and p.format_spec is None
                    and p.conversion is None
                )
                for p in expr.parts
            )
            if (
                simple
                and isinstance(first, cst.FormattedStringText)
                and first.value.startswith("/")
                and not first.value.startswith("//")
                and not any(c in t for t in texts for c in "?{}\\")
            ):
                return code_full(expr), None
        if isinstance(expr, cst.Call):
            qual = self.env.models.imports.qualify(expr.func, self.env.shadowed)
            if qual == "django.urls.reverse" and all(
                not a.star and is_plain_value(a.value) for a in expr.args
            ):
                return code_full(expr), None
        self._refuse(
            "redirect-url",
            "assertRedirects to a URL that is not a literal path, a simple f-string or reverse() "
            "with plain arguments (it would be evaluated twice)",
        )
        return None


def redirect_statements(
    updated: cst.SimpleStatementLine, step: Redirect, env: Env
) -> cst.FlattenSentinel[cst.BaseStatement]:
    """The planned ``assertRedirects(...)`` line as what it checks (``Redirect``): the status, the
    resolved ``Location`` against the expected URL, then the awaited GET of the target (``assert``
    under pytest, ``self.assert*`` in a TestCase). The original line's comments stay on the first."""
    r = step.response
    bind: list[cst.BaseStatement] = []
    if not r:  # assertRedirects(<request>, ...): the (rewritten) request is bound to a name first
        expr = updated.body[0]
        assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
        r = INLINE_RESPONSE
        request = cst.Module(body=[]).code_for_node(expr.value.args[0].value)
        bind = [cst.parse_statement(f"{r} = {request}\n")]
    located = f'urljoin({r}.request["path"], {r}.url)'
    if env.client_name is not None:
        lines = [f"assert {r}.status_code == {step.status_code}", f"assertURLEqual({located}, {step.expected})"]
    else:
        me = env.self_name
        lines = [f"{me}.assertEqual({r}.status_code, {step.status_code})",
                 f"{me}.assertURLEqual({located}, {step.expected})"]
    if step.path is not None:
        got = f"(await {step.client}.get({step.path}{', ' + step.data if step.data else ''})).status_code"
        lines.append(
            f"assert {got} == {step.target}" if env.client_name is not None
            else f"{env.self_name}.assertEqual({got}, {step.target})"
        )
    rest = [*bind, *(cst.parse_statement(x + "\n") for x in lines)]
    first = rest[0]
    assert isinstance(first, cst.SimpleStatementLine)
    return cst.FlattenSentinel([updated.with_changes(body=first.body), *rest[1:]])
