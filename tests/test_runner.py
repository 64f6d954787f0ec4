"""The runner on bad input and on encodings, with a small codemod defined here (real LibCST)."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from codemods import runner
from codemods.config import Settings
from codemods.problems import Problem
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
                    ctx.refuse(original, Problem("renamed", "renamed foo"))
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
    assert [d.format() for d in out.diagnostics] == ["f.py:2:5: DJA000 renamed foo"]


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


# --------------------------------------------------------------------------- the cache
REFUSED_VIEW = "async def index(request):\n    data = await fetch()\n    return data\n"


def _cache_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "views.py").write_text(REFUSED_VIEW)
    (proj / "plain.py").write_text("x = 1\n")
    return proj


def _cache_data(cache_file: Path) -> dict[str, Any]:
    """The JSON a cache file holds (after the line with its seal)."""
    return json.loads(cache_file.read_bytes().partition(b"\n")[2])


def _store_cache(cache_file: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as the cache file, sealed with the user's key as the tool seals it: the
    tests that edit a cache stand for one the tool made that is damaged or stale, not forged."""
    from codemods.runner import store

    key = store.user_key()
    assert key is not None
    cache_file.write_bytes(store.seal(key, cache_file.name, json.dumps(data).encode()))


def test_cache_trusts_an_old_stat_and_sees_any_content_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proj = _cache_project(tmp_path)
    settings = Settings(cache_dir=tmp_path / "cache", jobs=1, select=("async-views-to-sync",))
    first = runner.run([proj], settings, "check")
    [refusal] = [d for f in first.files for d in f.diagnostics]
    assert "fetch()" in refusal.message and first.parsed == 1

    reads: list[Path] = []
    real_read = runner._read
    monkeypatch.setattr(runner.batch, "_read", lambda p, *a: reads.append(p) or real_read(p, *a))
    monkeypatch.setattr(runner._Cache, "MARGIN_NS", 0)  # these files are younger than the usual margin
    second = runner.run([proj], settings, "check")
    assert reads == [] and second.parsed == 0 and second.cached == 1
    assert [f.to_json() for f in second.files] == [f.to_json() for f in first.files]

    # Same size, old mtime put back: the ctime still tells, the file is read, hashed and re-run.
    views = proj / "views.py"
    st = views.stat()
    views.write_text(REFUSED_VIEW.replace("fetch", "fetcH"))
    os.utime(views, ns=(st.st_atime_ns, st.st_mtime_ns))
    third = runner.run([proj], settings, "check")
    assert [p.name for p in reads] == ["views.py"] and third.parsed == 1
    assert "fetcH()" in next(d for f in third.files for d in f.diagnostics).message


def test_fully_cached_run_never_imports_libcst(tmp_path: Path):
    proj = _cache_project(tmp_path)
    script = (
        "import sys; from pathlib import Path; from codemods import runner; from codemods.config import Settings; "
        f"r = runner.run([Path({str(proj)!r})], Settings(cache_dir=Path({str(tmp_path / 'c')!r}), jobs=1)); "
        "print(r.cached, r.parsed, 'libcst' in sys.modules, [d.message for f in r.files for d in f.diagnostics])"
    )
    outs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split(" ", 3)
        for _ in range(2)
    ]
    assert outs[0][:3] == ["0", "1", "True"]
    assert outs[1][:3] == ["1", "0", "False"]
    assert outs[0][3] == outs[1][3] and "fetch()" in outs[1][3]


def test_cached_diagnostics_use_the_current_display_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proj = _cache_project(tmp_path)
    settings = Settings(cache_dir=tmp_path / "cache", jobs=1, select=("async-views-to-sync",))
    monkeypatch.chdir(tmp_path)
    first = runner.run([Path("proj")], settings, "check")
    monkeypatch.chdir(proj)
    second = runner.run([Path(".")], settings, "check")
    assert second.cached == 1
    paths = {d.path for f in (*first.files, *second.files) for d in f.diagnostics}
    assert paths == {os.path.join("proj", "views.py"), "views.py"}


class KillsItsProcess(RenameFoo):
    """Test codemod: the process running it dies (as on a crash in native code) on ``boom``."""

    name = "kills-its-process"

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        if "boom" in module.code:
            os._exit(3)
        return super().transform(module, ctx)


