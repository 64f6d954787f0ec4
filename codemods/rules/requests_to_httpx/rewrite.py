"""Rewriting one module: each async function that mentions requests is analysed and, when nothing
stands in the way, rewritten (``_Transformer``, ``_Rewriter``); then the imports are fixed.
``transform`` is what the codemod's ``transform`` runs."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, SameScope, has_skip_comment, local_bindings
from codemods.analysis.bindings import target_names
from codemods.analysis.fresh import fresh_name
from codemods.analysis.names import NameUses
from codemods.registry import Context
from codemods.rules.requests_to_httpx.analysis import _Analyzer, _NameUseChecker
from codemods.rules.requests_to_httpx.arguments import _is_number
from codemods.rules.requests_to_httpx.calls import _CallRewrites
from codemods.rules.requests_to_httpx.client import _ClientBlocks, _new_client, _wrap_block
from codemods.rules.requests_to_httpx.exceptions import _HandlerRewrites
from codemods.rules.requests_to_httpx.imports import (
    _drop_local_requests_imports,
    _fix_imports,
    _local_requests_imports,
)
from codemods.rules.requests_to_httpx.responses import _EscapeCheck, _ResponseRewrites
from codemods.rules.requests_to_httpx.sessions import _SessionCheck, _SharedSessions
from codemods.rules.requests_to_httpx.ssl_context import _SharedSSL
from codemods.rules.requests_to_httpx.streams import _StreamCheck, _StreamRewrites
from codemods.rules.requests_to_httpx.unwrap import _unwrap_lambdas
from codemods.rules.requests_to_httpx.values import _Locals

# Problems reported even when the function has no call to rewrite: requests work that stays
# blocking in async code (a call in a nested sync scope, a requests function or the Session class
# used as a value, a Session shared at module/class level). Any other problem is reported only
# where it stops a rewrite. (The problems of a local Session are not among them: making one
# counts as a call.)
_REPORTED_WITHOUT_CALLS = frozenset(
    {"nested-sync-scope", "function-value", "shared-session", "session-value"}
)


class _Rewriter(
    _CallRewrites,
    _ClientBlocks,
    _StreamRewrites,
    _HandlerRewrites,
    _ResponseRewrites,
    SameScope,
    cst.CSTTransformer,
):
    """Rewrites the body of one async function the analysis accepted (nested scopes are left alone).

    Its parts, one per responsibility: the calls themselves (``_CallRewrites``: ``requests.get(...)``
    -> ``await client.get(...)``, thread wrappers, ``asyncio.gather``, ``s.close()``); blocks
    (``_ClientBlocks``: local Sessions and streamed responses become ``async with`` blocks, Session
    settings lines go); streaming loops (``_StreamRewrites``); ``except`` clauses
    (``_HandlerRewrites``); responses' attributes, ``raise_for_status()`` and annotations
    (``_ResponseRewrites``). The ``async with`` of the function's own client is added afterwards
    (``client._wrap_block``), around the statements that use ``client``."""

    def __init__(
        self,
        imports: ImportTable,
        shadowed: set[str],
        client: str,
        local: _Locals,
        module_name: str,
        ssl_name: str | None = None,
    ) -> None:
        self.imports = imports
        self.shadowed = shadowed
        self.client = client
        self.local = local
        self.module_name = module_name
        self.ssl_name = ssl_name
        self.response_name = "response"  # set by the caller to a name free in the function
        self._made: set[int] = set()

    def _raw_body(self, expr: cst.BaseExpression) -> bool:
        return self.local.raw_body(expr)  # (over _CallRewrites': also a view's ``request.body``)


class _Transformer(cst.CSTTransformer):
    """The walk over the module: each async function that mentions requests (``_Prepass``) is
    analysed, then rewritten when no problem stands in the way (else its problems are reported).
    Keeps the module's name counts current, for the import edits that follow."""

    def __init__(
        self,
        imports: ImportTable,
        ctx: Context,
        module_name: str,
        shared: tuple[set[str], set[str]],
        ssl: _SharedSSL | None = None,
    ) -> None:
        self.shared = shared
        self.ssl = ssl
        self.imports = imports
        self.requests_names = {
            n for n, q in imports.names.items() if q == "requests" or q.startswith("requests.")
        }
        self.ctx = ctx
        self.module_name = module_name
        self.changed = False
        self.needs_json = False
        self.constants: dict[str, cst.BaseExpression] = {}
        self.used_before: set[str] = set()  # names the rewritten functions used
        self.prepass = _Prepass(self.requests_names, shared)  # run by the caller before the walk

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False  # no function definition in there: keep the walk cheap

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if original_node.asynchronous is None or has_skip_comment(original_node):
            return updated_node
        if not isinstance(original_node.body, cst.IndentedBlock):
            return updated_node
        if id(original_node) not in self.prepass.relevant:
            return updated_node  # nothing here refers to requests: the common case, kept cheap
        # ``import requests`` inside the function binds a local name that still means requests
        own_imports = _local_requests_imports(original_node, self.imports)
        shadowed = local_bindings(original_node) - own_imports
        # ``await sync_to_async(lambda: requests.post(...))()`` & co are analysed and rewritten as the
        # lambda's body; ``origin`` maps the nodes that made new back to the file's, for diagnostics
        analysed, origin, lambda_reasons = _unwrap_lambdas(original_node, self.imports, shadowed)
        ps = original_node.params
        params = {p.name.value for p in [*ps.posonly_params, *ps.params, *ps.kwonly_params]} | {
            p.name.value for p in (ps.star_arg, ps.star_kwarg) if isinstance(p, cst.Param)
        }
        local = _Locals(analysed.body, self.imports, shadowed, params)
        analyzer = _Analyzer(self.imports, shadowed, local, self.shared)
        analyzer.constants = self.constants
        analyzer.lambda_reasons = lambda_reasons
        analysed.body.visit(analyzer)
        analysed.body.visit(_NameUseChecker(analyzer))
        escape_check = _EscapeCheck(local)
        analysed.body.visit(escape_check)
        analyzer.problems.extend(escape_check.problems)
        if analyzer.streamed:
            stream_check = _StreamCheck(local, analysed.body)
            analysed.body.visit(stream_check)
            analyzer.problems.extend(stream_check.problems)
        if local.sessions:
            session_check = _SessionCheck(local, analysed.body)
            analysed.body.visit(session_check)
            analyzer.problems.extend(session_check.problems)
            local.session_settings, local.setup_lines = session_check.settings, session_check.setup_lines
        if analyzer.calls == 0:
            # Nothing rewritable: only report blocking requests calls we could not make async.
            analyzer.problems = [(n, p) for n, p in analyzer.problems if p.kind in _REPORTED_WITHOUT_CALLS]
        if analyzer.problems:
            for node, problem in analyzer.reported():
                self.ctx.refuse(origin.get(id(node), node), problem)
            return updated_node
        if analyzer.calls == 0:
            return updated_node
        # names read or bound anywhere in the function (nested scopes too; not ``x.client``)
        all_names = NameUses()
        original_node.visit(all_names)
        used = shadowed | all_names.names
        client = fresh_name("client", used)
        body = analysed.body if origin else updated_node.body
        assert isinstance(body, cst.IndentedBlock)
        settings = analyzer.client_settings[1] if analyzer.client_settings else []
        ssl_name = None
        if self.ssl is not None and self.ssl.name not in shadowed:
            ssl_name = self.ssl.name
        rewriter = _Rewriter(self.imports, shadowed, client, local, self.module_name, ssl_name)
        rewriter.response_name = fresh_name("response", used | {client})
        local.follow(body)  # the reads of the tree the rewriter walks (ids differ from the analysed one's)
        new_body = body.visit(rewriter)
        self.needs_json = self.needs_json or analyzer.needs_json
        assert isinstance(new_body, cst.IndentedBlock)
        item = cst.WithItem(
            item=_new_client(self.module_name, settings, ssl_name), asname=cst.AsName(name=cst.Name(client))
        )
        self.changed = True
        self.used_before |= all_names.names
        # keep the module's name counts current without another walk of the whole module
        received, result = NameUses(counts=True), NameUses(counts=True)
        updated_node.visit(received)
        new_node = updated_node.with_changes(body=_wrap_block(new_body, client, item))
        if own_imports:
            new_node = _drop_local_requests_imports(new_node, own_imports)
        new_node.visit(result)
        if self.ssl is not None and ssl_name is not None and result.counts and result.counts[ssl_name]:
            self.ssl.used = True
        self.prepass.counts.subtract(received.counts)
        self.prepass.counts.update(result.counts)
        self.ctx.fixed(original_node, f"requests calls now use {self.module_name}.AsyncClient")
        return new_node


