"""How loudly async-views-to-sync reports each kind of Problem: a warning (shown) or a note (``-v``).

A note: the view was considered and is not a candidate, because it does real async work (awaits
other than one Django DB call, ``async with``, ``async for`` over something else, a stream, the
event loop) or reads where it runs, or the user marked it skip. A warning: a view whose body would
be made sync, kept async by something else (a decorator, a caller, a subclass, a base, a name
taken, a broken decorator on an old Django). ``Decider`` decides the body first, so a view that
does real async work gets its note, whatever else it has. A kind in neither set is a warning.
"""

from __future__ import annotations

from codemods.problems import Problem
from codemods.registry import Context

# The body does real async work, or is not the codemod's business: considered, not applicable.
NOTE_KINDS = frozenset({
    "not-a-db-call", "too-many-queries", "api-too-new", "http-calls", "concurrent-awaits",
    "async-with", "async-generator", "async-generator-expression", "async-for-not-queryset",
    "nested-coroutine-function", "imports-async-library", "async-library-use", "async-streaming",
    "unawaited-coroutine", "reads-where-it-runs", "skip-comment",
})
# A likely candidate left behind: the body alone would be made sync.
WARNING_KINDS = frozenset({
    "decorator-too-old", "unknown-decorator", "awaited-elsewhere", "wrapped-elsewhere",
    "subclassed-elsewhere", "unknown-base", "unknown-view-bases", "class-keywords", "coroutine-method",
    "sync-to-async-options", "session-aset", "sync-name-taken",
})


def is_note(problem: Problem) -> bool:
    return problem.kind in NOTE_KINDS


def report(ctx: Context, node, problem: Problem) -> None:
    """Report ``problem`` at ``node``: a note for a kind of ``NOTE_KINDS``, else a refusal."""
    if is_note(problem):
        ctx.note(node, problem)
    else:
        ctx.refuse(node, problem)
