"""Per-client rate limiting for questions, shared by the HTTP API and the web chat.

A client may ask ``per_minute`` questions in any sliding minute (the ``limits`` library's
moving window); a refused client is told how long to wait, and a refused request does not
count. Answering costs CPU (embedding, ranking) that one client could otherwise monopolise.

The counts live where ``storage`` says: ``memory://`` (default) keeps them in this process;
``redis://host:port`` keeps them in Redis, so that several ``newsbot serve`` processes behind
a load balancer hold each client to one budget. When Redis cannot be reached, questions are
let through (and the failure logged) rather than refused: the limit protects capacity, it
does not decide who may ask.

Wrong keys (an API key or the Library's admin key) are counted too, per address and whatever
``per_minute`` says: after ``FAILED_KEYS_PER_MINUTE`` of them in a sliding minute the address is
refused until the oldest leaves the window, right or wrong key, so guessing costs a minute per
ten guesses instead of nothing.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

# Log a storage failure at most this often, however many requests see it.
_FAILURE_LOG_EVERY_S = 60.0
FAILED_KEYS_PER_MINUTE = 10


class RateLimiter:
    """``check(client)`` counts one question, or says how many seconds until one is allowed."""

    def __init__(self, per_minute: int, storage: str = "memory://",
                 namespace: str = "newsbot") -> None:
        self.per_minute = per_minute
        self._item = RateLimitItemPerMinute(max(per_minute, 1), namespace=namespace)
        self._wrong_keys = RateLimitItemPerMinute(FAILED_KEYS_PER_MINUTE,
                                                  namespace=f"{namespace}:wrong-keys")
        options = {"key_prefix": "newsbot"} if storage.startswith(("redis", "rediss")) else {}
        self._limiter = MovingWindowRateLimiter(
            storage_from_string(storage, wrap_exceptions=True, **options))
        self._last_failure_log = 0.0

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def check(self, client: str) -> int:
        """0 when ``client`` may go ahead (one question counted), else the seconds to wait."""
        if not self.enabled:
            return 0
        return self._wait(self._item, client, count=True)

    def key_wait(self, address: str) -> int:
        """0 when ``address`` may have a key checked, else the seconds until it may again."""
        return self._wait(self._wrong_keys, address, count=False)

    def wrong_key(self, address: str) -> None:
        """Count one refused key against ``address``."""
        self._wait(self._wrong_keys, address, count=True)

    def _wait(self, item: RateLimitItemPerMinute, client: str, count: bool) -> int:
        try:
            allowed = (self._limiter.hit if count else self._limiter.test)(item, client)
            if allowed:
                return 0
            reset = self._limiter.get_window_stats(item, client).reset_time
        except StorageError as exc:
            self._log_failure(exc)
            return 0
        return max(1, math.ceil(reset - time.time()))

    def _log_failure(self, error: StorageError) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= _FAILURE_LOG_EVERY_S:
            self._last_failure_log = now
            log.warning("rate limit storage unavailable, not limiting: %s",
                        type(error.storage_error).__name__)


def too_many_message(retry_after: int) -> str:
    """What a refused client reads, in the API and in the chat alike."""
    return f"Too many questions: please wait {retry_after} s before asking again."


def too_many_keys_message(retry_after: int) -> str:
    """What an address that sent too many wrong keys reads, in the API and the Library."""
    return (f"Too many wrong keys from this address: please wait {retry_after} s before "
            "trying again.")
