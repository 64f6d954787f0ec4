"""async-orm: what it refuses (one line, with a code and the fix) and the thread-wrapped forms."""

from __future__ import annotations

import pytest

from tests.async_orm_support import CM, shop
from tests.harness import check_noop, check_transformed, rewrite

HEAD = "from asgiref.sync import sync_to_async\nfrom shop.models import Offer, Product\n\n\n"


def _n(body: str, reason, tmp_path, **kw):
    return check_noop(CM, HEAD + "async def f(pk):\n" + body, reason, path=shop(tmp_path), **kw)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("    return len(Product.objects.all())\n", "use `await Product.objects.all().acount()`"),
        ("    return bool(Product.objects.all())\n", "use `await Product.objects.all().aexists()`"),
        ("    qs = Product.objects.all()\n    if qs:\n        return 1\n", "testing qs evaluates the queryset synchronously: use `await qs.aexists()`"),
        ("    qs = Product.objects.all()\n    return not qs\n", "use `await qs.aexists()`"),
        ("    qs = Product.objects.all()\n    return qs and 1\n", "use `await qs.aexists()`"),
        ("    return pk in Product.objects.all()\n", "acontains(obj)"),
        ("    return Product.objects.all()[0]\n", "`await Product.objects.all().afirst()` is the first row"),
        ("    return Product.objects.all()[::2]\n", "evaluates the queryset synchronously"),
        ("    return sorted(Product.objects.all())\n", "sorted(Product.objects.all()) evaluates the queryset"),
        ("    return Product.objects.all().iterator()\n", "only async for takes its twin aiterator()"),
        ("    return sum(p.stock for p in Product.objects.all())\n", "a generator expression over Product.objects.all()"),
        ("    return Offer.objects.get(pk=pk)\n", "Offer.objects overrides get() (aget() would not run it)"),
        ("    return Offer.objects.published()\n", "`Offer.objects.published()` is no QuerySet method the codemod knows"),
        ("    return Product.objects.filter(a=1).as_json()\n", "is no QuerySet method"),
        (
            "    p = Product.objects.get(pk=pk)\n    return p.category.name\n",
            'p.category loads the related row lazily (SynchronousOnlyOperation): add select_related("category")',
        ),
        (
            "    for p in Product.objects.filter(a=1):\n        print(p.category)\n",
            "p.category loads the related row lazily",
        ),
        (
            "    return await sync_to_async(Product.objects.get, thread_sensitive=False)(pk=pk)\n",
            "chooses the thread the call runs in",
        ),
    ],
)
def test_refused_with_the_fix(body, reason, tmp_path):
    out = rewrite(CM, HEAD + "async def f(pk):\n" + body, path=shop(tmp_path))
    assert out.error is None
    msgs = [d.message for d in out.diagnostics if d.kind in ("refused", "note")]
    assert any(reason in m for m in msgs), msgs
    assert all(d.code.startswith("DJA5") for d in out.diagnostics if d.kind != "fixed")
    again = rewrite(CM, out.source, path=shop(tmp_path))
    assert again.source == out.source


def test_evaluations_are_never_rewritten(tmp_path):
    _n("    return len(Product.objects.all())\n", "acount()", tmp_path)
    _n("    if Product.objects.filter(a=pk):\n        return 1\n", "aexists()", tmp_path)
    _n("    return Product.objects.order_by('n')[0]\n", "afirst()", tmp_path)


def test_loaded_relations_and_id_fields_are_fine(tmp_path):
    check_transformed(
        CM,
        HEAD + "async def f(pk):\n"
        "    p = Product.objects.select_related('category').get(pk=pk)\n"
        "    q = Product.objects.get(pk=pk)\n"
        "    for r in Product.objects.prefetch_related('category'):\n        print(r.category)\n"
        "    made = Product(name='x')\n"
        "    return p.category.name, q.category_id, made.category\n",
        HEAD + "async def f(pk):\n"
        "    p = await Product.objects.select_related('category').aget(pk=pk)\n"
        "    q = await Product.objects.aget(pk=pk)\n"
        "    async for r in Product.objects.prefetch_related('category'):\n        print(r.category)\n"
        "    made = Product(name='x')\n"
        "    return p.category.name, q.category_id, made.category\n",
        path=shop(tmp_path),
    )


def test_work_inside_atomic_is_refused_once_and_left(tmp_path):
    src = (
        "from django.db import transaction\n" + HEAD + "async def f(pk):\n"
        "    with transaction.atomic():\n"
        "        p = Product.objects.get(pk=pk)\n        p.save()\n"
    )
    out = check_noop(CM, src, "runs inside transaction.atomic(), which does not work around async queries", path=shop(tmp_path))
    assert len([d for d in out.diagnostics if d.code == "DJA506"]) == 1
    check_noop(
        CM,
        "from django.db import transaction\n" + HEAD + "@transaction.atomic\nasync def f(pk):\n"
        "    return Product.objects.count()\n",
        "inside transaction.atomic()",
        path=shop(tmp_path),
    )


