"""Project layout: what a test module, a test class and a test function are, and which files mark a project's root.

The test-module rule is given as a pure function of the path's parts; making the path relative
(to the working folder, say) is the caller's business.
"""

from __future__ import annotations

import re

# Files whose presence marks a project root: packaging files and Django's manage.py (where the
# project's modules are imported from) ...
PACKAGE_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")
# ... and the test runners' configuration files, which sit at the root too.
TEST_CONFIG_FILES = ("pytest.ini", "tox.ini")
ROOT_MARKERS = PACKAGE_ROOT_MARKERS + TEST_CONFIG_FILES
# The folders that hold tests.
TEST_FOLDERS = ("tests", "test")
# Test module names as pytest and Django's runner find them: test_*.py, *_test.py, *_tests.py,
# tests.py, and the test.py some projects use.
TEST_FILE = re.compile(r"^(test_.*|.*_tests?|tests?)\.py$")


def is_test_module(parts: list[str] | tuple[str, ...], *, conftest: bool = True, test_py: bool = True) -> bool:
    """Whether the path of ``parts`` (folders..., file name) is a test module: its name matches
    ``TEST_FILE`` or it lies below a ``tests``/``test`` folder. ``conftest``: ``conftest.py`` (pytest
    fixtures, loaded by the test run only) counts; ``test_py``: a module named ``test.py`` counts."""
    if not parts:
        return False
    name = parts[-1]
    if any(p in TEST_FOLDERS for p in parts[:-1]):
        return True
    if name == "conftest.py":
        return conftest
    if name == "test.py":
        return test_py
    return TEST_FILE.match(name) is not None


# Test classes, by name (in a test module) or base (anywhere): ``TestCart``, ``CartTests``,
# ``CartTestCase`` (the unittest/pytest naming conventions).
TEST_CLASS = re.compile(r"^Test|Tests?$|TestCase$")


def is_test_class(name: str, base_names: list[str], test_module: bool) -> bool:
    """A test class: named like one in a test module, or with a ``...TestCase`` base anywhere
    (``base_names``: the last name of each base, "" when it has none)."""
    if test_module and TEST_CLASS.search(name):
        return True
    return any(b.endswith("TestCase") for b in base_names)


def is_test_function(name: str, test_module: bool) -> bool:
    """A test function or method: ``test*`` in a test module (in a test class, any module)."""
    return test_module and name.startswith("test")

