"""async-orm's diagnostic codes (DJA5xx, one per Problem kind) and its ``explain`` page.

A code never changes meaning once released: a new reason takes the next free number, a retired
one leaves its number unused. ``tests/test_codes.py`` checks that every kind the codemod reports
has one here.
"""

from __future__ import annotations

from codemods.problems import NOTE, WARNING, Code

PAGE = """
What it does:
    Sync ORM work inside async def (it raises SynchronousOnlyOperation) becomes its awaited twin:
    Product.objects.get() becomes await Product.objects.aget(), obj.save() await obj.asave(),
    for x in qs async for, list(qs) [row async for row in qs], get_object_or_404 and login its
    a-form, request.user await request.auser() where AuthenticationMiddleware runs (5.0+),
    Paginator AsyncPaginator where all its uses are followed (6.0+); sync_to_async(f)(...) around
    one such call is unwrapped the same way.

Why:
    Django refuses sync queries on the event loop's thread; the async ORM runs them in its thread.

Example:
    Before::

        from shop.models import Product

        async def names(request):
            return [p.name for p in Product.objects.filter(live=True)]

    After::

        from shop.models import Product

        async def names(request):
            return [p.name async for p in Product.objects.filter(live=True)]

Fix safety:
    Only receivers known to be Django's (model classes, their managers, querysets, instances), only
    where the target has the twin. len(qs), if qs:, qs[0], lazy foreign-key reads, atomic blocks,
    querysets handed to templates, serializers or a Paginator are reported, never rewritten.
"""

CODES = (
    Code(
        "DJA501", "needs-django", WARNING,
        "the async twin is newer than the target Django version",
        "The call raises SynchronousOnlyOperation in async code, but its async twin arrived in a later Django "
        "than --target-django. Raise --target-django once the project runs that version, or wrap the call "
        "in sync_to_async.",
    ),
    Code(
        "DJA502", "custom-method", WARNING,
        "a manager or queryset method the codemod cannot see into",
        "It is no QuerySet method Django documents, so it is the project's own (or a library's): it may run "
        "queries synchronously. Give it an async version, or call it through sync_to_async.",
    ),
    Code(
        "DJA503", "manager-override", WARNING,
        "the manager overrides the method, or cannot be seen",
        "A model's objects manager that defines the method itself (or that the codemod cannot read) would be "
        "skipped by the a-twin, which runs QuerySet's method. Add an async version to the manager.",
    ),
    Code(
        "DJA504", "evaluates-queryset", WARNING,
        "the code evaluates a queryset synchronously",
        "len(qs), bool(qs), if qs:, x in qs, qs[0] and iterating builtins run the query on the event loop's "
        "thread. The awaited methods named in the message give the same answer in most code but not always "
        "the same value (a count, not a list), so the codemod does not rewrite them: choose by hand.",
    ),
    Code(
        "DJA505", "lazy-relation", WARNING,
        "reading a foreign key may load a row synchronously",
        "The instance came from a query that does not select_related/prefetch_related that relation, so "
        "reading it runs a query (SynchronousOnlyOperation). Add select_related to the query, or read the "
        "_id field, or fetch the related row with an awaited query.",
    ),
    Code(
        "DJA506", "in-atomic", WARNING,
        "work with the ORM inside transaction.atomic()",
        "atomic() does not work around async queries: the awaited twins would run outside the transaction. "
        "Move the block into a sync function and call it with sync_to_async.",
    ),
    Code(
        "DJA507", "sync-consumer", WARNING,
        "a queryset handed to a template, serializer or paginator",
        "Rendering or serializing iterates the queryset synchronously, inside the async function. Evaluate "
        "it first ([row async for row in qs]) and pass the list.",
    ),
    Code(
        "DJA508", "async-unsafe", WARNING,
        "the project sets DJANGO_ALLOW_ASYNC_UNSAFE",
        "With the check turned off, sync ORM calls in async code run on the event loop's thread and block "
        "it; the codemod leaves such a project's files alone. Remove the setting, then run the codemod.",
    ),
    Code(
        "DJA509", "wrapper-options", WARNING,
        "sync_to_async with options that choose another thread",
        "thread_sensitive=False or an executor runs the call elsewhere than the async ORM would (its twins "
        "always run thread-sensitive). Drop the options if the thread does not matter.",
    ),
    Code(
        "DJA510", "wrapped-function", NOTE,
        "sync_to_async around a function that does ORM work",
        "The wrapper keeps the function's queries on one thread, in order, maybe in one transaction; each "
        "twin would be a hop of its own. Nothing to do.",
    ),
    Code(
        "DJA511", "iterator-outside-for", WARNING,
        "qs.iterator() other than as the iterable of a for loop",
        "Its twin aiterator() is an async iterator: only async for takes it. Iterate it in a for loop of its "
        "own, or list the queryset.",
    ),
    Code(
        "DJA512", "name-taken", WARNING,
        "the async function's name means something else here",
        "The rewrite would import aget_object_or_404 (or alogin ...) under a name the module or the function "
        "already binds to something else. Rename that binding.",
    ),
    Code(
        "DJA513", "generator-over-queryset", WARNING,
        "a generator expression over a queryset",
        "Whoever consumes the generator iterates the queryset synchronously; an async generator expression "
        "is another type, which a sync consumer cannot take. List the queryset first.",
    ),
    Code(
        "DJA514", "in-generator", WARNING,
        "sync ORM work inside a generator expression",
        "An await inside a generator expression makes it an async generator, which its sync consumer cannot "
        "take. Build a list with an async comprehension ([... async for ...]) and use that.",
    ),
    Code(
        "DJA515", "no-auth-middleware", WARNING,
        "request.user kept: AuthenticationMiddleware not known to run",
        "request.auser() exists only where django.contrib.auth's AuthenticationMiddleware is in MIDDLEWARE "
        "(it sets request.user and request.auser). List it literally in the settings module that manage.py "
        "or the pytest configuration names, then run again.",
    ),
    Code(
        "DJA516", "user-changes", WARNING,
        "request.user kept: the function changes it",
        "login/logout (and their a-forms) and assignments set request.user anew, while request.auser() keeps "
        "the user it loaded first: the two may differ. Read the user once with await request.auser() after the "
        "change, by hand.",
    ),
    Code(
        "DJA517", "other-request", WARNING,
        "request.user kept: the request is Django REST framework's",
        "A DRF (or adrf) Request's user is what its authenticators found (a token's user, say); auser() "
        "reaches Django's request beneath it and gives the session's user. Use DRF's own async support, "
        "or read request.user in a sync function.",
    ),
    Code(
        "DJA518", "user-set-elsewhere", WARNING,
        "request.user kept: a file of the project assigns a request's user",
        "A middleware of the project that sets request.user (token or header auth), or a test that gives a "
        "RequestFactory request its user, makes request.user a user auser() does not return (a factory's "
        "request has no auser at all). Make that code set request.auser as well, then run again."
    ),
    Code(
        "DJA520", "unread-model", WARNING,
        "an instance of a class from a models module not in the project",
        "The code builds an instance of a class from a models module whose source is not in the project "
        "(an installed app's, or another library's: transformers.models.bert.BertModel is no Django model), "
        "so the codemod cannot tell that its save() or delete() is the ORM's. Reached through a manager "
        "(X.objects) it is taken for a model. If it is one, use the async twin; if not, --ignore DJA520.",
    ),
)