class KillsItsScan(RenameFoo):
    """Test codemod: the process scanning ``boom`` dies in the text pre-check."""

    name = "kills-its-scan"

    def precheck(self, source: str) -> bool:
        if "boom" in source:
            os._exit(3)
        return super().precheck(source)


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
@pytest.mark.parametrize(
    "codemod, files", [(KillsItsProcess, 6), (KillsItsScan, 12)], ids=["in-its-rewrite", "in-a-chunk-of-scans"]
)
def test_a_dying_worker_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codemod, files):
    # Scans go to the workers many files at a time: the others of the dead worker's chunk are
    # scanned again, and only the file it died on is reported, as for a rewrite.
    for i in range(files):
        (tmp_path / f"m{i:02d}.py").write_text(f"foo = {i}\n")
    (tmp_path / "m03.py").write_text("foo = 'boom'\n")
    # Worker processes are forked from this one, so they see the test codemod too.
    monkeypatch.setattr(runner.per_file, "selected_codemods", lambda settings: [codemod()])
    result = runner.run([tmp_path], Settings(jobs=2), "apply")
    by_name = {Path(f.path).name: f for f in result.files}
    assert len(by_name) == files
    assert "worker process died" in by_name["m03.py"].error
    assert (tmp_path / "m03.py").read_text() == "foo = 'boom'\n"
    for i in set(range(files)) - {3}:
        assert by_name[f"m{i:02d}.py"].changed and (tmp_path / f"m{i:02d}.py").read_text() == f"bar = {i}\n"


def test_cache_forgets_files_that_are_gone(tmp_path: Path):
    proj = _cache_project(tmp_path)
    settings = Settings(cache_dir=tmp_path / "cache", jobs=1)
    runner.run([proj], settings, "check")
    (proj / "plain.py").unlink()
    (proj / "views.py").write_text(REFUSED_VIEW + "\n")  # a change, so that the cache is written again
    runner.run([proj / "views.py"], settings, "check")
    [cache_file] = (tmp_path / "cache").glob("*.json")
    assert sorted(Path(k).name for k in _cache_data(cache_file)["entries"]) == ["views.py"]


# --------------------------------------------------------------------------- cached pending rewrites
PENDING_VIEWS = (
    "from django.http import HttpResponse\n\n\n"
    "async def index(request):\n    return HttpResponse('x')\n\n\n" + REFUSED_VIEW.replace("index", "other")
)
PENDING_SETTINGS = {"jobs": 1, "select": ("async-views-to-sync",)}


def _pending_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "views.py").write_text(PENDING_VIEWS)
    (proj / "plain.py").write_text("x = 1\n")
    return proj


