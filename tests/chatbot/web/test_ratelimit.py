"""Rate limits through the ``limits`` library: per client, a honest Retry-After, and one budget
for every process that shares a Redis."""

from __future__ import annotations

import logging
import uuid

import pytest

from chatbot.web.ratelimit import RateLimiter
from tests.conftest import free_port


def test_burst_then_refusal_with_seconds_until_the_next_question() -> None:
    limiter = RateLimiter(per_minute=3)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    wait = limiter.check("a")
    assert 55 <= wait <= 60  # the first question leaves the window a minute after it
    assert limiter.check("b") == 0  # every client has its own budget


def test_zero_means_no_limit() -> None:
    unlimited = RateLimiter(per_minute=0)
    assert not unlimited.enabled
    assert all(unlimited.check("a") == 0 for _ in range(1000))


def test_processes_sharing_a_redis_share_one_budget(redis_url: str) -> None:
    namespace = f"t{uuid.uuid4().hex}"
    first = RateLimiter(4, redis_url, namespace=namespace)
    second = RateLimiter(4, redis_url, namespace=namespace)  # as another process would
    assert [first.check("ip:10.0.0.9"), second.check("ip:10.0.0.9"),
            first.check("ip:10.0.0.9"), second.check("ip:10.0.0.9")] == [0, 0, 0, 0]
    assert second.check("ip:10.0.0.9") > 0 and first.check("ip:10.0.0.9") > 0
    assert first.check("ip:10.0.0.10") == 0
    assert RateLimiter(4, redis_url, namespace="other").check("ip:10.0.0.9") == 0


def test_unreachable_redis_lets_questions_through_and_logs_it(
        caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter(1, f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="chatbot.web.ratelimit"):
        assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    assert [r.getMessage() for r in caplog.records] == [
        "rate limit storage unavailable, not limiting: ConnectionError"]
