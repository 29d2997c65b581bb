"""The commits of an indexing run: old versions and gone files out, ids checked, the
workers' segments in, the story store and the file state after (`IndexingRun.commit`),
and the merge policy (`MAX_SEGMENTS`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import compress
from pathlib import Path

from whoosh import writing
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, Term
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from searcher.enrich.duplicates import copy_of, facts_agree
from searcher.errors import IndexOutdatedError
from searcher.models import IndexReport, Problem
from searcher.store.filestate import (
    Commit,
    FileFingerprint,
    FileState,
    save_state,
)
from searcher.store.indexfolder import (
    commit_of,
    read_commit,
)
from searcher.store.sidecars import sidecar_damage
from searcher.store.stories import CHUNK, STORE_FILE, HeldKeys, StoryStore, remove_store
from searcher.store.workers import FileResult, duplicate_problem
from searcher.whoosh_internals import (
    commit_segments,
    release_writer,
    segment_writer,
    segments_of,
    writer_beside_workers,
)

# Memory of a merge's posting pool before it spills sorted postings to disk.
WRITER_LIMIT_MB = 32
# After a run, the smallest segments are merged once there are more than this many: each
# segment costs every query a little, and each merge costs the indexer.
MAX_SEGMENTS = 12


@dataclass
class IndexingRun:
    """The counts of a run and the state it has committed so far."""

    folder: Path
    state: dict[str, FileFingerprint]
    fresh: bool
    clear_first: bool
    merge: bool = False  # merge the smallest segments in the commit, past `MAX_SEGMENTS`
    added: int = 0
    replaced: int = 0
    removed: int = 0
    problems: list[Problem] = field(default_factory=list)
    commit_done: Commit | None = None  # the last commit of this run
    # Hashes of the ids a fresh run has committed: which ids an earlier batch may hold.
    committed: set[int] = field(default_factory=set)
    # Called with the results of each commit once it is done (a sharded index's writer).
    on_commit: Callable[[list[FileResult]], None] | None = None
    # The story store taking the articles of the batch being read (see `take`).
    _ahead: _StoriesAhead | None = field(default=None, repr=False)
    _ahead_failed: bool = field(default=False, repr=False)
    # The keys the store may hold (see `HeldKeys`), while every change of it is `take`'s.
    _held: HeldKeys | None = field(default=None, repr=False)

    def take(self, results: list[FileResult]) -> None:
        """The results of the batch being read, in the order of their files (the first
        ones, then the next, ...). In a fresh run, their articles go into the story store
        as they come (in the transaction the batch's commit ends), not once the batch is
        read, with the first article of an id keeping it; the commit checks that they are
        the articles it keeps, and else makes its change in the store as without them."""
        if not self.fresh or self._ahead_failed:
            return
        if self._ahead is None:
            self._ahead = _StoriesAhead.start(self.folder, self.clear_first, self._held)
            self._held = None if self._ahead is None else self._ahead.store.held
        if self._ahead is None or not self._ahead.take(results):
            self._ahead, self._ahead_failed = None, True

    def abandon(self) -> None:
        """Forget what `take` put into the story store (a run that failed)."""
        if self._ahead is not None:
            _abandon(self._ahead.store)
            self._ahead = None

    def commit(
        self,
        results: list[FileResult],
        segments: list[Segment] | Callable[[], list[Segment]],
        gone: list[str],
    ) -> None:
        """One atomic commit: old versions and gone files out, the new segments in, less
        the articles whose id is taken (see `_unique`), then the same change in the story
        store. `segments` may be a function that waits for them: it is called once the
        story store's change is made (not yet committed), so worker processes write their
        segments meanwhile."""
        ix = FileStorage(str(self.folder), supports_mmap=False).open_index()
        writer = writer_beside_workers(ix)  # the workers read the next batch meanwhile
        store: StoryStore | None = None
        ahead, self._ahead = self._ahead, None
        taken = results
        try:
            old_ids: set[str] = set()
            with writer.searcher() as searcher:
                deleted: set[int] = set()
                if not self.fresh:
                    for file_id in gone:
                        old_ids |= _delete(writer, searcher, Term("file", file_id), deleted)
                    for result in results:
                        if (result.ids or result.elsewhere) and result.file_id:  # read again
                            query = Term("file", result.file_id)
                            old_ids |= _delete(writer, searcher, query, deleted)
                results, refused = self._unique(results, writer, searcher, deleted, old_ids)
            new_ids = {article_id for result in results for article_id in result.ids}
            if ahead is not None:
                store = ahead.finish(taken, new_ids, old_ids)
                ahead = None  # committed or abandoned with the store
            if store is None:
                self._held = None  # the store changes without it
                store = _begin_stories(self.folder, results, old_ids - new_ids, self.clear_first)
            if callable(segments):
                segments = segments()
            if refused:
                _drop(writer, segments, refused)
            policy: Callable[..., list[Segment]] = writing.NO_MERGE
            if self.clear_first:
                policy = writing.CLEAR
            elif self.merge:
                policy = partial(_merge_smallest, new=len(segments))
            remaining = commit_segments(writer, policy, segments)
        except BaseException:
            try:
                if ahead is not None:
                    _abandon(ahead.store)
                if store is not None:
                    _abandon(store)
            finally:
                writer.cancel()
            raise
        release_writer(writer)
        self.commit_done = commit_of(writer.generation, remaining + segments)
        if self.fresh:
            self.committed.update(map(hash, new_ids))
        if store is None:
            _update_stories(self.folder, results, old_ids - new_ids, clear=self.clear_first)
        else:
            with sidecar_damage(self.folder, STORE_FILE):
                try:
                    store.commit()
                finally:
                    store.close()
        self.clear_first = False
        self.replaced += len(new_ids & old_ids)
        self.added += len(new_ids - old_ids)
        self.removed += len(old_ids - new_ids)
        for file_id in gone:
            self.state.pop(file_id, None)
        for result in results:
            self.problems += result.problems
            if result.fingerprint is not None:
                self.state[result.file_id] = result.fingerprint
        save_state(self.folder, FileState(self.state, self.commit_done))
        if self.on_commit is not None:
            self.on_commit(results)

    def report(
        self, notes: list[str], files_seen: int = 0, files_unchanged: int = 0
    ) -> IndexReport:
        """What the run did, for `Index.update` or `Index.add`."""
        return IndexReport(
            added=self.added,
            replaced=self.replaced,
            removed=self.removed,
            problems=tuple(self.problems),
            files_seen=files_seen,
            files_unchanged=files_unchanged,
            notes=tuple(notes),
        )

    def _unique(
        self,
        results: list[FileResult],
        writer: writing.SegmentWriter,
        searcher: Searcher,
        deleted: set[int],
        old_ids: set[str],
    ) -> tuple[list[FileResult], list[tuple[str, str]]]:
        """`results` without the articles whose id is taken, each reported, and their
        (file id, article id). An id is taken by a live article of another file, or by an
        earlier article of this commit: the first one keeps it."""
        owners: dict[str, str] = {}  # article id -> the path of the file that has it
        index = _IndexIds(writer, searcher, deleted, old_ids)
        refused: list[tuple[str, str]] = []
        unique = []
        for result in results:
            kept = [True] * len(result.ids)
            problems = list(result.problems)
            for i, article_id in enumerate(result.ids):
                owner = owners.get(article_id)
                if owner is None and (not self.fresh or hash(article_id) in self.committed):
                    owner = index.owner(article_id)
                if owner is None:
                    owners[article_id] = result.path
                    continue
                kept[i] = False
                refused.append((result.file_id, article_id))
                problems.append(
                    duplicate_problem(
                        result.path or article_id,
                        result.file_id,
                        article_id,
                        result.records[i],
                        f"an article of {owner}",
                    )
                )
            unique.append(
                result
                if all(kept)
                else replace(
                    result,
                    ids=tuple(compress(result.ids, kept)),
                    records=tuple(compress(result.records, kept)),
                    stories=tuple(compress(result.stories, kept)),
                    problems=tuple(problems),
                    fingerprint=None,  # read again next time: the clash may be gone
                )
            )
        return unique, refused


@dataclass
class _IndexIds:
    """Who holds an id in the index, while a commit deletes old versions."""

    writer: writing.SegmentWriter
    searcher: Searcher
    deleted: set[int]  # documents the commit deletes
    old_ids: set[str]  # and their ids
    filed: set[int] | None = None  # documents indexed from a file, once needed

    def owner(self, article_id: str) -> str | None:
        """The path of the file whose live article has `article_id`, or None. An article
        with the id but no file (written by `Index.add`) is deleted: the new one replaces it.
        """
        for docnum in self.searcher.docs_for_query(Term("id", article_id)):
            if docnum in self.deleted:
                continue
            if self.filed is None:
                self.filed = _filed_documents(self.searcher)
            if docnum in self.filed:
                stored = self.searcher.reader().stored_fields(docnum)
                return str(stored.get("path") or "another file")
            self.deleted.add(docnum)
            self.writer.delete_document(docnum)
            self.old_ids.add(article_id)
        return None


def _filed_documents(searcher: Searcher) -> set[int]:
    """The live documents indexed from a file: all but those `Index.add` wrote."""
    files = (term.decode("utf-8") for term in searcher.reader().lexicon("file"))
    return {docnum for file in files for docnum in searcher.docs_for_query(Term("file", file))}


def _drop(
    writer: writing.SegmentWriter, segments: list[Segment], refused: list[tuple[str, str]]
) -> None:
    """Delete the (file id, article id) articles from the new segments before they are
    committed."""
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        with Searcher(reader) as searcher:
            for file_id, article_id in refused:
                # Articles of no file (`Index.add`) have their segment to themselves.
                query = (
                    And([Term("id", article_id), Term("file", file_id)])
                    if file_id
                    else Term("id", article_id)
                )
                for docnum in searcher.docs_for_query(query):
                    segment.delete_document(docnum)


def _begin_stories(
    folder: Path, results: list[FileResult], removed: set[str], clear: bool
) -> StoryStore | None:
    """The story store with the change of a commit made and not committed (a transaction
    the commit ends after Whoosh's): removed articles out, the new ones in their stories;
    with `clear`, every article out first. None when a store to clear cannot be opened or
    changed (an older layout, damage): `_update_stories` replaces it after the commit."""
    if clear:
        try:
            store = StoryStore(folder, copy_of=copy_of, agree=facts_agree)
        except (IndexOutdatedError, sqlite3.DatabaseError):
            return None
        try:
            store.clear()
            _change_stories(store, results, removed)
        except sqlite3.DatabaseError:
            _abandon(store)
            return None
        except BaseException:
            _abandon(store)
            raise
        return store
    with sidecar_damage(folder, STORE_FILE):
        store = StoryStore(folder, copy_of=copy_of, agree=facts_agree)
        try:
            _change_stories(store, results, removed)
        except BaseException:
            _abandon(store)
            raise
    return store


class _StoriesAhead:
    """The story store taking a fresh run's articles as the results of a batch come in
    (`IndexingRun.take`), a chunk at a time."""

    def __init__(self, store: StoryStore) -> None:
        self.store = store
        self.taken = 0  # the batch's results taken
        self.added: set[str] = set()  # the ids added
        self._waiting: list[tuple[str, bytes, str, str, bytes]] = []  # less than a chunk

    @classmethod
    def start(cls, folder: Path, clear: bool, held: HeldKeys | None) -> _StoriesAhead | None:
        """The store with the batch's transaction begun (emptied first with `clear`), with
        the keys it may hold: `held`, kept up to date by the earlier batches' stores, or new
        if it holds none; None when it cannot be opened or changed (the commit then deals
        with it)."""
        try:
            store = StoryStore(folder, copy_of=copy_of, agree=facts_agree, held=held)
        except (IndexOutdatedError, sqlite3.DatabaseError):
            return None
        try:
            if clear:
                store.clear()
            if held is None:
                store.held_keys()
        except sqlite3.DatabaseError:
            _abandon(store)
            return None
        return cls(store)

    def take(self, results: list[FileResult]) -> bool:
        """Add the articles of `results` whole chunks at a time; False (the store
        abandoned) when the store fails."""
        self.taken += len(results)
        self._waiting += (entry for result in results for entry in result.stories)
        whole = len(self._waiting) // CHUNK * CHUNK
        if whole:
            try:
                self._add(self._waiting[:whole])
            except sqlite3.DatabaseError:
                _abandon(self.store)
                return False
            del self._waiting[:whole]
        return True

    def finish(
        self, results: list[FileResult], new_ids: set[str], old_ids: set[str]
    ) -> StoryStore | None:
        """The store with the change of a commit of `results` (the batch's, before the
        commit left out any article) made, if the articles added are the commit's new ones
        and it removes none; else None, the store abandoned."""
        if not self.take(results[self.taken :]):
            return None
        try:
            self._add(self._waiting)
        except sqlite3.DatabaseError:
            _abandon(self.store)
            return None
        if self.added == new_ids and not old_ids - new_ids:
            return self.store
        _abandon(self.store)
        return None

    def _add(self, entries: list[tuple[str, bytes, str, str, bytes]]) -> None:
        self.added.update(self.store.add_all(entries, keep_first=True))


def _abandon(store: StoryStore) -> None:
    """Forget the store's uncommitted change and close it."""
    try:
        store.rollback()
    finally:
        store.close()


def _change_stories(store: StoryStore, results: list[FileResult], removed: set[str]) -> None:
    store.remove(removed)
    store.add_all(entry for result in results for entry in result.stories)


def _update_stories(
    folder: Path, results: list[FileResult], removed: set[str], clear: bool
) -> None:
    """After a commit, the same change in the story store: removed articles out, the
    new ones in their stories. A crash before this leaves the files it concerns out of
    the saved state: the next run reads them again, and takes the articles the index no
    longer holds out of the store (`writer._forget_stories_not_indexed`)."""
    if clear:  # whatever its layout or damage: the store of an older index is replaced
        remove_store(folder)
    with sidecar_damage(folder, STORE_FILE):
        store = StoryStore(folder, copy_of=copy_of, agree=facts_agree)
        try:
            _change_stories(store, results, removed)
            store.commit()
        finally:
            store.close()


def _delete(
    writer: writing.SegmentWriter, searcher: Searcher, query: Term, deleted: set[int]
) -> set[str]:
    """Delete the documents matching `query`; return their article ids."""
    ids = set()
    for docnum in searcher.docs_for_query(query, for_deletion=True):
        if docnum not in deleted:
            deleted.add(docnum)
            ids.add(searcher.reader().stored_fields(docnum)["id"])
            writer.delete_document(docnum)
    return ids


def merge_if_many_segments(storage: FileStorage, report: Callable[[str], None]) -> Commit | None:
    """Merge the smallest segments into one when there are more than `MAX_SEGMENTS`;
    the commit this makes, if any."""
    ix = storage.open_index()
    if len(segments_of(ix)) <= MAX_SEGMENTS:
        return None
    report("merging")
    segment_writer(ix, WRITER_LIMIT_MB).commit(mergetype=_merge_smallest)
    return read_commit(Path(storage.folder))


def _merge_smallest(
    writer: writing.SegmentWriter, segments: list[Segment], new: int = 0
) -> list[Segment]:
    """A Whoosh merge policy: the smallest segments go into the writer's new one, leaving
    `MAX_SEGMENTS` in all, counting `new` segments the commit adds. (Whoosh's own policy
    never merges segments of equal size, which is what parallel batches make.)"""
    ordered = sorted(segments, key=lambda segment: segment.doc_count_all())
    excess = len(segments) + new - MAX_SEGMENTS + 1
    if excess < 2:  # nothing to merge with
        return segments
    for segment in ordered[:excess]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return ordered[excess:]
