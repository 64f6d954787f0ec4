"""Turn Django test methods that use ``self.client`` into async tests using ``self.async_client``.

What it does:
    In a Django test case class (``SimpleTestCase``/``TestCase``/``TransactionTestCase``/
    ``LiveServerTestCase`` or a project subclass), a sync ``test_*`` method that calls
    ``self.client.get/post/put/patch/delete/head/options/trace(...)`` becomes ``async def``; each
    call becomes ``await self.async_client.<verb>(...)`` (parenthesised where it is the value of an
    attribute, subscript or call). WSGI header keywords (``HTTP_X_FOO=v``) become
    ``headers={"x-foo": v}``. ``force_login``/``login``/``logout`` become
    ``await self.async_client.aforce_login``/``alogin``/``alogout`` (Django 5.0+).

Why:
    The async client exercises the ASGI request path, and async views run on the test's event loop.
    AsyncClient's ``**extra`` takes header names without ``HTTP_`` (else it sends a header literally
    named ``http-x-foo``), so the portable ``headers=`` form (Django 4.2+) is emitted.

Example:
    Before::

        class T(TestCase):
            def test_home(self):
                r = self.client.get("/", HTTP_ACCEPT="application/json")
                self.assertEqual(self.client.get("/x").json(), {})

    After::

        class T(TestCase):
            async def test_home(self):
                r = await self.async_client.get("/", headers={"accept": "application/json"})
                self.assertEqual((await self.async_client.get("/x")).json(), {})

Refuses when:
    the test method (left exactly as it was) has decorators; touches the ORM synchronously
    (``.objects``, ``.save()``, ``.delete()``, ``.refresh_from_db()``, ``.create()``, factories) or
    calls a non-assert ``self`` helper; uses ``assertRedirects``/``assertNumQueries``/
    ``assertQuerySetEqual``; uses ``self.client`` other than through a supported call (``session``,
    ``cookies``, nested functions, generator expressions); reads ``response.client`` or
    ``wsgi_request``, or ``response.context`` other than ``["key"]`` (``user``/``request``/``perms``
    are lazy and may query); passes ``**kwargs`` or non-header WSGI extras; combines ``HTTP_*`` with
    ``headers=``; uses ``follow=`` or login helpers when the target Django is older than 5.0;
    is a generator; the class (or a project base class) touches the client outside its tests
    (``setUp`` logging in, ``client_class``), or a project base class lives in another file, since
    ``self.async_client`` would not share that login/cookie state. ``setUp``/``setUpTestData`` are
    never touched.
"""

from __future__ import annotations

from typing import Any, ClassVar

import libcst as cst

from codemods.analysis import has_skip_comment, last_name
from codemods.project import DJANGO_TEST_CASES
from codemods.registry import Codemod, Context, register

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
LOGIN = {"force_login": "aforce_login", "login": "alogin", "logout": "alogout"}
KNOWN_KW = frozenset({"path", "data", "content_type", "follow", "secure", "headers", "query_params"})
ORM_ATTRS = frozenset(
    {
        "objects", "save", "delete", "refresh_from_db", "create", "get_or_create",
        "update_or_create", "bulk_create", "bulk_update", "create_user", "create_superuser",
    }
)
BAD_ASSERTS = frozenset(
    {"assertRedirects", "assertNumQueries", "assertQuerySetEqual", "assertQuerysetEqual"}
)
LAZY_CONTEXT = frozenset({"user", "request", "perms"})
SAFE_SELF = frozenset({"fail", "subTest", "skipTest", "settings", "modify_settings"})




def _is_self_client(node: cst.BaseExpression, self_name: str) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "client"
        and isinstance(node.value, cst.Name)
        and node.value.value == self_name
    )


