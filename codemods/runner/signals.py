"""Interrupts: SIGINT/SIGTERM/SIGHUP stop a run cleanly, and never in the middle of a write.

Python runs signal handlers in the main thread, between two bytecodes, whichever thread the
kernel delivered the signal to. Blocking signals with ``pthread_sigmask`` in the main thread
therefore protects nothing once other threads exist (the worker pool has some): the kernel hands
the signal to another thread and the handler still runs in the main thread, in the middle of the
write. So the protection is done at the Python level instead: while a ``held()`` section runs
(a temporary file exists, a rename is due), our handler only notes the signal; it takes effect
when the section ends.

During a run (``handled()``), a signal whose disposition is still the default one becomes an
exception in the main thread: SIGINT a ``KeyboardInterrupt`` (as Python does by default), SIGTERM
and SIGHUP an ``Interrupted`` (a ``SystemExit`` with the shell's code for that signal, 143 and 129),
so that the run's ``finally`` blocks stop the workers and nothing is left behind. A signal the
program already handles or ignores (``nohup``, a test runner) is left alone.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(SystemExit):
    """The run was stopped by SIGTERM or SIGHUP; ``code`` is 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


_STATE: dict[str, Any] = {"depth": 0, "pending": []}


def _raise_for(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Interrupted(signum)


def _handler(signum: int, frame: FrameType | None) -> None:
    if _STATE["depth"] > 0:
        _STATE["pending"].append(signum)
        return
    _raise_for(signum)


def _is_default(signum: int, current: Any) -> bool:
    if signum == signal.SIGINT:
        return current is signal.default_int_handler
    return current == signal.SIG_DFL


def _install() -> dict[int, Any]:
    """Our handler for each signal whose disposition is the default one; returns what it replaced."""
    replaced: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return replaced
    for signum in _SIGNALS:
        current = signal.getsignal(signum)
        if _is_default(signum, current):
            signal.signal(signum, _handler)
            replaced[signum] = current
    return replaced


def _restore(replaced: dict[int, Any]) -> None:
    for signum, previous in replaced.items():
        signal.signal(signum, previous)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """For the length of a run: SIGINT/SIGTERM/SIGHUP raise in the main thread (see above)."""
    replaced = _install()
    try:
        yield
    finally:
        _restore(replaced)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """A section no signal interrupts: one that arrives meanwhile takes effect when it ends.

    Inside a run the pending signal is raised as ``handled`` would; outside one (our handler
    installed only for this section) it is sent again to the process, to meet its own disposition."""
    main = threading.current_thread() is threading.main_thread()
    if not main:
        # Handlers run in the main thread only: a signal cannot interrupt this thread's section.
        yield
        return
    replaced = _install()
    _STATE["depth"] += 1
    try:
        yield
    finally:
        _STATE["depth"] -= 1
        _restore(replaced)
        if _STATE["depth"] == 0 and _STATE["pending"]:
            signum = _STATE["pending"][0]
            _STATE["pending"].clear()
            if signal.getsignal(signum) is _handler:
                _raise_for(signum)
            else:
                signal.raise_signal(signum)


def reset_in_worker(parent: int) -> None:
    """In a worker process (``parent``: the pid of the process that started it): Ctrl-C is the
    main process's business (it stops the pool); SIGTERM and SIGHUP have their default effect (a
    fork inherits our handlers, which would turn them into an exception the pool hands back as a
    result instead of stopping the worker). On Linux the worker also dies with its parent, even one
    killed by SIGKILL (``PR_SET_PDEATHSIG``)."""
    import os
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in _SIGNALS:
        if signum != signal.SIGINT:
            signal.signal(signum, signal.SIG_DFL)
    _STATE["depth"], _STATE["pending"] = 0, []
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
