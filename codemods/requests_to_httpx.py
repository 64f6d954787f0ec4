"""Replace blocking ``requests`` calls inside ``async def`` with awaited ``httpx.AsyncClient`` calls.

What it does:
    Inside an ``async def``, ``requests.get/post/put/patch/delete/head/options/request(...)`` (found
    through the module's imports: ``import requests``, ``import requests as rq``,
    ``from requests import get``) becomes ``await client.get(...)`` on one ``httpx.AsyncClient``
    opened around the function body. requests' defaults are kept explicitly: ``follow_redirects=True``
    (except for ``head``; ``allow_redirects=`` is renamed), ``timeout=None`` unless a timeout is
    given, a raw ``data=`` body becomes ``content=``, and a second positional argument becomes the
    keyword requests gives it (``params=`` for get, ``data=`` for post/put/patch). ``import httpx``
    (or ``httpx2``, option ``http-client``) is added; the requests import is dropped once unused.

Why:
    A requests call blocks the event loop for the whole round trip: every other request served by
    the same worker waits.

Example:
    Before::

        import requests

        async def view(request):
            return requests.get(URL).json()

    After::

        import httpx

        async def view(request):
            async with httpx.AsyncClient() as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).json()

Refuses when:
    - the call is in a nested sync function, lambda, class body or comprehension (cannot await there);
    - the call passes ``verify``/``cert``/``proxies``/``trust_env``/``cookies``/``stream``/``hooks``
      or any argument not known to behave the same, ``*args``/``**kwargs``, a non-literal ``data=``
      or ``timeout=``, or more positional arguments than can be mapped;
    - the function uses ``.ok``, ``.reason``, ``.is_redirect``, ``.iter_content``, ``.iter_lines``,
      ``.raw``, ``.apparent_encoding``, ``.raise_for_status``, ``.url``, ``.text`` or ``.encoding``
      (different meaning, type or decoding in httpx);
    - the function uses ``requests`` other than as a direct call (exceptions, ``Session``,
      ``sync_to_async(requests.get)``...);
    - the function catches ``OSError``/``IOError``/``ConnectionError``/``TimeoutError``/``ValueError``
      (requests' exceptions derive from them, httpx's do not).
"""

from __future__ import annotations

from typing import Any, ClassVar

import libcst as cst

from codemods.analysis import ImportTable, SameScope, dotted_name, has_skip_comment, local_bindings
from codemods.registry import Codemod, Context, register

METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
# Attributes whose meaning differs between requests' and httpx's Response (or that have no equivalent).
BAD_ATTRS = {
    "ok",
    "reason",
    "is_redirect",
    "iter_content",
    "iter_lines",
    "raw",
    "apparent_encoding",
    "raise_for_status",
    "url",
    # requests decodes a body without charset as ISO-8859-1 (text/*) or by guessing; httpx as UTF-8
    "text",
    "encoding",
}
# Keyword arguments passed through unchanged (same meaning in httpx's client methods).
SAFE_KWARGS = {"params", "json", "headers", "auth"}
# Second (and third) positional argument -> keyword, per requests' signatures.
POSITIONAL = {
    "get": ("params",),
    "post": ("data", "json"),
    "put": ("data",),
    "patch": ("data",),
    "delete": (),
    "head": (),
    "options": (),
    "request": (),
}
_OS_ERRORS = {"OSError", "IOError", "EnvironmentError", "ConnectionError", "TimeoutError", "ValueError"}
_SCOPES = (cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _qualified_method(call: cst.Call, imports: ImportTable, shadowed: set[str]) -> str | None:
    q = imports.qualify(call.func, shadowed)
    if q is None or not q.startswith("requests."):
        return None
    method = q[len("requests.") :]
    if method in METHODS or method.startswith("api.") and method[4:] in METHODS:
        return method.rpartition(".")[2]
    return None


def _is_raw_body(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "encode"
    )


def _call_problem(call: cst.Call, method: str) -> str | None:
    """Why this call cannot be rewritten keeping behaviour, or None."""
    n_pos = 2 if method == "request" else 1
    extra = POSITIONAL[method]
    positional = 0
    for arg in call.args:
        if arg.star:
            return "passes *args/**kwargs (cannot check the arguments)"
        if arg.keyword is None:
            positional += 1
            continue
        key = arg.keyword.value
        if key in SAFE_KWARGS or key == "allow_redirects":
            continue
        if key == "data":
            if not (_is_raw_body(arg.value) or isinstance(arg.value, cst.Dict)):
                return "passes data= that is neither a literal dict nor a str/bytes body"
            continue
        if key == "timeout":
            if not (
                isinstance(arg.value, (cst.Integer, cst.Float))
                or (isinstance(arg.value, cst.Name) and arg.value.value == "None")
            ):
                return "passes a timeout= that may be a (connect, read) tuple"
            continue
        return f"passes {key}= (no per-request equivalent with the same behaviour in httpx)"
    if positional > n_pos + len(extra):
        return "passes more positional arguments than can be mapped to httpx keywords"
    if positional < n_pos:
        return "passes fewer positional arguments than expected"
    for i, arg in enumerate(a for a in call.args if a.keyword is None):
        if (
            i >= n_pos
            and extra[i - n_pos] == "data"
            and not (_is_raw_body(arg.value) or isinstance(arg.value, cst.Dict))
        ):
            return "passes a body that is neither a literal dict nor a str/bytes body"
    return None


class _Analyzer(cst.CSTVisitor):
    """Finds requests calls in one async function and the reasons to refuse it."""

    def __init__(self, imports: ImportTable, shadowed: set[str]) -> None:
        self.imports = imports
        self.shadowed = shadowed
        self.calls = 0
        self.problems: list[tuple[cst.CSTNode, str]] = []
        self.names: set[str] = set()
        self._nested = 0  # depth inside sync scopes where await is impossible
        self._call_funcs: set[int] = set()

    def _enter(self, node: cst.CSTNode) -> None:
        self._nested += 1

    def _leave(self, node: cst.CSTNode) -> None:
        self._nested -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.asynchronous is not None:
            return False  # handled on its own
        self._nested += 1
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            self._nested -= 1

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _SCOPES):
            self._nested += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, _SCOPES):
            self._nested -= 1

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        # requests' exceptions are OSErrors (some ValueErrors); httpx's are not: such a handler
        # would stop catching network errors.
        kinds = node.type.elements if isinstance(node.type, cst.Tuple) else [node.type]
        for el in kinds:
            expr = el.value if isinstance(el, cst.Element) else el
            if isinstance(expr, cst.Name) and expr.value in _OS_ERRORS:
                self.problems.append(
                    (node, f"catches {expr.value}, which covers requests' exceptions but not httpx's")
                )

    def visit_Call(self, node: cst.Call) -> None:
        method = _qualified_method(node, self.imports, self.shadowed)
        if method is None:
            return
        self._call_funcs.add(id(node.func))
        if self._nested:
            self.problems.append((node, "requests call in a nested sync scope (cannot be awaited there)"))
            return
        problem = _call_problem(node, method)
        if problem:
            self.problems.append((node, f"requests.{method}() {problem}"))
        self.calls += 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if node.attr.value in BAD_ATTRS:
            self.problems.append((node, f"uses .{node.attr.value}, which differs between requests and httpx"))
        return self._check_requests_use(node)

    def _check_requests_use(self, node: cst.BaseExpression) -> bool:
        if id(node) in self._call_funcs:
            return True
        q = self.imports.qualify(node, self.shadowed)
        if q is not None and (q == "requests" or q.startswith("requests.")):
            if q.rpartition(".")[2] in METHODS:
                self.problems.append((node, f"uses {q} other than as a direct call (as a function value)"))
            else:
                self.problems.append((node, f"uses {q} other than as a direct call"))
            return False
        return True