def _count_transforms(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files ``transform_source`` runs on from now on (jobs=1: in this process)."""
    calls: list[str] = []
    real = runner.transform_source
    monkeypatch.setattr(runner.per_file, "transform_source", lambda source, path, *a, **k: calls.append(
        os.path.basename(path)) or real(source, path, *a, **k))
    return calls


def _outcome(result: runner.RunResult) -> list[tuple[Any, ...]]:
    return [(f.to_json(), f.diff) for f in result.files]


def test_check_rerun_with_a_pending_rewrite_parses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proj = _pending_project(tmp_path)
    settings = Settings(cache_dir=tmp_path / "cache", **PENDING_SETTINGS)
    first = runner.run([proj], settings, "check")
    assert [f.path.endswith("views.py") for f in first.changed] == [True] and first.parsed == 1
    assert [d.kind for f in first.files for d in f.diagnostics] == ["fixed", "note"]  # the other view awaits fetch(): real async work, a note

    calls = _count_transforms(monkeypatch)
    reads: list[Path] = []
    real_read = runner._read
    monkeypatch.setattr(runner.batch, "_read", lambda p, *a: reads.append(p) or real_read(p, *a))
    monkeypatch.setattr(runner._Cache, "MARGIN_NS", 0)  # these files are younger than the usual margin
    second = runner.run([proj], settings, "check")
    assert calls == [] and reads == [] and second.parsed == 0 and second.cached == 1
    assert _outcome(second) == _outcome(first)
    assert (proj / "views.py").read_text() == PENDING_VIEWS

    # --diff from the same entry: the file's bytes are read (and checked), nothing is parsed
    uncached = runner.run([proj], Settings(**PENDING_SETTINGS), "diff")
    assert len(calls) == 1  # that was the uncached run
    reads.clear()
    diffed = runner.run([proj], settings, "diff")
    assert len(calls) == 1 and diffed.parsed == 0 and diffed.cached == 1
    assert [p.name for p in reads] == ["views.py"]
    assert _outcome(diffed) == _outcome(uncached)
    [changed] = diffed.changed
    assert changed.diff is not None and "+def index(request):" in changed.diff


def test_check_rerun_exits_the_same_through_the_cli(tmp_path: Path):
    proj = _pending_project(tmp_path)
    exe = str(Path(sys.executable).with_name("dj-asyncify"))
    env = {**os.environ, "DJ_ASYNCIFY_CACHE_DIR": str(tmp_path / "cache")}
    outs = [
        # -v: the other view's reason (it awaits fetch(): real async work) is a note
        subprocess.run([exe, "apply", "--check", "-v", "."], cwd=proj, capture_output=True, text=True, env=env,
                       timeout=120, check=False)
        for _ in range(2)
    ]
    assert [o.returncode for o in outs] == [1, 1]
    assert "(1 from cache)" not in outs[0].stderr and "(1 from cache)" in outs[1].stderr
    assert outs[1].stderr.replace(" (1 from cache)", "") == outs[0].stderr
    assert "1 would change" in outs[1].stderr and "1 notes" in outs[1].stderr


def test_apply_after_check_writes_the_cached_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proj = _pending_project(tmp_path)
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "views.py").write_text(PENDING_VIEWS)
    runner.run([reference], Settings(**PENDING_SETTINGS), "apply")
    settings = Settings(cache_dir=tmp_path / "cache", **PENDING_SETTINGS)
    runner.run([proj], settings, "check")
    calls = _count_transforms(monkeypatch)
    applied = runner.run([proj], settings, "apply")
    assert calls == [] and applied.parsed == 0 and applied.cached == 1 and len(applied.changed) == 1
    assert (proj / "views.py").read_bytes() == (reference / "views.py").read_bytes() != PENDING_VIEWS.encode()
    # the result was made for the old bytes: not kept; the next run works on the new content
    [cache_file] = (tmp_path / "cache").glob("*.json")
    assert "result" not in _cache_data(cache_file)["entries"][str(proj / "views.py")]
    again = runner.run([proj], settings, "check")
    assert calls == ["views.py"] and not again.changed


def _check_redone(proj: Path, settings: Settings, calls: list[str]) -> runner.RunResult:
    before = calls.count("views.py")
    result = runner.run([proj], settings, "check")
    assert calls.count("views.py") == before + 1 and result.cached == 0
    return result


def test_cached_pending_rewrite_follows_the_file_options_and_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proj = _pending_project(tmp_path)
    settings = Settings(cache_dir=tmp_path / "cache", **PENDING_SETTINGS)
    runner.run([proj], settings, "check")
    calls = _count_transforms(monkeypatch)
    assert runner.run([proj], settings, "check").cached == 1 and calls == []

    # the file
    (proj / "views.py").write_text(PENDING_VIEWS.replace("'x'", "'y'"))
    result = _check_redone(proj, settings, calls)
    assert [f.diff for f in result.changed] == [None]  # --check makes no diff
    assert runner.run([proj], settings, "check").cached == 1
    # options (another cache file)
    other = Settings(cache_dir=tmp_path / "cache", options={"async-views-to-sync": {"max-queries": 2}},
                     **PENDING_SETTINGS)
    assert len(_check_redone(proj, other, calls).changed) == 1
    # the project: another file now awaits the view, which must stay async
    (proj / "caller.py").write_text("from views import index\n\n\nasync def go(request):\n    return await index(request)\n")
    result = _check_redone(proj, settings, calls)
    assert not result.changed
    assert any("awaited or scheduled in " in d.message and "caller.py" in d.message
               for f in result.files for d in f.diagnostics)


def test_cached_pending_rewrite_follows_a_file_the_codemod_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.gather_awaits_support import SERVICES_MUTATING, SERVICES_READING, VIEWS, _shop

    root = tmp_path / "proj"
    _shop(root, SERVICES_READING)
    (root / "shop" / "views.py").write_text(VIEWS)
    settings = Settings(select=("gather-awaits",), cache_dir=tmp_path / "cache", root=root, jobs=1,
                        respect_gitignore=False)
    first = runner.run([root / "shop"], settings, "diff")
    assert len(first.changed) == 1 and "asyncio.gather(fill(cart), size(cart))" in str(first.changed[0].diff)
    calls = _count_transforms(monkeypatch)
    second = runner.run([root / "shop"], settings, "diff")
    assert calls == [] and second.cached == 1 and _outcome(second) == _outcome(first)
    (root / "shop" / "services.py").write_text(SERVICES_MUTATING)  # views.py itself is untouched
    third = runner.run([root / "shop"], settings, "diff")
    assert calls == ["views.py"] and third.cached == 0 and not third.changed


def test_damaged_or_stale_cached_bytes_are_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proj = _pending_project(tmp_path)
    settings = Settings(cache_dir=tmp_path / "cache", **PENDING_SETTINGS)
    first = runner.run([proj], settings, "diff")
    [cache_file] = (tmp_path / "cache").glob("*.json")
    key = str(proj / "views.py")
    calls = _count_transforms(monkeypatch)
    monkeypatch.setattr(runner._Cache, "MARGIN_NS", 0)

    data = _cache_data(cache_file)
    data["entries"][key]["result"]["new"] = "not base64!"
    _store_cache(cache_file, data)
    damaged = runner.run([proj], settings, "diff")
    assert calls == ["views.py"] and damaged.cached == 0 and _outcome(damaged) == _outcome(first)

    # bytes that are not those the result was made for (a change the trusted stat did not show):
    # the diff is made afresh, and the result is not kept for a hash it was not made from
    data = _cache_data(cache_file)
    assert "new" in data["entries"][key]["result"]
    data["entries"][key]["hash"] = "0" * 32
    _store_cache(cache_file, data)
    stale = runner.run([proj], settings, "diff")
    assert calls == ["views.py"] * 2 and stale.cached == 0 and _outcome(stale) == _outcome(first)
    assert "result" not in _cache_data(cache_file)["entries"][key]


# --------------------------------------------------------------------------- positions after earlier rewrites
CHAINED = '''\
import requests
from django.http import JsonResponse


async def rates(request):
    data = requests.get(URL).json()
    return JsonResponse(data)


async def two_queries(request):
    a = await Product.objects.acount()
    b = await Order.objects.acount()
    return JsonResponse({"a": a, "b": b})


async def order(request):
    requests.post(URL, json={})
    status = requests.get(URL).json()
    return JsonResponse(status)
'''


def test_diagnostics_of_later_codemods_point_into_the_file_as_read():
    # requests-to-httpx adds lines (the shared SSL context, `async with`) before the later
    # codemods look at the module: their diagnostics must still name the lines of the file read.
    outcome = runner.transform_source(CHAINED, "views.py", Settings())
    assert outcome.error is None and "_HTTPX_SSL_CONTEXT = httpx.create_ssl_context()" in outcome.source
    lines = CHAINED.splitlines()
    by_message = {(d.codemod, d.message.split(":")[0]): d for d in outcome.diagnostics}
    two = by_message[("async-views-to-sync", "view 'two_queries' left async")]
    assert lines[two.line - 1].startswith("async def two_queries") and two.col == 1
    orm = by_message[("gather-awaits", "no benefit")]
    assert lines[orm.line - 1] == "    a = await Product.objects.acount()" and orm.col == 5
    # a position inside code an earlier codemod rewrote names the start of that rewrite
    write = by_message[("gather-awaits", "order-sensitive write")]
    assert lines[write.line - 1] == "    requests.post(URL, json={})"
    for d in outcome.diagnostics:
        assert 1 <= d.line <= len(lines)


def test_code_fingerprint_covers_subpackages(tmp_path, monkeypatch):
    """A change in any module of the package, in a subpackage too, makes a new cache key."""
    import shutil

    import codemods

    copy = tmp_path / "codemods"
    shutil.copytree(Path(codemods.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codemods, "__file__", str(copy / "__init__.py"))
    before = runner._code_fingerprint()
    assert runner._code_fingerprint() == before
    deep = sorted(p for p in copy.rglob("*.py") if len(p.relative_to(copy).parts) > 1)
    assert deep, "the package has no subpackage modules to check"
    deep[0].write_text(deep[0].read_text() + "\n# changed\n")
    assert runner._code_fingerprint() != before
