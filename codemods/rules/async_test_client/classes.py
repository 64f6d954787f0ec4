"""The walk of a test module: test methods of Django TestCase classes (pytest tests through its bases)."""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst

from codemods.analysis import has_skip_comment, last_name
from codemods.knowledge.testing import LOGIN, VERBS
from codemods.problems import Problem
from codemods.rules.async_test_client.common import code, left_alone
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.models import Kind
from codemods.rules.async_test_client.pytest_tests import PytestTests
from codemods.rules.async_test_client.scan import Scan
from codemods.rules.async_test_client.views import class_values


def _not_shared(shared: Problem) -> Problem:
    return Problem(shared.kind, shared.message + " (self.async_client would not share it)")


class Classes(PytestTests):
    """The transformer over one module: each class deriving from a Django test case class (or a
    project subclass, ``ctx.project.test_base_classes``) has its ``test*`` methods scanned and,
    where nothing refuses, rewritten (``leave_ClassDef``); pytest-django tests are
    ``PytestTests``'s. The parts: ``ModuleBase`` (module state, project facts),
    ``ClientSetup`` (setUp, mixins, bases), ``PytestTests``, and this class."""

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        if not any(last_name(b.value) in self.bases for b in original_node.bases):
            return updated_node
        if has_skip_comment(original_node) or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = []
        changed = False
        shared = self._shared_client_state(original_node)
        attrs: list[dict[str, Kind]] = []  # computed once, when a test needs them

        def self_attrs() -> dict[str, Kind]:
            if not attrs:
                attrs.append(self._self_attrs(original_node))
            return attrs[0]

        self.class_decorators = original_node.decorators
        self.class_values = class_values(original_node)
        for orig, new in zip(original_node.body.body, updated_node.body.body):
            if isinstance(orig, cst.FunctionDef):
                repl = self._method(orig, shared, self_attrs)
                changed = changed or repl is not orig
                body.append(repl)
            else:
                body.append(new)
        self.class_decorators = ()
        self.class_values = {}
        if not changed:
            return updated_node
        return updated_node.with_changes(body=updated_node.body.with_changes(body=body))

    def _method(
        self, fn: cst.FunctionDef, shared: Problem | None, self_attrs: Callable[[], dict[str, Kind]]
    ) -> cst.FunctionDef:
        if not fn.name.value.startswith("test") or fn.asynchronous is not None:
            return fn
        if has_skip_comment(fn) or not fn.params.params:
            return fn
        self_name = fn.params.params[0].name.value
        if shared and re.search(
            rf"\b{re.escape(self_name)}\.client\.(?:{'|'.join(sorted(VERBS | LOGIN.keys()))})\s*\(",
            cst.Module(body=[]).code_for_node(fn.body),
        ):
            # requests through self.client: refused whatever else the test does (cheap path)
            for problem in left_alone("not made async", [_not_shared(shared)]):
                self.ctx.refuse(fn, problem)
            return fn
        env = Env(self.models, self_name, self_attrs(), set())
        env.bind(fn.body, [p.name.value for p in fn.params.params])
        env.find_clients()
        env.find_sessions()
        scan = Scan(env, self.ctx.target_django)
        fn.body.visit(scan)
        if scan.client_calls == 0:
            return fn
        views = self._views(fn, scan)
        if views is not None and views[0]:
            self.ctx.note(fn, views[1])  # a test of a sync view: it keeps the sync client
            return fn
        if views is not None:
            # it cannot reach only known async views: that alone keeps it sync, whatever else it does
            for problem in left_alone("not made async", [views[1]]):
                self.ctx.refuse(fn, problem)
            return fn
        if scan.bare:
            scan.problems.append(Problem("client-bare", "the client is used other than through a supported call"))
        for d in fn.decorators:
            if not self._async_safe_decorator(d):
                scan.problems.insert(
                    0, Problem("decorator", f"decorator @{code(d.decorator)} is not known to support async tests")
                )
        if shared and scan.default_client:
            scan.problems.insert(0, _not_shared(shared))
        if scan.logins:
            login = self._login_problem()
            if login:
                scan.problems.append(login)
        self._async_class_check(scan)
        if scan.problems:
            for problem in left_alone("not made async", scan.problems):
                self.ctx.refuse(fn, problem)
            return fn
        new_body = self._rewritten(fn, env, scan)
        self.ctx.fixed(fn, "test now uses the async test client")
        return fn.with_changes(body=new_body, asynchronous=cst.Asynchronous())
