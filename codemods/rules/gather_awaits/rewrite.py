"""The rewrite: the runs of awaits in each block of an ``async def``, each planned group replaced.

``transform`` builds the module's facts and runs ``GatherTransformer``: the walk (``ScopeWalk``)
enters the hot scopes; at the end of each block of an active ``async def`` the consecutive awaiting
statements form runs, the planner splits them into groups, and each group of two or more is
emitted (``Emitter``) or refused with a ``Problem``.
"""

from __future__ import annotations

import libcst as cst

from codemods.problems import Problem
from codemods.registry import Context
from codemods.rules.gather_awaits.effect_free import OPTION, parse_patterns
from codemods.rules.gather_awaits.emit import Emitter
from codemods.rules.gather_awaits.facts import ModuleFacts
from codemods.rules.gather_awaits.imports import add_import, top_level_asyncio
from codemods.rules.gather_awaits.independence import Independence
from codemods.rules.gather_awaits.plan import Planner
from codemods.rules.gather_awaits.scopes import Frame, ScopeWalk, Site, hot_scopes
from codemods.rules.gather_awaits.statements import Stmt, analyze, is_gather


class GatherTransformer(ScopeWalk):
    """Rewrites the blocks of the active ``async def``s: finds the runs, asks the planner for the
    groups, emits them; reports the awaiting statements next to a run that cannot join it."""

    def __init__(
        self, module: cst.Module, ctx: Context, style: str, facts: ModuleFacts, hot: set[int]
    ) -> None:
        site = Site(module, facts)
        super().__init__(site, ctx.path, hot)
        self.ctx = ctx
        self.style = style
        self.aio = top_level_asyncio(module)
        self.need_import = False
        self.analysis = Independence(site, ctx.path, parse_patterns(ctx.options.get(OPTION, ())))
        self.planner = Planner(ctx, style, self.analysis, self.aio)
        self.emitter = Emitter(module, facts.all_names)

    def leave_IndentedBlock(self, original_node, updated_node):
        frame = self.frames[-1]
        if not frame.active:
            return updated_node
        body = list(updated_node.body)
        orig = list(original_node.body)
        infos = [analyze(s) for s in orig]
        out: list[cst.BaseStatement] = []
        i = 0
        changed = False
        while i < len(orig):
            j = i
            while j < len(orig) and isinstance(infos[j], Stmt):
                j += 1
            if j - i >= 2:
                run = [x for x in infos[i:j] if isinstance(x, Stmt)]
                for segment in self.planner.segments(run, frame):
                    new = self._rewrite(segment, frame) if len(segment) >= 2 else None
                    if new is not None:
                        out.extend(new)
                        changed = True
                    else:
                        out.extend(body[i : i + len(segment)])
                    i += len(segment)
            else:
                out.append(body[i])
                i += 1
        for k, info in enumerate(infos):
            if isinstance(info, Problem):
                near = [n for n in (k - 1, k + 1) if 0 <= n < len(orig)]
                if any(isinstance(infos[n], Stmt) or is_gather(orig[n]) for n in near):
                    self.ctx.refuse(orig[k], Problem(info.kind, f"not gathered with the await next to it: {info.message}"))
        return updated_node.with_changes(body=out) if changed else updated_node

    def _rewrite(self, run: list[Stmt], frame: Frame) -> list[cst.BaseStatement] | None:
        """The statements replacing a group, or None (refused, and reported)."""
        first = run[0].node
        problem = self.planner.refusal(run)
        if problem is not None:
            self.ctx.refuse(first, problem)
            return None
        aio = self.aio or "asyncio"
        if self.aio is None:
            self.need_import = True
        if self.style == "taskgroup":
            out = self.emitter.taskgroup(run, frame, aio)
            self.ctx.fixed(first, f"ran {len(run)} independent awaits in an asyncio.TaskGroup")
        else:
            out = self.emitter.gather(run, frame, aio)
            self.ctx.fixed(first, f"gathered {len(run)} independent awaits")
        return out


def transform(module: cst.Module, ctx: Context, style: str) -> cst.Module:
    """gather-awaits over one module (``style`` already checked)."""
    hot = hot_scopes(module, ctx.path)
    if not hot:
        return module  # no two await statements follow each other in an async def (tests aside)
    facts = ModuleFacts()
    facts.module, facts.path = module, ctx.path
    module.visit(facts)
    facts.finish()
    t = GatherTransformer(module, ctx, style, facts, hot)
    new = module.visit(t)
    if t.need_import:
        new = add_import(new)
    return new
