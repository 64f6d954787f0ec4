"""Per-file limits: nesting depth, recursion and time; a file over one is an error of its own, never the run's end.

A valid file can still be too much for the tools: a 3,000-term expression exhausts Python's
default recursion limit in ``ast`` and in LibCST's visitors, LibCST's native parser overflows its
stack (a crash no ``except`` catches) on some ten thousand nested levels and needs seconds per
parse from about two thousand, and some input makes it run for minutes. So, per file:

- the scan measures the syntax tree's depth, and a file that a codemod could touch but is nested
  deeper than ``MAX_DEPTH`` is reported instead of being handed to LibCST;
- the scan and the rewrite of one file run under a recursion limit raised to ``RECURSION_LIMIT``
  (bounded: the C stack must hold it), a ``RecursionError`` becoming that file's error;
- the work of one file stops after ``TIME_LIMIT_S`` seconds (a timer in the process doing the work,
  where the timer signal is free: the worker processes, a run's main thread), that file's error.

Normal code is far from all three: Django's deepest module is 28 levels deep.
"""

from __future__ import annotations

import ast
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

MAX_DEPTH = 1_000
RECURSION_LIMIT = 12_000
TIME_LIMIT_S = 120.0

TOO_DEEP = f"too deeply nested to process (more than {MAX_DEPTH} levels); file left unchanged"
RECURSION = "too deeply nested to process (recursion limit reached); file left unchanged"


def too_slow() -> str:
    return f"took more than {TIME_LIMIT_S:g} s to process (the per-file time limit); file left unchanged"


# Errors that say nothing lasting about the file: a scan that ended so is not cached.
RETRY_PREFIXES = ("internal error", "took more than")


class TimeLimitExceeded(BaseException):
    """Raised in the work of a file that ran out of time (a BaseException: codemods catch Exception)."""


def too_deep(tree: ast.AST) -> bool:
    """Whether ``tree`` is nested deeper than ``MAX_DEPTH`` (without recursing itself).

    Level by level, reading each node's fields directly (as ``candidates.walk`` does: no
    generator or tuple per node). The ``ctx`` of a name (``Load``/``Store``) is a leaf one level
    below its node: it is only looked at on the last level it could exceed the limit from."""
    node_type = ast.AST
    level: list[ast.AST] = [tree]
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return True
        last = depth == MAX_DEPTH
        below: list[ast.AST] = []
        append = below.append
        for node in level:
            for name in node._fields:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, node_type):
                            append(item)
                elif isinstance(value, node_type) and (last or name != "ctx"):
                    append(value)
        level = below
        depth += 1
    return False


def _on_alarm(signum: int, frame: Any) -> None:
    raise TimeLimitExceeded


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """The raised recursion limit and, where the timer signal is free, the time limit."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    timed = (
        TIME_LIMIT_S > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    )
    if timed:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
    try:
        yield
    finally:
        while True:
            try:
                if timed:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM, signal.SIG_DFL)
                sys.setrecursionlimit(old_limit)
                break
            except TimeLimitExceeded:  # the timer went off as the work ended: the work is done
                continue


def guarded(func: Callable[[Any], Any], failed: Callable[[Any, str], Any], item: Any) -> Any:
    """``func(item)`` within the limits; over one, ``failed(item, error)``."""
    try:
        with bounded():
            return func(item)
    except RecursionError:
        return failed(item, RECURSION)
    except TimeLimitExceeded:
        return failed(item, too_slow())
