"""Stage 4, querying: syntax checks, parsing, ranking, filters, ordering, facets, snippets,
spelling, show/similar, quote search and evaluation."""
