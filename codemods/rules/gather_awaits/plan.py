"""The plan: which statements of a run gather together, and which runs are refused as a whole.

``Planner.segments`` splits a run into the groups that may run concurrently (reporting each stop);
``Planner.refusal`` says why a group is left as it is (no benefit, TaskGroup on an old Python).
Every refusal is a ``Problem`` reported through ``Context.refuse``.
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis import name_uses
from codemods.analysis.imports import bound_name
from codemods.problems import Problem
from codemods.project.python_version import admits_before, requires_python
from codemods.registry import Context
from codemods.rules.gather_awaits.independence import Independence
from codemods.rules.gather_awaits.scopes import Frame
from codemods.rules.gather_awaits.statements import Stmt

ORM_ONLY = Problem("orm-only", "no benefit: Django's async ORM runs on one thread")


class Planner:
    """Decides, for each run of awaiting statements, the groups to gather (``style``: ``gather``
    or ``taskgroup``; ``aio``: the module's name for asyncio, None when it must be imported)."""

    def __init__(self, ctx: Context, style: str, analysis: Independence, aio: str | None) -> None:
        self.ctx = ctx
        self.style = style
        self.analysis = analysis
        self.site = analysis.site
        self.aio = aio
        self.module_names = analysis.facts.all_names
        self._variables: set[str] | None = None
        self._tg_checked = False
        self._tg_problem: Problem | None = None

    def segments(self, run: list[Stmt], frame: Frame) -> list[list[Stmt]]:
        """Split a run where gathering must stop: a statement that must keep its place (a write,
        a synchronisation...) stands alone; a statement that conflicts with the current segment
        (data dependency, shared mutated argument) starts a new one. Each stop is reported."""
        # Each goes out as a warning or a note by its kind (its code's level, ``codes.py``).

        segments: list[list[Stmt]] = []
        current: list[Stmt] = []
        for s in run:
            problem = self.analysis.barrier(s, frame)
            if problem is not None:
                self.ctx.refuse(s.node, problem)
                segments += [current, [s]] if current else [[s]]
                current = []
                continue
            conflict = next((c for x in current if (c := self.analysis.conflict(x, s, frame))), None)
            if conflict is not None:
                self.ctx.refuse(s.node, conflict)
                segments.append(current)
                current = []
            current.append(s)
        if current:
            segments.append(current)
        if any(len(seg) >= 2 for seg in segments):
            problem = self.context_refusal(frame)
            if problem is not None:
                self.ctx.refuse(run[0].node, problem)
                return [[s] for s in run]
        return segments

    def context_refusal(self, frame: Frame) -> Problem | None:
        """Why no run can be gathered here at all."""
        if frame.guard:
            return Problem(
                "exception-ordering",
                "exception ordering observable: inside try/except or a transaction block",
            )
        if self.aio is None and "asyncio" in self.variable_names():
            return Problem(
                "asyncio-taken",
                "the name 'asyncio' is bound or used in this module other than by a top-level `import asyncio`",
            )
        for outer in self.site.frames:
            if outer.func is None:
                continue
            fn = self.site.fn(outer)
            bound = fn.locals | set(fn.params)
            if self.aio in bound:
                return Problem("asyncio-bound", f"the name {self.aio!r} is bound locally")
            if self.style == "taskgroup" and "BaseExceptionGroup" in bound:
                return Problem("exception-group-bound", "the name 'BaseExceptionGroup' is bound locally")
        if self.style == "taskgroup" and "BaseExceptionGroup" in self.module_names:
            return Problem("exception-group-taken", "the name 'BaseExceptionGroup' is used in this module")
        return None

    def variable_names(self) -> set[str]:
        """Names the module uses or binds as variables: read or assigned anywhere, or bound by an
        import (``from x import asyncio``); not attribute names (``pytest.mark.asyncio``) nor the
        modules an import reads from (``from asyncio import sleep``)."""
        if self._variables is None:
            module = self.site.module
            self._variables = name_uses(module) | {
                bound_name(alias)
                for node in self.site.imports.import_nodes
                if not isinstance(node.names, cst.ImportStar)
                for alias in node.names
            }
        return self._variables

    def refusal(self, run: list[Stmt]) -> Problem | None:
        """Why a group that may run concurrently is still left as it is."""
        if all(self.analysis.orm_read(s.call.func) for s in run):
            return ORM_ONLY
        if self.style == "taskgroup":
            return self.taskgroup_refusal()
        return None

    def taskgroup_refusal(self) -> Problem | None:
        """Why ``asyncio.TaskGroup`` cannot be emitted: the project admits Python < 3.11 (looked
        up once per file)."""
        if not self._tg_checked:
            found = requires_python(self.analysis.project.dir)
            if found is not None and admits_before(found[0], (3, 11)):
                spec, where = found
                self._tg_problem = Problem(
                    "taskgroup-python",
                    f"style taskgroup needs Python 3.11+ (asyncio.TaskGroup), but requires-python "
                    f"{spec!r} in {where} admits older versions: use style gather, or raise "
                    "requires-python",
                )
            self._tg_checked = True
        return self._tg_problem
