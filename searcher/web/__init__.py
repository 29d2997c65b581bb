"""`search serve`: a search page and a JSON API over one index (see `searcher.web.app`)."""

from searcher.web.app import create_app

__all__ = ["create_app"]
