"""Moot diagnostics: what a codemod said about an async function that a later codemod of the run made sync."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def _defs(module: Any) -> dict[tuple[str, ...], list[Any]]:
    """Every def of the module by its path of class/def names."""
    from codemods.analysis.scope import defs

    out: dict[tuple[str, ...], list[Any]] = {}
    for path, func, _ in defs(module):
        out.setdefault(path, []).append(func)
    return out


def drop_moot(records: list[tuple[Any, ...]], final: Any, about_async: Collection[str]) -> list[tuple[Any, ...]]:
    """``records`` (module, node, codemod, ...) without those of an ``about_async`` codemod whose
    node sits in an ``async def`` that is a plain ``def`` in ``final``, the module the run ends
    with: "use await qs.acount()" said of a view async-views-to-sync made sync is no longer true.
    A def whose path of names is not unique is left alone (which one became sync is not known)."""
    from codemods.analysis.scope import inside

    mine = [r for r in records if r[0] is not None and r[0] is not final and r[2] in about_async]
    if not mine:
        return records
    at_end = _defs(final)
    moot: set[int] = set()
    for module in {id(r[0]): r[0] for r in mine}.values():
        wanted = {id(r[1]) for r in mine if r[0] is module}
        for path, funcs in _defs(module).items():
            ends = at_end.get(path, [])
            if (
                len(funcs) == 1 and len(ends) == 1
                and funcs[0].asynchronous is not None and ends[0].asynchronous is None
            ):
                moot |= inside(funcs[0], wanted - moot)
    return [r for r in records if not (r[2] in about_async and id(r[1]) in moot)] if moot else records
