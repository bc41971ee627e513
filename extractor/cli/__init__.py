"""The command line: `extractor extract`, `batch`, `show`, `schema`."""

from .app import app, main

__all__ = ["app", "main"]
