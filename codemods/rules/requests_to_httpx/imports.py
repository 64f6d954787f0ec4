"""Import edits once a module's functions are rewritten: ``import httpx`` (or ``httpx2``) where the
requests import was, ``import json`` when a handler needs ``json.JSONDecodeError``, the shared SSL
context after the imports, and the requests and thread-wrapper imports dropped once unused (also
``import requests`` made inside a rewritten function: ``_local_requests_imports``)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from codemods.analysis import ImportTable, SameScope, dotted_name
from codemods.analysis.bindings import IMPORT, Binding, collect_bindings
from codemods.analysis.imports import alias_local, bound_name, is_docstring, is_import_line, without_aliases
from codemods.analysis.names import ImportBinding, name_uses, statement_bindings
from codemods.knowledge import runtime
from codemods.rules.requests_to_httpx.ssl_context import _SharedSSL

# Modules whose imports the rewrite may leave unused (the thread wrappers); dropped only then.
_WRAPPER_MODULES = runtime.WRAPPER_MODULES


def _fix_imports(
    module: cst.Module,
    module_name: str,
    used_before: set[str],
    needs_json: bool = False,
    used: set[str] | None = None,
    ssl: _SharedSSL | None = None,
) -> cst.Module:
    if used is None:
        used = name_uses(module)
    made_unused = used_before - used
    body: list[cst.BaseStatement] = []
    has_httpx = False
    has_json = not needs_json
    last_import = -1
    # where the requests import was (the new import goes there), and blank lines/comments of
    # dropped import lines (kept for the next line, so import groups stay apart)
    requests_at: int | None = None
    requests_lines: Sequence[cst.EmptyLine] = ()
    pending: Sequence[cst.EmptyLine] = ()
    for stmt in module.body:
        if is_import_line(stmt):
            new_small: list[cst.BaseSmallStatement] = []
            for s in stmt.body:
                if isinstance(s, cst.Import):
                    names = []
                    for a in s.names:
                        full = dotted_name(a.name)
                        if full == module_name and a.asname is None:
                            has_httpx = True
                        if full == "json" and a.asname is None:
                            has_json = True
                        if full == "requests" or (full or "").startswith("requests."):
                            local = bound_name(a)  # ``requests``
                            if local not in used:
                                continue
                        if full in _WRAPPER_MODULES:
                            local = alias_local(a)
                            if local in made_unused:
                                continue
                        names.append(a)
                    if names:
                        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                        new_small.append(s.with_changes(names=names))
                elif (
                    s.module is not None
                    and (dotted_name(s.module) or "").split(".")[0] == "requests"
                    and not s.relative
                    and not isinstance(s.names, cst.ImportStar)
                ):
                    kept = [
                        a
                        for a in s.names
                        if alias_local(a) in used
                    ]
                    if kept:
                        new_small.append(without_aliases(s, kept, keep_layout=False))
                elif (
                    s.module is not None
                    and dotted_name(s.module) in _WRAPPER_MODULES
                    and not s.relative
                    and not isinstance(s.names, cst.ImportStar)
                ):
                    kept = [
                        a
                        for a in s.names
                        if alias_local(a) not in made_unused
                    ]
                    if kept:
                        new_small.append(without_aliases(s, kept, keep_layout=False) if len(kept) < len(s.names) else s)
                else:
                    new_small.append(s)
            if not new_small:
                had_requests = any(
                    (dotted_name(a.name) or "").split(".")[0] == "requests"
                    for s in stmt.body
                    if isinstance(s, cst.Import)
                    for a in s.names
                ) or any(
                    isinstance(s, cst.ImportFrom)
                    and s.module is not None
                    and (dotted_name(s.module) or "").startswith("requests")
                    for s in stmt.body
                )
                if had_requests and requests_at is None:
                    requests_at, requests_lines = len(body), stmt.leading_lines
                elif stmt.leading_lines and not pending:
                    pending = stmt.leading_lines
                continue
            new_small[-1] = new_small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            stmt = stmt.with_changes(body=new_small)
            if pending and not stmt.leading_lines:
                stmt = stmt.with_changes(leading_lines=pending)
            pending = ()
            body.append(stmt)
            last_import = len(body) - 1
        else:
            if pending and not stmt.leading_lines:
                stmt = stmt.with_changes(leading_lines=pending)
            pending = ()
            body.append(stmt)
    if not has_httpx and requests_at is not None:
        imp = cst.SimpleStatementLine(
            body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(module_name))])],
            leading_lines=requests_lines,
        )
        body.insert(requests_at, imp)
        has_httpx = True
        if last_import >= requests_at:
            last_import += 1
        else:
            last_import = requests_at
    for needed, name in ((has_json, "json"), (has_httpx, module_name)):
        if needed:
            continue
        imp = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(name))])])
        if last_import >= 0:
            last_import += 1
            body.insert(last_import, imp)
        else:
            pos = 1 if body and is_docstring(body[0]) else 0
            body.insert(pos, imp)
            last_import = pos
    if ssl is not None and ssl.used and not ssl.existing:
        stmt = ssl.statement(module_name)
        after = body[last_import + 1] if last_import + 1 < len(body) else None
        if after is not None and not after.leading_lines:  # keep code apart from the new lines
            body[last_import + 1] = after.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(last_import + 1, stmt)
    if body and module.body and body[0].leading_lines and not module.body[0].leading_lines:
        # the first line went: the file does not start with the blank lines that followed it
        lines = list(body[0].leading_lines)
        while lines and lines[0].comment is None:
            lines.pop(0)
        body[0] = body[0].with_changes(leading_lines=lines)
    return module.with_changes(body=body)


def _local_requests_imports(func: cst.FunctionDef, imports: ImportTable) -> set[str]:
    """Names ``func`` binds only by importing requests itself (``import requests`` in its body, as a
    Channels consumer may do): they still name requests there, as the module's imports would."""
    kinds: dict[str, list[Binding]] = {}
    for b in collect_bindings(func.body):
        kinds.setdefault(b.name, []).append(b)
    out = set()
    for name, bindings in kinds.items():
        qualified = imports.names.get(name, "")
        if qualified.split(".")[0] != "requests":
            continue
        if all(
            b.kind == IMPORT
            and isinstance(b.node, (cst.Import, cst.ImportFrom))
            and any(s.local == name and _qualified(s) == qualified for s in statement_bindings(b.node))
            for b in bindings
        ):
            out.add(name)
    return out


