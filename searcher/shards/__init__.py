"""Sharded indexes: one index folder split into N ordinary index folders (shards).

`manifest` says how many shards a folder holds, where each lives and how articles are
routed to them (a stable hash of the id); `ShardedIndex` (`index`) is what `Index(path)`
opens for such a folder: it writes each shard in a process of its own, and answers every
query as one unsharded index of the same articles would, each shard scoring with the
statistics of all of them (`bm25f.CollectionStatistics`) and the answers merged.
"""
