"""Refusals as values: the one way a codemod says why it leaves code alone.

A codemod that will not rewrite something makes a ``Problem``: a ``kind`` (a stable, short
identifier of the reason, e.g. ``"timeout-not-visible"``) and the one-line ``message`` the user
reads. Code that decides what to report or to drop looks at ``kind``, never at the message text,
so rewording a message changes nothing but what is printed. Deep inside an analysis a problem is
raised as ``Refused``; where several are collected, they are kept as a list of ``Problem``; either
way it reaches the user through ``Context.refuse``.

Each kind has a ``Code`` in its codemod's ``codes.py`` (its level: a warning, always shown, or a
note, shown with --verbose); ``one_line`` is the shape every printed message takes.

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


# How loud a code is. A warning is something the user should see on every run: a blocking call or a
# likely candidate left behind. A note is "considered, not applicable" (awaits that depend on each
# other, a view that does real async work): shown with --verbose and in --report json only.
WARNING, NOTE = "warning", "note"

# The longest message printed: a diagnostic is one line, and long ones are shortened.
MAX_MESSAGE = 160
_QUOTED_MAX = 40


@dataclasses.dataclass(frozen=True)
class Code:
    """A stable diagnostic code (``DJA101``) for one ``Problem.kind`` of one codemod: what
    ``--ignore`` names, ``--report json`` carries and ``dj-asyncify explain CODE`` describes.

    ``title`` is the reason in a few words; ``detail`` (optional) says why the codemod stops there
    and what the user can do."""

    code: str
    kind: str
    level: str
    title: str
    detail: str = ""


def one_line(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` as one line of at most ``limit`` characters: whitespace (newlines included)
    collapsed; over the limit, code quoted in backticks is shortened first, then the end."""
    text = " ".join(message.split())
    if len(text) <= limit:
        return text
    parts = text.split("`")
    for i in range(1, len(parts), 2):  # the quoted spans
        if len(parts[i]) > _QUOTED_MAX:
            parts[i] = parts[i][: _QUOTED_MAX - 1] + "…"
    text = "`".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
