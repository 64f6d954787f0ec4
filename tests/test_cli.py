"""The installed console script, driven as a user would (subprocess)."""

from __future__ import annotations

import codecs
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

# The console script installed beside this interpreter (the package must be installed to test it).
EXE = str(Path(sys.executable).with_name("dj-asyncify"))
if not Path(EXE).exists():
    EXE = shutil.which("dj-asyncify") or EXE


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJ_ASYNCIFY_CACHE_DIR": ""}
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_list_and_explain(tmp_path: Path):
    out = run("list", cwd=tmp_path)
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert names == ["sync-views-to-async", "requests-to-httpx", "async-orm", "gather-awaits", "async-views-to-sync", "async-test-client"]
    bad = run("explain", "no-such", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown codemod" in bad.stderr


def test_unknown_select_is_a_usage_error(tmp_path: Path):
    out = run("apply", "--select", "nope", ".", cwd=tmp_path)
    assert out.returncode == 2 and "unknown codemod 'nope'" in out.stderr


def test_bad_inputs_are_reported_and_left_alone(tmp_path: Path):
    good = tmp_path / "good.py"
    good.write_bytes(b"x = 1\n")
    junk = tmp_path / "junk.py"
    junk.write_bytes(b"\xff\xfe\x00binary\x00junk")
    broken = tmp_path / "broken_link.py"
    broken.symlink_to(tmp_path / "gone.py")
    before = {p.name: p.read_bytes() for p in (good, junk)}
    mtime = good.stat().st_mtime_ns
    out = run("apply", ".", cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "junk.py: error: cannot decode" in out.stderr
    assert "broken_link.py: error: broken symbolic link" in out.stderr
    assert {p.name: p.read_bytes() for p in (good, junk)} == before
    assert good.stat().st_mtime_ns == mtime


def test_missing_path(tmp_path: Path):
    out = run("apply", "nowhere.py", cwd=tmp_path)
    assert out.returncode == 2 and "nowhere.py: error: no such file or directory" in out.stderr


def test_json_report(tmp_path: Path):
    (tmp_path / "a.py").write_text("x = 1\n")
    out = run("apply", "--check", "--report", "json", ".", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["summary"]["scanned"] == 1 and data["summary"]["changed"] == 0
    assert data["files"][0] == {"path": "a.py", "changed": False, "error": None, "line": None, "col": None, "diagnostics": []}


def test_bad_config_names_the_file(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify]\ntarget-django = "five"\n')
    out = run("apply", "--check", ".", cwd=tmp_path)
    assert out.returncode == 2 and "pyproject.toml" in out.stderr and "target-django" in out.stderr


# --------------------------------------------------------------------------- bad inputs, one by one
# Each file also holds something a codemod's pre-check looks for, so that the runner parses it.
PY2_TEST = b'''from django.test import TestCase


class HomeTests(TestCase):
    def test_home(self):
        response = self.client.get("/")
        print "status", response.status_code
'''
SYNTAX_ERROR_VIEW = b'''from django.http import HttpResponse


async def index(request):
    return HttpResponse("unclosed"
'''


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.is_symlink()}


def _assert_bad_file(tmp_path: Path, name: str, data: bytes, expected: str) -> str:
    (tmp_path / name).write_bytes(data)
    before = _snapshot(tmp_path)
    out = run("apply", ".", cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith(name)]
    assert len(lines) == 1 and expected in lines[0], out.stderr
    assert _snapshot(tmp_path) == before
    assert "1 failed" in out.stderr
    return lines[0]


def test_syntax_error_names_file_line_and_column(tmp_path: Path):
    line = _assert_bad_file(tmp_path, "views.py", SYNTAX_ERROR_VIEW, "error: cannot parse:")
    assert line.startswith("views.py:5:"), line


def test_python2_file(tmp_path: Path):
    line = _assert_bad_file(tmp_path, "tests.py", PY2_TEST, "Missing parentheses in call to 'print'")
    assert line.startswith("tests.py:7:9: error: cannot parse:"), line


def test_binary_junk_named_py(tmp_path: Path):
    junk = b"\x7fELF\x02\x01\x01\x00\x00\x00async def\x00\x03\x00>\x00\x01\x00\x00\x00"
    line = _assert_bad_file(tmp_path, "junk.py", junk, "null bytes")
    assert line.startswith("junk.py:1:"), line


def test_undecodable_bytes_name_the_place(tmp_path: Path):
    data = b"import requests\n\nasync def f():\n    return 'caf\xe9'\n"
    line = _assert_bad_file(tmp_path, "latin.py", data, "cannot decode as utf-8")
    assert line.startswith("latin.py:4:16: error:"), line


def test_permission_denied(tmp_path: Path):
    locked = tmp_path / "locked.py"
    locked.write_bytes(b"async def view(request):\n    return 1\n")
    locked.chmod(0)
    try:
        try:
            locked.read_bytes()
        except PermissionError:
            pass
        else:
            import pytest

            pytest.skip("running with privileges that ignore file permissions")
        out = run("apply", ".", cwd=tmp_path)
        assert out.returncode == 2, out.stderr
        assert "locked.py: error: permission denied" in out.stderr
    finally:
        locked.chmod(0o644)
    assert locked.read_bytes() == b"async def view(request):\n    return 1\n"


def test_broken_symlink_alone_and_named(tmp_path: Path):
    (tmp_path / "link.py").symlink_to(tmp_path / "gone.py")
    for target in (".", "link.py"):
        out = run("apply", target, cwd=tmp_path)
        assert out.returncode == 2, out.stderr
        assert "link.py: error: broken symbolic link" in out.stderr
    assert not (tmp_path / "gone.py").exists()


def test_bad_files_do_not_stop_the_others(tmp_path: Path):
    (tmp_path / "views.py").write_bytes(SYNTAX_ERROR_VIEW)
    (tmp_path / "tests.py").write_bytes(PY2_TEST)
    good = tmp_path / "shop_views.py"
    good.write_text(GOOD_VIEW)
    out = run("apply", "--select", "async-views-to-sync", "views.py", "tests.py", "shop_views.py", cwd=tmp_path)
    assert out.returncode == 2
    assert "views.py:5:" in out.stderr and "tests.py:7:9:" in out.stderr
    assert "1 changed" in out.stderr


# --------------------------------------------------------------------------- rewriting for real
GOOD_VIEW = '''from django.http import HttpResponse


async def index(request):
    return HttpResponse("caf\u00e9")
'''
SERVICE = '''import requests


async def fetch(url):
    return requests.get(url).json()
'''


def _project(tmp_path: Path) -> Path:
    """A folder of files that real codemods change, in the encodings and line endings users have."""
    proj = tmp_path / "proj"
    (proj / "shop").mkdir(parents=True)
    (proj / "shop" / "views.py").write_text(GOOD_VIEW, encoding="utf-8")
    (proj / "shop" / "crlf_views.py").write_bytes(GOOD_VIEW.replace("\n", "\r\n").encode())
    bom = proj / "shop" / "bom_views.py"
    bom.write_bytes(codecs.BOM_UTF8 + GOOD_VIEW.encode())
    (proj / "shop" / "latin_views.py").write_bytes(
        b"# -*- coding: latin-1 -*-\n" + GOOD_VIEW.encode("latin-1")
    )
    (proj / "service.py").write_text(SERVICE)
    (proj / "untouched.py").write_text("x = 1\n")
    os.chmod(proj / "shop" / "views.py", 0o754)
    return proj


def test_apply_keeps_mode_encoding_line_endings_and_bom(tmp_path: Path):
    proj = _project(tmp_path)
    before = {p: p.read_bytes() for p in proj.rglob("*.py")}
    untouched = proj / "untouched.py"
    mtime = untouched.stat().st_mtime_ns
    out = run("apply", ".", cwd=proj)
    assert out.returncode == 0, out.stderr
    shop = proj / "shop"
    for name in ("views.py", "crlf_views.py", "bom_views.py", "latin_views.py"):
        old = before[shop / name]
        assert (shop / name).read_bytes() == old.replace(b"async def index", b"def index"), name
    assert os.stat(shop / "views.py").st_mode & 0o777 == 0o754
    assert "import httpx" in (proj / "service.py").read_text()
    assert untouched.read_bytes() == b"x = 1\n" and untouched.stat().st_mtime_ns == mtime
    assert not [p for p in proj.rglob("*") if p.name.endswith(".tmp")]
    # A second apply changes nothing.
    again = run("apply", "--check", ".", cwd=proj)
    assert again.returncode == 0, again.stderr


def test_diff_applies_with_patch_and_gives_the_apply_result(tmp_path: Path):
    import pytest

    patch = shutil.which("patch")
    if patch is None:
        pytest.skip("no patch(1) on this machine")
    proj = _project(tmp_path)
    preview = tmp_path / "preview"
    shutil.copytree(proj, preview)
    before = {p: p.read_bytes() for p in proj.rglob("*.py")}
    env = {**os.environ, "DJ_ASYNCIFY_CACHE_DIR": ""}
    diff = subprocess.run([EXE, "apply", "--diff", "."], cwd=proj, capture_output=True, env=env, check=False)
    assert diff.returncode == 0, diff.stderr
    assert {p: p.read_bytes() for p in proj.rglob("*.py")} == before  # --diff writes nothing
    assert diff.stdout.count(b"+++ ") == 5  # the latin-1 file's diff is in latin-1, like the file
    assert "caf\u00e9".encode("latin-1") in diff.stdout and codecs.BOM_UTF8 in diff.stdout
    patched = subprocess.run(
        [patch, "-p0", "--batch", "--no-backup-if-mismatch"],
        input=diff.stdout,
        cwd=preview,
        capture_output=True,
        check=False,
    )
    assert patched.returncode == 0, patched.stdout + patched.stderr
    applied = run("apply", ".", cwd=proj)
    assert applied.returncode == 0, applied.stderr
    for p in proj.rglob("*.py"):
        assert (preview / p.relative_to(proj)).read_bytes() == p.read_bytes(), p


def test_ctrl_c_leaves_every_file_old_or_new(tmp_path: Path):
    proj = tmp_path / "many"
    proj.mkdir()
    old = (GOOD_VIEW + "\n\n" + "\n".join(f"X{i} = {i}" for i in range(400)) + "\n").encode()
    new = old.replace(b"async def index", b"def index")
    files = [proj / f"f{i:03d}_views.py" for i in range(300)]
    for f in files:
        f.write_bytes(old)
    env = {**os.environ, "DJ_ASYNCIFY_CACHE_DIR": ""}
    proc = subprocess.Popen(
        [EXE, "apply", "-j2", "."], cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # Interrupt as soon as the first file has been rewritten.
    while proc.poll() is None and not any(f.read_bytes() == new for f in files):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    states = [f.read_bytes() for f in files]
    assert all(s in (old, new) for s in states)
    assert sorted(p.name for p in proj.iterdir()) == sorted(f.name for f in files)  # no temporary files
    if proc.returncode != 0:  # interrupted before the end (on a fast machine the run may finish first)
        assert proc.returncode == 130 and b"interrupted" in err, err
        assert old in states


def test_progress_bar_only_on_a_terminal(tmp_path: Path):
    import pty

    for i in range(25):
        (tmp_path / f"m{i:02d}_views.py").write_text(GOOD_VIEW)
    piped = run("apply", "--check", ".", cwd=tmp_path)
    assert piped.returncode == 1 and "[#" not in piped.stderr and "\r" not in piped.stderr
    master, slave = pty.openpty()
    env = {**os.environ, "DJ_ASYNCIFY_CACHE_DIR": ""}
    proc = subprocess.Popen(
        [EXE, "apply", "--check", "."], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(master)
    shown = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert "rewriting [" in shown and "25/25 files" in shown
    assert "25 files scanned, 25 would change" in shown


def test_check_over_installed_django_touches_nothing():
    import hashlib

    import django

    root = Path(django.__file__).parent
    files = sorted(root.rglob("*.py"))
    before = {p: (p.stat().st_mtime_ns, hashlib.blake2b(p.read_bytes()).digest()) for p in files}
    out = run("apply", "--check", "--no-cache", str(root), cwd=root.parent)
    assert out.returncode in (0, 1), out.stderr[-3000:]
    assert ": error:" not in out.stderr and "internal error" not in out.stderr
    summary = [line for line in out.stderr.splitlines() if "files scanned" in line]
    assert summary and int(summary[0].split()[0]) > 800
    after = {p: (p.stat().st_mtime_ns, hashlib.blake2b(p.read_bytes()).digest()) for p in files}
    assert after == before


# --------------------------------------------------------------------------- config values, checked
def _config_error(tmp_path: Path, body: bytes) -> str:
    (tmp_path / "pyproject.toml").write_bytes(body)
    (tmp_path / "a.py").write_text("x = 1\n")
    out = run("apply", "--check", ".", cwd=tmp_path)
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    return out.stderr


def test_config_values_of_the_wrong_type_are_one_line_usage_errors(tmp_path: Path):
    cases = {
        b'[tool.dj-asyncify]\njobs = "four"\n': "jobs must be a whole number",
        b"[tool.dj-asyncify]\nexclude = [1, 2]\n": "exclude must be a list of glob patterns",
        b'[tool.dj-asyncify]\nexclude = "legacy/*"\n': "exclude must be a list of glob patterns",
        b'[tool.dj-asyncify]\nselect = "requests-to-httpx"\n': "select must be a list of codemod names",
        b"[tool]\ndj-asyncify = 5\n": "tool.dj-asyncify must be a table",
        b'[tool.dj-asyncify]\nselect = ["caf\xe9"]\n': "not UTF-8",
        b"[tool.dj-asyncify]\ncache = 1\n": "cache must be true or false",
    }
    for body, expected in cases.items():
        err = _config_error(tmp_path, body)
        assert expected in err and "pyproject.toml" in err, (body, err)


def test_a_bad_option_names_where_it_was_set(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify]\nselect = ["gather-awaits"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    out = run("apply", "--check", "-o", "gather-awaits.style=bogus", ".", cwd=tmp_path)
    assert out.returncode == 2 and "--option" in out.stderr and "pyproject.toml" not in out.stderr, out.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify.gather-awaits]\nstyle = "bogus"\n')
    out = run("apply", "--check", ".", cwd=tmp_path)
    assert out.returncode == 2 and "pyproject.toml" in out.stderr, out.stderr


def test_selecting_and_skipping_the_same_codemods_is_an_error(tmp_path: Path):
    (tmp_path / "a.py").write_text("x = 1\n")
    out = run("apply", "--check", "--select", "gather-awaits", "--skip", "gather-awaits", ".", cwd=tmp_path)
    assert out.returncode == 2 and "nothing would run" in out.stderr, out.stderr
    ok = run("apply", "--check", "--select", "gather-awaits,requests-to-httpx", "--skip", "gather-awaits", ".", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_config_is_the_nearest_table_not_a_dependency_mention(tmp_path: Path):
    parent, child = tmp_path, tmp_path / "app"
    child.mkdir()
    (parent / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["dj-asyncify"]\n')
    (child / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (child / "a.py").write_text("x = 1\n")
    env = {k: v for k, v in os.environ.items() if k != "DJ_ASYNCIFY_CACHE_DIR"}
    out = subprocess.run([EXE, "apply", "--check", "."], cwd=child, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert (child / ".dj-asyncify-cache").is_dir() and not (parent / ".dj-asyncify-cache").exists()
    # cache = false in the project's table turns the cache off
    (child / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.dj-asyncify]\ncache = false\n')
    shutil.rmtree(child / ".dj-asyncify-cache")
    out = subprocess.run([EXE, "apply", "--check", "."], cwd=child, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert not (child / ".dj-asyncify-cache").exists()


def test_files_over_the_size_limit_are_reported_as_skipped(tmp_path: Path):
    big = tmp_path / "big.py"
    big.write_text("async def view(request):\n    return 1\n" + "# padding\n" * 200)
    (tmp_path / "small.py").write_text("x = 1\n")
    out = run("apply", "--check", "--max-file-size", "100", ".", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "big.py: skipped:" in out.stderr and "1 skipped" in out.stderr and "1 unchanged" in out.stderr, out.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.dj-asyncify]\nmax-file-size = 100\n")
    out = run("apply", "--check", ".", cwd=tmp_path)
    assert "big.py: skipped:" in out.stderr, out.stderr
    out = run("apply", "--check", "--max-file-size", "0", ".", cwd=tmp_path)
    assert "skipped" not in out.stderr, out.stderr
