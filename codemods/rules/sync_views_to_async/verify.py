"""Verification after the run: each view made async must have its calls gathered and nothing unsafe left."""

from __future__ import annotations

from typing import Any

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.scope import defs, inside
from codemods.problems import Problem, Refused
from codemods.project import view_settings
from codemods.registry import Context
from codemods.rules.sync_views_to_async.safe import Check, ModuleInfo

# The codemods that finish a view's body: what they leave unconverted in it, and say so, is a
# blocking call left on the event loop. gather-awaits only orders: what it says is why the calls
# could not run concurrently.
FINISHERS = ("requests-to-httpx", "async-orm")
GATHERER = "gather-awaits"


class _Said:
    """What the other codemods reported inside given defs, by the module each reported on."""

    def __init__(self, records: list[tuple[Any, ...]], me: str) -> None:
        self.records = [r for r in records if r[0] is not None and r[2] != me and r[4] != "fixed"]
        self._defs: dict[int, dict[tuple[str, ...], cst.FunctionDef]] = {}

    def inside(self, paths: list[tuple[str, ...]]) -> list[tuple[Any, ...]]:
        out = []
        for module in {id(r[0]): r[0] for r in self.records}.values():
            if id(module) not in self._defs:
                self._defs[id(module)] = {p: f for p, f, _ in defs(module)}
            found = self._defs[id(module)]
            wanted = {id(r[1]) for r in self.records if r[0] is module}
            hits: set[int] = set()
            for path in paths:
                if path in found:
                    hits |= inside(found[path], wanted - hits)
            out += [r for r in self.records if r[0] is module and id(r[1]) in hits]
        return out


def verify(final: cst.Module, ctx: Context, records: list[tuple[Any, ...]], me: str) -> dict[tuple[str, ...], Problem]:
    """The views of ``ctx.tentative`` (a function's path, or a class's handlers' paths, which
    start with the view's name) that do not hold in ``final``, with why; for each one that
    holds, a record of the rewrite (and of middleware that adapts it) is added to ``records``."""
    imports = ImportTable(final)
    info = ModuleInfo(final, imports)
    at_end = {p: (f, m) for p, f, m in defs(final)}
    said = _Said(records, me)
    out: dict[tuple[str, ...], Problem] = {}
    foreign: list[str] | None = None
    views: dict[str, list[tuple[str, ...]]] = {}
    for path in ctx.tentative:
        views.setdefault(path[0], []).append(path)
    for name, paths in views.items():
        try:
            gathers = _check(name, paths, at_end, info, said)
        except Refused as refusal:
            message = f"`{name}` stays sync: {refusal.problem.message}"
            for p in paths:
                out[p] = Problem(refusal.problem.kind, message)
            continue
        node: cst.CSTNode = at_end[paths[0]][0]
        if len(paths[0]) > 1:
            node = next(s for s in final.body if isinstance(s, cst.ClassDef) and s.name.value == name)
        runs = sum(gathers)
        waits = len(gathers)
        records.append((final, node, me, (f"`{name}` made async: {runs} HTTP calls run concurrently, "
                        f"{waits} wait{'s' if waits > 1 else ''} per request instead of {runs}"), "fixed", ""))
        if foreign is None:
            foreign = view_settings.foreign_middleware(ctx.path)
        if foreign:
            ctx.module = final
            before = len(ctx.records)
            ctx.note(node, Problem("sync-middleware", f"`{name}`: MIDDLEWARE lists `{foreign[0]}`"
                                   + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "")
                                   + ", not Django's own: if sync-only, each request switches threads for it"))
            records.extend(ctx.records[before:])
    return out


def _check(name: str, paths: list[tuple[str, ...]], at_end: dict[tuple[str, ...], tuple[cst.FunctionDef, bool]],
           info: ModuleInfo, said: _Said) -> list[int]:
    """The HTTP calls each gather of the view runs at once; raises ``Refused`` with why the view
    does not hold."""
    reports = said.inside(paths)
    blocking = [r for r in reports if r[2] in FINISHERS]
    if blocking:
        _, _, codemod, message, _, code = blocking[0]
        raise Refused(Problem("left-blocking", f"{codemod} leaves a call blocking ({code}: {message})"))
    for path in paths:
        if path not in at_end or at_end[path][0].asynchronous is None:
            raise Refused(Problem("rewritten-back", "the rest of the run did not leave it async"))
    gathers: list[int] = []
    for path in paths:
        func, is_method = at_end[path]
        check = Check(func, info, is_method)
        check.run()
        gathers += check.gathers
    if sum(gathers) < 2:
        why = next((r for r in reports if r[2] == GATHERER), None)
        detail = f" ({why[5]}: {why[3]})" if why else " (gather-awaits found no run of independent awaits to gather)"
        raise Refused(Problem("not-concurrent", f"its HTTP calls cannot be run concurrently{detail}"))
    return gathers
