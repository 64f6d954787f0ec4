"""Line mapping: where a reported node is, in the file as it was read (``node_positions``, ``_line_map``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from codemods.registry import Diagnostic


def _positions(
    records: list[tuple[Any, Any, str, str, str, str]], path: str, source: str = "", chain: Sequence[Any] = ()
) -> list[Diagnostic]:
    """Turn (module, node, codemod, message, kind, code) into diagnostics with line and column.

    Positions are those of LibCST's PositionProvider (the syntactic start), found by one plain
    code generation per module that has a record, watching only the reported nodes. A codemod
    that ran after another one changed the code reports nodes of the changed module: their lines
    are mapped back to the file as it was read (``chain``: the parsed module, then each changed
    one), so every position points into the file the user ran the tool on, the ``-`` side of
    ``--diff``. A line inside code an earlier codemod rewrote maps to the start of that rewrite."""
    if not records:
        return []
    by_module: dict[int, tuple[Any, list[Any]]] = {}
    for module, node, *_ in records:
        if module is not None:  # None: the node is a (line, column) of the file as read
            by_module.setdefault(id(module), (module, []))[1].append(node)
    found: dict[int, tuple[int, int]] = {}
    step = {id(m): k for k, m in enumerate(chain)}
    texts: dict[int, list[str]] = {}
    maps: dict[int, dict[int, tuple[int, bool]]] = {}  # step k > 0: its lines -> lines of step k - 1

    def lines(k: int) -> list[str]:
        if k not in texts:
            texts[k] = (source if k == 0 else chain[k].code).splitlines()
        return texts[k]

    def back(k: int, line: int, col: int) -> tuple[int, int]:
        while k > 0:
            if k not in maps:
                maps[k] = _line_map(lines(k - 1), lines(k))
            line, same = maps[k].get(line, (line, False))
            col = col if same else 0
            k -= 1
        return line, col

    for module, nodes in by_module.values():
        k = step.get(id(module), 0)
        for node_id, (line, col) in node_positions(module, nodes).items():
            found[node_id] = back(k, line, col)
    out = []
    for module, node, codemod, message, kind, code in records:
        line, col = node if module is None else found.get(id(node), (1, 0))
        out.append(Diagnostic(path, line, col + 1, codemod, message, kind, code))
    out.sort(key=lambda d: (d.line, d.col, d.codemod))
    return out


def _line_map(old: list[str], new: list[str]) -> dict[int, tuple[int, bool]]:
    """1-based line of ``new`` -> (line of ``old``, whether it is the same line): a line of a
    changed region maps to where that region starts in ``old``."""
    import difflib

    out: dict[int, tuple[int, bool]] = {}
    for tag, i1, _i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        for j in range(j1, j2):
            if tag == "equal":
                out[j + 1] = (i1 + (j - j1) + 1, True)
            else:
                out[j + 1] = (min(i1 + 1, max(len(old), 1)), False)
    return out


def node_positions(module: Any, nodes: Sequence[Any]) -> dict[int, tuple[int, int]]:
    """``id(node) -> (line, column)`` (1-based line, 0-based column) of the syntactic start of each
    node, as ``PositionProvider`` gives it, without that provider's per-node bookkeeping (which
    costs about 2.4 parses). Nodes not in ``module`` are left out."""
    from libcst import IndentedBlock
    from libcst._nodes.internal import CodegenState

    targets = {id(n) for n in nodes}
    # An IndentedBlock's syntactic start is that of its first statement.
    firsts = {id(n): id(n.body[0]) for n in nodes if isinstance(n, IndentedBlock) and n.body}
    watched = targets | set(firsts.values())
    offsets: dict[int, int] = {}
    syntactic: dict[int, int] = {}

    class _State(CodegenState):
        pos = 0

        def add_indent_tokens(self) -> None:
            self.tokens.extend(self.indent_tokens)
            self.pos += sum(map(len, self.indent_tokens))

        def add_token(self, value: str) -> None:
            self.tokens.append(value)
            self.pos += len(value)

        def before_codegen(self, node: Any) -> None:
            if id(node) in watched:
                offsets.setdefault(id(node), self.pos)

        @contextlib.contextmanager
        def record_syntactic_position(
            self, node: Any, *, start_node: Any = None, end_node: Any = None
        ) -> Iterator[None]:
            key = id(node)
            if key in watched:
                if start_node is not None and id(start_node) in syntactic:
                    syntactic[key] = syntactic[id(start_node)]
                elif start_node is None:
                    syntactic[key] = self.pos
            yield
            if key in watched and key not in syntactic and start_node is not None:
                syntactic[key] = syntactic.get(id(start_node), offsets.get(id(start_node), self.pos))

    state = _State(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    code = "".join(state.tokens)
    out: dict[int, tuple[int, int]] = {}
    for key in targets:
        offset = syntactic.get(key, offsets.get(key))
        if offset is None:
            continue
        before = code[:offset]
        line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
        start = max(before.rfind("\n"), before.rfind("\r")) + 1
        out[key] = (line, offset - start)
    return out
