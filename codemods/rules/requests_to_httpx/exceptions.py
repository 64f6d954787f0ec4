"""requests exceptions and their handlers: which ``except`` clauses guard rewritten calls, whether
they can catch httpx's exceptions instead (``_HandlerChecks``, for the analysis), and the new
exception types (``_HandlerRewrites``, for the rewrite)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from codemods.analysis import ImportTable, SameScope, dotted_name
from codemods.knowledge import effects
from codemods.knowledge.requests_api import EXCEPTIONS, JSON_ERROR, OS_ERRORS, RESPONSE_METHODS
from codemods.knowledge.runtime import PARTIAL
from codemods.problems import Problem

if TYPE_CHECKING:
    from codemods.rules.requests_to_httpx.values import _Locals

# Builtins whose calls in a ``try`` body cannot raise requests' exceptions: the shared harmless
# builtins less those this codemod never trusted (trusting them now would rewrite handlers it
# refused; ``next``/``iter``/``reversed`` run an iterator's code, which may call requests).
_UNTRUSTED_BUILTINS = frozenset(
    {"frozenset", "reversed", "type", "bytes", "iter", "next", "divmod", "chr", "ord", "format", "hex"}
)
_BUILTINS_SAFE = effects.SAFE_BUILTINS - _UNTRUSTED_BUILTINS
# Modules (by the first part of the qualified name) whose calls cannot raise requests' exceptions:
# the shared pure modules that are top-level names (a dotted one never equals a first part), less
# those this codemod never trusted (``http`` would also take in ``http.client``, which does I/O), plus
# ``logging``, ``asyncio``, ``time``, ``random`` and ``concurrent`` (the executors' constructors,
# ``wait``, ``as_completed``: a future's exception comes out of ``.result()``, a method call): not
# pure, but none of them calls requests. (A call they are given is a call of its own, looked at too.)
_UNTRUSTED_MODULES = frozenset(
    {"http", "base64", "string", "textwrap", "collections", "itertools", "operator", "io", "pathlib"}
)
_ALSO_SAFE_MODULES = frozenset({"logging", "asyncio", "time", "random", "concurrent"})
_TOP_LEVEL_PURE = {m for m in effects.PURE_STDLIB_MODULES if "." not in m}
_SAFE_MODULES = _TOP_LEVEL_PURE - _UNTRUSTED_MODULES | _ALSO_SAFE_MODULES
_LOGGERS = effects.LOGGER_NAMES
# Methods of plain data (dicts, lists, str) that run no code of the codemod's concern.
_DATA_METHODS = {
    "get", "items", "keys", "values", "append", "extend", "format", "strip", "split", "lower", "upper",
    "encode", "decode", "startswith", "endswith", "join", "update", "pop", "setdefault", "copy", "replace",
}  # fmt: skip


def _exception_name(expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]) -> str | None:
    """``Timeout`` for ``requests.Timeout``/``requests.exceptions.Timeout``/an imported alias."""
    q = imports.qualify(expr, shadowed)
    if q is None or not q.startswith("requests."):
        return None
    rest = q[len("requests.") :].removeprefix("exceptions.")
    return rest if "." not in rest else None


def _handler_types(handler: cst.ExceptHandler) -> list[cst.BaseExpression]:
    if handler.type is None:
        return []
    if isinstance(handler.type, cst.Tuple):
        return [el.value for el in handler.type.elements]
    return [handler.type]


class _RequestsHandlers(SameScope, cst.CSTVisitor):
    """Names bound by ``except <requests exception> as e``."""

    def __init__(self, imports: ImportTable, shadowed: set[str]) -> None:
        self.imports, self.shadowed = imports, shadowed
        self.names: set[str] = set()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if (
            node.name is not None
            and isinstance(node.name.name, cst.Name)
            and any(_exception_name(t, self.imports, self.shadowed) for t in _handler_types(node))
        ):
            self.names.add(node.name.name.value)


def _call_is_safe(local: _Locals, call: cst.Call) -> bool:
    """True if ``call`` cannot raise a requests exception (it runs no code that may use requests)."""
    func = call.func
    if isinstance(func, cst.Name) and func.value in _BUILTINS_SAFE and func.value not in local.shadowed:
        return func.value not in local.imports.names
    q = local.imports.qualify(func, local.shadowed)
    if q is not None and q.split(".")[0] in _SAFE_MODULES:
        return True
    if isinstance(func, cst.Attribute):
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value in _LOGGERS:
            return True
        if func.attr.value in RESPONSE_METHODS and local.is_response(receiver):
            return True
        if func.attr.value in _DATA_METHODS and (
            local.is_data(receiver) or isinstance(receiver, (cst.SimpleString, cst.FormattedString))
        ):
            return True
    return False


class _Guarded(SameScope, cst.CSTVisitor):
    """The calls a ``try`` body makes (the ones its handlers guard)."""

    def __init__(self, local: _Locals) -> None:
        self.local = local
        self.requests_calls = 0  # calls that raise other exceptions once rewritten
        self.network_calls = 0  # ... of which not r.json() (that raises a ValueError with both)
        self.json_calls = False  # r.json(): raises requests' JSONDecodeError, a RequestException
        self.json_loads = False  # json.loads/load: raises json.JSONDecodeError with both clients
        self.unknown: list[cst.Call] = []
        # The wrapper calls of a requests call being rewritten (``sync_to_async(requests.get)``,
        # ``functools.partial(requests.post, url)`` given to ``to_thread``): part of that call,
        # not other calls of the try body. Their arguments are still looked at.
        self._wrappers: set[int] = set()

    def _mark_wrappers(self, node: cst.Call) -> None:
        local = self.local
        func: cst.BaseExpression = node.func
        while isinstance(func, cst.Call):
            self._wrappers.add(id(func))
            func = func.func
        for arg in node.args[:2]:  # to_thread(f, ...), run_in_executor(executor, f, ...)
            value = arg.value
            if isinstance(value, cst.Call) and local.imports.qualify(value.func, local.shadowed) == PARTIAL:
                self._wrappers.add(id(value))
        inner = node.func
        if isinstance(inner, cst.Call) and inner.args:  # sync_to_async(functools.partial(...))
            value = inner.args[0].value
            if isinstance(value, cst.Call) and local.imports.qualify(value.func, local.shadowed) == PARTIAL:
                self._wrappers.add(id(value))

    def visit_Call(self, node: cst.Call) -> None:
        local = self.local
        if id(node) in self._wrappers:
            return
        if local.match(node) is not None:
            self.requests_calls += 1
            self.network_calls += 1
            self._mark_wrappers(node)
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "json":
            self.json_calls = True
        if (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("json", "raise_for_status")
            and local.is_response(node.func.value)
        ):
            self.requests_calls += 1  # raises httpx's exceptions (or json's) once rewritten
            self.network_calls += node.func.attr.value != "json"
            return
        if local.imports.qualify(node.func, local.shadowed) in ("json.loads", "json.load"):
            self.json_loads = True
        if not _call_is_safe(local, node):
            self.unknown.append(node)


def _guarded(try_node: cst.Try, local: _Locals) -> _Guarded:
    g = _Guarded(local)
    try_node.body.visit(g)
    return g


def _handler_problem(
    handler: cst.ExceptHandler, names: list[str], guarded: _Guarded, imports: ImportTable
) -> Problem | None:
    """Why this handler's requests exceptions cannot become httpx ones, or None."""
    for name in names:
        if name not in EXCEPTIONS:
            return Problem(
                "exception-no-equivalent", f"catches requests' {name}, which has no exact httpx equivalent"
            )
    if guarded.unknown:
        callee = dotted_name(guarded.unknown[0].func) or "a call"
        return Problem(
            "handler-unknown-call",
            f"its try body also calls {callee}(), which may raise requests exceptions that an httpx "
            "handler would not catch",
        )
    json_error = "JSONDecodeError" in names or ("RequestException" in names and guarded.json_calls)
    if json_error:
        if guarded.json_loads:
            return Problem(
                "handler-json-loads",
                "its try body also decodes JSON with the json module (caught only after the rewrite)",
            )
        if imports.names.get("json", "json") != "json":
            return Problem("json-name-taken", "needs json.JSONDecodeError but the name json is taken")
    if handler.name is not None:
        as_name = handler.name.name
        if not isinstance(as_name, cst.Name):
            return Problem("handler-non-name", "binds the exception to a non-name target")
        uses = _ExceptionUses(as_name.value, guarded.local.message_parts)
        handler.body.visit(uses)
        if uses.bad is not None:
            return uses.bad
        if uses.response and set(names) != {"HTTPError"}:
            return Problem(
                "exception-response",
                f"reads {as_name.value}.response, which only httpx's HTTPStatusError has",
            )
    return None


