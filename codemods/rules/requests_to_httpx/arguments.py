"""Call arguments: which of requests' arguments keep their meaning in httpx (``_call_problem``), and
how they are written for httpx's client methods (``_httpx_call``)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import libcst as cst

from codemods.analysis import ImportTable, dotted_name
from codemods.knowledge.requests_api import CLIENT_KWARGS, POSITIONAL, SAFE_KWARGS, SESSION_KEYWORD_ONLY
from codemods.problems import Problem
from codemods.rules.requests_to_httpx.syntax import _TIGHT_EQUAL, _code, _kwarg

if TYPE_CHECKING:
    from codemods.rules.requests_to_httpx.calls import _Req
    from codemods.rules.requests_to_httpx.values import _Known

# The leading parameters of requests' functions, which may be passed by keyword.
_LEADING = ("method", "url")
_LISTISH = (cst.List, cst.Tuple, cst.ListComp, cst.GeneratorExp, cst.Set, cst.SetComp)


# ----------------------------------------------------------------------------- values
def _is_raw_body(expr: cst.BaseExpression, imports: ImportTable, shadowed: set[str]) -> bool:
    """Visibly a str/bytes body: a string literal, ``x.encode()`` or ``json.dumps(...)``."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if not isinstance(expr, cst.Call):
        return False
    if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "encode":
        return True
    return imports.qualify(expr.func, shadowed) == "json.dumps"


