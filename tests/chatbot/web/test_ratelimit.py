"""The per-client token bucket: a burst, then a steady rate, with an honest Retry-After."""

from __future__ import annotations

from chatbot.web.ratelimit import RateLimiter


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refusal_with_seconds_until_the_next_token() -> None:
    clock = _Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("a") == 20  # one token every 60/3 s
    clock.now += 15
    assert limiter.check("a") == 5
    clock.now += 5
    assert limiter.check("a") == 0
    assert limiter.check("b") == 0  # every client has its own bucket


def test_refused_requests_do_not_spend_tokens() -> None:
    clock = _Clock()
    limiter = RateLimiter(per_minute=60, clock=clock)
    for _ in range(60):
        assert limiter.check("a") == 0
    for _ in range(10):
        assert limiter.check("a") == 1
    clock.now += 1
    assert limiter.check("a") == 0


def test_zero_means_no_limit_and_idle_clients_are_forgotten() -> None:
    unlimited = RateLimiter(per_minute=0)
    assert not unlimited.enabled
    assert all(unlimited.check("a") == 0 for _ in range(1000))
    clock = _Clock()
    limiter = RateLimiter(per_minute=2, clock=clock)
    for client in range(100):
        limiter.check(f"c{client}")
    clock.now += 61
    limiter.check("fresh")
    assert list(limiter._buckets) == ["fresh"]
