"""The installed console script, driven as a user would (subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    assert names == ["requests-to-httpx", "gather-awaits", "async-views-to-sync", "async-test-client"]
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