def _is_constant(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None")
    if isinstance(expr, (cst.Tuple, cst.List)):
        return all(_is_constant(el.value) for el in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(el, cst.DictElement) and _is_constant(el.key) and _is_constant(el.value)
            for el in expr.elements
        )
    return False


def _proxy_value(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The single proxy of ``{"http": P, "https": P}`` (same P for both schemes), else None."""
    if not isinstance(expr, cst.Dict) or len(expr.elements) != 2:
        return None
    keys, values = set(), set()
    value: cst.BaseExpression | None = None
    for el in expr.elements:
        if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
            return None
        keys.add(el.key.evaluated_value)
        values.add(cst.Module(body=[]).code_for_node(el.value))
        value = el.value
    return value if keys == {"http", "https"} and len(values) == 1 else None


def _stable(expr: cst.BaseExpression, assigned: Collection[str]) -> bool:
    """Same value when evaluated where the client is opened: constants and names the function
    does not assign (module names, parameters it never rebinds)."""
    if _is_constant(expr):
        return True
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(el, cst.DictElement) and _stable(el.key, assigned) and _stable(el.value, assigned)
            for el in expr.elements
        )
    if isinstance(expr, (cst.Tuple, cst.List)):
        return all(_stable(el.value, assigned) for el in expr.elements)
    name = dotted_name(expr)
    return name is not None and name.split(".")[0] not in assigned


def _is_number(expr: cst.BaseExpression) -> bool:
    """A number (or None) as written: a literal, or ``float(...)``/``int(...)`` of one argument
    (``float(os.environ.get("T", "5"))``: a number whatever it reads, else it raises)."""
    if isinstance(expr, (cst.Integer, cst.Float)) or (isinstance(expr, cst.Name) and expr.value == "None"):
        return True
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value in ("float", "int")
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
    )


def _timeout_tuple(expr: cst.BaseExpression) -> bool:
    """requests' ``(connect, read)`` timeout written as a literal."""
    return (
        isinstance(expr, cst.Tuple)
        and len(expr.elements) == 2
        and all(_is_number(el.value) for el in expr.elements)
    )


def _positional(method: str, session: bool) -> tuple[str, ...]:
    """Keywords of the positional arguments after the URL (Session.get/request take none)."""
    if session and method in SESSION_KEYWORD_ONLY:
        return ()
    return POSITIONAL[method]


# ----------------------------------------------------------------------------- checks
def _literal_values_problem(expr: cst.BaseExpression, key: str) -> Problem | None:
    # requests leaves out None values and writes True as "True"; httpx writes "" and "true".
    if isinstance(expr, cst.Dict):
        for el in expr.elements:
            v = el.value if isinstance(el, cst.DictElement) else None
            if isinstance(v, cst.Name) and v.value in ("True", "False", "None"):
                return Problem(
                    "literal-bool-none",
                    f"passes {key}= with a {v.value} value (requests and httpx encode it differently)",
                )
    return None


def _body_problem(expr: cst.BaseExpression, known: _Known | None = None) -> Problem | None:
    values = known.values(expr) if known is not None else None
    if values and any(isinstance(v, _LISTISH) for v in values):
        return Problem(
            "list-body", "passes a body assigned a list/tuple (requests form-encodes pairs, httpx does not)"
        )
    if isinstance(expr, _LISTISH):
        return Problem("list-body", "passes a list/tuple body (requests form-encodes pairs, httpx does not)")
    if isinstance(expr, cst.SimpleString) and "b" not in expr.prefix.lower():
        try:
            value = expr.evaluated_value
        except Exception:  # noqa: BLE001 - unusual literal: be safe
            return Problem("unchecked-str-body", "passes a str body that cannot be checked")
        if isinstance(value, str) and not value.isascii():
            return Problem(
                "non-ascii-body", "passes a non-ASCII str body (requests on urllib3 1.x sends it as Latin-1, httpx as UTF-8)"
            )
    return _literal_values_problem(expr, "data")


def _client_value_problem(key: str, value: cst.BaseExpression) -> Problem | None:
    if (
        key == "proxies"
        and _proxy_value(value) is None
        and not (isinstance(value, cst.Name) and value.value == "None")
    ):
        return Problem(
            "proxies-shape",
            "passes proxies= other than {'http': P, 'https': P} (httpx would need per-scheme transports)",
        )
    return None


def _call_problem(req: _Req, known: _Known | None = None) -> Problem | None:
    """Why this call cannot be rewritten keeping behaviour, or None."""
    method = req.method
    n_pos = 2 if method == "request" else 1
    extra = _positional(method, req.session is not None)
    # ``url=`` (and ``request``'s ``method=``) by keyword: httpx's client methods name them alike.
    named = {a.keyword.value: a.value for a in req.args if a.keyword is not None and a.keyword.value in _LEADING}
    if "method" in named and method != "request":
        return Problem("unknown-kwarg", "passes method= (no per-request equivalent with the same behaviour in httpx)")
    if named:
        n_pos = 0 if "method" in named or method != "request" else 1
        if "url" not in named or sum(a.keyword is None for a in req.args) != n_pos:
            return Problem("url-keyword", "passes url=/method= with positional arguments they would clash with")
        extra = ()
    positional = 0
    for arg in req.args:
        if arg.star:
            return Problem("star-args", "passes *args/**kwargs (cannot check the arguments)")
        if arg.keyword is None:
            if positional >= n_pos and positional - n_pos < len(extra):
                key = extra[positional - n_pos]
                problem = (
                    _body_problem(arg.value, known)
                    if key == "data"
                    else _literal_values_problem(arg.value, key)
                )
                if problem:
                    return problem
            positional += 1
            continue
        key = arg.keyword.value
        if key in named:
            continue
        if key == "auth" and not (
            (isinstance(arg.value, cst.Tuple) and len(arg.value.elements) == 2)
            or (isinstance(arg.value, cst.Name) and arg.value.value == "None")
        ):
            return Problem(
                "auth-object",
                "passes an auth= that is not a (user, password) tuple (requests' auth objects differ)",
            )
        if key in SAFE_KWARGS or key == "allow_redirects":
            problem = _literal_values_problem(arg.value, key) if key in ("params", "headers") else None
            if problem:
                return problem
            continue
        if key == "data":
            problem = _body_problem(arg.value, known)
            if problem:
                return problem
            continue
        if key == "stream":
            if not (isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False")):
                return Problem("stream-not-literal", "passes a stream= that is not a literal True/False")
            continue
        if key == "timeout":
            values = known.values(arg.value) if known is not None else None
            if not (
                _is_number(arg.value)
                or _timeout_tuple(arg.value)
                or (values and all(v is not None and _is_number(v) for v in values))
            ):
                return Problem(
                    "timeout-not-visible",
                    "passes a timeout= whose value is not visible here (a (connect, read) tuple means "
                    "something else to httpx): write a number or a tuple literal",
                )
            continue
        if key in CLIENT_KWARGS:
            if req.session is not None:
                return Problem(
                    "client-kwarg-on-session",
                    f"passes {key}= on a Session call (an AsyncClient takes it only when created)",
                )
            problem = _client_value_problem(key, arg.value)
            if problem:
                return problem
            continue
        if key == "files":
            # httpx names and types the parts differently: a part without a Content-Type gets a
            # guessed one, bare content the filename "upload", and bytearray content raises.
            return Problem(
                "multipart-files",
                "passes files= (httpx's multipart differs: guessed part types, bytearray content rejected)",
            )
        return Problem(
            "unknown-kwarg", f"passes {key}= (no per-request equivalent with the same behaviour in httpx)"
        )
    if positional > n_pos + len(extra):
        return Problem(
            "too-many-positional", "passes more positional arguments than can be mapped to httpx keywords"
        )
    if positional < n_pos:
        return Problem("too-few-positional", "passes fewer positional arguments than expected")
    positional_args = [a for a in req.args if a.keyword is None]
    has_params = any(a.keyword is not None and a.keyword.value == "params" for a in req.args) or (
        extra[:1] == ("params",) and len(positional_args) > n_pos
    )
    url = named["url"] if "url" in named else positional_args[n_pos - 1].value
    if has_params and not _query_free(url, known):
        return Problem(
            "params-with-query",
            "passes params= with a URL that may already hold a query string (requests appends the "
            "params to it, httpx replaces it)",
        )
    return None


def _query_free(url: cst.BaseExpression, known: _Known | None, depth: int = 0) -> bool:
    """True if the URL expression visibly has no query string: built from literal parts without
    "?" (``BASE + "/items"``, ``f"{BASE}/items/{pk}"``), or a name holding such a value."""
    if isinstance(url, cst.SimpleString):
        return "?" not in url.value
    if isinstance(url, cst.ConcatenatedString):
        return _query_free(url.left, known, depth) and _query_free(url.right, known, depth)  # type: ignore[arg-type]
    if isinstance(url, cst.FormattedString):
        texts = [p.value for p in url.parts if isinstance(p, cst.FormattedStringText)]
        return bool(texts) and not any("?" in t for t in texts)
    if isinstance(url, cst.BinaryOperation) and isinstance(url.operator, cst.Add):
        parts = _plus_parts(url)
        literal = [
            p for p in parts if isinstance(p, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))
        ]
        return bool(literal) and all(_query_free(p, known, depth) for p in literal)
    values = known.values(url) if known is not None and depth < 3 else None
    return bool(values) and all(v is not None and _query_free(v, known, depth + 1) for v in values)


def _plus_parts(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return [*_plus_parts(expr.left), *_plus_parts(expr.right)]
    return [expr]


# ----------------------------------------------------------------------------- mapping
def _httpx_call(
    method: str,
    given: list[cst.Arg],
    whitespace_before_args: cst.BaseParenthesizableWhitespace,
    *,
    receiver: str,
    session: bool,
    module_name: str,
    raw_body: Callable[[cst.BaseExpression], bool],
) -> cst.Call:
    """``receiver.method(...)`` with requests' arguments as httpx's (checked by ``_call_problem``):
    positional ones after the URL as their keywords, ``allow_redirects`` -> ``follow_redirects``, a raw
    body (``raw_body``) as ``content``, a ``(connect, read)`` timeout as ``httpx.Timeout``; client
    settings dropped (the client takes them), ``stream=True`` as ``stream("METHOD", ...)``, and
    requests' defaults written out (``follow_redirects=True`` but for ``head``, ``timeout=None``)."""
    n_pos = 2 if method == "request" else 1
    extra = _positional(method, session)
    args: list[cst.Arg] = []
    pos = 0
    keys = set()
    for arg in given:
        if arg.keyword is None:
            if pos >= n_pos:
                key = extra[pos - n_pos]
                if key == "data" and raw_body(arg.value):
                    key = "content"
                arg = arg.with_changes(keyword=cst.Name(key), equal=_TIGHT_EQUAL)
            pos += 1
        if arg.keyword is not None:
            key = arg.keyword.value
            if key == "allow_redirects":
                arg = arg.with_changes(keyword=cst.Name("follow_redirects"))
            elif key == "data" and raw_body(arg.value):
                arg = arg.with_changes(keyword=cst.Name("content"))
            elif key == "timeout" and _timeout_tuple(arg.value):
                connect, read = (el.value for el in arg.value.elements)  # type: ignore[attr-defined]
                arg = arg.with_changes(
                    value=cst.parse_expression(
                        f"{module_name}.Timeout({_code(read)}, connect={_code(connect)})"
                    )
                )
            keys.add(arg.keyword.value)
        args.append(arg)

    def kw(name: str, value: str) -> cst.Arg:
        return _kwarg(name, cst.Name(value))

    moved = [a for a in args if a.keyword is not None and a.keyword.value in CLIENT_KWARGS]
    if moved:  # set on the client (see client._client_args)
        last_comma = args[-1].comma
        args = [a for a in args if a not in moved]
        if args:
            args[-1] = args[-1].with_changes(comma=last_comma)
    stream = [a for a in args if a.keyword is not None and a.keyword.value == "stream"]
    if stream:
        last_comma = args[-1].comma
        args = [a for a in args if a not in stream]
        if args:
            args[-1] = args[-1].with_changes(comma=last_comma)
        if stream[0].value.value == "True":  # type: ignore[attr-defined]
            if method != "request":
                args.insert(0, cst.Arg(cst.SimpleString(f'"{method.upper()}"')))
            method = "stream"
    new: list[cst.Arg] = []
    if method != "head" and "follow_redirects" not in keys:
        new.append(kw("follow_redirects", "True"))
    if "timeout" not in keys:
        new.append(kw("timeout", "None"))
    if new:
        after_last: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace("")
        if args:
            last = args[-1]
            # the space before ``)`` (a newline in a multi-line call) moves after the added ones
            after_last = last.whitespace_after_arg
            last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
            if last.comma is cst.MaybeSentinel.DEFAULT or last.comma is None:
                args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                trailing: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
            else:
                trailing = last.comma
                args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        else:
            trailing = cst.MaybeSentinel.DEFAULT
        # one argument per line (a trailing comma before a newline): the added ones too
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        if isinstance(trailing, cst.Comma) and isinstance(
            trailing.whitespace_after, cst.ParenthesizedWhitespace
        ):
            if (
                len(args) >= 2
                and isinstance(args[-2].comma, cst.Comma)
                and isinstance(args[-2].comma.whitespace_after, cst.ParenthesizedWhitespace)
            ):
                separator = args[-2].comma
            elif isinstance(whitespace_before_args, cst.ParenthesizedWhitespace):
                separator = cst.Comma(whitespace_after=whitespace_before_args)
            args[-1] = args[-1].with_changes(comma=separator)
        for i, a in enumerate(new):
            if i < len(new) - 1:
                a = a.with_changes(comma=separator)
            else:
                a = a.with_changes(comma=trailing, whitespace_after_arg=after_last)
            args.append(a)
    return cst.Call(
        func=cst.Attribute(value=cst.Name(receiver), attr=cst.Name(method)),
        args=args,
        whitespace_before_args=whitespace_before_args,
    )
