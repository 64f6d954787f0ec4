"""dj-asyncify: codemods that move Django code to correct, useful async."""

__version__ = "0.1.0"
