"""What the names of one async function hold: the values assigned to them, which are responses of
rewritten calls (or may hold one), plain data, local Sessions and streamed responses (``_Locals``),
and what module constants tell about a name (``_Known``)."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, SameScope
from codemods.analysis.bindings import target_names
from codemods.analysis.unwrap import thread_wrapped
from codemods.knowledge import http
from codemods.knowledge.requests_api import ELEMENT_ATTRS
from codemods.problems import Problem
from codemods.rules.requests_to_httpx.arguments import _is_raw_body
from codemods.rules.requests_to_httpx.calls import _match, _Req, _streams
from codemods.rules.requests_to_httpx.exceptions import _RequestsHandlers
from codemods.rules.requests_to_httpx.flow import _Flow, _gathered_targets
from codemods.rules.requests_to_httpx.responses import _MessageParts
from codemods.rules.requests_to_httpx.sessions import _SessionFinder
from codemods.rules.requests_to_httpx.syntax import _strip_await


class _Locals:
    """What the names of one function hold, as far as visible: responses of requests calls, or
    plain data (``r.json()``, literals, items of those). Anything else is unknown."""

    def __init__(
        self, body: cst.BaseSuite, imports: ImportTable, shadowed: set[str], params: set[str] = frozenset()  # type: ignore[assignment]
    ) -> None:
        self.imports, self.shadowed = imports, shadowed
        self.params = set(params)  # the function's parameters
        # which bindings of a name each read may see (a name that holds a response on one path only)
        self.follow(body)
        self._following: set[int | str] = set()  # reads (names) being followed: a loop binds a name from itself
        collector = _AssignCollector()
        body.visit(collector)
        values = collector.values
        finder = _SessionFinder(imports, shadowed)
        body.visit(finder)
        # names bound once, to requests.Session() (checked further by _SessionCheck)
        self.sessions = {n for n in finder.names if len(values.get(n, [])) == 1}
        self.session_nodes = finder.nodes
        # set from _SessionCheck: AsyncClient arguments per Session, ids of the lines they came from
        self.session_settings: dict[str, list[cst.Arg]] = {}
        self.setup_lines: set[int] = set()
        self.assigned = set(values)  # names the function assigns (not parameters it leaves alone)
        self.values = values
        self.responses = {
            n
            for n, vs in values.items()
            if vs and all(isinstance(v, cst.Call) and self.makes_request(v) for v in vs)
        }
        # names bound once to a call with stream=True (checked further by _StreamCheck)
        self.streams = {
            n
            for n in self.responses
            if len(values[n]) == 1 and _streams(self.match(values[n][0]))  # type: ignore[arg-type]
        }
        self.data: set[str] = set()
        changed = True
        while changed:
            changed = False
            for n, vs in values.items():
                if n not in self.data and n not in self.responses and vs and all(self.is_data(v) for v in vs):
                    self.data.add(n)
                    changed = True
        parts = _MessageParts(imports, shadowed)
        body.visit(parts)
        parts.finish()
        self.message_parts = parts.parts  # expressions whose value only reaches a message's text
        # names that may hold a response of a rewritten call, or a container of some (flow-insensitive)
        self.tainted: set[str] = set()
        handlers = _RequestsHandlers(imports, shadowed)
        body.visit(handlers)
        self.handler_names = handlers.names  # ``except requests.HTTPError as e``: e.response
        self.tainted |= handlers.names
        changed = True
        while changed:
            changed = False
            for n, srcs in collector.sources.items():
                if n not in self.tainted and any(self.response_valued(v) for v in srcs):
                    self.tainted.add(n)
                    changed = True

    def follow(self, body: cst.BaseSuite) -> None:
        """Follow the reads of ``body``, a copy of the analysed one (the rewriter walks a copy of
        the tree: same structure, other nodes), so that it sees the analysis' answers."""
        self.flow = _Flow(self.params)
        body.visit(self.flow)

    def match(self, call: cst.Call) -> _Req | Problem | None:
        return _match(call, self.imports, self.shadowed, self.sessions)

    def makes_request(self, call: cst.Call) -> bool:
        """True if the value of ``call`` is the response of a requests call: one the codemod
        recognises (rewritable or not), or a thread-wrapped ``lambda: <that>`` called with no
        arguments. ``await sync_to_async(lambda: device.type.name)()`` gives what the lambda returns:
        not a response unless the lambda's body is one."""
        found = self.match(call)
        if found is None:
            return False
        if isinstance(found, _Req):
            return True
        wrapped = thread_wrapped(call, self.imports, self.shadowed)
        if wrapped is not None and isinstance(wrapped.target, cst.Lambda):
            body = _strip_await(wrapped.target.body)
            return (
                not wrapped.target.params.params
                and isinstance(body, cst.Call)
                and self.makes_request(body)
            )
        return True  # a requests call refused for its arguments or its wrapper: still a response

    def response_valued(self, expr: cst.BaseExpression) -> bool:
        """True if the value of ``expr`` may be a response of a rewritten call, or hold one."""
        local = self
        if isinstance(expr, cst.Name):
            reaching = self.flow.reaching(expr)
            if reaching is None or expr.value in self.handler_names:
                return expr.value in local.tainted
            if id(expr) in self._following:
                return False
            self._following.add(id(expr))
            try:
                return any(b.source is not None and self.response_valued(b.source) for b in reaching)
            finally:
                self._following.discard(id(expr))
        if isinstance(expr, cst.Await):
            return self.response_valued(expr.expression)
        if isinstance(expr, cst.Subscript):  # an item of a container of responses
            return not local.is_response(expr.value) and self.response_valued(expr.value)
        if isinstance(expr, cst.Attribute):
            return expr.attr.value in ELEMENT_ATTRS and self.response_valued(expr.value)
        if isinstance(expr, cst.Call):
            if local.makes_request(expr):
                return True
            func = expr.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in ("pop", "copy", "get")
                and isinstance(func.value, cst.Name)
            ):
                return func.value.value in local.tainted and func.value.value not in local.responses
            gather = local.imports.qualify(func, local.shadowed) == "asyncio.gather"
            return gather and any(self.response_valued(a.value) for a in expr.args)
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return any(self.response_valued(el.value) for el in expr.elements)
        if isinstance(expr, cst.Dict):
            return any(
                isinstance(el, cst.DictElement) and self.response_valued(el.value) for el in expr.elements
            )
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self.response_valued(expr.elt)
        if isinstance(expr, cst.DictComp):
            return self.response_valued(expr.value)
        if isinstance(expr, cst.IfExp):
            return self.response_valued(expr.body) or self.response_valued(expr.orelse)
        if isinstance(expr, cst.BooleanOperation):
            return self.response_valued(expr.left) or self.response_valued(expr.right)
        if isinstance(expr, cst.StarredElement):
            return self.response_valued(expr.value)
        if isinstance(expr, cst.NamedExpr):
            return self.response_valued(expr.value)
        return False

    def is_response(self, expr: cst.BaseExpression) -> bool:
        """True if ``expr`` is a response of a rewritten call: the call itself, or a name bound only
        to such calls."""
        expr = _strip_await(expr)
        if isinstance(expr, cst.Name):
            reaching = self.flow.reaching(expr)
            if reaching is None:
                return expr.value in self.responses
            return bool(reaching) and all(
                isinstance(b.value, cst.Call) and self.makes_request(b.value) for b in reaching
            )
        return isinstance(expr, cst.Call) and self.makes_request(expr)

    def may_be_response(self, expr: cst.BaseExpression) -> bool:
        """True if ``expr`` may itself be a response of a requests call (not only hold some): the
        call, a name bound to one on some path (to something else on others), an element of a
        container of responses (``rs[0]``, ``for r in rs``), either side of ``a if c else b``/``a or b``."""
        if self.is_response(expr):
            return True
        expr = _strip_await(expr)
        if isinstance(expr, cst.Call):
            return self.makes_request(expr) or self.response_valued(expr)  # also ``rs.pop()``
        if isinstance(expr, (cst.Subscript, cst.Attribute)):
            return self.response_valued(expr)
        if isinstance(expr, cst.IfExp):
            return self.may_be_response(expr.body) or self.may_be_response(expr.orelse)
        if isinstance(expr, cst.BooleanOperation):
            return self.may_be_response(expr.left) or self.may_be_response(expr.right)
        if isinstance(expr, cst.NamedExpr):
            return self.may_be_response(expr.value)
        if not isinstance(expr, cst.Name):
            return False
        reaching = self.flow.reaching(expr)
        key = id(expr) if reaching is not None else expr.value
        if key in self._following:
            return False  # (a loop, or ``a = b`` and ``b = a``)
        self._following.add(key)
        try:
            if reaching is None:
                # not followed: any binding of the name; one other than ``name = value`` (a loop's
                # target, ``with ... as name``) may be an element of what it comes from
                return any(
                    self.may_be_response(v) if v is not None else expr.value in self.tainted
                    for v in self.values.get(expr.value, ())
                )
            return any(
                self.may_be_response(b.value)
                if b.value is not None
                else b.source is not None and self.response_valued(b.source)
                for b in reaching
            )
        finally:
            self._following.discard(key)

    def raw_body(self, expr: cst.BaseExpression) -> bool:
        """Visibly str/bytes (a body httpx takes as ``content=``): see ``_is_raw_body``; also a view's
        ``request.body`` (bytes), or a local name only ever assigned such values."""
        if isinstance(expr, cst.Name) and expr.value not in self.params:
            values = self.values.get(expr.value)
            return bool(values) and all(v is not None and self._raw_value(v) for v in values)
        return self._raw_value(expr)

    def _raw_value(self, expr: cst.BaseExpression) -> bool:
        if (
            isinstance(expr, cst.Attribute)
            and expr.attr.value in http.REQUEST_BYTES_ATTRS
            and isinstance(expr.value, cst.Name)
            and expr.value.value == http.REQUEST_PARAMETER
            and expr.value.value in self.params
            and expr.value.value not in self.assigned
        ):
            return True
        return _is_raw_body(expr, self.imports, self.shadowed)

    def is_data(self, expr: cst.BaseExpression) -> bool:
        """True if ``expr`` is plain data: a literal, ``r.json()`` of a response, an item of data."""
        if isinstance(expr, (cst.Dict, cst.List, cst.SimpleString, cst.Integer, cst.Float)):
            return True
        if isinstance(expr, cst.Name):
            return expr.value in self.data
        if isinstance(expr, cst.Subscript):
            return self.is_data(expr.value)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            if expr.func.attr.value == "json":
                return self.is_response(expr.func.value)
            if expr.func.attr.value == "get":
                return self.is_data(expr.func.value)
        return False