class _NameUseChecker(cst.CSTVisitor):
    """Flags a bare Name (not under an Attribute we already checked) resolving to requests."""

    def __init__(self, analyzer: _Analyzer) -> None:
        self.a = analyzer

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        # dotted names are checked as a whole by the analyzer
        return dotted_name(node) is None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node.asynchronous is None  # a nested async def is handled on its own

    def visit_Call(self, node: cst.Call) -> bool:
        if id(node.func) in self.a._call_funcs:
            for arg in node.args:
                arg.visit(self)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        self.a._check_requests_use(node)


class _Rewriter(SameScope, cst.CSTTransformer):
    def __init__(self, imports: ImportTable, shadowed: set[str], client: str) -> None:
        self.imports = imports
        self.shadowed = shadowed
        self.client = client

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        node = updated_node
        if isinstance(node.func, cst.Await) and not node.func.lpar:
            node = node.with_changes(
                func=node.func.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            )
        method = _qualified_method(original_node, self.imports, self.shadowed)
        if method is None:
            return node
        n_pos = 2 if method == "request" else 1
        extra = POSITIONAL[method]
        args: list[cst.Arg] = []
        pos = 0
        keys = set()
        for arg in node.args:
            if arg.keyword is None:
                if pos >= n_pos:
                    arg = arg.with_changes(
                        keyword=cst.Name(extra[pos - n_pos]),
                        equal=cst.AssignEqual(
                            whitespace_before=cst.SimpleWhitespace(""),
                            whitespace_after=cst.SimpleWhitespace(""),
                        ),
                    )
                pos += 1
            if arg.keyword is not None:
                key = arg.keyword.value
                if key == "allow_redirects":
                    arg = arg.with_changes(keyword=cst.Name("follow_redirects"))
                elif key == "data" and _is_raw_body(arg.value):
                    arg = arg.with_changes(keyword=cst.Name("content"))
                keys.add(arg.keyword.value)
            args.append(arg)

        def kw(name: str, value: str) -> cst.Arg:
            return cst.Arg(
                keyword=cst.Name(name),
                value=cst.Name(value),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                ),
            )

        new: list[cst.Arg] = []
        if method != "head" and "follow_redirects" not in keys:
            new.append(kw("follow_redirects", "True"))
        if "timeout" not in keys:
            new.append(kw("timeout", "None"))
        if new:
            if args:
                last = args[-1]
                if last.comma is cst.MaybeSentinel.DEFAULT or last.comma is None:
                    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                    trailing: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
                else:
                    trailing = last.comma
                    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            else:
                trailing = cst.MaybeSentinel.DEFAULT
            for i, a in enumerate(new):
                if i < len(new) - 1:
                    a = a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                else:
                    a = a.with_changes(comma=trailing)
                args.append(a)
        call = cst.Call(
            func=cst.Attribute(value=cst.Name(self.client), attr=cst.Name(method)),
            args=args,
            whitespace_before_args=node.whitespace_before_args,
        )
        return cst.Await(expression=call, lpar=node.lpar, rpar=node.rpar)

    def _paren(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Await) and not expr.lpar:
            return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return expr

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        return updated_node.with_changes(value=self._paren(updated_node.value))

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.Subscript:
        return updated_node.with_changes(value=self._paren(updated_node.value))


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