def test_querysets_handed_to_templates_and_serializers(tmp_path):
    src = (
        "from django.shortcuts import render\n" + HEAD + "async def f(request):\n"
        "    qs = Product.objects.all()\n"
        "    data = ProductSerializer(qs, many=True).data\n"
        "    return render(request, 'x.html', {'items': qs, 'data': data})\n"
    )
    out = check_noop(CM, src, "qs is handed to render(), which iterates it synchronously", path=shop(tmp_path))
    assert any("handed to ProductSerializer()" in d.message for d in out.diagnostics)


def test_the_twin_name_taken_is_refused(tmp_path):
    check_noop(
        CM,
        "from django.shortcuts import get_object_or_404\nfrom shop.models import Product\n\n"
        "def aget_object_or_404(*a):\n    return None\n\n\n"
        "async def f():\n    return get_object_or_404(Product, pk=1)\n",
        "aget_object_or_404 (the twin of get_object_or_404) is bound to something else here",
        path=shop(tmp_path),
    )


def test_a_manager_the_codemod_cannot_read_refuses(tmp_path):
    path = shop(tmp_path)
    models = tmp_path / "shop/models.py"
    models.write_text(models.read_text() + "\n\nclass Hidden(models.Model):\n    objects = make_manager()\n")
    check_noop(
        CM,
        "from shop.models import Hidden\n\n\nasync def f():\n    return Hidden.objects.count()\n",
        "Hidden.objects is a manager the codemod cannot read (acount() would skip an override of count())",
        path=path,
    )


# --------------------------------------------------------------------------- thread-wrapped forms
@pytest.mark.parametrize(
    ("line", "new"),
    [
        ("x = await sync_to_async(Product.objects.get)(pk=pk)", "x = await Product.objects.aget(pk=pk)"),
        ("x = await sync_to_async(Product.objects.filter(a=1).count)()", "x = await Product.objects.filter(a=1).acount()"),
        ("x = await sync_to_async(list)(Product.objects.all())", "x = [row async for row in Product.objects.all()]"),
        ("x = await sync_to_async(lambda: Product.objects.filter(a=1).first())()", "x = await Product.objects.filter(a=1).afirst()"),
        ("x = await sync_to_async(Product.objects.get, thread_sensitive=True)(pk=pk)", "x = await Product.objects.aget(pk=pk)"),
        ("x = (await sync_to_async(Product.objects.get)(pk=pk)).name", "x = (await Product.objects.aget(pk=pk)).name"),
    ],
)
def test_thread_wrapped_twins_are_unwrapped_and_the_import_dropped(line, new, tmp_path):
    check_transformed(
        CM,
        HEAD + f"async def f(pk):\n    {line}\n    return x\n",
        "from shop.models import Offer, Product\n\n\n" + f"async def f(pk):\n    {new}\n    return x\n",
        path=shop(tmp_path),
    )


def test_database_sync_to_async_around_save(tmp_path):
    check_transformed(
        CM,
        "from channels.db import database_sync_to_async\nfrom shop.models import Product\n\n\n"
        "async def f(pk):\n    obj = await Product.objects.aget(pk=pk)\n    await database_sync_to_async(obj.save)()\n",
        "from shop.models import Product\n\n\n"
        "async def f(pk):\n    obj = await Product.objects.aget(pk=pk)\n    await obj.asave()\n",
        path=shop(tmp_path),
    )


def test_wrapped_forms_that_stay(tmp_path):
    # a function of the module doing ORM work: kept (one thread, in order), a note
    check_noop(
        CM,
        HEAD + "def helper(pk):\n    p = Product.objects.get(pk=pk)\n    p.save()\n    return p\n\n\n"
        "async def f(pk):\n    return await sync_to_async(helper)(pk)\n",
        "helper() does ORM work in a thread (2 call(s) or loop(s)): kept as is",
        levels=("note",),
        path=shop(tmp_path),
    )
    # unknown functions and non-ORM targets: silent
    _n("    return await sync_to_async(other)(pk)\n", None, tmp_path)
    _n("    return await sync_to_async(print)(pk)\n", None, tmp_path)
    # no twin in the target version: right as it is (in a thread), silent
    _n("    p = Product(name='a')\n    await sync_to_async(p.save)()\n", None, tmp_path, target_django=(4, 1))
    # the sync_to_async import stays while something else uses it
    check_transformed(
        CM,
        HEAD + "async def f(pk):\n    a = await sync_to_async(Product.objects.get)(pk=pk)\n"
        "    return a, await sync_to_async(print)(a)\n",
        HEAD + "async def f(pk):\n    a = await Product.objects.aget(pk=pk)\n"
        "    return a, await sync_to_async(print)(a)\n",
        path=shop(tmp_path),
    )


