"""The analysis of one async function: its requests calls, whether each can be awaited where it
is and its arguments kept (``_Analyzer``), and every other use of requests in it (``_NameUseChecker``).
What it finds are ``Problem``s; none means the function is rewritten."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, dotted_name
from codemods.analysis.unwrap import partial_target, thread_wrapped
from codemods.knowledge.requests_api import CLIENT_KWARGS, METHODS, SESSION_CLASSES
from codemods.problems import Problem
from codemods.rules.requests_to_httpx.arguments import _call_problem, _stable
from codemods.rules.requests_to_httpx.exceptions import _HandlerChecks
from codemods.rules.requests_to_httpx.responses import _ResponseChecks
from codemods.rules.requests_to_httpx.sessions import _holder, _shared_session
from codemods.rules.requests_to_httpx.syntax import _strip_await
from codemods.rules.requests_to_httpx.unwrap import FORMS, _gather_calls
from codemods.rules.requests_to_httpx.values import _Known, _Locals

# Scopes where no await can go. List/set/dict comprehensions in an async def may await (they become
# async comprehensions, evaluated eagerly as before); a generator expression would become an async
# generator, which its consumer (sum(), "".join()...) cannot iterate.
_SCOPES = (cst.Lambda, cst.ClassDef, cst.GeneratorExp)


class _Analyzer(_HandlerChecks, _ResponseChecks, cst.CSTVisitor):
    """Finds requests calls in one async function and the reasons to refuse it.

    Here: the calls themselves (where they sit, whether awaited, their arguments, the client
    settings they share) and uses of ``requests`` other than calls. ``try`` statements are checked
    by ``_HandlerChecks``, attributes of responses by ``_ResponseChecks``."""

    def __init__(
        self, imports: ImportTable, shadowed: set[str], local: _Locals, shared: tuple[set[str], set[str]]
    ) -> None:
        self.imports = imports
        self.shadowed = shadowed
        self.local = local
        self.shared = shared
        self.constants: dict[str, cst.BaseExpression] = {}
        # client settings of the first call ({key: code}, their Args), all calls must agree
        self.client_settings: tuple[dict[str, str], list[cst.Arg]] | None = None
        self.needs_json = False
        self.streamed = False  # some call passes stream=
        self.calls = 0
        self.problems: list[tuple[cst.CSTNode, Problem]] = []
        self.sites: list[tuple[cst.CSTNode, str]] = []  # each requests call, how messages name it
        self.names: set[str] = set()
        self._nested = 0  # depth inside sync scopes where await is impossible
        self._call_funcs: set[int] = set()
        self._awaited: set[int] = set()
        # wrapped calls that are arguments of an awaited asyncio.gather -> their expected nesting
        self._gather_args: dict[int, int] = {}
        self._statement_rfs: set[int] = set()
        self.lambda_reasons: dict[int, str] = {}  # id of an awaited wrapper of a lambda kept -> why
        self._refused_lambdas: set[int] = set()  # lambdas given to a wrapper refused as a whole
        self._aliases: dict[str, str] | None = None  # local names given a shared Session
        self._lookups: set[int] = set()  # r.headers / r.cookies used as r.headers[k], .get(k), k in

    def _refuse(self, node: cst.CSTNode, kind: str, message: str) -> None:
        self.problems.append((node, Problem(kind, message)))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.asynchronous is not None:
            return False  # handled on its own
        self._nested += 1
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            self._nested -= 1

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _SCOPES):
            self._nested += 1
        if id(node) in self._refused_lambdas:
            return False  # its requests calls are named by the wrapper's refusal
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, _SCOPES):
            self._nested -= 1

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Import(self, node: cst.Import) -> bool:
        return False  # ``import requests`` inside the function: a binding, not a use

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Await(self, node: cst.Await) -> None:
        if isinstance(node.expression, cst.Call):
            self._awaited.add(id(node.expression))
            if self.imports.qualify(node.expression.func, self.shadowed) == "asyncio.gather":
                for call, in_generator in _gather_calls(node.expression):
                    self._gather_args[id(call)] = self._nested + in_generator

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
            self._mark_lookup(node.func.value)
        if id(node) in self.local.session_nodes:
            self._call_funcs.add(id(node.func))
            self.calls += 1
            return
        shared = self._shared_session(node)
        if shared is not None:
            self._refuse(
                node,
                "shared-session",
                f"{shared}: on a requests Session that outlives the function (needs a long-lived AsyncClient)",
            )
            return
        req = self.local.match(node)
        if req is None:  # not a requests call; ``sync_to_async(lambda: x.name)()`` neither
            return
        self.calls += 1
        if isinstance(req, Problem):
            message = req.message
            if req.kind == "wrapped-lambda" and id(node) in self.lambda_reasons:
                message = f"{message.partition(' of a lambda')[0]} of a lambda that {self.lambda_reasons[id(node)]}"
            self._refuse(node, req.kind, f"cannot map {message}")
            wrapped = thread_wrapped(node, self.imports, self.shadowed, FORMS)
            if req.kind == "wrapped-lambda" and wrapped is not None:
                self._refused_lambdas.add(id(wrapped.target))
            return
        what = f"{req.session}.{req.method}()" if req.session else f"requests.{req.method}()"
        self.sites.append((node, what if req.form == "call" else f"{req.form}({what[:-2]})"))
        self._call_funcs.update(id(r) for r in req.refs)
        self.streamed = self.streamed or any(
            a.keyword is not None and a.keyword.value == "stream" for a in req.args
        )
        gathered = req.form != "call" and self._gather_args.get(id(node)) == self._nested
        if self._nested and not gathered:
            self._refuse(
                node, "nested-sync-scope", "requests call in a nested sync scope (cannot be awaited there)"
            )
            return
        if req.form != "call" and id(node) not in self._awaited and not gathered:
            self._refuse(
                node, "not-awaited", f"{req.form}(requests.{req.method}) is not awaited where it is made"
            )
            return
        problem = _call_problem(req, _Known(self.constants, self.local))
        if problem:
            where = "" if req.form == "call" else f" (through {req.form})"
            self._refuse(node, problem.kind, f"requests.{req.method}(){where} {problem.message}")
            return
        if req.session is None:
            settings = {
                a.keyword.value: cst.Module(body=[]).code_for_node(a.value)
                for a in req.args
                if a.keyword is not None and a.keyword.value in CLIENT_KWARGS
            }
            for a in req.args:
                if a.keyword is not None and a.keyword.value in CLIENT_KWARGS and not self._stable(a.value):
                    why = "moved to the client, it would be evaluated earlier"
                    self._refuse(
                        node,
                        "client-setting-computed",
                        f"passes {a.keyword.value}= computed in the function ({why})",
                    )
            if self.client_settings is None:
                self.client_settings = (
                    settings,
                    [a for a in req.args if a.keyword and a.keyword.value in settings],
                )
            elif self.client_settings[0] != settings:
                why = "httpx sets them once per client"
                self._refuse(
                    node,
                    "client-settings-disagree",
                    f"calls in this function disagree on {'/'.join(CLIENT_KWARGS)} ({why})",
                )

    def _shared_session(self, node: cst.Call) -> str | None:
        """How messages name the Session kept at module/class level that ``node`` calls a method of
        (bare or thread-wrapped, through a local name given it), else None."""
        if self._aliases is None:
            self._aliases = {}
            for name, values in self.local.values.items():
                for v in values:
                    held = v is not None and _holder(_strip_await(v), self.shared, self.shadowed)
                    if held:
                        self._aliases[name] = held
        func: cst.BaseExpression = node.func
        wrapped = thread_wrapped(node, self.imports, self.shadowed, FORMS)
        if wrapped is not None:
            func = wrapped.target
            partial = partial_target(func, self.imports, self.shadowed)
            if partial is not None:
                func = partial[0]
        return _shared_session(func, self.shared, self.shadowed, self._aliases)

    def visit_Assign(self, node: cst.Assign) -> None:
        # ``self.sessions[k] = requests.Session()``: making the Session blocks nothing; its calls
        # are reported where they are made (``_shared_session``)
        if (
            isinstance(node.value, cst.Call)
            and not node.value.args
            and self.imports.qualify(node.value.func, self.shadowed) in SESSION_CLASSES
            and all(isinstance(t.target, (cst.Attribute, cst.Subscript)) for t in node.targets)
        ):
            self._call_funcs.add(id(node.value.func))

    def reported(self) -> list[tuple[cst.CSTNode, Problem]]:
        """The problems to report when the function is refused: its own (less those about a lambda
        whose wrapper is refused already: one line for it), and one at each of its requests calls
        that has none, so every blocking call left behind is named at its line."""
        problems = [(n, p) for n, p in self.problems if id(n) not in self._refused_lambdas]
        own = {id(n) for n, _ in problems}
        why = "stays blocking: this function is not rewritten (see its other diagnostics)"
        blocked = [(n, Problem("function-refused", f"{what} {why}")) for n, what in self.sites if id(n) not in own]
        return [*problems, *blocked]

    def _stable(self, expr: cst.BaseExpression) -> bool:
        return _stable(expr, self.local.assigned)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._check_response_attribute(node)
        return self._check_requests_use(node)

    def _check_requests_use(self, node: cst.BaseExpression) -> bool:
        if id(node) in self._call_funcs:
            return False
        q = self.imports.qualify(node, self.shadowed)
        if q is not None and (q == "requests" or q.startswith("requests.")):
            if q.rpartition(".")[2] in METHODS:
                self._refuse(
                    node, "function-value", f"uses {q} other than as a direct call (as a function value)"
                )
            else:
                # the Session class made other than as ``requests.Session()`` (with arguments, passed on...)
                kind = "session-value" if q.startswith("requests.Session") else "requests-value"
                self._refuse(node, kind, f"uses {q} other than as a direct call")
            return False
        return True


class _NameUseChecker(cst.CSTVisitor):
    """Flags a bare Name (not under an Attribute we already checked) resolving to requests."""

    def __init__(self, analyzer: _Analyzer) -> None:
        self.a = analyzer

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        # dotted names are checked as a whole by the analyzer
        return dotted_name(node) is None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node.asynchronous is None  # a nested async def is handled on its own

    def visit_Call(self, node: cst.Call) -> bool:
        if id(node.func) in self.a._call_funcs:
            for arg in node.args:
                arg.visit(self)
            return False
        return True

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.a._check_requests_use(node)
