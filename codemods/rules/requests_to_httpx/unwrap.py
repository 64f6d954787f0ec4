"""Thread-wrapped calls: a sync function run in a thread and awaited where the wrapper is made.

The wrappers are recognised by the shared ``codemods.analysis.unwrap`` (every thread form, and
``functools.partial(f, *bound)`` in the place of ``f``). This room holds requests-to-httpx's own
policy on top: when a wrapper cannot simply be dropped (``_wrapper_problem``: options that do more
than pick the thread, executor or loop expressions that may have effects), and the calls handed to
``asyncio.gather(...)`` (``_gather_calls``, ``_map_gathered``). Once the function is async itself,
the wrapper goes and ``f``'s async twin is called with the arguments ``f`` received
(``unwrapped_args``).

Nothing here knows what ``f`` is: requests-to-httpx decides that (``calls._match``).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.unwrap import SYNC_TO_ASYNC_FORM, Wrapped
from codemods.knowledge import runtime
from codemods.problems import Problem

__all__ = ["SYNC_TO_ASYNC_FORM", "_gather_calls", "_map_gathered", "_wrapper_problem"]
# ``asyncio`` functions that return the running loop without side effects (receivers of
# ``run_in_executor`` that may be evaluated once more or not at all).
_LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop")


def _wrapper_problem(
    call: cst.Call, wrapped: Wrapped, what: str, imports: ImportTable, shadowed: set[str]
) -> Problem | None:
    """Why dropping the wrapper of ``call`` (which runs ``what``) would change behaviour, or None:
    ``sync_to_async`` options other than those choosing the thread, an executor or loop expression
    that may have effects, keyword arguments to ``run_in_executor`` (it takes none)."""
    for opt in wrapped.options:
        if opt.keyword is None or opt.keyword.value not in runtime.SYNC_TO_ASYNC_THREAD_OPTIONS:
            return Problem("wrapper-option", f"{wrapped.form}({what}) with an option that cannot be kept")
    if wrapped.form == runtime.RUN_IN_EXECUTOR:
        executor = call.args[0].value
        if not isinstance(executor, cst.Name):
            return Problem(
                "executor-expression",
                "run_in_executor() with an executor expression that may have side effects",
            )
        if any(a.keyword is not None for a in wrapped.given):
            return Problem("executor-keywords", "run_in_executor() with keyword arguments")
        func = call.func
        receiver = func.value if isinstance(func, cst.Attribute) else None
        if not isinstance(receiver, cst.Name) and not (
            isinstance(receiver, cst.Call)
            and imports.qualify(receiver.func, shadowed) in _LOOP_GETTERS
            and not receiver.args
        ):
            return Problem(
                "loop-expression", "run_in_executor() on a loop expression that may have side effects"
            )
    return None


def _gather_calls(gather: cst.Call) -> list[tuple[cst.Call, int]]:
    """Calls passed to ``asyncio.gather(a(), b())`` / ``gather(*[f(x) for x in xs])`` / ``gather(*(...))``,
    each with 1 when it sits in a generator expression (a nested scope), else 0."""
    out: list[tuple[cst.Call, int]] = []
    for arg in gather.args:
        value = arg.value
        if not arg.star and isinstance(value, cst.Call):
            out.append((value, 0))
        elif (
            arg.star == "*"
            and isinstance(value, (cst.ListComp, cst.GeneratorExp))
            and isinstance(value.elt, cst.Call)
        ):
            out.append((value.elt, int(isinstance(value, cst.GeneratorExp))))
        elif arg.star == "*" and isinstance(value, (cst.List, cst.Tuple)):
            out.extend((el.value, 0) for el in value.elements if isinstance(el.value, cst.Call))
    return out


def _map_gathered(call: cst.Call, fn: Callable[[cst.BaseExpression], cst.BaseExpression]) -> cst.Call:
    """``asyncio.gather(...)`` with ``fn`` applied to each awaitable it is given, in the places
    ``_gather_calls`` looks at."""
    args = []
    for arg in call.args:
        value = arg.value
        if not arg.star:
            value = fn(value)
        elif arg.star == "*" and isinstance(value, (cst.ListComp, cst.GeneratorExp)):
            value = value.with_changes(elt=fn(value.elt))
        elif arg.star == "*" and isinstance(value, (cst.List, cst.Tuple)):
            value = value.with_changes(
                elements=[el.with_changes(value=fn(el.value)) for el in value.elements]
            )
        args.append(arg.with_changes(value=value))
    return call.with_changes(args=args)