# --------------------------------------------------------------------------- DJANGO_ALLOW_ASYNC_UNSAFE
def test_a_project_that_turns_the_check_off_is_reported_not_rewritten(tmp_path):
    path = shop(tmp_path)
    (tmp_path / "manage.py").write_text('import os\nos.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"\n')
    check_noop(
        CM,
        HEAD + "async def f(pk):\n    return Product.objects.get(pk=pk)\n",
        "not rewritten: manage.py sets DJANGO_ALLOW_ASYNC_UNSAFE",
        path=path,
    )
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n'
    )
    (tmp_path / "shop/settings.py").write_text('import os\nos.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")\n')
    check_noop(
        CM,
        HEAD + "async def f(pk):\n    return Product.objects.get(pk=pk)\n",
        "not rewritten: settings.py sets DJANGO_ALLOW_ASYNC_UNSAFE",
        path=path,
    )


def test_a_test_or_script_setting_it_does_not_count(tmp_path):
    path = shop(tmp_path)
    (tmp_path / "shop/conftest.py").write_text('import os\nos.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"\n')
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/load.py").write_text('import os\nos.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"\n')
    (tmp_path / "manage.py").write_text('# os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"\n')
    check_transformed(
        CM,
        HEAD + "async def f(pk):\n    return Product.objects.get(pk=pk)\n",
        HEAD + "async def f(pk):\n    return await Product.objects.aget(pk=pk)\n",
        path=path,
    )


def test_wrapped_shortcuts_auth_and_listing_lambdas(tmp_path):
    check_transformed(
        CM,
        """\
from asgiref.sync import sync_to_async
from django.contrib.auth import login
from django.shortcuts import get_object_or_404
from shop.models import Product


async def f(request, user):
    p = await sync_to_async(get_object_or_404)(Product, pk=1)
    await sync_to_async(login)(request, user)
    rows = await sync_to_async(lambda: list(Product.objects.all()))()
    async def inner():
        return Product.objects.count()
    return p, rows, inner
""",
        """\
from django.contrib.auth import alogin
from django.shortcuts import aget_object_or_404
from shop.models import Product


async def f(request, user):
    p = await aget_object_or_404(Product, pk=1)
    await alogin(request, user)
    rows = [row async for row in Product.objects.all()]
    async def inner():
        return await Product.objects.acount()
    return p, rows, inner
""",
        path=shop(tmp_path),
    )


def test_orm_work_inside_a_generator_expression_is_refused(tmp_path):
    _n(
        "    return list(Product.objects.filter(pk=i).count() for i in range(3))\n",
        "runs inside a generator expression: an await there would make it an async generator",
        tmp_path,
    )


def test_a_class_of_a_models_module_that_is_no_model_is_left_silently(tmp_path):
    path = shop(tmp_path)
    models = tmp_path / "shop/models.py"
    models.write_text(models.read_text() + "\n\nclass Status(models.TextChoices):\n    NEW = 'n'\n\n\nclass Plain:\n    pass\n")
    check_noop(
        CM,
        "from shop.models import Plain, Status\n\n\nasync def f():\n    p = Plain()\n    p.save()\n"
        "    return Status.objects.get(pk=1)\n",
        None,
        path=path,
    )


def test_a_model_deriving_from_an_abstract_model_of_the_file():
    # a model of the file, through its abstract base: known; its manager may come from that base
    check_noop(
        CM,
        "from django.db import models\n\n\nclass Base(models.Model):\n    class Meta:\n        abstract = True\n\n\n"
        "class Item(Base):\n    pass\n\n\nasync def f():\n    return Item.objects.count()\n",
        "Item.objects is a manager the codemod cannot read (acount() would skip an override of count())",
    )


# --------------------------------------------------------------------------- models modules not in the project
# Another library's ``models`` package holds no Django model: ``BertModel(path).save()`` is no query,
# and ``await model.asave()`` would raise AttributeError. An instance built from a class of a models
# module the project does not hold is reported, never rewritten.
LIBRARY = """\
from transformers.models.bert import BertModel


async def export(path):
    model = BertModel(path)
    model.save()
    return model
"""


def test_an_instance_of_a_class_from_an_unread_models_module_is_reported_not_rewritten():
    out = check_noop(CM, LIBRARY, "is a sync query only on a Django model, and BertModel (built here from transformers.models.bert")
    assert [d.code for d in out.diagnostics] == ["DJA520"]
    assert rewrite(CM, out.source).source == LIBRARY


def test_a_class_of_an_unread_models_module_reached_through_its_manager_is_a_model():
    # ``X.objects`` is Django's manager: an installed app's model (its source is not in the project).
    check_transformed(
        CM,
        "from allauth.account.models import EmailAddress\n\n\nasync def f(pk):\n"
        "    address = EmailAddress.objects.get(pk=pk)\n    address.save()\n",
        "from allauth.account.models import EmailAddress\n\n\nasync def f(pk):\n"
        "    address = await EmailAddress.objects.aget(pk=pk)\n    await address.asave()\n",
    )
