from __future__ import annotations

import threading
from collections.abc import Callable

from searcher.store.readerpool import ReaderPool


class FakeReader:
    """A reader of commit `commit` of an index whose newest commit is `newest[0]`."""

    def __init__(self, newest: list[int]) -> None:
        self.newest = newest
        self.commit = newest[0]
        self.closed = False
        self.on_check: Callable[[], object] = lambda: None  # what happens meanwhile

    def is_newest(self) -> bool:
        assert not self.closed
        self.on_check()
        return self.commit == self.newest[0]

    def close(self) -> None:
        assert not self.closed
        self.closed = True


def pool_of(newest: list[int]) -> tuple[ReaderPool[FakeReader], list[FakeReader]]:
    opened: list[FakeReader] = []

    def open_newest() -> FakeReader:
        opened.append(FakeReader(newest))
        return opened[-1]

    return ReaderPool(open_newest), opened


def test_a_reader_is_kept_between_calls_until_a_commit_follows() -> None:
    newest = [1]
    pool, opened = pool_of(newest)
    with pool.lend() as first:
        pass
    with pool.lend() as again:
        assert again is first
    newest[0] = 2
    with pool.lend() as fresh:
        assert fresh is not first and fresh.commit == 2
    assert first.closed and not fresh.closed and len(opened) == 2


def test_calls_at_once_hold_readers_of_their_own() -> None:
    pool, opened = pool_of([1])
    with pool.lend() as one, pool.lend() as two:
        assert one is not two
    with pool.lend() as three, pool.lend() as four:
        assert {three, four} == {one, two}
    assert len(opened) == 2


def test_a_commit_closes_every_idle_reader_of_an_older_one() -> None:
    newest = [1]
    pool, opened = pool_of(newest)
    with pool.lend(), pool.lend(), pool.lend():
        pass
    newest[0] = 2
    with pool.lend():
        assert [reader.closed for reader in opened] == [True, True, True, False]


def test_a_reader_given_back_while_older_ones_are_closed_is_checked_too() -> None:
    newest = [1]
    pool, opened = pool_of(newest)
    holding = pool.lend()
    held = holding.__enter__()
    with pool.lend(), pool.lend() as checked_later:
        pass
    newest[0] = 2
    # Another call gives its reader back while this one closes the stale idle readers.
    checked_later.on_check = lambda: holding.__exit__(None, None, None)
    with pool.lend() as fresh:
        assert fresh.commit == 2
    assert held.closed and [reader.closed for reader in opened] == [True, True, True, False]


def test_closing_closes_idle_readers_now_and_lent_ones_when_they_come_back() -> None:
    pool, opened = pool_of([1])
    with pool.lend():
        pass
    with pool.lend() as lent:
        with pool.lend() as other:
            pass
        pool.close()
        assert other.closed and not lent.closed  # still read by this call
    assert lent.closed
    with pool.lend() as later:  # a closed pool opens readers again
        assert not later.closed
    assert len(opened) == 3


def test_threads_never_share_a_reader() -> None:
    pool, _ = pool_of([1])
    holders: dict[int, int] = {}
    clash = threading.Event()
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            with pool.lend() as reader:
                with lock:
                    if id(reader) in holders:
                        clash.set()
                    holders[id(reader)] = threading.get_ident()
                with lock:
                    del holders[id(reader)]

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not clash.is_set()
