"""From the text, no parse: each ``class Name(...)`` with its base names; module-level containers and calls with their names."""

from __future__ import annotations

import keyword
import re

# A class statement, at the start of a line (``class`` is a compound statement: nothing precedes
# it on its line but indentation); group 1 its name; the match ends after the opening parenthesis.
_CLASS_HEAD = re.compile(r"(?:^|(?<=\r))[ \t\f]*class\s+(\w+)\s*\(", re.MULTILINE)
_CLASS_HEAD_LF = re.compile(r"^[ \t\f]*class\s+(\w+)\s*\(", re.MULTILINE)  # the same without a "\r"
# The pieces of a bases list: comments and strings (skipped), brackets, numbers (skipped), names
# with a lookahead telling a qualifier (``views.``) or a keyword name (``metaclass=``).
_BASES_TOKEN = re.compile(
    r"#[^\r\n]*"
    r"|[rRbBuUfF]*(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\r\n])*'|\"(?:\\.|[^\"\\\r\n])*\")"
    r"|[()\[\]{}]|\d\w*|([^\W\d]\w*)(\s*\.|\s*=(?!=))?"
)
_BASES_LIMIT = 4000  # characters of a bases list looked at (a real one is far shorter)


# A module-level statement: a line starting with a letter or "_" (group 0 up to its end); the
# patterns below are matched at such a line's start only.
_MODULE_LINE = re.compile(r"^[A-Za-z_][^\r\n]*", re.MULTILINE)
# An assignment of a container display (``HANDLERS = {``): group 1 the name; ends after the bracket.
_CONTAINER_HEAD = re.compile(r"(\w+)[ \t]*(?::[^=\r\n]*)?=[ \t]*[\[{(]")
# A name bound to a dotted string (``HOOK = "shop.views.product_count"``).
_DOTTED = re.compile(r"(\w+)[ \t]*(?::[^=\r\n]*)?=[ \t]*[rRuU]?[\"']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)[\"']")
# A name bound to another name (``count = views.product_count``) or to a class's ``as_view()``
# (``product = ProductView.as_view()``); group 2 the dotted name.
_BOUND = re.compile(r"(\w+)[ \t]*(?::[^=\r\n]*)?=[ \t]*([A-Za-z_][\w.]*?)(?:\.as_view\(|[ \t]*(?:#[^\r\n]*)?$)", re.MULTILINE)
# An import statement and its names (up to the closing parenthesis of a parenthesised list), and
# ``name as alias`` in it.
_IMPORT = re.compile(r"(?:from[ \t]+\S+[ \t]+)?import[ \t]+(\([^)]*\)|[^\r\n]*)")
_ALIAS = re.compile(r"([^\W\d]\w*)\s+as\s+([^\W\d]\w*)")
# A call, as an expression statement (``router.add(``) or an assignment's value (``w = timed(``);
# group 1 or 2 the callee; ends after the "(".
_MODULE_CALL = re.compile(r"(?:([A-Za-z_][\w.]*)|\w+[ \t]*(?::[^=\r\n]*)?=[ \t]*([A-Za-z_][\w.]*))[ \t]*\(")
# A ``def`` line or a ``return`` of a dotted name or of its call: group 1 the indentation, 2 the
# function's name or 3 the name returned (``def pick(kind):`` ... ``return VIEWS[kind]``).
_DEF_OR_RETURN = re.compile(
    r"^([ \t]*)(?:(?:async[ \t]+)?def[ \t]+(\w+)|return[ \t]+([A-Za-z_][\w.]*))", re.MULTILINE
)