class _Scan(cst.CSTVisitor):
    """Collects why a test method cannot be made async, and whether it uses the client at all."""

    def __init__(self, self_name: str, target: tuple[int, int]) -> None:
        self.self_name = self_name
        self.target = target
        self.reasons: list[str] = []
        self.client_calls = 0
        self.ok_client_attrs: set[int] = set()  # id() of self.client Attribute nodes used as calls
        self.depth_nested = 0
        self.ok_context: set[int] = set()

    def _refuse(self, why: str) -> None:
        if why not in self.reasons:
            self.reasons.append(why)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth_nested += 1
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth_nested -= 1

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.depth_nested += 1
        return True

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.depth_nested -= 1

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        self.depth_nested += 1
        return True

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.depth_nested -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.depth_nested += 1
        return True

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth_nested -= 1

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.depth_nested == 0:
            self._refuse("the test is a generator")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and _is_self_client(func.value, self.self_name):
            self.ok_client_attrs.add(id(func.value))
            verb = func.attr.value
            if self.depth_nested:
                self._refuse("self.client is used inside a nested function, lambda or generator")
                self.client_calls += 1
                return
            if verb in VERBS:
                self._check_args(node)
                self.client_calls += 1
            elif verb in LOGIN:
                if self.target < (5, 0):
                    self._refuse(f"self.client.{verb}() has an async twin only on Django 5.0+")
                self.client_calls += 1
            else:
                self._refuse(f"self.client.{verb}() has no supported async rewrite")
            return
        name = last_name(func)
        if name in BAD_ASSERTS:
            self._refuse(f"{name} needs the sync client (fetches through response.client)")
        elif name in ORM_ATTRS and isinstance(func, cst.Attribute):
            self._refuse(f".{name}() may touch the database synchronously")
        elif name is not None and name.endswith("Factory"):
            self._refuse(f"{name}() may touch the database synchronously")
        elif (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == self.self_name
            and not name.startswith("assert")
            and name not in SAFE_SELF
        ):
            self._refuse(f"self.{name}() may touch the database synchronously")

    def _check_args(self, node: cst.Call) -> None:
        has_headers = any(a.keyword is not None and a.keyword.value == "headers" for a in node.args)
        has_http = False
        for a in node.args:
            if a.star:
                self._refuse("a client call passes *args/**kwargs")
                continue
            if a.keyword is None:
                continue
            kw = a.keyword.value
            if kw.startswith("HTTP_") and kw not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                has_http = True
            elif kw == "follow":
                if not (isinstance(a.value, cst.Name) and a.value.value == "False") and self.target < (5, 0):
                    self._refuse("follow= on AsyncClient needs Django 5.0+")
            elif kw == "headers" and self.target < (4, 2):
                self._refuse("headers= needs Django 4.2+")
            elif kw not in KNOWN_KW:
                self._refuse(f"WSGI extra {kw}= means something else to AsyncClient")
        if has_http:
            if has_headers:
                self._refuse("a client call mixes HTTP_* keywords and headers=")
            if self.target < (4, 2):
                self._refuse("HTTP_* keywords need headers= (Django 4.2+)")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        value = node.value
        if isinstance(value, cst.Attribute) and value.attr.value == "context" and len(node.slice) == 1:
            idx = node.slice[0].slice
            if (
                isinstance(idx, cst.Index)
                and isinstance(idx.value, cst.SimpleString)
                and idx.value.evaluated_value not in LAZY_CONTEXT
            ):
                self.ok_context.add(id(value))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        if attr == "context" and id(node) not in self.ok_context:
            self._refuse(
                "response.context is read other than by a plain key (its lazy user/request may "
                "query the database synchronously)"
            )
        elif attr == "objects":
            self._refuse(".objects may touch the database synchronously")
        elif attr == "wsgi_request":
            self._refuse("response.wsgi_request does not exist on AsyncClient responses")
        elif attr == "client" and not _is_self_client(node, self.self_name):
            self._refuse("response.client would be the async client")


class _BareClient(cst.CSTVisitor):
    def __init__(self, self_name: str, ok: set[int]) -> None:
        self.self_name = self_name
        self.ok = ok
        self.bare = False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if _is_self_client(node, self.self_name) and id(node) not in self.ok:
            self.bare = True


def _header_key(kw: str) -> str:
    return kw[5:].lower().replace("_", "-")


