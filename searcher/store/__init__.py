"""Stage 3, the store: the Whoosh schema and analysis, the one writer, the stem table,
stories, file state, the write lock and the sidecars."""
