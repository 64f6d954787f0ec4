"""How diagnostics show things: code on one line, versions, a problem restated with context."""

from __future__ import annotations

import dataclasses

import libcst as cst

from codemods.problems import Problem


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def short(node: cst.CSTNode, limit: int = 60) -> str:
    """Code for a diagnostic: on one line, long expressions cut."""
    text = " ".join(code(node).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def version(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def prefixed(prefix: str, problem: Problem) -> Problem:
    """The same problem, its message preceded by ``prefix`` (who has it, where)."""
    return dataclasses.replace(problem, message=f"{prefix}{problem.message}")