class _ExceptionUses(SameScope, cst.CSTVisitor):
    """How a handler uses its exception: ``e.response``, logging it and formatting it into a message
    (a log/print/warnings.warn line, a builtin exception's message: ``logger.error(f"... {e}")``)
    are fine, as for ``.text``: the text differs only in messages; ``str(e)`` kept as data, a type
    check or anything else would see a different type or message."""

    def __init__(self, name: str, message_parts: set[int]) -> None:
        self.name = name
        self.response = False
        self.bad: Problem | None = None
        self._ok: set[int] = set(message_parts)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if (
            isinstance(node.value, cst.Name)
            and node.value.value == self.name
            and node.attr.value == "response"
        ):
            self.response = True
            self._ok.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in _LOGGERS
        ):
            for a in node.args:
                if isinstance(a.value, cst.Name) and a.value.value == self.name:
                    self._ok.add(id(a.value))

    def visit_Raise(self, node: cst.Raise) -> None:
        if node.cause is not None and isinstance(node.cause.item, cst.Name):
            self._ok.add(id(node.cause.item))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self._ok and self.bad is None:
            self.bad = Problem(
                "exception-used",
                f"uses the caught exception {self.name} (httpx's has another type and message)",
            )


def _httpx_types(names: list[str], module: str, json_error: bool) -> list[str]:
    out: list[str] = []
    for name in names:
        out.extend(f"{module}.{n}" for n in EXCEPTIONS[name])
    if json_error:
        out.append(JSON_ERROR)
    return list(dict.fromkeys(out))


