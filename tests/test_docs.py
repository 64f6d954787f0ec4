"""The docs are tests: each codemod's Example in its docstring (what ``dj-asyncify explain`` prints)
is run through ``check_transformed``: the Before block must become the After block, exactly."""

from __future__ import annotations

import re
import textwrap

import pytest

from codemods.registry import all_codemods
from tests.harness import check_transformed


def _block(lines: list[str], start: int) -> str:
    """The indented literal block after the ``Label::`` line at ``start``."""
    label_indent = len(lines[start]) - len(lines[start].lstrip())
    out: list[str] = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= label_indent:
            break
        out.append(line)
    return textwrap.dedent("\n".join(out)).strip("\n") + "\n"


def example(doc: str) -> tuple[str, str]:
    """The Before and After blocks of the docstring's Example section."""
    lines = doc.splitlines()
    head = next(i for i, line in enumerate(lines) if re.fullmatch(r"Example:?", line.strip()))
    before = next(i for i in range(head, len(lines)) if lines[i].strip() == "Before::")
    after = next(i for i in range(before, len(lines)) if lines[i].strip() == "After::")
    return _block(lines, before), _block(lines, after)


def test_example_reader_reads_blocks():
    doc = "Intro\n\nExample:\n    Before::\n\n        a = 1\n\n        b = 2\n\n    After::\n\n        c = 3\nMore:\n    x\n"
    assert example(doc) == ("a = 1\n\nb = 2\n", "c = 3\n")


# Where each Example is taken to live (async-views-to-sync converts views of views modules only).
PATHS = {"async-views-to-sync": "shop/views.py", "async-test-client": "shop/tests.py"}
# The options each Example is shown with (async-test-client's has no project whose urlconf shows
# its views async: it says so and is shown with every test converted).
OPTIONS = {"async-test-client": {"only-async-views": False}}


@pytest.mark.parametrize("name", [cm.name for cm in all_codemods()])
def test_docstring_example_is_what_the_codemod_does(name: str):
    cm = next(c for c in all_codemods() if c.name == name)
    before, after = example(cm.description)
    assert before != after
    check_transformed(name, before, after, path=PATHS.get(name, "shop/services.py"), options=OPTIONS.get(name))
