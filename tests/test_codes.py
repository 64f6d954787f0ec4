"""Diagnostic codes: one per reason, stable, and what the CLI does with them (format, --ignore,
--output-format github/json, explain CODE / --codes / NAME [--full])."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from codemods.problems import MAX_MESSAGE, NOTE, WARNING, one_line
from codemods.registry import all_codemods
from tests.test_cli import run

RULES = Path(__file__).resolve().parent.parent / "codemods" / "rules"
RELEASED = Path(__file__).resolve().parent / "fixtures" / "codes_released.txt"
_KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)+|[a-z]+")
_REPORTERS = {"Problem", "_refuse", "_block"}


def _literal_kinds(package: Path) -> set[str]:
    """The kinds a codemod's code spells out: the first kebab-case string literal given to
    ``Problem(...)``, ``_refuse(...)`` or ``_block(...)``."""
    kinds: set[str] = set()
    for path in package.rglob("*.py"):
        if path.name == "codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in _REPORTERS:
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if _KEBAB.fullmatch(arg.value) and arg.value:
                        kinds.add(arg.value)
                    break
    return kinds


@pytest.mark.parametrize("cm", all_codemods(), ids=lambda cm: cm.name)
def test_every_kind_a_codemod_reports_has_its_code(cm):
    package = RULES / cm.name.replace("-", "_")
    have = {c.kind for c in cm.codes}
    missing = _literal_kinds(package) - have
    assert not missing, f"{cm.name}: kinds without a code in codes.py: {sorted(missing)}"


def test_codes_are_unique_well_formed_and_one_prefix_per_codemod():
    seen: dict[str, str] = {}
    prefixes = set()
    for cm in all_codemods():
        assert cm.codes, cm.name
        prefix = cm.codes[0].code[:4]
        assert prefix not in prefixes
        prefixes.add(prefix)
        kinds = [c.kind for c in cm.codes]
        assert len(kinds) == len(set(kinds)), cm.name
        for c in cm.codes:
            assert re.fullmatch(r"DJA[1-9]\d\d", c.code) and c.code.startswith(prefix), c.code
            assert not c.code.endswith("00"), "DJAn00 is the catch-all of a kind without a code"
            assert c.code not in seen, (c.code, seen.get(c.code))
            seen[c.code] = cm.name
            assert c.level in (WARNING, NOTE)


def test_a_released_code_keeps_its_meaning():
    """tests/fixtures/codes_released.txt lists every code as released: a code never changes its kind
    (a new reason takes a new number, a retired code's number is not reused; the file only grows)."""
    now = {c.code: (cm.name, c.kind) for cm in all_codemods() for c in cm.codes}
    for line in RELEASED.read_text().splitlines():
        code, codemod, kind = line.split()
        if code in now:
            assert now[code] == (codemod, kind), f"{code} was {codemod} {kind}, now {now[code]}"
    listed = {line.split()[0] for line in RELEASED.read_text().splitlines()}
    assert set(now) <= listed, f"add new codes to {RELEASED.name}: {sorted(set(now) - listed)}"


def test_one_line_collapses_and_shortens():
    assert one_line("uses `qs\n    .filter(a=1)\n    .first()` here") == "uses `qs .filter(a=1) .first()` here"
    long = "awaits `" + "x" * 300 + "`, which is not a Django DB call with a sync twin"
    short = one_line(long)
    assert len(short) <= MAX_MESSAGE and short.endswith("which is not a Django DB call with a sync twin")
    assert one_line("y" * 400).endswith("…") and len(one_line("y" * 400)) == MAX_MESSAGE


# A module: requests.get in async code with a timeout the codemod cannot see (a warning), and two
# awaits of calls whose effects are unknown (notes of gather-awaits).
_SRC = """\
import requests


async def fetch(url, t):
    return requests.get(url, timeout=t).json()


async def chain(a, b):
    x = await a()
    y = await b(x)
    return y
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "svc.py").write_text(_SRC)
    return tmp_path


def test_text_diagnostics_are_path_line_col_code_message(tmp_path: Path):
    out = run("apply", "--check", ".", cwd=_project(tmp_path))
    lines = [line for line in out.stderr.splitlines() if line.startswith("svc.py:")]
    assert len(lines) == 1 and lines[0].startswith("svc.py:5:12: DJA119 requests.get() passes a timeout= whose value")
    assert "[note]" not in out.stderr and "gather-awaits: 0 rewritten, 0 refused, 2 notes (-v shows them)" in out.stderr
    verbose = run("apply", "--check", "-v", ".", cwd=_project(tmp_path))
    notes = [line for line in verbose.stderr.splitlines() if line.endswith("[note]")]
    assert len(notes) == 2 and notes[1].startswith("svc.py:10:5: DJA210 order kept: b() has unknown effects"), notes


def test_ignore_silences_a_code_or_a_prefix_and_nothing_else(tmp_path: Path):
    _project(tmp_path)
    exact = run("apply", "--check", "-v", "--ignore", "DJA119", ".", cwd=tmp_path)
    assert "DJA119" not in exact.stderr and "[note]" in exact.stderr
    prefix = run("apply", "--check", "-v", "--ignore", "dja2,DJA1", ".", cwd=tmp_path)
    assert "DJA1" not in prefix.stderr and "DJA2" not in prefix.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify]\nignore = ["DJA119"]\n')
    configured = run("apply", "--check", ".", cwd=tmp_path)
    assert "DJA119" not in configured.stderr and "requests-to-httpx" not in configured.stderr
    bad = run("apply", "--check", "--ignore", "DJA999", ".", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown diagnostic code 'DJA999'" in bad.stderr


def test_json_report_carries_codes_levels_and_its_format_version(tmp_path: Path):
    out = run("apply", "--check", "--output-format", "json", ".", cwd=_project(tmp_path))
    data = json.loads(out.stdout)
    assert data["format_version"] == 2
    diags = data["files"][0]["diagnostics"]
    assert {(d["code"], d["level"]) for d in diags} >= {("DJA119", "warning")}
    assert any(d["level"] == "note" and d["code"].startswith("DJA2") for d in diags)
    old = run("apply", "--check", "--report", "json", ".", cwd=tmp_path)  # the old spelling still works
    assert json.loads(old.stdout)["format_version"] == 2


def test_github_annotations(tmp_path: Path):
    _project(tmp_path)
    (tmp_path / "bad, name.py").write_text("import requests\n\n\nasync def f(:\n    requests.get(u)\n")
    out = run("apply", "--check", "--output-format", "github", ".", cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stdout.splitlines()
    assert any(
        line.startswith("::warning file=svc.py,line=5,col=12,title=DJA119 (requests-to-httpx)::requests.get() passes a timeout=")
        for line in lines
    ), lines
    assert any(line.startswith("::error file=bad%2C name.py,line=4,col=13,title=dj-asyncify::cannot parse") for line in lines), lines
    assert not any(line.startswith("::notice") for line in lines)
    assert any(line.startswith("::notice file=svc.py,line=9") for line in run(
        "apply", "--check", "-v", "--output-format", "github", ".", cwd=tmp_path).stdout.splitlines())


def test_explain_a_code_and_list_the_codes(tmp_path: Path):
    one = run("explain", "dja119", cwd=tmp_path)
    assert one.returncode == 0
    assert one.stdout.startswith("DJA119 (requests-to-httpx, warning): ")
    assert "--ignore DJA119" in one.stdout and "explain requests-to-httpx --full" in one.stdout
    table = run("explain", "--codes", cwd=tmp_path).stdout.splitlines()
    assert len(table) == sum(len(cm.codes) for cm in all_codemods())
    assert all(re.match(r"DJA\d{3}  [a-z-]+ +(warning|note) +\S", line) for line in table)


def test_every_line_over_the_real_fixtures_has_the_linter_shape(tmp_path: Path):
    """Over every real-code fixture (code nobody here wrote), with -v: each diagnostic is one line
    ``path:line:col: CODE message`` (``[note]`` at the end for a note), the message at most
    MAX_MESSAGE characters, the code a known one."""
    import shutil

    real = Path(__file__).resolve().parent / "fixtures" / "real"
    shutil.copytree(real, tmp_path / "real")
    out = run("apply", "--check", "-v", "--no-cache", ".", cwd=tmp_path / "real")
    assert out.returncode in (0, 1), out.stderr
    known = {c.code for cm in all_codemods() for c in cm.codes}
    shape = re.compile(r"(?P<path>[^:]+\.py):\d+:\d+: (?P<code>DJA\d{3}) (?P<msg>.+?)(?P<note> \[note\])?")
    lines = [line for line in out.stderr.splitlines() if re.match(r"[^:]+\.py:\d+:\d+: ", line)]
    assert len(lines) > 20, out.stderr  # the fixtures hold many places left alone
    for line in lines:
        if " fixed (" in line:
            continue
        found = shape.fullmatch(line)
        assert found, line
        assert found["code"] in known and len(found["msg"]) <= MAX_MESSAGE, line
