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


class AssertionsScan(ScanBase):
    """``assertRedirects`` (``self.`` or pytest-django's): on a response that was not followed it
    fetches the target with ``response.client``, which would be the async client, so it is
    planned as a ``Redirect`` (the same path fetched by the test itself). Also which expressions
    are a client's responses, and which objects a response carries besides its data."""

    def _redirect(self, node: cst.Call) -> None:
        """assertRedirects fetches the target with ``response.client`` (an un-awaited coroutine on an
        AsyncClient) unless the response was followed: pass ``fetch_redirect_response=False`` and
        fetch the same path (with the same query) with the async client afterwards."""
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
        followed = self._followed(resp) if resp is not None else None
        if followed is None:
            self._refuse(
                "redirect",
                "assertRedirects on a response not visibly from one client call (cannot tell whether "
                "it fetches the target)",
            )
            return
        self.ok.add(resp)
        fetch = args.get("fetch_redirect_response")
        if followed or (fetch is not None and isinstance(fetch, cst.Name) and fetch.value == "False"):
            return  # Django does not fetch the target: the assertion works as it is
        if fetch is not None and not is_true(fetch):
            self._refuse("redirect", "assertRedirects with a computed fetch_redirect_response=")
            return
        target = args.get("target_status_code")
        if target is None:
            status = "200"
        elif isinstance(target, cst.Integer):
            status = target.value
        else:
            self._refuse("redirect", "assertRedirects with a computed target_status_code=")
            return
        url = self._redirect_url(args.get("expected_url"))
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
        self.plan.add(line, Redirect(url[0], url[1], status))

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

    def _followed(self, resp: cst.BaseExpression) -> bool | None:
        """Whether the response came from a client call with follow=True (None: cannot tell)."""
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
    """The planned ``assertRedirects(...)`` line as two: the assertion with
    ``fetch_redirect_response=False``, then the awaited GET of the target checked against the
    expected status (``assert`` under pytest, ``self.assertEqual`` in a TestCase)."""
    expr = updated.body[0]
    assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
    call = expr.value
    args = list(call.args)
    false = cst.Name("False")
    for i, a in enumerate(args):
        if a.keyword is not None and a.keyword.value == "fetch_redirect_response":
            args[i] = a.with_changes(value=false)
            break
    else:
        no_space = cst.SimpleWhitespace("")
        if args[-1].comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(
            cst.Arg(
                keyword=cst.Name("fetch_redirect_response"),
                value=false,
                equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
            )
        )
    first = updated.with_changes(body=[expr.with_changes(value=call.with_changes(args=args))])
    target = step.path + (", " + step.data if step.data else "")
    if env.client_name is not None:
        check = f"assert (await async_client.get({target})).status_code == {step.status}"
    else:
        me = env.self_name
        check = f"{me}.assertEqual((await {me}.async_client.get({target})).status_code, {step.status})"
    return cst.FlattenSentinel([first, cst.parse_statement(check + "\n")])
