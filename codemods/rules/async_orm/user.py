"""User room: ``request.user`` in an async function: what may change it there, and whether the project's middleware sets ``auser``.

``request.user`` is a lazy object: its first read (of any attribute, or its truth) loads the
session's user with a sync query, which raises SynchronousOnlyOperation in async code. Every read
becomes ``await request.auser()`` (Django 5.0+). ``auser()`` caches the user it loads on the
request, so each read gives the same object, in any branch or loop: one twin per read keeps the
meaning and needs no new name. Two things stop it:

- the function changes ``request.user`` (assigns or deletes it, rebinds ``self.request``, calls
  ``login``/``logout`` or their a-forms, which set ``request.user`` but leave ``auser()``'s cache as
  it was): then ``request.user`` and ``auser()`` may be different users, and nothing is rewritten
  in that function;
- the file imports Django REST framework (or adrf): its ``request.user`` is what the
  authenticators (tokens ...) found, while ``auser()``, reached through the wrapped request, is the
  session's user: nothing is rewritten in the file;
- a file of the project assigns a request's user (``request.user = ...``: a middleware of its
  own, a test handing a RequestFactory request to the view): ``auser()`` does not give that user
  back (the middleware's lazy object, or nothing at all: a RequestFactory request has no
  ``auser``); the files are found from their text, by the project index;
- the project's settings are not known to put ``AuthenticationMiddleware`` in ``MIDDLEWARE`` (it
  is what sets ``request.auser``): nothing is rewritten in the file, and the reason is given.
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst

from codemods.analysis import ImportTable
from codemods.knowledge import orm
from codemods.project import test_setup
from codemods.rules.async_orm.kinds import Kinds

_WHERE_KINDS = {
    "no-settings": "no manage.py or pytest configuration names the settings module",
    "no-module": "settings module {where} not found",
    "unreadable": "{where} cannot be read",
    "star-import": "{where} star-imports {what}, which cannot be read",
    "not-literal": "{where} sets MIDDLEWARE to no literal list",
    "changed": "{where} changes MIDDLEWARE in a way not followed",
    "missing": "MIDDLEWARE in {where} lacks it",
    "unset": "the settings do not set MIDDLEWARE",
}


class _Changes(cst.CSTVisitor):
    """What in a function body may set ``request.user`` anew (the first found, as words)."""

    def __init__(self, kinds: Kinds, imports: ImportTable) -> None:
        self.kinds = kinds
        self.imports = imports
        self.found: str | None = None

    def _target(self, node: cst.BaseExpression | None, how: str) -> None:
        if node is None or self.found is not None:
            return
        for target in _targets(node):
            if self.kinds.is_request_user(target) or (
                isinstance(target, cst.Attribute) and self.kinds.is_request(target)
            ):
                self.found = f"{how} {cst.Module(body=[]).code_for_node(target)}"

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._target(t.target, "assigns")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, "assigns")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, "assigns")

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target, "deletes")

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, "assigns")

    def visit_AsName(self, node: cst.AsName) -> None:
        if isinstance(node.name, cst.BaseExpression):
            self._target(node.name, "assigns")

    def visit_Call(self, node: cst.Call) -> None:
        qual = self.imports.qualify(node.func, self.kinds.shadowed)
        if self.found is None and qual in orm.USER_CHANGING_FUNCTIONS:
            self.found = f"calls {qual.rpartition('.')[2]}()"


def _targets(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, (cst.Tuple, cst.List)):
        return [t for e in node.elements for t in _targets(e.value)]
    return [node]


def user_change(func: cst.FunctionDef, kinds: Kinds) -> str | None:
    """How ``func`` may change ``request.user`` (``"calls alogin()"``), or None."""
    visitor = _Changes(kinds, kinds.models.imports)
    func.body.visit(visitor)
    return visitor.found


_OTHER_REQUEST = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(" + "|".join(map(re.escape, orm.OTHER_REQUEST_PACKAGES)) + r")\b", re.MULTILINE
)


def users_kept(path: str, text: str, set_in: tuple[str, ...]) -> tuple[str, str] | None:
    """(kind, why) no ``request.user`` of the file at ``path`` (``text``) may become
    ``auser()``, or None: they may. ``set_in``: the project's files that assign a request's user."""
    other = _OTHER_REQUEST.search(text)
    if other is not None:
        return "other-request", f"the file imports {other.group(1)}, whose request.user is not auser()'s user"
    if set_in:
        where = Path(set_in[0]).name or "a file"
        more = f" (and {len(set_in) - 1} more)" if len(set_in) > 1 else ""
        return "user-set-elsewhere", f"{where}{more} assigns a request's user, which auser() would not give back"
    reason = test_setup.missing_from_list_setting(path, "MIDDLEWARE", orm.AUTH_MIDDLEWARE)
    if reason is None:
        return None
    why = _WHERE_KINDS[reason.kind].format(where=reason.where, what=reason.what)
    return "no-auth-middleware", f"auser() is set by AuthenticationMiddleware, not known to run ({why})"
