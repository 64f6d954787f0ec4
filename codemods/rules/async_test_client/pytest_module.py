"""What a pytest module declares (marks, parametrize, fixtures) and the marks a converted test gets."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import libcst as cst

from codemods.analysis import ImportTable
from codemods.knowledge.testing import PLAIN_FIXTURES
from codemods.problems import Problem
from codemods.rules.async_test_client.common import code, is_true
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.models import Kind, Models


@dataclasses.dataclass(frozen=True)
class Mark:
    """One pytest mark on a test, its class or its module."""

    name: str  # qualified, e.g. pytest.mark.django_db
    expr: cst.BaseExpression
    decorator: cst.Decorator | None = None


def parametrized(marks: list[Mark]) -> set[str]:
    """Argument names that ``pytest.mark.parametrize`` fills with plain values (not ``indirect``)."""
    out: set[str] = set()
    for m in marks:
        if m.name != "pytest.mark.parametrize" or not isinstance(m.expr, cst.Call) or not m.expr.args:
            continue
        if any(a.keyword is not None and a.keyword.value == "indirect" for a in m.expr.args):
            continue
        first = m.expr.args[0].value
        items = [e.value for e in first.elements] if isinstance(first, (cst.List, cst.Tuple)) else [first]
        for item in items:
            if isinstance(item, cst.SimpleString) and isinstance(item.evaluated_value, str):
                out.update(n.strip() for n in item.evaluated_value.split(",") if n.strip())
    return out


def _mark_of(expr: cst.BaseExpression, imports: ImportTable) -> str | None:
    target = expr.func if isinstance(expr, cst.Call) else expr
    qual = imports.qualify(target)
    return qual if qual is not None and qual.startswith("pytest.mark.") else None


def decorator_marks(decorators: Sequence[cst.Decorator], imports: ImportTable) -> list[Mark]:
    """The decorators that are pytest marks."""
    out = []
    for d in decorators:
        name = _mark_of(d.decorator, imports)
        if name is not None:
            out.append(Mark(name, d.decorator, d))
    return out


def pytestmark(body: Sequence[cst.CSTNode], imports: ImportTable) -> list[Mark]:
    """The marks a ``pytestmark = ...`` statement of a module or class body gives; an opaque
    value reads as a plain ``django_db`` mark (it may hold one)."""
    out: list[Mark] = []
    for st in body:
        if not isinstance(st, cst.SimpleStatementLine):
            continue
        for small in st.body:
            if not (
                isinstance(small, cst.Assign)
                and any(isinstance(t.target, cst.Name) and t.target.value == "pytestmark" for t in small.targets)
            ):
                continue
            value = small.value
            items = [e.value for e in value.elements] if isinstance(value, (cst.List, cst.Tuple)) else [value]
            for item in items:
                name = _mark_of(item, imports)
                if name is not None:
                    out.append(Mark(name, item))
                else:  # opaque: it may hold a plain django_db mark
                    out.append(Mark("pytest.mark.django_db", cst.Name("pytestmark")))
    return out


def module_fixtures(module: cst.Module, imports: ImportTable, models: Models) -> dict[str, Kind]:
    """Fixtures of this module that return one model's instance (``return Model.objects.create()``)."""
    out: dict[str, Kind] = {}
    for st in module.body:
        if not isinstance(st, cst.FunctionDef) or not any(
            (imports.qualify(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or "")
            == "pytest.fixture"
            for d in st.decorators
        ):
            continue
        body = st.body.body if isinstance(st.body, cst.IndentedBlock) else ()
        last = body[-1] if body else None
        if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[0], cst.Return)):
            continue
        value = last.body[0].value
        if value is None or "yield" in cst.Module(body=[]).code_for_node(st):
            continue
        env = Env(models, None, {}, set())
        env.bind(st.body, [p.name.value for p in st.params.params])
        k = env.kind(value)
        if k is not None and k[0] == "inst":
            out[st.name.value] = k
    return out


