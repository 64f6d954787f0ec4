"""The docs are tests: each codemod's Example, in its docstring (``dj-asyncify explain NAME --full``) and
in its short page (``explain NAME``), is run through ``check_transformed``: the Before block must become
the After block, exactly. Also: the short page is plain and has its four sections, and every diagnostic
code has a one-line title and a detail."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from codemods.registry import all_codemods, all_codes
from tests.harness import check_transformed
from tests.test_cli import run


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
    doc = (
        "Intro\n\nExample:\n    Before::\n\n        a = 1\n\n        b = 2\n\n"
        "    After::\n\n        c = 3\nMore:\n    x\n"
    )
    assert example(doc) == ("a = 1\n\nb = 2\n", "c = 3\n")


# Where each Example is taken to live (async-views-to-sync converts views of views modules only).
PATHS = {"async-views-to-sync": "shop/views.py", "async-test-client": "shop/tests.py", "sync-views-to-async": "shop/views.py"}
# The options each Example is shown with (async-test-client's has no project whose urlconf shows
# its views async: it says so and is shown with every test converted).
OPTIONS = {"async-test-client": {"only-async-views": False}}


@pytest.mark.parametrize("where", ["description", "page"])
@pytest.mark.parametrize("name", [cm.name for cm in all_codemods()])
def test_example_is_what_the_codemod_does(name: str, where: str):
    cm = next(c for c in all_codemods() if c.name == name)
    before, after = example(getattr(cm, where))
    assert before != after
    check_transformed(name, before, after, path=PATHS.get(name, "shop/services.py"), options=OPTIONS.get(name))


@pytest.mark.parametrize("cm", all_codemods(), ids=lambda cm: cm.name)
def test_explain_name_is_a_short_plain_page_and_full_has_the_rules(cm, tmp_path: Path):
    short = run("explain", cm.name, cwd=tmp_path).stdout
    full = run("explain", cm.name, "--full", cwd=tmp_path).stdout
    assert len(full) > len(short)
    assert len(cm.page.strip().splitlines()) <= 30 and "``" not in cm.page
    assert len(short.splitlines()) <= 40 and "``" not in short
    headings = [line.strip() for line in cm.page.splitlines() if line and not line[0].isspace()]
    assert headings == ["What it does:", "Why:", "Example:", "Fix safety:"], cm.name
    for section in ("What it does", "Why", "Example", "Fix safety"):
        assert section in short, (cm.name, section)



@pytest.mark.parametrize("cm", all_codemods(), ids=lambda cm: cm.name)
def test_explain_name_full_is_plain_text(cm, tmp_path: Path):
    assert "``" not in run("explain", cm.name, "--full", cwd=tmp_path).stdout


@pytest.mark.parametrize("code", [c for _, c in all_codes()], ids=lambda c: c.code)
def test_code_has_a_one_line_title_and_a_detail(code):
    title = code.title
    assert "\n" not in title and "…" not in title and len(title) <= 70, title
    assert not title.endswith(".") and title[:1] == title[:1].lower(), title
    assert code.detail.strip() and "…" not in code.detail and "``" not in code.detail, code.code
