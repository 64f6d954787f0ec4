"""Facts about Django, requests and httpx that the codemods rely on: data only.

Each fact lives in one table here, and every codemod reads it from here (no copies). Nothing in
this package imports libcst or touches the file system. Where two codemods deliberately use
different subsets of a fact, the subset is derived here from the full table, with the difference
named, and ``tests/test_knowledge.py`` checks that the derivation holds.
"""
