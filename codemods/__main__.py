"""``python -m codemods``: the dj-asyncify command."""

from codemods.cli import main

main()
