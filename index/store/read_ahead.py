"""Reading the next page from Chroma while the current one is being processed.

A rebuild of the keyword index reads every passage from Chroma and turns each into terms.
Chroma reads in native code that lets other threads run, so reading page n+1 in a thread while
page n is tokenised takes the longer of the two instead of their sum (measured at 40k passages:
14.6 s one after the other, 10.5 s overlapped).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items``, produced by a thread up to ``depth`` ahead of the consumer.

    An error in the producer is raised in the consumer where it happened in the sequence;
    a consumer that stops early (closes the generator) stops the producer at its next item.
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
    try:
        while True:
            item = ready.get()
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
