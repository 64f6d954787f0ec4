"""Turn synchronous ORM work inside ``async def`` into its awaited async twin.

What it does
    Inside every ``async def`` (views, tests, helpers; nested sync functions and lambdas excepted),
    a sync ORM call on a receiver known to be Django's, whose twin the target Django has, becomes
    the awaited twin:

    - ``Product.objects.get(...)`` -> ``await Product.objects.aget(...)``, and every QuerySet
      method with an ``a``-twin (``count``, ``exists``, ``first``, ``create``, ``get_or_create``,
      ``bulk_create``, ``update``, ``delete``, ``aggregate``, ``in_bulk`` ...; Django 4.1+), on a
      model's manager or on a queryset got from one through lazy methods (``filter``,
      ``order_by``, ``select_related``, a slice ...), directly or through a local name;
    - ``obj.save()`` / ``delete()`` / ``refresh_from_db()`` -> ``await obj.asave()`` ... (4.2+) on
      a model instance: ``Product(...)``, the result of ``get``/``first``/``create``... (sync or
      awaited), the loop variable of a ``for`` over a queryset, the first of ``get_or_create``'s
      pair, ``get_object_or_404``'s result;
    - related managers (``order.tags`` for a ManyToManyField the model's source declares,
      ``order.item_set``): ``add``/``remove``/``clear``/``set``/``create``... -> ``aadd``... (4.2+);
    - ``for x in qs:`` -> ``async for x in qs:``, ``for x in qs.iterator():`` -> ``async for x in
      qs.aiterator():``, ``[f(x) for x in qs]`` (list, set and dict comprehensions) -> ``async
      for``; ``list(qs)`` -> ``[row async for row in qs]``;
    - ``get_object_or_404``/``get_list_or_404`` -> ``await aget_object_or_404(...)`` ... and
      ``authenticate``/``login``/``logout`` -> ``aauthenticate``/``alogin``/``alogout`` (5.0+),
      imports fixed (the sync name replaced in its ``from`` import when no longer used);
    - thread-wrapped calls with a direct twin: ``await sync_to_async(Product.objects.get)(pk=1)``
      -> ``await Product.objects.aget(pk=1)``, ``await sync_to_async(list)(qs)`` -> ``[row async
      for row in qs]``, ``await database_sync_to_async(obj.save)()`` -> ``await obj.asave()``,
      ``await sync_to_async(lambda: <one such call>)()``; ``sync_to_async`` is dropped from the
      imports when no longer used;
    - every read of ``request.user`` (the request parameter of a function, the second of a method,
      or ``self.request`` in a method) -> ``await request.auser()`` (5.0+; ``(await
      request.auser()).username`` where the grammar needs parentheses), passing it on included:
      the first read of the lazy user queries the session synchronously, and ``auser()`` caches
      the user on the request, so each read is the same object, in any branch or loop (no name
      is bound, nothing is loaded earlier than before). Only where the settings that ``manage.py``
      or the pytest configuration names list ``AuthenticationMiddleware`` in ``MIDDLEWARE`` (it
      sets ``auser``). Decorators (``@login_required``) are fine as they are;
    - ``Paginator(qs, n)`` -> ``AsyncPaginator(qs, n)`` (6.0+) when it is bound to a name once
      and every use is followed: ``p.page(n)``/``p.get_page(n)`` -> ``await p.apage(n)``/``await
      p.aget_page(n)`` (the page bound to a name once), ``p.count``/``num_pages``/``page_range`` ->
      ``await p.acount()``..., ``for x in page`` / ``for x in page.object_list`` -> ``async for``,
      ``page.has_next()`` ... -> ``await page.ahas_next()`` ..., ``page.number`` as it is. An
      ``AsyncPage`` has no sync API (``len``, indexing and a template's ``{% for %}`` raise
      TypeError, ``has_next`` is missing): a page handed to ``render()``, returned, indexed, or a
      paginator used otherwise, keeps ``Paginator`` and is reported.

    A model class is one imported from a ``models`` module (``shop.models.Product``,
    ``.models.Product``) or a class of the file deriving from ``Model`` (directly or through
    classes of the file); its source (found as ``codemods.project.test_setup`` finds models) tells
    its foreign keys, many-to-many fields and manager, and that a class it defines with no base, or
    only ``TextChoices``/``Enum``-like bases, is no model. Anything not known to be a manager, queryset, related manager or instance (a
    parameter, an attribute of ``self``, a name bound in two ways) is left alone without a word:
    ``client.get(...)`` is nobody's ORM call.

Why
    A sync query inside ``async def`` raises ``SynchronousOnlyOperation`` (Django's async-unsafe
    check): the commonest bug of half-migrated code. The async twins run the same query in
    Django's worker thread; ``sync_to_async`` wrappers around single ORM calls are noise.

Example
    Before::

        from shop.models import Product

        async def product(request, pk):
            item = Product.objects.get(pk=pk)
            item.views += 1
            item.save()
            return item.name

    After::

        from shop.models import Product

        async def product(request, pk):
            item = await Product.objects.aget(pk=pk)
            item.views += 1
            await item.asave()
            return item.name

How it works with the other codemods
    It runs after requests-to-httpx and before gather-awaits and async-views-to-sync. A view
    whose only await, once this codemod has run, is one ORM query is then made sync by
    async-views-to-sync in the same run (``item = Product.objects.get(pk=pk)`` in an ``async def``
    view ends as a plain ``def`` view calling ``get``): the view that raised now works, and pays
    no thread hop. The same holds for ``request.user``: made ``await request.auser()`` here, it is
    ``request.user`` again in a view that async-views-to-sync makes sync. What this codemod said
    about such a view (a refusal's advice to await, its rewrite) is dropped from the run's
    output: it no longer holds. Run it alone (``--select async-orm``) to keep such views async.

Fix safety
    Each twin runs the same query as its sync method (in Django's thread-sensitive worker
    thread); ``async for`` yields the same rows. A call through a model's ``objects`` is
    refused when its source shows a manager that overrides the method or cannot be read (the
    twin runs QuerySet's method); a model whose source is not found is taken to have Django's
    manager. Unwrapping ``sync_to_async`` keeps the thread the call ran in (thread-sensitive).

Refuses when
    Each refusal is one line with its code (``codes.py``); nothing is rewritten there:

    - the twin is newer than ``--target-django`` (the message names the version that has it);
    - a manager or queryset method the codemod cannot see into (``Product.objects.published()``);
      a manager that overrides the method;
    - ``len(qs)`` (fix: ``await qs.acount()``), ``bool(qs)``/``if qs:``/``not qs``/``qs and x``
      (``await qs.aexists()``), ``x in qs`` (``await qs.acontains(x)``), ``qs[0]`` and slices with
      a step (``await qs.afirst()``: None, not IndexError, when empty), iterating builtins
      (``tuple``, ``sorted``, ``sum`` ...): the awaited method is not always the same value, so the
      fix is named, not made; ``qs.iterator()`` outside a ``for``; a generator expression over a
      queryset, and sync ORM work inside a generator expression (an await would make it an async
      generator);
    - reading a ForeignKey/OneToOneField of an instance fetched by a query that does not
      ``select_related``/``prefetch_related`` it (``order.customer.name``): a lazy load, which
      raises ``SynchronousOnlyOperation`` and cannot be awaited; the fix is named;
    - ORM work inside ``with transaction.atomic():`` or an ``@transaction.atomic`` async function
      (atomic does not work around async queries);
    - a queryset handed to ``render``/``render_to_string``/``TemplateResponse``/``serialize``/
      ``Paginator`` or a ``...Serializer`` (they iterate it synchronously);
    - ``sync_to_async(..., thread_sensitive=False)`` or ``executor=``: the thread changes;
    - the async function's name (``aget_object_or_404`` ...) is bound to something else;
    - ``request.user`` when the settings are not known to run ``AuthenticationMiddleware``
      (none named, not found, not a literal list, changed, or without it: the reason is said),
      and in a function that assigns or deletes ``request.user`` or calls ``login``/``logout``
      (or their a-forms): they set ``request.user``, while ``auser()`` keeps the user it cached;
      and in a file that imports ``rest_framework``/``adrf`` (their request's user is what the
      authenticators found; ``auser()`` would be the session's user); and anywhere while a file
      of the project assigns a request's user (``request.user = ...`` in a middleware of its own
      or a test's RequestFactory request: ``auser()`` would not give that user back);
    - a ``Paginator`` given a queryset below Django 6.0 (the message says 6.0 has
      ``AsyncPaginator``), or whose uses cannot all be followed (the reason is said);
    - the project's runtime sets ``DJANGO_ALLOW_ASYNC_UNSAFE`` (its settings module, or a
      ``manage.py``/``asgi.py``/``wsgi.py`` from the file's folder up to the project root): the
      file is reported and left as it is (a test or a script setting it does not count).

    ``sync_to_async(f)`` around a function of the module that does ORM work stays, with a note
    (``-v``): it keeps the queries on one thread, in order, maybe in one transaction. Sync ORM in
    a nested sync ``def`` or a lambda is left without a word: it runs where the caller runs it (in
    a thread, often), where it is correct; so is ``request.user`` there. Not yet: reverse relations declared in other modules.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from codemods.candidates import Facts
from codemods.knowledge.orm import INSTANCE, MANAGER_ATTRS, METHODS, SYNC_FUNCTIONS
from codemods.registry import Codemod, Context, register
from codemods.rules.async_orm.codes import CODES, PAGE

if TYPE_CHECKING:  # libcst is imported by transform only
    import libcst as cst


@register
class AsyncOrm(Codemod):
    name = "async-orm"
    codes = CODES
    page = PAGE
    summary = "Sync ORM calls inside async def become their awaited async twins"
    min_django = (4, 1)
    order = 15
    about_async_code = True  # a view async-views-to-sync then makes sync: its ORM is fine as it was

    def precheck(self, source: str) -> bool:
        return "async def" in source

    def candidate(self, facts: Facts) -> bool:
        # Everything it rewrites or reports sits in an async def and starts from a name there: a
        # model class (imported from a ``models`` module, or a class of the file deriving from
        # ``Model`` or from such a class), a ``models`` module, a query function of Django's
        # (get_object_or_404, login ...) or the module holding it, or the request's user.
        # A class of a models module counts next to a manager or an instance method only (another
        # library's ``models`` package: ``transformers.models.bert.BertModel``).
        if not facts.async_defs:
            return False
        roots, models = _root_names(facts.statements)
        for d in facts.async_defs:
            names = set()
            evidence = False
            for n in ast.walk(d):
                if isinstance(n, ast.Name):
                    if n.id in roots:
                        return True
                    names.add(n.id)
                elif isinstance(n, ast.Attribute):
                    if n.attr == "user" and (getattr(n.value, "id", None) == "request" or getattr(n.value, "attr", None) == "request"):
                        return True
                    evidence = evidence or n.attr in _EVIDENCE
            if evidence and names & models:
                return True
        return False

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        from codemods.rules.async_orm.rewrite import transform

        return transform(module, ctx)


def _root_names(statements: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """The names of a module an ORM rewrite can start from (see ``AsyncOrm.candidate``): those
    that are enough (Django's query functions and their modules, the file's model classes), and
    the classes and modules of ``models`` modules (enough next to a manager or instance method)."""
    roots: set[str] = set()
    models: set[str] = set()
    classes: list[ast.ClassDef] = []
    for node in statements:
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            in_models = "models" in module.split(".")
            for a in node.names:
                qual = f"{module}.{a.name}"
                if qual in SYNC_FUNCTIONS or qual in _FUNCTION_MODULES:
                    roots.add(a.asname or a.name)
                elif in_models or a.name == "models":
                    models.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if "models" in a.name.split(".") or a.name.split(".")[0] == "django":
                    roots.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, ast.ClassDef):
            classes.append(node)
    # Classes of the file deriving from Model, or from a model class (through other classes too).
    bases = {c.name: {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in c.bases} for c in classes}
    grown = True
    while grown:
        grown = False
        for name, names in bases.items():
            if name not in roots and ("Model" in names or names & (roots | models)):
                roots.add(name)
                grown = True
    return roots, models


# Attributes that show a models module's class at work: a manager, an instance method with a twin
# (the transform's per-function text test reads the same two sets, see ``rewrite._relevant``).
MANAGERS = MANAGER_ATTRS
INSTANCE_METHODS = frozenset(m.sync for m in METHODS[INSTANCE].values())
_EVIDENCE = MANAGERS | INSTANCE_METHODS


# Modules holding Django's sync query functions (``from django.contrib import auth``: ``auth.login``).
_FUNCTION_MODULES = frozenset(qual.rpartition(".")[0] for qual in SYNC_FUNCTIONS)