def _true_arg(name: str) -> cst.Arg:
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        keyword=cst.Name(name),
        value=cst.Name("True"),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def with_transaction(expr: cst.BaseExpression, extra: tuple[str, ...] = ()) -> cst.BaseExpression | None:
    """``mark`` / ``mark(...)`` with ``transaction=True`` and each keyword of ``extra`` set to True
    (``serialized_rollback``: the project's data migrations create rows the flush would remove;
    ``reset_sequences``: on SQLite the rollback reset the primary keys, a flush does not); the same
    node if it already has ``transaction=True`` (the test flushed before: nothing changes); None
    if the arguments are not plain keywords."""
    if isinstance(expr, cst.Name):
        return None  # an opaque pytestmark
    wanted = ["transaction", *extra]
    if not isinstance(expr, cst.Call):
        return cst.Call(func=expr, args=[_true_arg(k) for k in wanted])
    args = list(expr.args)
    for a in args:
        if a.star or a.keyword is None:
            return None
        if a.keyword.value == "transaction" and is_true(a.value):
            return expr
    for i, a in enumerate(args):
        assert a.keyword is not None
        if a.keyword.value in wanted:
            args[i] = a.with_changes(value=cst.Name("True"))
            wanted.remove(a.keyword.value)
    if wanted and args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    for k in wanted:
        args.append(_true_arg(k).with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    if wanted:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return expr.with_changes(args=args)


def portable(expr: cst.BaseExpression) -> bool:
    """A class/module mark whose text means the same inside a test function (literal arguments)."""
    if not isinstance(expr, cst.Call):
        return True
    return all(
        isinstance(a.value, (cst.Name, cst.SimpleString, cst.Integer, cst.List, cst.Tuple, cst.Set))
        and (not isinstance(a.value, cst.Name) or a.value.value in ("True", "False", "None"))
        for a in expr.args
    )


def async_marks(
    fn: cst.FunctionDef,
    marker: str,
    fn_marks: list[Mark],
    outer: list[Mark],
    module_marks: list[Mark],
    fixtures: list[str],
    extra: tuple[str, ...] = (),
) -> tuple[list[cst.Decorator], Problem | None, bool]:
    """The test's decorators with the async marker (``marker``: option async-marker) and
    ``django_db(transaction=True)``: the two together, right after the test's existing pytest
    marks (at the top without any), the marker directly above an existing ``django_db`` mark.
    Also why not (a Problem) and whether the result needs ``import pytest``."""
    decorators = list(fn.decorators)
    pending_import = False
    all_marks = [*fn_marks, *outer, *module_marks]
    added: list[cst.Decorator] = []
    if marker and marker.lower() != "none":
        try:
            marker_expr = cst.parse_expression(marker)
        except (cst.ParserSyntaxError, ValueError):
            return decorators, Problem("async-marker", f"async-marker {marker!r} is not an expression"), False
        if not any(m.name == marker for m in all_marks):
            added.append(cst.Decorator(decorator=marker_expr))
            if marker.split(".")[0] == "pytest":
                pending_import = True
    mark_at = [i for i, d in enumerate(decorators) if any(m.decorator is d for m in fn_marks)]
    after_marks = mark_at[-1] + 1 if mark_at else 0

    def place(at: int) -> list[cst.Decorator]:
        return [*decorators[:at], *added, *decorators[at:]]

    if "transactional_db" in fixtures or "live_server" in fixtures:
        return place(after_marks), None, pending_import
    own = next((m for m in fn_marks if m.name == "pytest.mark.django_db"), None)
    outer_db = next(
        (m for m in [*outer, *module_marks] if m.name == "pytest.mark.django_db"), None
    )
    touches_db = own is not None or outer_db is not None or any(
        f not in PLAIN_FIXTURES or f in ("db", "django_user_model") for f in fixtures if f != "client"
    )
    if not touches_db:
        return place(after_marks), None, pending_import
    if own is not None:
        new = with_transaction(own.expr, extra)
        if new is None:
            return decorators, Problem("django-db-mark", f"cannot add transaction=True to @{code(own.expr)}"), False
        i = decorators.index(own.decorator)
        if new is not own.expr:
            decorators[i] = own.decorator.with_changes(decorator=new)
        return place(i), None, pending_import
    if outer_db is not None:
        new = with_transaction(outer_db.expr, extra)
        if new is None or (new is not outer_db.expr and not portable(outer_db.expr)):
            return decorators, Problem(
                "django-db-mark",
                f"the class/module mark {code(outer_db.expr)} would need transaction=True "
                "(async tests under plain django_db leak their writes)",
            ), False
        if new is not outer_db.expr:
            added.append(cst.Decorator(decorator=new))
        return place(after_marks), None, pending_import
    keywords = "".join(f", {k}=True" for k in extra)
    added.append(cst.Decorator(decorator=cst.parse_expression(f"pytest.mark.django_db(transaction=True{keywords})")))
    return place(after_marks), None, True
