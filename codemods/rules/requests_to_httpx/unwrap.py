"""Thread-wrapped calls: a sync function run in a thread and awaited where the wrapper is made.

Recognises ``sync_to_async(f, **options)(*args)``, ``asyncio.to_thread(f, *args)`` and
``loop.run_in_executor(executor, f, *args)`` (``_thread_wrapped``), ``functools.partial(f, *bound)``
in the place of ``f`` (``_partial``; ``_merge`` puts the bound and the given arguments together),
says when a wrapper cannot simply be dropped (``_wrapper_problem``: options that do more than pick
the thread, executor or loop expressions that may have effects), and finds the calls handed to
``asyncio.gather(...)`` (``_gather_calls``, ``_map_gathered``). Once the function is async itself,
the wrapper goes and ``f``'s async twin is called with the arguments ``f`` received
(``_unwrapped_args``).

Nothing here knows what ``f`` is: requests-to-httpx decides that (``calls._match``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import libcst as cst

from codemods.analysis import ImportTable
from codemods.knowledge import runtime
from codemods.problems import Problem

# How messages name each wrapper.
SYNC_TO_ASYNC_FORM = runtime.SYNC_TO_ASYNC.rpartition(".")[2]  # "sync_to_async"
# ``asyncio`` functions that return the running loop without side effects (receivers of
# ``run_in_executor`` that may be evaluated once more or not at all).
_LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop")


@dataclasses.dataclass(frozen=True)
class _Wrapped:
    """A call that runs ``target`` in a thread: ``form`` names the wrapper as messages say it
    (``sync_to_async``, ``asyncio.to_thread``, ``run_in_executor``), ``given`` are the arguments
    ``target`` receives, ``options`` the wrapper's own (``sync_to_async(f, thread_sensitive=...)``)."""

    form: str
    target: cst.BaseExpression
    given: Sequence[cst.Arg]
    options: Sequence[cst.Arg]


def _thread_wrapped(call: cst.Call, imports: ImportTable, shadowed: set[str]) -> _Wrapped | None:
    """``call`` as a thread wrapper's call, or None (not one, or one whose function is not a plain
    first positional argument)."""
    func = call.func
    if isinstance(func, cst.Call) and imports.qualify(func.func, shadowed) == runtime.SYNC_TO_ASYNC:
        if not func.args or func.args[0].keyword is not None or func.args[0].star:
            return None
        return _Wrapped(SYNC_TO_ASYNC_FORM, func.args[0].value, call.args, func.args[1:])
    if imports.qualify(func, shadowed) == runtime.TO_THREAD:
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        return _Wrapped(runtime.TO_THREAD, call.args[0].value, call.args[1:], ())
    if isinstance(func, cst.Attribute) and func.attr.value == runtime.RUN_IN_EXECUTOR:
        if len(call.args) < 2 or any(a.keyword is not None or a.star for a in call.args[:2]):
            return None
        return _Wrapped(runtime.RUN_IN_EXECUTOR, call.args[1].value, call.args[2:], ())
    return None


def _partial(
    expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]
) -> tuple[cst.BaseExpression, Sequence[cst.Arg]] | None:
    """``(f, bound)`` for ``functools.partial(f, *bound)``, else None."""
    if isinstance(expr, cst.Call) and imports.qualify(expr.func, shadowed) == runtime.PARTIAL:
        if not expr.args or expr.args[0].keyword is not None or expr.args[0].star:
            return None
        return expr.args[0].value, expr.args[1:]
    return None


def _merge(bound: list[cst.Arg], given: Sequence[cst.Arg]) -> list[cst.Arg] | Problem:
    """Arguments of ``partial(f, *bound)(*given)``, positional first."""
    everything = [*bound, *given]
    positional = [a for a in everything if a.keyword is None]
    keywords = [a for a in everything if a.keyword is not None]
    seen: set[str] = set()
    for a in keywords:
        assert a.keyword is not None
        if a.keyword.value in seen:
            return Problem("keyword-twice", f"gives {a.keyword.value}= twice (partial and call)")
        seen.add(a.keyword.value)
    return [*positional, *keywords]


def _wrapper_problem(
    call: cst.Call, wrapped: _Wrapped, what: str, imports: ImportTable, shadowed: set[str]
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


def _unwrapped_args(given: Sequence[cst.Arg]) -> list[cst.Arg]:
    """The arguments the wrapped function received, written as those of one call: ``, `` between
    them (``to_thread(f, a,b)`` or a partial's and the call's put together), no trailing comma left
    over from a partial."""
    args = [
        a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if i < len(given) - 1
        and (
            not isinstance(a.comma, cst.Comma)
            or (
                isinstance(a.comma.whitespace_after, cst.SimpleWhitespace)
                and not a.comma.whitespace_after.value
            )
        )
        else a
        for i, a in enumerate(given)
    ]
    if (
        args
        and isinstance(args[-1].comma, cst.Comma)
        and isinstance(args[-1].comma.whitespace_after, cst.SimpleWhitespace)
    ):
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)  # a partial's trailing comma
    return args


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
