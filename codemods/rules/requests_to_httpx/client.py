"""Where the AsyncClient is opened: ``async with httpx.AsyncClient(...) as client:`` around the
smallest span of statements that use it (``_wrap_block``), the client's arguments (``_new_client``),
and the ``async with`` blocks that replace a local Session's or a streamed response's line
(``_ClientBlocks``, part of the rewrite)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from codemods.analysis import ImportTable
from codemods.rules.requests_to_httpx.arguments import _proxy_value
from codemods.rules.requests_to_httpx.sessions import _is_session_call
from codemods.rules.requests_to_httpx.syntax import _assigned_name, _count, _kwarg

if TYPE_CHECKING:
    from codemods.rules.requests_to_httpx.values import _Locals


def _new_client(module_name: str, settings: list[cst.Arg], ssl_name: str | None) -> cst.Call:
    """``httpx.AsyncClient(...)`` with the per-request settings all calls share (or a Session's);
    without ``verify``/``cert`` among them, ``verify=<shared SSL context>`` when there is one (httpx
    builds the same default context per client otherwise). Not with a ``trust_env`` other than
    ``True``: the shared context reads ``SSL_CERT_FILE``/``SSL_CERT_DIR``, a client made with
    ``trust_env=False`` does not."""
    args = _client_args(settings)
    keys = {a.keyword.value for a in args if a.keyword is not None}
    trusting = all(
        isinstance(a.value, cst.Name) and a.value.value == "True"
        for a in args
        if a.keyword is not None and a.keyword.value == "trust_env"
    )
    if ssl_name is not None and not keys & {"verify", "cert"} and trusting:
        arg = _kwarg("verify", cst.Name(ssl_name))
        if args:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(arg)
    return cst.Call(func=cst.Attribute(value=cst.Name(module_name), attr=cst.Name("AsyncClient")), args=args)


def _client_args(given: list[cst.Arg]) -> list[cst.Arg]:
    """AsyncClient(...) arguments for the per-request settings all calls share."""
    out: list[cst.Arg] = []
    for a in given:
        assert a.keyword is not None
        key, value = a.keyword.value, a.value
        if key == "proxies":
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            proxy = _proxy_value(value)
            assert proxy is not None
            key, value = "proxy", proxy
        out.append(_kwarg(key, value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    if out:
        out[-1] = out[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return out


def _wrap_block(block: cst.IndentedBlock, client: str, item: cst.WithItem) -> cst.IndentedBlock:
    """``block`` with its statements that use ``client`` (the smallest span covering them) inside
    ``async with <item>:``; when that span is one ``if``/``with`` whose only uses are in one of its
    blocks, the client is opened inside that block instead."""
    stmts = list(block.body)
    idx = [i for i, st in enumerate(stmts) if _count([st], client)]
    if not idx:
        return block  # every call was made on a local Session
    first, last = idx[0], idx[-1]
    if first == last:
        st = stmts[first]
        if (
            isinstance(st, cst.If)
            and not _count([st.test], client)
            and isinstance(st.body, cst.IndentedBlock)
        ):
            in_body = _count([st.body], client) > 0
            orelse = st.orelse
            if not in_body and isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
                new_else = orelse.with_changes(body=_wrap_block(orelse.body, client, item))
                stmts[first] = st.with_changes(orelse=new_else)
                return block.with_changes(body=stmts)
            if in_body and (orelse is None or not _count([orelse], client)):
                stmts[first] = st.with_changes(body=_wrap_block(st.body, client, item))
                return block.with_changes(body=stmts)
        if (
            isinstance(st, cst.Try)
            and isinstance(st.body, cst.IndentedBlock)
            and _count([st.body], client) == _count([st], client)
        ):  # inside the try: errors opening the client (bad cert/proxy settings) stay guarded
            stmts[first] = st.with_changes(body=_wrap_block(st.body, client, item))
            return block.with_changes(body=stmts)
        if (
            isinstance(st, cst.With)
            and not any(_count([i], client) for i in st.items)
            and isinstance(st.body, cst.IndentedBlock)
        ):
            stmts[first] = st.with_changes(body=_wrap_block(st.body, client, item))
            return block.with_changes(body=stmts)
    span = stmts[first : last + 1]
    lead = span[0].leading_lines
    span[0] = span[0].with_changes(leading_lines=[])
    with_stmt = cst.With(
        asynchronous=cst.Asynchronous(), items=[item], body=cst.IndentedBlock(body=span), leading_lines=lead
    )
    return block.with_changes(body=[*stmts[:first], with_stmt, *stmts[last + 1 :]])


class _ClientBlocks:
    """``_Rewriter``'s part for blocks: a local Session's line ``s = requests.Session()`` and a streamed
    response's line ``r = await client.stream(...)`` become ``async with`` blocks around the rest of
    their block; ``with requests.Session() as s:`` becomes ``async with httpx.AsyncClient() as s:``;
    the Session settings lines that became client arguments go."""

    imports: ImportTable
    shadowed: set[str]
    client: str
    local: _Locals
    module_name: str
    ssl_name: str | None

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(body=self._blocks(self._drop_setup(original_node, updated_node)))

    def _drop_setup(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> list[cst.BaseStatement]:
        """The block without the Session settings lines that became AsyncClient arguments; their
        comments go to the next statement."""
        if not self.local.setup_lines or not any(id(st) in self.local.setup_lines for st in original.body):
            return list(updated.body)
        out: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for orig, new in zip(original.body, updated.body, strict=True):
            if id(orig) not in self.local.setup_lines:
                out.append(new.with_changes(leading_lines=[*carried, *new.leading_lines]) if carried else new)
                carried = []
                continue
            assert isinstance(new, cst.SimpleStatementLine)
            carried.extend(line for line in new.leading_lines if line.comment is not None)
            if new.trailing_whitespace.comment is not None:
                carried.append(cst.EmptyLine(comment=new.trailing_whitespace.comment))
        if carried or not out:
            out.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried))
        return out

    def _async_client(self, session: str) -> cst.Call:
        return _new_client(self.module_name, self.local.session_settings.get(session, []), self.ssl_name)

    def _blocks(self, stmts: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """``r = await c.stream(...)`` / ``s = requests.Session()`` lines become ``async with`` blocks
        around the rest of their block."""
        for i, stmt in enumerate(stmts):
            name = _assigned_name(stmt)
            if name is None:
                continue
            assign = stmt.body[0]  # type: ignore[attr-defined]
            item: cst.BaseExpression | None = None
            if (
                name in self.local.sessions
                and isinstance(assign.value, cst.Call)
                and _is_session_call(assign.value, self.imports, self.shadowed)
            ):
                item = self._async_client(name)
            elif name in self.local.streams:
                call = assign.value.expression if isinstance(assign.value, cst.Await) else None
                if (
                    isinstance(call, cst.Call)
                    and isinstance(call.func, cst.Attribute)
                    and call.func.attr.value == "stream"
                    and isinstance(call.func.value, cst.Name)
                    and call.func.value.value in (self.client, *self.local.sessions)
                ):
                    item = call
            if item is None:
                continue
            rest = self._blocks(stmts[i + 1 :]) or [cst.SimpleStatementLine(body=[cst.Pass()])]
            block = cst.With(
                asynchronous=cst.Asynchronous(),
                items=[cst.WithItem(item=item, asname=cst.AsName(name=cst.Name(name)))],
                body=cst.IndentedBlock(body=rest),
                leading_lines=stmt.leading_lines,
            )
            return [*stmts[:i], block]
        return stmts

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        if len(original_node.items) != 1:
            return updated_node
        item = original_node.items[0]
        if (
            isinstance(item.item, cst.Call)
            and _is_session_call(item.item, self.imports, self.shadowed)
            and item.asname is not None
            and isinstance(item.asname.name, cst.Name)
            and item.asname.name.value in self.local.sessions
        ):
            new_item = updated_node.items[0].with_changes(item=self._async_client(item.asname.name.value))
            return updated_node.with_changes(asynchronous=cst.Asynchronous(), items=[new_item])
        return updated_node
