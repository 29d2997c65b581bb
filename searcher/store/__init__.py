"""Stage 3, the store: the Whoosh schema and analysis, the stored-document codec, the one
writer, the stem table, stories, file state, the write lock and the sidecars."""

DEFAULT_COMMIT_EVERY = 50_000  # articles between the commits of an indexing run
