"""async-test-client's diagnostic codes (DJA4xx, one per Problem kind) and the short page ``explain`` prints.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code

PAGE = """
What it does:
    Django test methods and pytest-django tests that use the sync test client become async def tests
    on the async client: requests awaited, HTTP_* keywords as headers=, login helpers and sync ORM
    calls as their awaited twins; pytest tests get an async marker and django_db(transaction=True).

Why:
    The async client exercises the ASGI request path, and async views run on the test's event loop;
    sync ORM calls inside an async test would raise SynchronousOnlyOperation.

Example:
    Before::

        from django.test import TestCase

        class T(TestCase):
            def test_home(self):
                r = self.client.get("/", HTTP_ACCEPT="application/json")

    After::

        from django.test import TestCase

        class T(TestCase):
            async def test_home(self):
                r = await self.async_client.get("/", headers={"accept": "application/json"})

Fix safety:
    A test is converted only when all it does is known to work alike in an async test (no helper
    that may touch the database, no client set up outside the tests, readable bases and settings);
    else it stays exactly as it was, with a warning (always shown). Note (-v only): only-async-views.
"""

CODES = (
    Code(
        "DJA401", "client-bare", WARNING,
        "test client used other than through a supported call",
        "The client is passed to a helper, stored, or read in a way the codemod does not rewrite, so it "
        "cannot tell what is done with it. Call self.client.<verb>(...) directly in the test.",
    ),
    Code(
        "DJA402", "decorator", WARNING,
        "test decorator not known to support async tests",
        "A decorator the codemod does not know (under pytest: one that is not a pytest mark), such as "
        "skipIfDBFeature or a mock patcher, may wrap the test in a sync function that never awaits it. Apply "
        "it inside the test (a context manager), or convert by hand.",
    ),
    Code(
        "DJA403", "headers-arg", WARNING,
        "headers= that is not a dict literal with string keys",
        "A host, cookie or content header in it would be joined with the one AsyncClient sends itself instead "
        "of replacing it, and the codemod must see the keys to check. Write a dict literal.",
    ),
    Code(
        "DJA404", "client-args", WARNING,
        "client call with *args/**kwargs, or HTTP_* mixed with headers=",
        "The codemod must see every argument to map HTTP_* keywords to headers= and check them. Pass the "
        "arguments explicitly, and headers in one form.",
    ),
    Code(
        "DJA405", "needs-django", WARNING,
        "rewrite needs a newer Django than the target",
        "The async API the rewrite would use (headers= 4.2, follow= 5.0, the session twins 5.1, the ORM twins "
        "4.1/4.2...) is missing in the --target-django version. Raise --target-django if the project runs a "
        "newer Django.",
    ),
    Code(
        "DJA406", "own-header", WARNING,
        "header that AsyncClient sets itself",
        "AsyncClient sends host, cookie, content-type and content-length itself, and ASGIRequest joins the "
        "test's value to its own with \",\" instead of replacing it. Set cookies on the client's cookie jar.",
    ),
    Code(
        "DJA407", "wsgi-extra", WARNING,
        "keyword that is a WSGI extra, with another meaning to AsyncClient",
        "AsyncClient's **extra takes header names without HTTP_, so a WSGI environ key such as REMOTE_ADDR= "
        "would be sent as a header. Convert the test by hand.",
    ),
    Code(
        "DJA408", "client-setup", WARNING,
        "class sets up or customises the client outside the tests",
        "setUp, a helper or client_class touches self.client (a login, cookies): self.async_client would not "
        "share that state. Do the same setup on self.async_client, or convert by hand.",
    ),
    Code(
        "DJA409", "self-passed", WARNING,
        "non-test method passes self to a callable",
        "The callable may log in with self.client, a state self.async_client would not share. Convert by hand "
        "if it does not touch the client.",
    ),
    Code(
        "DJA410", "unknown-self-call", WARNING,
        "calls self.x() that no readable class defines",
        "Neither the class nor a base the codemod can read defines it, so it may log in with self.client. "
        "Convert by hand if it does not touch the client.",
    ),
    Code(
        "DJA411", "unparsable-module", WARNING,
        "module that ast cannot parse",
        "The client setup of its classes cannot be checked. Fix the syntax (or the Python version) first.",
    ),
    Code(
        "DJA412", "computed-base", WARNING,
        "test class with a computed base class",
        "The codemod cannot read the base, whose setUp may log in with self.client. Name the base class "
        "directly, or convert by hand.",
    ),
    Code(
        "DJA413", "unreadable-base", WARNING,
        "test base class defined in a file that cannot be read",
        "Its setUp or helpers (an installed package's mixin, say) may log in with self.client, a state "
        "self.async_client would not share. Convert by hand if they do not touch the client.",
    ),
    Code(
        "DJA414", "login-backends", WARNING,
        "client.login() with backends that cannot be checked",
        "alogin() calls each backend's aauthenticate, which custom backends may lack or implement "
        "differently; the settings must be readable and list only Django's backends. Convert by hand.",
    ),
    Code(
        "DJA415", "name-taken", WARNING,
        "a name the rewrite needs is bound to something else",
        "AsyncClient, async_client, urljoin or redirect_response (for a spelled-out assertRedirects) already "
        "means something else in the module or the test. Rename that binding.",
    ),
    Code(
        "DJA416", "client-import", WARNING,
        "test client class not imported by name from django.test",
        "The codemod replaces Client() by AsyncClient() only when it sees Client imported from django.test. "
        "Write from django.test import Client.",
    ),
    Code(
        "DJA417", "django-db-mark", WARNING,
        "cannot add transaction=True to the django_db mark",
        "Under plain django_db an async test's ORM calls and views run on another thread's connection and "
        "their writes leak into later tests. Write the mark with plain keyword arguments, or add "
        "transaction=True yourself.",
    ),
    Code(
        "DJA418", "async-marker", WARNING,
        "async-marker option is not an expression",
        "The option's value is added as a decorator and must parse as one (e.g. pytest.mark.asyncio). Fix "
        "async-test-client.async-marker.",
    ),
    Code(
        "DJA419", "async-plugin", WARNING,
        "no pytest plugin for async tests in the dependency files",
        "pytest runs async def tests only through a plugin, and neither pytest-asyncio nor anyio is listed: "
        "the test would fail. Add pytest-asyncio to your test dependencies, or set "
        "async-test-client.async-marker.",
    ),
    Code(
        "DJA420", "parameters", WARNING,
        "test with */** or keyword-only parameters",
        "The codemod must see the test's fixtures to rewrite client to async_client and check the others. Use "
        "plain parameters.",
    ),
    Code(
        "DJA421", "admin-client", WARNING,
        "test uses the admin_client fixture",
        "admin_client has no async twin. Log in on async_client yourself (await "
        "async_client.aforce_login(...)) and convert by hand.",
    ),
    Code(
        "DJA422", "client-annotation", WARNING,
        "client fixture annotated with a type async_client is not",
        "After the rewrite the parameter holds an AsyncClient, so the annotation would be wrong. Drop the "
        "annotation or convert by hand.",
    ),
    Code(
        "DJA423", "client-fixture", WARNING,
        "client fixture overridden or used by another fixture",
        "A client/async_client fixture of the project, or a fixture taking client, may log in or set cookies "
        "that would not reach async_client. Convert the fixture and the test together by hand.",
    ),
    Code(
        "DJA424", "fixture", WARNING,
        "fixture that cannot be used from an async test",
        "django_assert_num_queries, django_assert_max_num_queries and django_capture_on_commit_callbacks "
        "watch the test's own thread, where an async test's queries do not run (a test already taking "
        "async_client or admin_client is left too). Convert by hand.",
    ),
    Code(
        "DJA425", "commit-hook", WARNING,
        "requests a view whose module calls transaction.on_commit",
        "Under plain django_db those callbacks never ran; the converted test's views commit on another "
        "thread's connection, so they would. Convert by hand if running them is fine.",
    ),
    Code(
        "DJA426", "redirect-url", WARNING,
        "assertRedirects to a URL that cannot be spelled out",
        "Only a literal local path (one query parameter at most), an f-string of plain names or reverse() "
        "with plain arguments is spelled out; anything else would be evaluated twice. Write the URL so.",
    ),
    Code(
        "DJA427", "redirect", WARNING,
        "assertRedirects that cannot be spelled out",
        "With *args/**kwargs, msg_prefix= (its messages are not kept), or on a response not visibly from one "
        "client call, Django's checks cannot be written out. Pass plain arguments, on the response of one "
        "client call.",
    ),
    Code(
        "DJA428", "generator", WARNING,
        "test that is a generator",
        "An async def with yield is an async generator, which no test runner runs as a test. Convert by hand.",
    ),
    Code(
        "DJA429", "session-set", WARNING,
        "session[key] = value that is not a plain statement",
        "It becomes await session.aset(key, value), which must stand as a statement of its own. Write it on a "
        "line of its own, one target, a plain key, in the test body.",
    ),
    Code(
        "DJA430", "nested-queryset", WARNING,
        "queryset iterated in a nested function or generator expression",
        "Iterating it there needs async for, which would make that function or generator asynchronous and "
        "change its type. Iterate the queryset in the test body.",
    ),
    Code(
        "DJA431", "nested-orm", WARNING,
        "sync ORM call in a nested function, lambda or generator",
        "Its async twin must be awaited, which is not possible there without changing that scope. Make the "
        "call in the test body.",
    ),
    Code(
        "DJA432", "may-query", WARNING,
        "call that may run a query synchronously",
        "In an async test a sync query raises SynchronousOnlyOperation, and this call has no async twin the "
        "codemod uses. Use an ORM method with an a... twin, or wrap it in sync_to_async by hand.",
    ),
    Code(
        "DJA433", "response-object", WARNING,
        "method call on an object the response carries",
        "r.view and objects bound from it are not the response's data (r.json(), r.content...), and their "
        "methods may touch the database synchronously. Convert by hand.",
    ),
    Code(
        "DJA434", "may-touch-db", WARNING,
        "call that may touch the database synchronously",
        "Project helpers, factories and other self methods may run sync queries, which raise "
        "SynchronousOnlyOperation in an async test. Convert by hand (sync_to_async around the helper).",
    ),
    Code(
        "DJA435", "manager-override", WARNING,
        "async twin on a manager that overrides, or may override, the method",
        "acreate() and the like run the QuerySet's method, not the manager's override, so the test would skip "
        "it; a manager the codemod cannot see may have one. Convert by hand.",
    ),
    Code(
        "DJA436", "local-callable", WARNING,
        "local callable that may touch the database synchronously",
        "A function or class bound in the test may run sync queries, which raise SynchronousOnlyOperation in "
        "an async test. Convert by hand.",
    ),
    Code(
        "DJA437", "nested-client", WARNING,
        "client used in a nested function, lambda or generator",
        "Its requests must be awaited, which is not possible there without changing that scope. Make the "
        "request in the test body.",
    ),
    Code(
        "DJA438", "no-twin", WARNING,
        "queryset or session method without an async twin",
        "The call runs synchronously, which raises SynchronousOnlyOperation in an async test, and there is no "
        "a... method the codemod can use. Convert by hand.",
    ),
    Code(
        "DJA439", "context-value", WARNING,
        "response context value used other than compared in an assertion",
        "A context value may be a lazy queryset or model instance, evaluated synchronously when read. Compare "
        "it in an assertEqual-like assertion, or convert by hand.",
    ),
    Code(
        "DJA440", "client-class", WARNING,
        "test client built other than as name = Client(...) in the test",
        "Only a client bound to a name in the test body is replaced by AsyncClient(), and AsyncClient ignores "
        "default headers, query_params and WSGI defaults. Build it so, without those arguments.",
    ),
    Code(
        "DJA441", "client-method", WARNING,
        "client method without a supported async rewrite",
        "The codemod rewrites the request methods (get, post...), the login helpers and the session; this "
        "client method has no async rewrite it uses. Convert by hand.",
    ),
    Code(
        "DJA442", "query-assert", WARNING,
        "assertion that needs the sync client or runs sync queries",
        "assertNumQueries, assertQuerySetEqual and the like watch or run queries on the test's thread. "
        "Convert by hand.",
    ),
    Code(
        "DJA443", "conflict", WARNING,
        "name bound both to ORM results and to other values",
        "The codemod cannot tell whether a use of the name may run a query. Use separate names.",
    ),
    Code(
        "DJA444", "session-use", WARNING,
        "session used other than by key assignment or methods with twins",
        "Reading a key (s[\"k\"]) would load the session synchronously, and its async twin does not behave "
        "alike (s[\"k\"] raises KeyError where aget returns None). Use s[key] = value, s.get(key), save() or "
        "another method with an async twin.",
    ),
    Code(
        "DJA445", "queryset-use", WARNING,
        "queryset evaluated synchronously",
        "qs[0], len(qs), if qs, x in qs and the like run the query synchronously, which raises "
        "SynchronousOnlyOperation in an async test. Use an a... method, for, a comprehension or list(qs).",
    ),
    Code(
        "DJA446", "streaming", WARNING,
        "streaming content read from a response",
        "Under AsyncClient an async view's streaming content is an async iterator (Client consumed it into a "
        "sync one). Convert by hand (async for over it).",
    ),
    Code(
        "DJA447", "response-context", WARNING,
        "response.context read other than by a plain key",
        "Its lazy user, request and perms may query the database synchronously. Read the keys you need: "
        "response.context[\"key\"].",
    ),
    Code(
        "DJA448", "instance-use", WARNING,
        "model instance used where it may run a query synchronously",
        "Formatting it (str(obj)) or passing it on may run a query, which raises SynchronousOnlyOperation in "
        "an async test. Read its concrete fields instead.",
    ),
    Code(
        "DJA449", "unknown-manager", WARNING,
        "manager of a model the codemod cannot resolve",
        "Its twins are used only on a model imported from a models module the codemod reads. Import the model "
        "from its models module.",
    ),
    Code(
        "DJA450", "instance-attr", WARNING,
        "instance attribute that is not a concrete field",
        "A relation or property may load a related object or run a query synchronously. Read concrete fields "
        "only, or fetch the related object with an async query first.",
    ),
    Code(
        "DJA451", "response-wsgi", WARNING,
        "reads response.wsgi_request",
        "AsyncClient responses have no wsgi_request (they carry an asgi_request). Convert by hand.",
    ),
    Code(
        "DJA452", "response-request", WARNING,
        "reads response.request",
        "Under AsyncClient it is an ASGI scope, under Client a WSGI environ: its keys differ. Convert by "
        "hand.",
    ),
    Code(
        "DJA453", "response-client", WARNING,
        "reads response.client",
        "It would be the async client, so requests made through it would need awaiting. Use self.async_client "
        "(or the async_client fixture) directly.",
    ),
    Code(
        "DJA454", "opaque-fixture", WARNING,
        "attribute of a fixture not known to be a model instance",
        "It may load a related object synchronously. Return the instance from a fixture of the module (known "
        "as one), or read only pk/id.",
    ),
    Code(
        "DJA455", "self-attr", WARNING,
        "attribute of self.x not known to be a model instance",
        "It may load a related object synchronously; only instances created in setUp/setUpTestData of the "
        "class or a base in the same file are known. Create it there, or convert by hand.",
    ),
    Code(
        "DJA456", "only-async-views", NOTE,
        "test does not visibly request only async views",
        "With only-async-views set, a test is converted only when every request visibly reaches an async view "
        "through ROOT_URLCONF. Unset the option to convert it anyway.",
    ),
    Code(
        "DJA457", "sync-view", NOTE,
        "a request of the test reaches a sync view",
        "The test keeps the sync client: it tests the WSGI path that view is served by. Nothing to fix; set "
        "async-test-client.only-async-views = false to convert such tests too.",
    ),
    Code(
        "DJA458", "view-unresolved", WARNING,
        "cannot tell which view a request of the test reaches",
        "The URL is computed, the urlconf is not readable, or no route matches it, so the test may test an "
        "async view and is left sync. Write the URL as a literal path or reverse(\"name\"), make the urlconf "
        "readable, or set only-async-views = false.",
    ),
    Code(
        "DJA459", "view-kind-unknown", WARNING,
        "view reached is neither known sync nor known async",
        "The view comes from an installed package, is an instance, or has a decorator, wrapper or base the "
        "codemod does not read, so the test is left sync. Set only-async-views = false if its views are "
        "async.",
    ),
    Code(
        "DJA460", "urlconf-unknown", WARNING,
        "the urlconf cannot be read: no test of the module can convert",
        "With only-async-views set, a test converts only when its requests reach async views of the urlconf "
        "its settings name. No settings module was found (manage.py or the pytest configuration names it), "
        "or its ROOT_URLCONF is not a literal or not a readable project file. Reported once per module, at "
        "its first test. Make the settings findable, or set only-async-views = false.",
    ),
)
