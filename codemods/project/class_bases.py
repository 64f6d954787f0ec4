"""Class bases from the text: every ``class Name(...)`` statement and the names in its bases list."""

from __future__ import annotations

import re

# A class statement, at the start of a line (``class`` is a compound statement: nothing precedes
# it on its line but indentation); group 1 its name; the match ends after the opening parenthesis.
_CLASS_HEAD = re.compile(r"(?:^|(?<=\r))[ \t\f]*class\s+(\w+)\s*\(", re.MULTILINE)
# The pieces of a bases list: comments and strings (skipped), brackets, numbers (skipped), names
# with a lookahead telling a qualifier (``views.``) or a keyword name (``metaclass=``).
_BASES_TOKEN = re.compile(
    r"#[^\r\n]*"
    r"|[rRbBuUfF]*(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\r\n])*'|\"(?:\\.|[^\"\\\r\n])*\")"
    r"|[()\[\]{}]|\d\w*|([^\W\d]\w*)(\s*\.|\s*=(?!=))?"
)
_BASES_LIMIT = 4000  # characters of a bases list looked at (a real one is far shorter)


def _class_bases(source: str) -> list[tuple[str, list[str]]]:
    """``FileFacts.class_bases``: for every class statement of the text, the names in its bases
    list that may be a base's last name: ``class A(views.Base, Mixin[T], metaclass=M)`` gives
    ``A: Base, M, Mixin, T``. From the text, so it needs no parse: class statements inside strings
    count too, and a name may be one that is no base. Extra names only ever add subclasses (more
    views kept async); every real base's last name is there."""
    out: list[tuple[str, list[str]]] = []
    for head in _CLASS_HEAD.finditer(source):
        names: set[str] = set()
        depth = 1
        end = min(len(source), head.end() + _BASES_LIMIT)
        for token in _BASES_TOKEN.finditer(source, head.end(), end):
            text = token.group()
            if text in "([{":
                depth += 1
            elif text in ")]}":
                depth -= 1
                if depth == 0:
                    break
            elif token.group(1) and not token.group(2):
                names.add(token.group(1))
        if names:
            out.append((head.group(1), sorted(names)))
    return out
