"""How loudly gather-awaits reports each kind of Problem: a warning (always shown) or a note (``-v``).

A warning is a likely candidate left behind: awaits proven independent that are still not gathered
(the name ``asyncio`` taken, a ``try`` around them, TaskGroup on an old Python). A note is a place
considered and found not applicable: the awaits depend on each other or must keep their order,
their effects are unknown, the statement has a shape this codemod does not split, or gathering
would gain nothing (a test, Django's one-thread ORM). A kind in neither set is shown (a warning).
"""

from __future__ import annotations

from codemods.problems import Problem
from codemods.registry import Context

# Order-sensitive or dependent: they must keep their order (``Independence.barrier``/``conflict``).
ORDER_KINDS = frozenset({
    "test-client", "opaque-call", "write", "callee-writes", "ordering", "unknown-effects",
    "foreign-write", "nested-read", "declared-name", "finally-read", "data-dependency", "same-name",
    "mutated-argument", "same-receiver", "handed-object",
})
# Statement shapes this codemod does not take apart (``statements.analyze``): whether the await
# could run with its neighbour was never analysed.
SHAPE_KINDS = frozenset({
    "several-statements", "chained-assignment", "bare-annotation", "statement-kind", "target-kind",
    "computed-target", "computed-index", "post-method", "post-arguments", "await-not-first",
    "awaits-non-call", "unsafe-call", "comment-lost",
})
# Gathering would gain nothing: a test's awaits, a run of Django ORM reads only.
NO_GAIN_KINDS = frozenset({"in-test", "orm-only"})
NOTE_KINDS = ORDER_KINDS | SHAPE_KINDS | NO_GAIN_KINDS
# Independent awaits left as they are: the user can act on these.
WARNING_KINDS = frozenset({
    "exception-ordering", "asyncio-taken", "asyncio-bound", "exception-group-bound",
    "exception-group-taken", "taskgroup-python",
})


def report(ctx: Context, node, problem: Problem) -> None:
    """Report ``problem`` at ``node``: a note for a kind of ``NOTE_KINDS``, else a refusal."""
    if problem.kind in NOTE_KINDS:
        ctx.note(node, problem)
    else:
        ctx.refuse(node, problem)
