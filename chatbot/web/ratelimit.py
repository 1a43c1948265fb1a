"""Per-client rate limiting for questions, shared by the HTTP API and the web chat.

A token bucket per client: a client may ask ``per_minute`` questions in a burst and then one
more every ``60 / per_minute`` seconds. Answering costs CPU (embedding, ranking) that one
client could otherwise monopolise; a refused client is told how long to wait.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Any bucket refills completely within a minute; buckets idle that long are forgotten (checked
# at most once a minute), so memory stays bounded however many clients come and go.
_FULL_AFTER_S = 60.0


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``check(client)`` spends one token, or says how many seconds until one is free."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def check(self, client: str) -> int:
        """0 when ``client`` may go ahead (one token spent), else the seconds to wait."""
        if not self.enabled:
            return 0
        now = self._clock()
        with self._lock:
            self._sweep(now)
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = self._buckets[client] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(float(self.per_minute),
                                bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / self._rate))

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < _FULL_AFTER_S:
            return
        self._last_sweep = now
        for client in [c for c, b in self._buckets.items() if now - b.updated >= _FULL_AFTER_S]:
            del self._buckets[client]


def too_many_message(retry_after: int) -> str:
    """What a refused client reads, in the API and in the chat alike."""
    return f"Too many questions: please wait {retry_after} s before asking again."
