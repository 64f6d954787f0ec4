"""Refusals as values: the one way a codemod says why it leaves code alone.

A codemod that will not rewrite something makes a ``Problem``: a ``kind`` (a stable, short
identifier of the reason, e.g. ``"timeout-not-visible"``) and the one-line ``message`` the user
reads. Code that decides what to report or to drop looks at ``kind``, never at the message text,
so rewording a message changes nothing but what is printed. Deep inside an analysis a problem is
raised as ``Refused``; where several are collected, they are kept as a list of ``Problem``; either
way it reaches the user through ``Context.refuse``.

Nothing here imports libcst.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why a rewrite does not happen: ``kind`` for code, ``message`` for the user."""

    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


class Refused(Exception):
    """Raised by an analysis that found a ``Problem``; ``node`` is where to report it (or None:
    the caller knows)."""

    def __init__(self, problem: Problem, node: Any = None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.node = node
