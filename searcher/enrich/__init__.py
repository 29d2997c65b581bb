"""Stage 2, enrichment: an Article gains what is computed from its text alone (quotes),
without Whoosh or the store."""
