"""The SSL-context option (``ssl-context``, default ``shared``): one module-level
``httpx.create_ssl_context()`` that every new AsyncClient of the module takes as ``verify=``."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

import libcst as cst

from codemods.analysis import dotted_name
from codemods.analysis.fresh import fresh_name


@dataclasses.dataclass
class _SharedSSL:
    """The module-level SSL context the new clients share (option ``ssl-context``, default
    ``shared``): ``name`` is an existing ``NAME = httpx.create_ssl_context()`` at module level or a
    fresh name to bind after the imports (``existing`` False); ``used`` once a client takes it."""

    name: str
    existing: bool
    used: bool = False

    @classmethod
    def for_module(cls, module: cst.Module, module_name: str, taken: Collection[str]) -> _SharedSSL:
        for stmt in module.body:
            if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
                continue
            small = stmt.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Call)
                and not small.value.args
                and dotted_name(small.value.func) == f"{module_name}.create_ssl_context"
            ):
                return cls(small.targets[0].target.value, existing=True)
        base = f"_{module_name.upper()}_SSL_CONTEXT"
        return cls(fresh_name(base, taken), existing=False)

    def statement(self, module_name: str) -> cst.SimpleStatementLine:
        return cst.SimpleStatementLine(
            body=[
                cst.Assign(
                    targets=[cst.AssignTarget(target=cst.Name(self.name))],
                    value=cst.Call(
                        func=cst.Attribute(value=cst.Name(module_name), attr=cst.Name("create_ssl_context"))
                    ),
                )
            ],
            leading_lines=[
                cst.EmptyLine(),
                cst.EmptyLine(
                    comment=cst.Comment(
                        "# TLS setup shared by the AsyncClients of this module: made once, as loading the CA"
                    )
                ),
                cst.EmptyLine(comment=cst.Comment("# certificates for every new client is slow.")),
            ],
        )
