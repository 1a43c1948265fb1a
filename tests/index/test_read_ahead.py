"""read_ahead hands over every item in order, raises the producer's error in place, gives up on
a stalled producer at its deadline, and stops its thread when the consumer stops early."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from index.read_ahead import ReadAheadTimeout, read_ahead


def test_every_item_arrives_in_order() -> None:
    assert list(read_ahead(iter(range(100)), depth=3)) == list(range(100))


def test_the_producers_error_is_raised_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("the store went away")

    seen: list[int] = []
    with pytest.raises(OSError, match="went away"):
        for item in read_ahead(failing()):
            seen.append(item)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    pages = read_ahead(endless(), depth=2)
    assert next(pages) == 0
    pages.close()
    time.sleep(0.5)
    count = len(produced)
    time.sleep(0.3)
    assert len(produced) == count <= 5
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())


def test_a_stalled_producer_times_out_without_holding_the_consumer() -> None:
    def stalled() -> Iterator[int]:
        yield 1
        time.sleep(3)
        yield 2

    seen: list[int] = []
    started = time.monotonic()
    with pytest.raises(ReadAheadTimeout):
        for item in read_ahead(stalled(), depth=0, seconds=0.5):
            seen.append(item)
    assert seen == [1] and time.monotonic() - started < 2
