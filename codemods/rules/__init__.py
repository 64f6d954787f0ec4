"""The codemods: one subpackage each, found by discovery (``codemods.registry.all_codemods``).

A codemod's ``__init__`` holds its docstring (what ``dj-asyncify explain`` prints), its
``Codemod`` subclass decorated with ``@register``, and its text pre-check; it imports no libcst,
so a run that rewrites nothing never loads it. The rest of the subpackage (analysis, plan,
rewrite, imports) is imported by ``transform`` only.

Adding a codemod is adding a subpackage here: nothing else lists them.
"""
