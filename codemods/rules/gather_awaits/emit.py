"""The rewrite's text: a group emitted as one ``asyncio.gather(...)`` or an ``asyncio.TaskGroup`` block.

The statements of a group are printed from the module's own code (``code_for_node``), so every call
keeps its spelling and comments; results that need post-processing or a target of their own go to
fresh temporaries read on the lines that follow, in the original order.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from codemods.analysis.fresh import fresh_name
from codemods.rules.gather_awaits.scopes import Frame
from codemods.rules.gather_awaits.statements import Stmt


def indent_tail(code: str, prefix: str) -> str:
    """Indent the continuation lines of ``code`` (left alone if a string could span lines)."""
    if '"""' in code or "'''" in code or "\\\n" in code:
        return code
    return "\n".join(line if n == 0 or not line else prefix + line for n, line in enumerate(code.split("\n")))


def leading_text(lines: Any) -> list[str]:
    """The comments of ``leading_lines`` ("" for a blank line)."""
    return [el.comment.value if el.comment is not None else "" for el in lines]


class Blank(cst.CSTTransformer):
    """Blank lines inside a generated call: no indentation whitespace on them."""

    def leave_EmptyLine(self, original_node, updated_node):
        if updated_node.comment is None:
            return updated_node.with_changes(indent=False, whitespace=cst.SimpleWhitespace(""))
        return updated_node


class Emitter:
    """Builds the statements that replace a group (``module``: the module the group is in)."""

    def __init__(self, module: cst.Module, module_names: set[str]) -> None:
        self.module = module
        self.module_names = module_names  # every name of the module: fresh names avoid them

    def fresh(self, frame: Frame, base: str) -> str:
        """A name used nowhere in the module (nor handed out before in this function)."""
        name = fresh_name(base, self.module_names, frame.allocated, glued=True)
        frame.allocated.add(name)
        return name

    def post_line(self, s: Stmt, value_code: str, idx: int) -> cst.BaseStatement:
        """``target = <post-processing of the result>`` keeping the statement's comments."""
        target = self.module.code_for_node(s.target_node) if s.target_node is not None else None
        if isinstance(s.small, cst.AnnAssign):
            annotation = self.module.code_for_node(s.small.annotation.annotation)
            text = f"{target}: {annotation} = {value_code}\n"
        elif target is not None:
            text = f"{target} = {value_code}\n"
        else:
            text = f"{value_code}\n"
        line = cst.parse_statement(text)
        assert isinstance(line, cst.SimpleStatementLine)
        return line.with_changes(
            leading_lines=s.node.leading_lines if idx else [],
            trailing_whitespace=s.node.trailing_whitespace,
        )

    def result_code(self, s: Stmt, result: cst.BaseExpression) -> str:
        """The statement's value with its await replaced by ``result`` (a temporary, ``task.result()``)."""
        return self.module.code_for_node(s.value.deep_replace(s.await_, result))

    def gather(self, run: list[Stmt], frame: Frame, aio: str) -> list[cst.BaseStatement]:
        """``x, y = await asyncio.gather(f(), g())``, then the lines of the statements that need one."""
        posts = [k for k, s in enumerate(run) if s.needs_line]
        first_post = posts[0] if posts else len(run)
        own_line = [k >= first_post and (s.needs_line or s.target is not None) for k, s in enumerate(run)]
        throw: str | None = None
        targets: list[str] = []
        for k, s in enumerate(run):
            if own_line[k]:
                targets.append(self.fresh(frame, f"_{s.target}" if s.target else "_result"))
            elif s.target is not None:
                targets.append(s.target)
            else:
                throw = throw or self.fresh(frame, "_")
                targets.append(throw)
        # Comments of statements without a line of their own go next to their call.
        args: list[tuple[list[str], str, str]] = []
        for k, s in enumerate(run):
            lead = [] if (k == 0 or own_line[k]) else leading_text(s.node.leading_lines)
            comment = s.node.trailing_whitespace.comment
            trail = comment.value if comment is not None and not own_line[k] else ""
            args.append((lead, self.module.code_for_node(s.call), trail))
        one_line = ", ".join(code for _, code, _ in args)
        if any(lead or trail for lead, _, trail in args) or len(one_line) > 70 or "\n" in one_line:
            parts = []
            for lead, code, trail in args:
                parts.extend(f"    {c}" for c in lead if c)  # comments; no blank lines in a call
                parts.append(f"    {indent_tail(code, '    ')},{'  ' + trail if trail else ''}")
            call_text = "(\n" + "\n".join(parts) + "\n)"
        else:
            call_text = f"({one_line})"
        # every result thrown away: no targets at all
        bind = "" if all(t == throw for t in targets) else f"{', '.join(targets)} = "
        stmt = cst.parse_statement(f"{bind}await {aio}.gather{call_text}\n")
        stmt = stmt.visit(Blank())
        assert isinstance(stmt, cst.SimpleStatementLine)
        stmt = stmt.with_changes(leading_lines=run[0].node.leading_lines)
        out: list[cst.BaseStatement] = [stmt]
        for k, s in enumerate(run):
            if own_line[k]:
                out.append(self.post_line(s, self.result_code(s, cst.Name(targets[k])), k))
        return out

    def taskgroup(self, run: list[Stmt], frame: Frame, aio: str) -> list[cst.BaseStatement]:
        """``try: async with asyncio.TaskGroup() as tg: ...`` re-raising the first failure as itself,
        then the lines reading the tasks' results."""
        tg = self.fresh(frame, "tg")
        exc = self.fresh(frame, "exc")
        own_line = [s.needs_line or s.target is not None for s in run]
        tasks = [
            self.fresh(frame, f"_{s.target}" if s.target else "_task") if own_line[k] else None
            for k, s in enumerate(run)
        ]
        lines = []
        for k, s in enumerate(run):
            if not own_line[k] and k:
                lines.extend(f"        {c}" if c else "" for c in leading_text(s.node.leading_lines))
            comment = s.node.trailing_whitespace.comment
            trail = f"  {comment.value}" if comment is not None and not own_line[k] else ""
            create = f"{tg}.create_task({indent_tail(self.module.code_for_node(s.call), '        ')})"
            lines.append(f"        {tasks[k] + ' = ' if tasks[k] else ''}{create}{trail}")
        text = (
            f"try:\n    async with {aio}.TaskGroup() as {tg}:\n" + "\n".join(lines) + "\n"
            f"except BaseExceptionGroup as {exc}:\n    raise {exc}.exceptions[0] from None\n"
        )
        stmt = cst.parse_statement(text).visit(Blank())
        assert isinstance(stmt, cst.Try)
        out: list[cst.BaseStatement] = [stmt.with_changes(leading_lines=run[0].node.leading_lines)]
        for k, s in enumerate(run):
            if own_line[k]:
                result = cst.parse_expression(f"{tasks[k]}.result()")
                out.append(self.post_line(s, self.result_code(s, result), k))
        return out
