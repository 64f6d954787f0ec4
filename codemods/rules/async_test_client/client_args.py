"""A client request's arguments: which mean the same to AsyncClient, and ``HTTP_*`` -> ``headers=``."""

from __future__ import annotations

import libcst as cst

from codemods.knowledge.testing import ASGI_OWN_HEADERS, KNOWN_KW, NOT_HEADER_KEYS
from codemods.rules.async_test_client.common import code
from codemods.rules.async_test_client.scan_base import ScanBase


def own_header(name: str) -> str:
    return (
        f"{name} sets a header AsyncClient always sends itself (host, cookie, content-type/-length): "
        "the two values would be joined instead of the test's replacing Django's"
    )


def header_key(kw: str) -> str:
    """``HTTP_X_FOO`` -> ``x-foo``."""
    return kw[5:].lower().replace("_", "-")


class ClientArgsScan(ScanBase):
    """The keyword arguments of a request: ``HTTP_*`` headers (rewritten as ``headers=``, 4.2+),
    ``headers=`` itself, ``follow=`` (5.0+); refused: ``*args``/``**kwargs``, WSGI extras, and the
    headers AsyncClient sets itself (``ASGI_OWN_HEADERS``)."""

    def _check_args(self, node: cst.Call) -> None:
        has_headers = any(a.keyword is not None and a.keyword.value == "headers" for a in node.args)
        has_http = False
        for a in node.args:
            if a.star:
                self._refuse("client-args", "a client call passes *args/**kwargs")
                continue
            if a.keyword is None:
                continue
            kw = a.keyword.value
            if kw.startswith("HTTP_") and kw not in NOT_HEADER_KEYS:
                has_http = True
                if header_key(kw) in ASGI_OWN_HEADERS:
                    self._refuse("own-header", own_header(kw))
            elif kw == "follow":
                if not (isinstance(a.value, cst.Name) and a.value.value == "False") and self.target < (5, 0):
                    self._refuse("needs-django", "follow= on AsyncClient needs Django 5.0+")
            elif kw == "headers":
                if self.target < (4, 2):
                    self._refuse("needs-django", "headers= needs Django 4.2+")
                self._check_headers(a.value)
            elif kw not in KNOWN_KW:
                self._refuse("wsgi-extra", f"WSGI extra {kw}= means something else to AsyncClient")
        if has_http:
            if has_headers:
                self._refuse("client-args", "a client call mixes HTTP_* keywords and headers=")
            if self.target < (4, 2):
                self._refuse("needs-django", "HTTP_* keywords need headers= (Django 4.2+)")

    def _check_headers(self, value: cst.BaseExpression) -> None:
        if not isinstance(value, cst.Dict):
            self._refuse(
                "headers-arg",
                f"headers={code(value)} is not a dict literal (a host, cookie or content header in it "
                "would be joined with AsyncClient's own instead of replacing it)",
            )
            return
        for el in value.elements:
            key = el.key if isinstance(el, cst.DictElement) else None
            text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
            if not isinstance(text, str):
                self._refuse("headers-arg", f"headers= has a key that is not a literal string ({code(el)})")
            elif text.lower().replace("_", "-") in ASGI_OWN_HEADERS:
                self._refuse("own-header", own_header(text))


def headers_arg(args: list[cst.Arg]) -> list[cst.Arg]:
    """The request's arguments with its ``HTTP_*`` keywords as one ``headers={...}`` where the
    first of them stood."""
    http = [
        a for a in args
        if a.keyword is not None and a.keyword.value.startswith("HTTP_")
        and a.keyword.value not in NOT_HEADER_KEYS
    ]
    if not http:
        return args
    elements = [
        cst.DictElement(cst.SimpleString(repr(header_key(a.keyword.value)).replace("'", '"')), a.value)
        for a in http
    ]
    http_ids = {id(a) for a in http}
    out: list[cst.Arg] = []
    placed = False
    for a in args:
        if id(a) in http_ids:
            if not placed:
                out.append(a.with_changes(keyword=cst.Name("headers"), value=cst.Dict(elements)))
                placed = True
            continue
        out.append(a)
    if id(args[-1]) in http_ids and id(out[-1]) not in {id(a) for a in args}:
        out[-1] = out[-1].with_changes(comma=args[-1].comma)
    return out
