"""Import edits once a module's functions are rewritten: ``import httpx`` (or ``httpx2``) where the
requests import was, ``import json`` when a handler needs ``json.JSONDecodeError``, the shared SSL
context after the imports, and the requests and thread-wrapper imports dropped once unused."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from codemods.analysis import dotted_name
from codemods.analysis.imports import alias_local, bound_name, is_docstring, is_import_line, without_aliases
from codemods.analysis.names import name_uses
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
    return module.with_changes(body=body)