class _Rewrite(cst.CSTTransformer):
    def __init__(self, self_name: str) -> None:
        self.self_name = self_name

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if isinstance(func, cst.Attribute) and _is_self_client(func.value, self.self_name):
            verb = func.attr.value
            new_verb = LOGIN.get(verb, verb)
            args = list(updated_node.args)
            if verb in VERBS:
                args = self._headers(args)
            new_func = func.with_changes(
                value=func.value.with_changes(attr=cst.Name("async_client")),
                attr=cst.Name(new_verb),
            )
            return cst.Await(expression=updated_node.with_changes(func=new_func, args=args))
        if isinstance(updated_node.func, cst.Await) and not updated_node.func.lpar:
            return updated_node.with_changes(func=_paren(updated_node.func))
        return updated_node

    def _headers(self, args: list[cst.Arg]) -> list[cst.Arg]:
        http = [
            a for a in args
            if a.keyword is not None and a.keyword.value.startswith("HTTP_")
            and a.keyword.value not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")
        ]
        if not http:
            return args
        elements = [
            cst.DictElement(cst.SimpleString(repr(_header_key(a.keyword.value)).replace("'", '"')), a.value)
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

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        if isinstance(updated_node.value, cst.Await) and not updated_node.value.lpar:
            return updated_node.with_changes(value=_paren(updated_node.value))
        return updated_node

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.Subscript:
        if isinstance(updated_node.value, cst.Await) and not updated_node.value.lpar:
            return updated_node.with_changes(value=_paren(updated_node.value))
        return updated_node


def _paren(node: cst.Await) -> cst.Await:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


class _MentionsClient(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in ("client", "client_class", "async_client_class"):
            self.found = True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in ("client_class", "async_client_class"):
            self.found = True


def _mentions_client(node: cst.CSTNode) -> bool:
    v = _MentionsClient()
    node.visit(v)
    return v.found


class _Classes(cst.CSTTransformer):
    def __init__(self, ctx: Context, module: cst.Module) -> None:
        self.ctx = ctx
        self.bases = ctx.project.test_base_classes
        self.module_classes = {
            st.name.value: st for st in module.body if isinstance(st, cst.ClassDef)
        }

    def _shared_client_state(self, cls: cst.ClassDef, seen: set[str]) -> str | None:
        """Why the sync client may carry state (login, cookies, custom class) into the tests."""
        for st in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
            if isinstance(st, cst.FunctionDef) and st.name.value.startswith("test"):
                continue
            if _mentions_client(st):
                return f"class {cls.name.value} sets up or customises the client outside the tests"
        for b in cls.bases:
            name = last_name(b.value)
            if name is None or name in DJANGO_TEST_CASES or name not in self.bases or name in seen:
                continue
            seen.add(name)
            base = self.module_classes.get(name)
            if base is None:
                return f"base class {name} is defined in another file; its setUp may log in with self.client"
            why = self._shared_client_state(base, seen)
            if why:
                return why
        return None

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        if not any(last_name(b.value) in self.bases for b in original_node.bases):
            return updated_node
        if has_skip_comment(original_node) or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = []
        changed = False
        shared = self._shared_client_state(original_node, set())
        for orig, new in zip(original_node.body.body, updated_node.body.body):
            if isinstance(orig, cst.FunctionDef):
                repl = self._method(orig, shared)
                changed = changed or repl is not orig
                body.append(repl)
            else:
                body.append(new)
        if not changed:
            return updated_node
        return updated_node.with_changes(body=updated_node.body.with_changes(body=body))

    def _method(self, fn: cst.FunctionDef, shared: str | None) -> cst.FunctionDef:
        if not fn.name.value.startswith("test") or fn.asynchronous is not None:
            return fn
        if has_skip_comment(fn) or not fn.params.params:
            return fn
        self_name = fn.params.params[0].name.value
        scan = _Scan(self_name, self.ctx.target_django)
        fn.body.visit(scan)
        if scan.client_calls == 0:
            return fn
        bare = _BareClient(self_name, scan.ok_client_attrs)
        fn.body.visit(bare)
        if bare.bare:
            scan.reasons.append("self.client is used other than through a supported call")
        if fn.decorators:
            scan.reasons.insert(0, "the test method has decorators")
        if shared:
            scan.reasons.insert(0, shared + " (self.async_client would not share it)")
        if scan.reasons:
            self.ctx.report(fn, "not made async: " + "; ".join(scan.reasons))
            return fn
        new_body = fn.body.visit(_Rewrite(self_name))
        self.ctx.fixed(fn, "test now uses self.async_client")
        return fn.with_changes(body=new_body, asynchronous=cst.Asynchronous())


@register
class AsyncTestClient(Codemod):
    name = "async-test-client"
    summary = "Django test methods using self.client -> async tests using self.async_client"
    min_django = (3, 1)
    order = 40
    options: ClassVar[dict[str, Any]] = {}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}

    def precheck(self, source: str) -> bool:
        return ".client." in source and "def test" in source

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        return module.visit(_Classes(ctx, module))
