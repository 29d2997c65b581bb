"""The command line: `search` and its commands (`app`), and how it renders results."""

from searcher.cli.app import app

__all__ = ["app"]