class _Transformer(cst.CSTTransformer):
    def __init__(self, imports: ImportTable, ctx: Context, module_name: str) -> None:
        self.imports = imports
        self.ctx = ctx
        self.module_name = module_name
        self.changed = False

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if original_node.asynchronous is None or has_skip_comment(original_node):
            return updated_node
        if not isinstance(original_node.body, cst.IndentedBlock):
            return updated_node
        shadowed = local_bindings(original_node)
        analyzer = _Analyzer(self.imports, shadowed)
        original_node.body.visit(analyzer)
        original_node.body.visit(_NameUseChecker(analyzer))
        if analyzer.calls == 0:
            # Nothing rewritable: only report blocking requests calls we could not make async.
            analyzer.problems = [
                (n, m) for n, m in analyzer.problems if "nested sync scope" in m or "as a function value" in m
            ]
        if analyzer.problems:
            for node, msg in analyzer.problems:
                self.ctx.report(node, msg)
            return updated_node
        if analyzer.calls == 0:
            return updated_node
        used = analyzer.names | shadowed
        client, i = "client", 1
        while client in used:
            client, i = f"client_{i}", i + 1
        body = updated_node.body
        assert isinstance(body, cst.IndentedBlock)
        new_body = body.visit(_Rewriter(self.imports, shadowed, client))
        assert isinstance(new_body, cst.IndentedBlock)
        stmts = list(new_body.body)
        head = [stmts.pop(0)] if stmts and _is_docstring(stmts[0]) else []
        with_stmt = cst.With(
            asynchronous=cst.Asynchronous(),
            items=[
                cst.WithItem(
                    item=cst.Call(
                        func=cst.Attribute(value=cst.Name(self.module_name), attr=cst.Name("AsyncClient"))
                    ),
                    asname=cst.AsName(name=cst.Name(client)),
                )
            ],
            body=cst.IndentedBlock(body=stmts),
        )
        self.changed = True
        self.ctx.fixed(original_node, f"requests calls now use {self.module_name}.AsyncClient")
        return updated_node.with_changes(body=new_body.with_changes(body=[*head, with_stmt]))


class _ModuleNames(cst.CSTVisitor):
    """Every Name used outside import statements."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # ``client.get``: the attribute name is not a use of ``get``
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _fix_imports(module: cst.Module, module_name: str) -> cst.Module:
    collector = _ModuleNames()
    module.visit(collector)
    used = collector.names
    body: list[cst.BaseStatement] = []
    has_httpx = False
    last_import = -1
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            new_small: list[cst.BaseSmallStatement] = []
            for s in stmt.body:
                if isinstance(s, cst.Import):
                    names = []
                    for a in s.names:
                        full = a.name.value if isinstance(a.name, cst.Name) else None
                        if full == module_name and a.asname is None:
                            has_httpx = True
                        if full == "requests":
                            local = a.asname.name.value if a.asname else "requests"  # type: ignore[union-attr]
                            if local not in used:
                                continue
                        names.append(a)
                    if names:
                        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                        new_small.append(s.with_changes(names=names))
                elif (
                    isinstance(s.module, cst.Name)
                    and s.module.value == "requests"
                    and not s.relative
                    and not isinstance(s.names, cst.ImportStar)
                ):
                    kept = [
                        a
                        for a in s.names
                        if (a.asname.name.value if a.asname else a.name.value) in used  # type: ignore[union-attr]
                    ]
                    if kept:
                        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                        new_small.append(
                            s.with_changes(
                                names=kept,
                                lpar=s.lpar if len(kept) > 1 else None,
                                rpar=s.rpar if len(kept) > 1 else None,
                            )
                        )
                else:
                    new_small.append(s)
            if not new_small:
                continue
            new_small[-1] = new_small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            stmt = stmt.with_changes(body=new_small)
            body.append(stmt)
            last_import = len(body) - 1
        else:
            body.append(stmt)
    if not has_httpx:
        imp = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(module_name))])])
        if last_import >= 0:
            body.insert(last_import + 1, imp)
        else:
            pos = 1 if body and _is_docstring(body[0]) else 0
            body.insert(pos, imp)
    return module.with_changes(body=body)


@register
class RequestsToHttpx(Codemod):
    name = "requests-to-httpx"
    summary = "await httpx.AsyncClient calls instead of blocking requests calls in async functions"
    min_django = (3, 1)
    order = 10
    options: ClassVar[dict[str, Any]] = {"http-client": "auto"}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {"http-client": ("httpx", "httpx2", "auto")}

    def precheck(self, source: str) -> bool:
        return "requests" in source and "async def" in source

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        imports = ImportTable(module)
        if not any(v == "requests" or v.startswith("requests.") for v in imports.names.values()):
            return module
        choice = ctx.option("http-client")
        if choice == "auto":
            choice = "httpx2" if getattr(ctx.project, "uses_httpx2", False) else "httpx"
        t = _Transformer(imports, ctx, choice)
        new = module.visit(t)
        if not t.changed:
            return module
        return _fix_imports(new, choice)
