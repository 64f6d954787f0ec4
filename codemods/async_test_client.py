"""Placeholder for the `async-test-client` codemod (being written)."""

from __future__ import annotations

import libcst as cst

from codemods.registry import Codemod, Context, register


@register
class Placeholder(Codemod):
    name = "async-test-client"
    summary = "not written yet"
    order = 40

    def precheck(self, source: str) -> bool:
        return False

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        return module
