"""Facts about the whole project, gathered before any file is rewritten.

Some decisions depend on other files of the project, processed or not: a view that another
module awaits must stay async, a test class may derive from a project base class defined
elsewhere, a module is a views module when a urlconf routes to it, a view class must keep async
handlers while a subclass elsewhere has async ones. The runner reads every file of the project
(its root's, see ``whole``), not only the given paths; files whose text could hold such a fact
are parsed with ``ast`` (cheap, cached by content) and their facts merged into one
``ProjectIndex`` that every codemod sees through ``ctx.project``.

Codemods that read other files (settings, models, conftest, urlconfs) do it only through the
recorded reads here (``read_text``, ``path_exists``, ``is_file``, ``glob``), so that a cached
result is dropped when one of those files changes.

Rooms: ``index`` (``FileFacts``, ``file_facts``, ``ProjectIndex``), ``awaited`` (awaited and
scheduled names), ``class_bases`` (class bases from the text), ``routes`` (urlconf routes),
``dependencies`` (dependency files, httpx2), ``django_version`` (the Django version the
dependency files declare: the default ``--target-django``), ``whole`` (the project's files and the facts of
those not being processed, cached), ``reads`` (the recorded disk reads); ``test_setup``
and ``python_version`` hold project facts that one codemod reads.
"""

from __future__ import annotations

from codemods.knowledge.testing import DJANGO_TEST_CASES
from codemods.project.awaited import _last_name
from codemods.project.class_bases import _class_bases
from codemods.project.dependencies import dependency_text
from codemods.project.index import FileFacts, ProjectIndex, _wants, file_facts
from codemods.project.reads import glob, is_file, path_exists, read_text, reads_current, recording_reads
from codemods.project.routes import OWN_MODULE
from codemods.project.whole import project_facts, project_files

# The private names are those the tests use; DJANGO_TEST_CASES is ``ProjectIndex``'s default.
__all__ = [
    "DJANGO_TEST_CASES",
    "OWN_MODULE",
    "FileFacts",
    "ProjectIndex",
    "_class_bases",
    "_last_name",
    "_wants",
    "dependency_text",
    "file_facts",
    "glob",
    "is_file",
    "path_exists",
    "project_facts",
    "project_files",
    "read_text",
    "reads_current",
    "recording_reads",
]
