"""Unwrap room: a sync function run in a thread, seen through the wrapper that runs it.

Recognises ``sync_to_async(f, **options)(*args)``, ``asyncio.to_thread(f, *args)`` and
``loop.run_in_executor(executor, f, *args)`` (``thread_wrapped``; ``wrapper_form`` says which
wrapper a call is, whatever its arguments), ``functools.partial(f, *bound)`` in the place of ``f``
(``partial_target``; ``merge_args`` puts the bound and the given arguments together), and writes
the arguments ``f`` received as those of one call (``unwrapped_args``). Each codemod chooses the
wrappers it looks through (``forms``) and what it does with the options; nothing here knows what
``f`` is.

Two ways to tell a wrapper, kept apart on purpose: resolved through the module's imports
(``wrapper_form``: ``from asgiref.sync import sync_to_async as s2a`` is one, a local function named
``sync_to_async`` is not) or by the called name alone (``named_sync_to_async``: gather-awaits judges
a call by its own name, so any ``sync_to_async``/``database_sync_to_async`` counts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

import libcst as cst

from codemods.analysis.names import ImportTable, last_name
from codemods.knowledge import runtime
from codemods.problems import Problem

# How messages name each wrapper.
SYNC_TO_ASYNC_FORM = runtime.SYNC_TO_ASYNC.rpartition(".")[2]  # "sync_to_async"
# The thread wrappers looked through by default, by the name ``wrapper_form`` gives them; a
# caller may also name ``runtime.DATABASE_SYNC_TO_ASYNC`` (Channels' variant) in ``forms``.
THREAD_FORMS = (runtime.SYNC_TO_ASYNC, runtime.TO_THREAD, runtime.RUN_IN_EXECUTOR)
# sync_to_async and Channels' variant, by qualified name (each only when ``forms`` names it).
_SYNC_TO_ASYNC_LIKE = (runtime.SYNC_TO_ASYNC, runtime.DATABASE_SYNC_TO_ASYNC)


@dataclasses.dataclass(frozen=True)
class Wrapped:
    """A call that runs ``target`` in a thread: ``form`` names the wrapper as messages say it
    (``sync_to_async``, ``asyncio.to_thread``, ``run_in_executor``), ``given`` are the arguments
    ``target`` receives, ``options`` the wrapper's own (``sync_to_async(f, thread_sensitive=...)``)."""

    form: str
    target: cst.BaseExpression
    given: Sequence[cst.Arg]
    options: Sequence[cst.Arg]


def _plain(arg: cst.Arg) -> bool:
    return arg.keyword is None and not arg.star


def wrapper_form(
    call: cst.Call, imports: ImportTable, shadowed: set[str], forms: Collection[str] = THREAD_FORMS
) -> str | None:
    """Which of ``forms`` ``call`` is (``runtime.SYNC_TO_ASYNC`` for ``sync_to_async(f)(...)``,
    ``runtime.DATABASE_SYNC_TO_ASYNC`` for Channels' ``database_sync_to_async(f)(...)``,
    ``runtime.TO_THREAD``, ``runtime.RUN_IN_EXECUTOR`` for any ``x.run_in_executor(...)``), resolved
    through ``imports``; None if it is none of them."""
    func = call.func
    if isinstance(func, cst.Call):
        q = imports.qualify(func.func, shadowed, _SYNC_TO_ASYNC_LIKE.__contains__)
        if q in _SYNC_TO_ASYNC_LIKE and q in forms:
            return q
    if runtime.TO_THREAD in forms and imports.qualify(func, shadowed, runtime.TO_THREAD.__eq__) == runtime.TO_THREAD:
        return runtime.TO_THREAD
    if (
        runtime.RUN_IN_EXECUTOR in forms
        and isinstance(func, cst.Attribute)
        and func.attr.value == runtime.RUN_IN_EXECUTOR
    ):
        return runtime.RUN_IN_EXECUTOR
    return None


def thread_wrapped(
    call: cst.Call, imports: ImportTable, shadowed: set[str], forms: Collection[str] = THREAD_FORMS
) -> Wrapped | None:
    """``call`` as a call of one of the thread wrappers ``forms``, or None (not one, or one whose
    function is not a plain first positional argument)."""
    form = wrapper_form(call, imports, shadowed, forms)
    if form in _SYNC_TO_ASYNC_LIKE:
        assert isinstance(call.func, cst.Call)
        made = call.func.args
        if not made or not _plain(made[0]):
            return None
        return Wrapped(form.rpartition(".")[2], made[0].value, call.args, made[1:])
    if form == runtime.TO_THREAD:
        if not call.args or not _plain(call.args[0]):
            return None
        return Wrapped(runtime.TO_THREAD, call.args[0].value, call.args[1:], ())
    if form == runtime.RUN_IN_EXECUTOR:
        if len(call.args) < 2 or not all(_plain(a) for a in call.args[:2]):
            return None
        return Wrapped(runtime.RUN_IN_EXECUTOR, call.args[1].value, call.args[2:], ())
    return None


def named_sync_to_async(expr: cst.BaseExpression) -> str | None:
    """The name ``expr`` is if it is ``sync_to_async``/``database_sync_to_async`` (or ``x.`` one) by
    its last name alone, not resolved through the imports; else None."""
    name = last_name(expr)
    return name if name in runtime.SYNC_TO_ASYNC_NAMES else None


def partial_target(
    expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]
) -> tuple[cst.BaseExpression, Sequence[cst.Arg]] | None:
    """``(f, bound)`` for ``functools.partial(f, *bound)``, else None."""
    if isinstance(expr, cst.Call) and imports.qualify(expr.func, shadowed, runtime.PARTIAL.__eq__) == runtime.PARTIAL:
        if not expr.args or not _plain(expr.args[0]):
            return None
        return expr.args[0].value, expr.args[1:]
    return None


def merge_args(bound: list[cst.Arg], given: Sequence[cst.Arg]) -> list[cst.Arg] | Problem:
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


def unwrapped_args(given: Sequence[cst.Arg]) -> list[cst.Arg]:
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