class _Prepass(NameUses):
    """One walk of the module: how often each name is used (to know, after the rewrite, which
    imports are still used) and which async functions mention requests or a shared Session (the
    only ones worth analysing)."""

    def __init__(self, requests_names: set[str], shared: tuple[set[str], set[str]]) -> None:
        super().__init__(counts=True)
        self.watch = requests_names | shared[0]
        self.attrs = shared[1]
        self.relevant: set[int] = set()
        self._stack: list[cst.FunctionDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.pop()

    def _mark(self) -> None:
        self.relevant.update(id(f) for f in self._stack)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if node.attr.value in self.attrs or f"{node.attr.value}()" in self.attrs:  # also a Session getter
            self._mark()
        return super().visit_Attribute(node)

    def visit_Name(self, node: cst.Name) -> None:
        super().visit_Name(node)
        if node.value in self.watch or f"{node.value}()" in self.watch:
            self._mark()


def _module_constants(module: cst.Module) -> dict[str, cst.BaseExpression]:
    """``NAME = <number or string>`` at module level, for names bound nowhere else at module level."""
    seen: dict[str, list[cst.BaseExpression]] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            for n in target_names(getattr(stmt, "target", None)):
                seen.setdefault(n, []).append(cst.Name("object"))
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                seen.setdefault(stmt.name.value, []).append(cst.Name("object"))
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for t in small.targets:
                    for n in target_names(t.target):
                        seen.setdefault(n, []).append(
                            small.value if isinstance(t.target, cst.Name) else cst.Name("x")
                        )
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                for n in target_names(small.target):
                    seen.setdefault(n, []).append(cst.Name("x"))
    return {
        n: vs[0]
        for n, vs in seen.items()
        if len(vs) == 1
        and (_is_number(vs[0]) or isinstance(vs[0], (cst.SimpleString, cst.ConcatenatedString)))
    }


def transform(module: cst.Module, ctx: Context) -> cst.Module:
    """The codemod over one module (see the package docstring)."""
    imports = ImportTable(module)
    if not any(v == "requests" or v.startswith("requests.") for v in imports.names.values()):
        return module
    choice = ctx.option("http-client")
    if choice == "auto":
        choice = "httpx2" if getattr(ctx.project, "uses_httpx2", False) else "httpx"
    finder = _SharedSessions(imports)
    module.visit(finder)
    shared = (finder.sessions, finder.attrs)
    t = _Transformer(imports, ctx, choice, shared)
    module.visit(t.prepass)
    if ctx.option("ssl-context") == "shared":
        t.ssl = _SharedSSL.for_module(module, choice, t.prepass.counts.keys() | set(imports.names))
    t.constants = _module_constants(module)
    new = module.visit(t)
    if not t.changed:
        return module
    # an import of a thread wrapper is dropped only if a rewritten function used it and nothing does now
    used = {n for n, c in t.prepass.counts.items() if c > 0}
    return _fix_imports(new, choice, t.used_before, t.needs_json, used, t.ssl)
