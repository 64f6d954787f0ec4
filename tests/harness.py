"""Shared harness for codemod tests: ``check_transformed(before, after)`` and ``check_noop(src, reason)``.

Both run the codemod exactly as the runner does (text pre-check, one LibCST parse, the codemod,
code generation, the compile check), then assert:
- the output is what the test says, and it compiles;
- a second run over the output changes nothing (idempotency);
- for a rewrite, the pre-check accepted the input (else the runner would never have tried it);
- the expected diagnostics (substrings of the refusal reasons) were reported, each with a code.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codemods.config import Settings
from codemods.problems import MAX_MESSAGE
from codemods.project import ProjectIndex
from codemods.registry import Diagnostic, all_codemods, get
from codemods.runner import Outcome, transform_source


def rewrite(
    codemod: str,
    source: str,
    *,
    options: dict[str, Any] | None = None,
    target_django: tuple[int, int] = (5, 2),
    project: ProjectIndex | None = None,
    path: str = "example.py",
) -> Outcome:
    """Run one codemod over ``source`` (dedented) the way the runner would; a codemod whose
    rewrite the rest of the run finishes (``CHAINED``) runs with every codemod after it."""
    chained = codemod in CHAINED
    settings = Settings(
        select=None if chained else (codemod,),
        target_django=target_django,
        options={codemod: {**CHAINED.get(codemod, {}), **(options or {})}},
        root=NO_PROJECT if chained else Path("."),
    )
    cm = get(codemod)
    source = textwrap.dedent(source)
    chosen = ([c for c in all_codemods() if c.order >= cm.order] if chained else [cm]) if cm.precheck(source) else []
    return transform_source(source, path, settings, project or ProjectIndex(), chosen)


# Codemods tested with the rest of the run after them (sync-views-to-async makes a view async and
# the others convert its body), with the options they get by default here: the snippets have no
# settings module to read ATOMIC_REQUESTS from.
CHAINED: dict[str, dict[str, Any]] = {"sync-views-to-async": {"atomic-requests": "off"}}
# The project root of a chained snippet: none (the snippet's path is not below it, and the folder
# of that path does not exist, so no other file refers to its views).
NO_PROJECT = Path("/nonexistent-dj-asyncify-project")


def _reported(outcome: Outcome) -> list[Diagnostic]:
    """What the codemod reported about the code it left alone: warnings and notes. Each has its
    own code (none the catch-all ``DJAn00`` a kind without a code gets) and is one short line."""
    reported = [d for d in outcome.diagnostics if d.kind in ("refused", "note")]
    for d in reported:
        assert d.code and not d.code.endswith("00"), f"the reason {d.message!r} has no code of its own"
        assert "\n" not in d.message and len(d.message) <= MAX_MESSAGE, d.message
    return reported


def _refusals(outcome: Outcome) -> list[Diagnostic]:
    """The warnings (always shown); notes are shown only with -v."""
    return [d for d in _reported(outcome) if d.kind == "refused"]


def _assert_reasons(
    outcome: Outcome, expect: Sequence[str], levels: Sequence[str] = ("refused", "note")
) -> None:
    messages = [d.message for d in _reported(outcome) if d.kind in levels]
    for reason in expect:
        assert any(reason in m for m in messages), f"expected a diagnostic containing {reason!r}, got {messages}"


def check_transformed(
    codemod: str,
    before: str,
    after: str,
    *,
    expect: Sequence[str] = (),
    levels: Sequence[str] = ("refused", "note"),
    **kwargs: Any,
) -> Outcome:
    before, after = textwrap.dedent(before), textwrap.dedent(after)
    assert get(codemod).precheck(before), "the text pre-check rejected a file this codemod rewrites"
    outcome = rewrite(codemod, before, **kwargs)
    assert outcome.error is None, outcome.error
    assert outcome.source == after, f"--- got ---\n{outcome.source}\n--- expected ---\n{after}"
    compile(outcome.source, "<rewritten>", "exec")
    again = rewrite(codemod, outcome.source, **kwargs)
    assert again.error is None, again.error
    assert again.source == outcome.source, f"not idempotent; second run gave:\n{again.source}"
    _assert_reasons(outcome, expect, levels)
    return outcome


def check_noop(
    codemod: str,
    source: str,
    reason: str | Sequence[str] | None,
    *,
    levels: Sequence[str] = ("refused", "note"),
    **kwargs: Any,
) -> Outcome:
    """``source`` must come out unchanged; ``reason`` (substring) must be among the diagnostics of
    ``levels`` (warnings and notes by default; ``("note",)`` asserts it is a note).

    ``reason=None`` asserts a silent no-op: nothing to do, so no warning (notes, shown only with
    -v, may be there)."""
    source = textwrap.dedent(source)
    outcome = rewrite(codemod, source, **kwargs)
    assert outcome.error is None, outcome.error
    assert outcome.source == source, f"expected no change, got:\n{outcome.source}"
    if reason is None:
        assert not _refusals(outcome), f"expected no diagnostic, got {[d.message for d in _refusals(outcome)]}"
    else:
        _assert_reasons(outcome, [reason] if isinstance(reason, str) else reason, levels)
    return outcome