def _qualified(b: ImportBinding) -> str:
    if b.name is not None:
        return b.qualified(dotted_relative=True)
    return b.module if b.alias else b.local


class _DropLocalImports(SameScope, cst.CSTTransformer):
    """Drops, from one rewritten function, its own imports of ``names`` (requests) it no longer uses."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import | cst.RemovalSentinel:
        kept = [a for a in updated_node.names if bound_name(a) not in self.names]
        if len(kept) == len(updated_node.names):
            return updated_node
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=kept)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        kept = [a for a in updated_node.names if alias_local(a) not in self.names]
        if len(kept) == len(updated_node.names):
            return updated_node
        return without_aliases(updated_node, kept, keep_layout=False) if kept else cst.RemoveFromParent()

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if not updated_node.body:
            return cst.RemoveFromParent()
        return updated_node

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
        first = updated_node.body[0]
        if (
            first.leading_lines
            and len(updated_node.body) < len(original_node.body)
            and not first.deep_equals(original_node.body[0])
        ):
            # the block's first line went: no blank line at the top of the block
            lines = list(first.leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            updated_node = updated_node.with_changes(body=[first.with_changes(leading_lines=lines), *updated_node.body[1:]])
        return updated_node


def _drop_local_requests_imports(func: cst.FunctionDef, names: set[str]) -> cst.FunctionDef:
    """``func`` without its own imports of the requests ``names`` it no longer uses."""
    unused = names - name_uses(func.body)
    if not unused:
        return func
    body = func.body.visit(_DropLocalImports(unused))
    assert isinstance(body, cst.BaseSuite)
    return func.with_changes(body=body)