class _Known:
    """What the function and module show about a name's value: module constants (``TIMEOUT = 10``)
    and the values a function assigns to its locals."""

    def __init__(self, constants: dict[str, cst.BaseExpression], local: _Locals) -> None:
        self.constants = constants
        self.local = local

    def values(self, expr: cst.BaseExpression) -> list[cst.BaseExpression | None] | None:
        if not isinstance(expr, cst.Name):
            return None
        if expr.value in self.local.params:
            return None  # its value comes from the caller
        if expr.value in self.local.values:
            return self.local.values[expr.value]
        if expr.value in self.local.shadowed:
            return None  # a parameter: unknown
        if expr.value in self.constants:
            return [self.constants[expr.value]]
        return None


class _AssignCollector(SameScope, cst.CSTVisitor):
    """name -> every value assigned to it by ``name = value``; other bindings give None."""

    def __init__(self) -> None:
        self.values: dict[str, list[cst.BaseExpression | None]] = {}
        # name -> every expression its value comes from (any binding), for the taint analysis
        self.sources: dict[str, list[cst.BaseExpression]] = {}

    def _source(self, target: cst.BaseExpression | None, value: cst.BaseExpression | None) -> None:
        if value is not None:
            for n in target_names(target):
                self.sources.setdefault(n, []).append(value)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = _strip_await(node.value)
        for t in node.targets:
            self._source(t.target, node.value)
            gathered = _gathered_targets(t.target, value)
            if gathered is not None:
                for name, item in gathered:
                    self.values.setdefault(name, []).append(item)
            elif isinstance(t.target, cst.Name):
                self.values.setdefault(t.target.value, []).append(_strip_await(node.value))
            else:
                for n in target_names(t.target):
                    self.values.setdefault(n, []).append(None)

    def _other(self, target: cst.BaseExpression | None) -> None:
        for n in target_names(target):
            self.values.setdefault(n, []).append(None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._other(node.target)
        self._source(node.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.values.setdefault(node.target.value, []).append(_strip_await(node.value))
        else:
            self._other(node.target)
        self._source(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._other(node.target)
        self._source(node.target, node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._other(node.asname.name)
            self._source(node.asname.name, node.item)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._other(node.target)
        self._source(node.target, node.value)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._other(node.target)
        self._source(node.target, node.iter)
