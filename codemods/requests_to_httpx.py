"""Placeholder for the `requests-to-httpx` codemod (being written)."""

from __future__ import annotations

import libcst as cst

from codemods.registry import Codemod, Context, register


@register
class Placeholder(Codemod):
    name = "requests-to-httpx"
    summary = "not written yet"
    order = 10

    def precheck(self, source: str) -> bool:
        return False

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        return module
