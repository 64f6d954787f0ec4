"""async-test-client's diagnostic codes (DJA4xx, one per Problem kind) and the short page ``explain`` prints.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code

PAGE = ""

CODES = (
    Code("DJA401", "client-bare", WARNING, "the client is used other than through a supported call"),
    Code("DJA402", "decorator", WARNING, "decorator @… is not known to support async tests"),
    Code("DJA403", "headers-arg", WARNING, "headers=… is not a dict literal (a host, cookie or content header in it would be joined with AsyncClient's own instead of replacing it)"),
    Code("DJA404", "client-args", WARNING, "a client call passes *args/**kwargs"),
    Code("DJA405", "needs-django", WARNING, "HTTP_* keywords need headers= (Django 4.2+)"),
    Code("DJA406", "own-header", WARNING, "a header keyword that AsyncClient sets itself"),
    Code("DJA407", "wsgi-extra", WARNING, "WSGI extra …= means something else to AsyncClient"),
    Code("DJA408", "client-setup", WARNING, "class … sets up or customises the client outside the tests (in …)"),
    Code("DJA409", "self-passed", WARNING, "….…() passes … to …(), which may log in with ….client"),
    Code("DJA410", "unknown-self-call", WARNING, "…() calls self.…(), which neither the class nor a base this codemod can read defines (it may log in with self.client)"),
    Code("DJA411", "unparsable-module", WARNING, "this module cannot be parsed by ast (its client setup cannot be checked)"),
    Code("DJA412", "computed-base", WARNING, "class … has a computed base class (its setUp may log in with self.client)"),
    Code("DJA413", "unreadable-base", WARNING, "base class … is defined in another file this codemod cannot read; its setUp or helpers may log in with self.client"),
    Code("DJA414", "login-backends", WARNING, "login() with authentication backends that cannot be checked"),
    Code("DJA415", "name-taken", WARNING, "the name AsyncClient is bound to something else in this module"),
    Code("DJA416", "client-import", WARNING, "Client is not imported by name from django.test"),
    Code("DJA417", "django-db-mark", WARNING, "cannot add transaction=True to @…"),
    Code("DJA418", "async-marker", WARNING, "async-marker … is not an expression"),
    Code("DJA419", "async-plugin", WARNING, "pytest runs async def tests only through a plugin, and the project's dependency files (…) list neither pytest-asyncio nor anyio: add pytest-asyncio to your test dependencies (or set async-test-client.async-marker)"),
    Code("DJA420", "parameters", WARNING, "the test takes */** or keyword-only parameters"),
    Code("DJA421", "admin-client", WARNING, "not made async: the admin_client fixture has no async twin"),
    Code("DJA422", "client-annotation", WARNING, "the client fixture is annotated …, not django.test.Client"),
    Code("DJA423", "client-fixture", WARNING, "… defines its own client/async_client fixture"),
    Code("DJA424", "fixture", WARNING, "the … fixture cannot be used from an async test as it is"),
    Code("DJA425", "commit-hook", WARNING, "it requests …, whose module calls transaction.on_commit: the converted test's views commit on another thread's connection, so those callbacks would run (under django_db they never did)"),
    Code("DJA426", "redirect-url", WARNING, "assertRedirects to a URL that is not a literal path, a simple f-string or reverse() with plain arguments (it would be evaluated twice)"),
    Code("DJA427", "redirect", WARNING, "an assertRedirects that cannot be spelled out"),
    Code("DJA428", "generator", WARNING, "a test that is a generator"),
    Code("DJA429", "session-set", WARNING, "… = ... is not a plain statement of its own"),
    Code("DJA430", "nested-queryset", WARNING, "a queryset is iterated inside a nested function"),
    Code("DJA431", "nested-orm", WARNING, "… runs inside a nested function, lambda or generator"),
    Code("DJA432", "may-query", WARNING, "…() may run a query synchronously"),
    Code("DJA433", "response-object", WARNING, "…() calls a method of … (an object the response carries, not its data), which may touch the database synchronously"),
    Code("DJA434", "may-touch-db", WARNING, "…() may touch the database synchronously"),
    Code("DJA435", "manager-override", WARNING, "… is a manager this codemod cannot see (a…() would skip an override of …() on it)"),
    Code("DJA436", "local-callable", WARNING, "…() is a local callable that may touch the database synchronously"),
    Code("DJA437", "nested-client", WARNING, "the client is used inside a nested function, lambda or generator"),
    Code("DJA438", "no-twin", WARNING, "session.…() has no async twin"),
    Code("DJA439", "context-value", WARNING, "…() on a context value may run a query synchronously"),
    Code("DJA440", "client-class", WARNING, "…() is used other than as `name = …(...)` in the test body"),
    Code("DJA441", "client-method", WARNING, "client.…() has no supported async rewrite"),
    Code("DJA442", "query-assert", WARNING, "… needs the sync client or runs queries synchronously"),
    Code("DJA443", "conflict", WARNING, "a name bound both to ORM results and to other values"),
    Code("DJA444", "session-use", WARNING, "session … is used other than by key assignment, save() or another method with an async twin (reading a key would load it synchronously)"),
    Code("DJA445", "queryset-use", WARNING, "… evaluates a queryset synchronously"),
    Code("DJA446", "streaming", WARNING, "streaming content read from an async view"),
    Code("DJA447", "response-context", WARNING, "response.context is read other than by a plain key (its lazy user/request may query the database synchronously)"),
    Code("DJA448", "instance-use", WARNING, "… (a model instance) is used where it may run a query synchronously"),
    Code("DJA449", "unknown-manager", WARNING, "… is not a manager of a model this codemod can resolve"),
    Code("DJA450", "instance-attr", WARNING, "… may load a related object or run a query synchronously (only concrete fields of the model are read in an async test)"),
    Code("DJA451", "response-wsgi", WARNING, "response.wsgi_request does not exist on AsyncClient responses"),
    Code("DJA452", "response-request", WARNING, "… is an ASGI scope under AsyncClient (a WSGI environ under Client)"),
    Code("DJA453", "response-client", WARNING, "response.client would be the async client"),
    Code("DJA454", "opaque-fixture", WARNING, "… may load a related object synchronously (fixture … is not known to be a model instance)"),
    Code("DJA455", "self-attr", WARNING, "… may load a related object synchronously (… is not known to be a model instance created in setUp/setUpTestData)"),
    Code("DJA456", "only-async-views", NOTE, "a test that does not visibly request only async views"),
    Code("DJA457", "sync-view", NOTE, "a request of the test reaches a sync view: it keeps the sync client"),
    Code("DJA458", "view-unresolved", WARNING, "cannot tell which view a request of the test reaches"),
    Code("DJA459", "view-kind-unknown", WARNING, "the view a request reaches is neither known sync nor known async"),
)
