"""A sequence produced by a worker thread ahead of its consumer.

Two uses: a keyword-index rebuild reads page n+1 from Chroma while page n is tokenised (Chroma
reads in native code that lets other threads run: 40k passages took 14.6 s one after the other,
10.5 s overlapped); and a language model's streamed reply is read with a deadline, so a
stalled connection cannot hold a question past it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()


class ReadAheadTimeout(TimeoutError):
    """The items were not all produced within the time allowed."""


def read_ahead(items: Iterable[T], depth: int = 2, seconds: float | None = None,
               ) -> Iterator[T]:
    """``items``, iterated in a daemon thread up to ``depth`` ahead of the consumer (0: no
    limit).

    An error in the producer is raised in the consumer where it happened in the sequence.
    With ``seconds``, ReadAheadTimeout is raised when the items are not all produced that long
    after the first is asked for; the producer is then left to end on its own. A consumer that
    stops early (closes the generator, or times out) stops the producer at its next item.
    Iteration starts in the thread: a generator that opens a connection opens it there.
    """
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - raised again in the consumer
            hand_over(_Failure(exc))
            return
        hand_over(_DONE)

    threading.Thread(target=produce, name="read-ahead", daemon=True).start()
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        while True:
            try:
                item = ready.get(timeout=None if deadline is None
                                 else max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                raise ReadAheadTimeout(f"not finished within {seconds:g} s") from None
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield cast(T, item)
    finally:
        stop.set()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error
