"""async-orm on real third-party code (tests/fixtures/real/orm/, excerpts of public projects, origin
on each file's first line; and the requests/ excerpts, which do ORM work through sync_to_async too):
no crash, the output compiles, a second run changes nothing, and each excerpt's outcome is pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import rewrite

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
ORM = REAL / "orm"

# file -> (lines the rewrite writes, exactly; the codes of what it reports)
OUTCOMES = {
    "Digital-Twins-RSBR-middleware-dt__list_then_lambda_first.py": (
        [
            "        twins = [row async for row in TwinInstance.objects.filter(device=device).distinct()]",
            '            last = await DeviceReading.objects.filter(twin=twin).order_by("-at").afirst()',
        ],
        [],
    ),
    "MRprgmr-Olimpics_bot__wrapped_get_beside_helper.py": (["    contest = await Olympiad.objects.aget(id=pk)"], []),
    "Yakudzaki-Battle-X__sync_helper_in_handler.py": ([], []),
    "pavel-ladygin-crypto_bot__wrapped_delete_after_gets.py": (
        [
            "        member = await BotUser.objects.aget(telegram_id=query.from_user.id)",
            "        coin = await CoinSnapshot.objects.aget(symbol=symbol)",
            "        link = await Subscription.objects.aget(user=member, coin=coin)",
            "        await link.adelete()",
        ],
        [],
    ),
    "pavel-ladygin-crypto_bot__wrapped_exists_get_create.py": (
        [
            "        return await CoinSnapshot.objects.filter(coingecko_id=query.data).aexists()",
            "    coin = await CoinSnapshot.objects.aget(coingecko_id=query.data)",
            "    member, _ = await BotUser.objects.aget_or_create(telegram_id=query.from_user.id)",
            "    already = await Subscription.objects.filter(user=member, coin=coin).aexists()",
            "        await Subscription.objects.acreate(user=member, coin=coin)",
        ],
        [],
    ),
    "pavel-ladygin-crypto_bot__wrapped_pair_and_list.py": (
        [
            "    member, _ = await BotUser.objects.aget_or_create(telegram_id=chat_id)",
            '    rows = [row_1 async for row_1 in Subscription.objects.filter(user=member).select_related("coin")]',
        ],
        [],
    ),
    "slow999-DjangoAndAsyncCompare__module_level_wrapped_helper.py": ([], []),
}


def _new_lines(before: str, after: str) -> list[str]:
    old = set(before.splitlines())
    return [line for line in after.splitlines() if line not in old]


def test_every_excerpt_is_pinned_and_names_its_origin():
    files = sorted(p.name for p in ORM.glob("*.py"))
    assert files == sorted(OUTCOMES) and 5 <= len(files) <= 8
    for name in files:
        first = (ORM / name).read_text().splitlines()[0]
        assert first.startswith("# origin: ") and "/" in first, name


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_outcome_on_each_excerpt(name):
    path = ORM / name
    source = path.read_text()
    out = rewrite("async-orm", source, path=str(path))
    assert out.error is None, out.error
    compile(out.source, name, "exec")
    again = rewrite("async-orm", out.source, path=str(path))
    assert again.source == out.source
    written, codes = OUTCOMES[name]
    assert _new_lines(source, out.source) == written
    assert sorted(d.code for d in out.diagnostics if d.kind != "fixed") == codes
    if written and "sync_to_async(" not in out.source:
        assert "import sync_to_async" not in out.source  # dropped once unused


@pytest.mark.parametrize("path", sorted(REAL.rglob("*.py")), ids=lambda p: p.name)
def test_every_real_fixture_survives(path):
    source = path.read_text()
    out = rewrite("async-orm", source, path=str(path))
    assert out.error is None, out.error
    compile(out.source, path.name, "exec")
    assert rewrite("async-orm", out.source, path=str(path)).source == out.source
