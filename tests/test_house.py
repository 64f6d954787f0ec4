"""The house rules, checked on the code itself.

Every module of ``codemods``, ``tests`` and ``benchmarks`` (not the data under ``tests/fixtures/``)
starts with a docstring and stays under 800 lines; only
``codemods.project`` (and the runner, the configuration and the command line) touch the disk, so
every read of another file is recorded for the cache; ``codemods.knowledge`` is data (no libcst,
no I/O); and a run that rewrites nothing never imports libcst: registering the codemods does not,
nor does ``apply --check`` of a file no codemod applies to.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import codemods

PACKAGE = Path(codemods.__file__).resolve().parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 800
# The tests and benchmarks are held to the same two rules (docstring, line limit); tests/fixtures/
# is data (excerpts of real projects) and is not.
REPO = Path(__file__).resolve().parent.parent
OTHER_MODULES = sorted([*(REPO / "tests").glob("*.py"), *(REPO / "benchmarks").glob("*.py")])

# Where reading files directly is the job; everywhere else reads go through codemods.project.
READERS = ("codemods/project/", "codemods/runner/", "codemods/config.py", "codemods/cli.py")
PROJECT = "codemods.project"
DISK_FUNCTIONS = frozenset(
    {
        "open", "io.open", "os.open", "os.listdir", "os.scandir", "os.walk", "os.stat",
        "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.getsize", "tomllib.load",
    }
)
DISK_METHODS = frozenset(
    {"read_text", "read_bytes", "open", "exists", "is_file", "is_dir", "iterdir", "glob", "rglob", "stat"}
)
# What the knowledge tables may import: data-level standard modules (``builtins``/``keyword``
# for their name lists) and each other.
KNOWLEDGE_IMPORTS = frozenset(
    {
        "__future__", "typing", "re", "dataclasses", "enum", "collections", "collections.abc",
        "functools", "itertools", "types", "builtins", "keyword",
    }
)


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _package(path: Path) -> str:
    """The package a module's relative imports start from."""
    return ".".join(path.relative_to(PACKAGE.parent).parent.parts)


def _from_module(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from ... import`` names, a relative one resolved against ``package``."""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1] if node.level else []
    return ".".join([*base, *([node.module] if node.module else [])])


def _imported_modules(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import statement."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, _from_module(node, package)))
    return out


def _bound_names(tree: ast.AST, package: str) -> dict[str, str]:
    """Local name -> the dotted name it was imported as (``import os.path as osp``: ``os.path``)."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.partition(".")[0]
                bound[a.asname or top] = a.name if a.asname else top
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                bound[a.asname or a.name] = f"{_from_module(node, package)}.{a.name}"
    return bound


def disk_reads(source: str, filename: str, package: str) -> list[str]:
    """``file:line: callee`` of every call in ``source`` that may touch the disk other than
    through ``codemods.project`` (a module imported under any name, ``_disk`` say)."""
    tree = ast.parse(source)
    bound = _bound_names(tree, package)

    def dotted(e: ast.expr) -> str | None:
        attrs = []
        while isinstance(e, ast.Attribute):
            attrs.append(e.attr)
            e = e.value
        return ".".join([bound.get(e.id, e.id), *reversed(attrs)]) if isinstance(e, ast.Name) else None

    def touches_disk(func: ast.expr) -> bool:
        if dotted(func) in DISK_FUNCTIONS:
            return True
        if isinstance(func, ast.Attribute) and func.attr in DISK_METHODS:
            receiver = dotted(func.value) or ""
            return receiver != PROJECT and not receiver.startswith(PROJECT + ".")
        return False

    found = sorted(
        (node.lineno, ast.unparse(node.func))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and touches_disk(node.func)
    )
    return [f"{filename}:{line}: {callee}" for line, callee in found]


def test_every_module_starts_with_a_docstring():
    missing = [_rel(p) for p in MODULES if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert missing == []


def test_no_module_is_over_800_lines():
    lines = {_rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    assert {name: n for name, n in lines.items() if n > MAX_LINES} == {}


def test_every_test_and_benchmark_module_starts_with_a_docstring():
    assert any(p.name == "test_house.py" for p in OTHER_MODULES) and any(p.parent.name == "benchmarks" for p in OTHER_MODULES)
    missing = [
        p.relative_to(REPO).as_posix()
        for p in OTHER_MODULES
        if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def test_no_test_or_benchmark_module_is_over_800_lines():
    lines = {p.relative_to(REPO).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in OTHER_MODULES}
    assert {name: n for name, n in lines.items() if n > MAX_LINES} == {}


def test_the_disk_check_finds_a_planted_read():
    source = textwrap.dedent(
        """\
        import os.path as osp
        from pathlib import Path

        import codemods.project
        from codemods import project as _disk
        from ... import project

        ok = _disk.read_text(Path("a")), codemods.project.is_file(Path("b")), project.glob(Path("."), "*.py")
        text = Path("settings.py").read_text()
        with open("conftest.py") as fh:
            found = osp.exists("manage.py") or fh.read()
        """
    )
    assert disk_reads(source, "m.py", "codemods.rules.some_codemod") == [
        "m.py:9: Path('settings.py').read_text",
        "m.py:10: open",
        "m.py:11: osp.exists",
    ]


def test_only_the_project_module_reads_other_files():
    offences = [
        offence
        for p in MODULES
        if not _rel(p).startswith(READERS)
        for offence in disk_reads(p.read_text(encoding="utf-8"), _rel(p), _package(p))
    ]
    assert offences == []


def test_knowledge_imports_only_data_modules():
    offences = [
        f"{_rel(p)}:{line}: {module}"
        for p in MODULES
        if _rel(p).startswith("codemods/knowledge/")
        for line, module in _imported_modules(ast.parse(p.read_text(encoding="utf-8")), _package(p))
        if module not in KNOWLEDGE_IMPORTS and not (module + ".").startswith("codemods.knowledge.")
    ]
    assert offences == []


def _python(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False)


def test_registering_the_codemods_imports_no_libcst():
    script = (
        "import sys; import codemods.registry as r; found = r.all_codemods(); "
        "print('libcst' in sys.modules, sorted({type(c).__module__ for c in found}))"
    )
    proc = _python("-c", script)
    assert proc.returncode == 0, proc.stderr
    loaded, modules = proc.stdout.split(" ", 1)
    assert loaded == "False", f"registering the codemods of {modules.strip()} imported libcst"


def test_check_of_a_file_no_codemod_applies_to_imports_no_libcst(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.dj-asyncify]\n", encoding="utf-8")
    (tmp_path / "plain.py").write_text("x = 1\n", encoding="utf-8")
    proc = _python("-X", "importtime", "-m", "codemods", "apply", "--check", "plain.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    imported = [line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "libcst" not in imported, "apply --check of a file no codemod applies to imported libcst"