def _type_expr(dotted: str) -> cst.BaseExpression:
    return cst.parse_expression(dotted)


class _HandlerChecks:
    """``_Analyzer``'s part for ``try`` statements: handlers of requests exceptions that guard
    rewritten calls must have an exact httpx equivalent (else refused), and handlers of builtin
    exceptions that requests' derive from must not be left catching nothing."""

    imports: ImportTable
    shadowed: set[str]
    local: _Locals
    problems: list[tuple[cst.CSTNode, Problem]]
    needs_json: bool
    _call_funcs: set[int]

    def _builtin_caught(self, handler: cst.ExceptHandler) -> list[str]:
        """Builtin exception names a handler catches (not names imported from requests)."""
        out = []
        for expr in _handler_types(handler):
            if isinstance(expr, cst.Name) and self.imports.qualify(expr, self.shadowed) is None:
                out.append(expr.value)
        return out

    def _check_os_errors(self, node: cst.Try, guarded: _Guarded) -> None:
        # requests' exceptions are OSErrors (some ValueErrors); httpx's are not: a handler for those
        # stops catching network errors, unless a handler before it (or itself) catches them all.
        covered = False
        for handler in node.handlers:
            builtins = self._builtin_caught(handler)
            requests_names = [n for n in map(self._exception, _handler_types(handler)) if n]
            if (
                handler.type is None
                or {"Exception", "BaseException"} & set(builtins)
                or "RequestException" in requests_names
            ):
                covered = True
            if covered:
                continue
            for name in builtins:
                if name in OS_ERRORS:
                    self.problems.append(
                        (
                            handler,
                            Problem(
                                "os-error-handler",
                                f"catches {name}, which covers requests' exceptions but not httpx's",
                            ),
                        )
                    )

    def _exception(self, expr: cst.BaseExpression) -> str | None:
        return _exception_name(expr, self.imports, self.shadowed)

    def visit_Try(self, node: cst.Try) -> None:
        guarded: _Guarded | None = None
        if any(set(self._builtin_caught(h)) & OS_ERRORS for h in node.handlers):
            guarded = _guarded(node, self.local)
            if guarded.network_calls:
                self._check_os_errors(node, guarded)
        for handler in node.handlers:
            types = _handler_types(handler)
            found = [(t, _exception_name(t, self.imports, self.shadowed)) for t in types]
            names = [n for _, n in found if n is not None]
            if not names:
                continue
            self._call_funcs.update(id(t) for t, n in found if n is not None)
            if guarded is None:
                guarded = _guarded(node, self.local)
            if guarded.requests_calls == 0:
                continue  # guards no call of this function's that is rewritten: left as it is
            problem = _handler_problem(handler, names, guarded, self.imports)
            if problem:
                self.problems.append((handler, Problem(problem.kind, f"except clause {problem.message}")))
            elif "JSONDecodeError" in names or ("RequestException" in names and guarded.json_calls):
                self.needs_json = True


class _HandlerRewrites:
    """``_Rewriter``'s part for ``try`` statements whose body makes rewritten calls: each requests
    exception a handler names becomes the httpx exceptions raised in the same situations (with
    ``json.JSONDecodeError`` where ``r.json()`` may raise requests' JSONDecodeError)."""

    imports: ImportTable
    shadowed: set[str]
    local: _Locals
    module_name: str

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        guarded = _guarded(original_node, self.local)
        if guarded.requests_calls == 0:
            return updated_node
        handlers = []
        for handler in updated_node.handlers:
            types = _handler_types(handler)
            names = [_exception_name(t, self.imports, self.shadowed) for t in types]
            if not any(names):
                handlers.append(handler)
                continue
            json_error = "JSONDecodeError" in names or ("RequestException" in names and guarded.json_calls)
            new: list[str] = []
            for t, n in zip(types, names):
                if n is None:
                    new.append(cst.Module(body=[]).code_for_node(t))
                else:
                    new.extend(_httpx_types([n], self.module_name, False))
            if json_error:
                new.append(JSON_ERROR)
            new = list(dict.fromkeys(new))
            assert handler.type is not None
            if len(new) == 1 and not isinstance(handler.type, cst.Tuple):
                new_type = _type_expr(new[0])
            else:
                new_type = cst.Tuple(
                    elements=[
                        cst.Element(
                            _type_expr(d),
                            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                            if i < len(new) - 1
                            else cst.MaybeSentinel.DEFAULT,
                        )
                        for i, d in enumerate(new)
                    ]
                )
            handlers.append(handler.with_changes(type=new_type))
        return updated_node.with_changes(handlers=handlers)
