"""The runner on bad input and on encodings, with a small codemod defined here (real LibCST)."""

from __future__ import annotations

import codecs
import os
import subprocess
from pathlib import Path

import libcst as cst
import pytest

from codemods import runner
from codemods.config import Settings
from codemods.registry import Codemod, Context


class RenameFoo(Codemod):
    """Test codemod: renames every name ``foo`` to ``bar``."""

    name = "rename-foo"
    summary = "test"

    def precheck(self, source: str) -> bool:
        return "foo" in source

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        class T(cst.CSTTransformer):
            def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
                if original.value == "foo":
                    ctx.report(original, "renamed foo")
                    return updated.with_changes(value="bar")
                return updated

        return module.visit(T())


class Broken(RenameFoo):
    name = "broken"

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        raise RuntimeError("boom")


class EmitsBadCode(RenameFoo):
    name = "emits-bad-code"

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        return cst.parse_module("await foo()\n")


S = Settings()


def test_rewrite_reports_positions():
    out = runner.transform_source("x = 1\ny = foo\n", "f.py", S, codemods=[RenameFoo()])
    assert out.source == "x = 1\ny = bar\n"
    assert [d.format() for d in out.diagnostics] == ["f.py:2:5: rename-foo: renamed foo"]


def test_parse_error_is_reported_with_line():
    out = runner.transform_source("x = 1\nfoo = (\n", "f.py", S, codemods=[RenameFoo()])
    assert out.source == "x = 1\nfoo = (\n"
    assert out.error and out.error.startswith("cannot parse: ")
    assert (out.line, out.col) == (2, 1)


def test_codemod_crash_leaves_source():
    out = runner.transform_source("foo\n", "f.py", S, codemods=[Broken()])
    assert out.source == "foo\n"
    assert "internal error in broken: RuntimeError: boom" in out.error


def test_output_that_does_not_compile_is_refused():
    out = runner.transform_source("foo()\n", "f.py", S, codemods=[EmitsBadCode()])
    assert out.source == "foo()\n"
    assert "does not compile" in out.error and "emits-bad-code" in out.error


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + b"x = 'caf\xc3\xa9'\r\ny = foo\r\n",
        b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\ny = foo\n",
        b"x = 1\r\ny = foo",
    ],
)
def test_encoding_bom_and_line_endings_kept(tmp_path: Path, data: bytes):
    path = tmp_path / "m.py"
    path.write_bytes(data)
    os.chmod(path, 0o640)
    decoded = runner.decode(data)
    out = runner.transform_source(decoded.text, "m.py", S, codemods=[RenameFoo()])
    new = runner.encode(out.source, decoded)
    runner.atomic_write(path, new)
    assert path.read_bytes() == data.replace(b"foo", b"bar")
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]  # no temporary file left


def test_undecodable_bytes_are_an_error():
    with pytest.raises(runner.SourceError, match="cannot decode"):
        runner.decode(b"x = '\xff\xfe'\n")


def test_skip_file_comment():
    assert runner.has_skip_file_comment("# dj-asyncify: skip-file\nimport requests\n")
    assert not runner.has_skip_file_comment("x = 'dj-asyncify: skip-file'\n")


def test_discover_excludes_and_gitignore(tmp_path: Path):
    has_git = subprocess.run(["git", "init", "-q", str(tmp_path)], check=False).returncode == 0
    (tmp_path / ".gitignore").write_text("generated/\n")
    for rel in ["app/views.py", "app/migrations/0001.py", "generated/x.py", "node_modules/y.py", "venv/bin/z.py", "app/n.txt"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x = 1\n")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("")
    files, errors = runner.discover([tmp_path], Settings(exclude=("app/skip*",)))
    found = sorted(p.relative_to(tmp_path).as_posix() for p in files)
    if has_git:
        assert found == ["app/views.py"]
    else:
        assert found == ["app/views.py", "generated/x.py"]
    assert errors == []
    files, errors = runner.discover([tmp_path / "missing.py"], S)
    assert files == [] and errors[0].error == "no such file or directory"


POSITION_SAMPLES = [
    (
        "import os\n\n\n@decorator(1)\nasync def view(request, *a, **k):\n    '''doc'''\n    x = await f(a)[0]\n"
        "    if x:  # c\n        return (yield)\n    else:\n        pass\n\n\nclass C(B):\n    y: int = 1\n"
    ),
    "x = 1\r\nif x:\r\n    y = [\r\n        1,\r\n    ]\r\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise\nfinally:\n    del x\nlambda: (a for a in b if a)\n",
]


@pytest.mark.parametrize("source", POSITION_SAMPLES)
def test_node_positions_match_position_provider(source: str):
    from libcst.metadata import MetadataWrapper, PositionProvider

    module = cst.parse_module(source)
    nodes: list[cst.CSTNode] = []

    class All(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nodes.append(node)
            return True

    module.visit(All())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found = runner.node_positions(module, nodes)
    assert len(nodes) > 30
    for node in nodes:
        assert found[id(node)] == (expected[node].start.line, expected[node].start.column), node
    # Watching a few nodes gives the same answer as watching all of them.
    few = nodes[::7]
    assert runner.node_positions(module, few) == {id(n): found[id(n)] for n in few}