def _held_names(source: str) -> list[tuple[str, list[str]]]:
    """``FileFacts.held``: for every module-level ``NAME = [...]``/``{...}``/``(...)`` of the text,
    the last names inside it (``{"count": views.product_count}`` gives ``product_count``): a
    registry of views another file may await (``await HANDLERS[key](request)``); also every
    module-level ``name as alias`` of an import (the alias holds the name: another file may
    await the alias), ``NAME = "dotted.path.view"`` (holds ``view``), ``NAME = views.view`` and
    ``NAME = ViewClass.as_view(...)`` (hold ``view``, ``ViewClass``), and every function that
    returns a name or its call (``def pick(k): return VIEWS[k]`` holds ``VIEWS``). From the
    text, like ``_class_bases``: extra names only ever keep more views async."""
    out: list[tuple[str, list[str]]] = []
    for line in _MODULE_LINE.finditer(source):
        pos = line.start()
        text = line.group()
        if text.startswith(("from ", "import ")):
            if " as" in text or "(" in text:  # ``from shop.views import count as c``
                statement = _IMPORT.match(source, pos)
                if statement:
                    out.extend((alias, [name]) for name, alias in _ALIAS.findall(statement.group(1)) if name != alias)
            continue
        if "=" not in text:
            continue
        head = _CONTAINER_HEAD.match(source, pos)
        if head:
            names = _names_until_close(source, head.end())
            if names:
                out.append((head.group(1), sorted(names)))
            continue
        dotted = _DOTTED.match(source, pos)
        if dotted:  # ``await import_string(HOOK)(request)``
            out.append((dotted.group(1), [dotted.group(2).rpartition(".")[2]]))
            continue
        bound = _BOUND.match(source, pos)
        if bound:  # ``product = ProductView.as_view()``
            last = bound.group(2).rpartition(".")[2]
            if last != bound.group(1) and not keyword.iskeyword(last):
                out.append((bound.group(1), [last]))
    if "return" in source:  # ``await pick(kind)(request)``: pick returns what it holds
        out.extend(_returned(source))
    return out


def _module_calls(source: str) -> list[tuple[str, list[str]]]:
    """Every module-level call of the text, as ``(callee's last name, last names in its
    parentheses)``: ``router.add("count", views.product_count)`` gives ``add: product_count``
    (where registries of views are filled). From the text, like ``_class_bases``."""
    out: list[tuple[str, list[str]]] = []
    for line in _MODULE_LINE.finditer(source):
        if "(" not in line.group():
            continue
        head = _MODULE_CALL.match(source, line.start())
        if head is None:
            continue
        callee = (head.group(1) or head.group(2)).rpartition(".")[2]
        if keyword.iskeyword(callee):  # ``if (``, ``assert (``
            continue
        names = _names_until_close(source, head.end())
        if names:
            out.append((callee, sorted(names)))
    return out


def _returned(source: str) -> list[tuple[str, list[str]]]:
    """``(function, [name])`` for every ``return name...`` in a function (by indentation): the
    last name of what it returns or calls (``return views.product_count(request)`` gives
    ``product_count``; ``return VIEWS[kind]`` gives ``VIEWS``)."""
    out: list[tuple[str, list[str]]] = []
    defs: list[tuple[int, str]] = []
    for m in _DEF_OR_RETURN.finditer(source):
        indent = len(m.group(1))
        while defs and defs[-1][0] >= indent:
            defs.pop()
        if m.group(2):
            defs.append((indent, m.group(2)))
        elif defs:
            returned = m.group(3).rpartition(".")[2]
            if not keyword.iskeyword(returned):
                out.append((defs[-1][1], [returned]))
    return out


def _names_until_close(source: str, start: int) -> set[str]:
    """The last names (no qualifiers, no keyword names) from ``start``, just inside an opening
    bracket, to its closing one (or ``_BASES_LIMIT`` characters)."""
    names: set[str] = set()
    depth = 1
    for token in _BASES_TOKEN.finditer(source, start, min(len(source), start + _BASES_LIMIT)):
        text = token.group()
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
            if depth == 0:
                break
        elif token.group(1) and not token.group(2):
            names.add(token.group(1))
    return names


def _class_bases(source: str) -> list[tuple[str, list[str]]]:
    """``FileFacts.class_bases``: for every class statement of the text, the names in its bases
    list that may be a base's last name: ``class A(views.Base, Mixin[T], metaclass=M)`` gives
    ``A: Base, M, Mixin, T``. From the text, so it needs no parse: class statements inside strings
    count too, and a name may be one that is no base. Extra names only ever add subclasses (more
    views kept async); every real base's last name is there."""
    out: list[tuple[str, list[str]]] = []
    for head in (_CLASS_HEAD if "\r" in source else _CLASS_HEAD_LF).finditer(source):
        names = _names_until_close(source, head.end())
        if names:
            out.append((head.group(1), sorted(names)))
    return out
