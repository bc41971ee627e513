import asyncio

import pytest

from extractor.batch.gate import COOLDOWN_SECONDS, Gate, TokenBucket, parse_reset


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("value, seconds", [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5),
                                            ("2.5", 2.5), ("", None), ("soon", None)])
def test_parse_reset(value, seconds):
    assert parse_reset(value) == seconds


def test_token_bucket_spaces_takers_at_its_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2.0, capacity=2.0, clock=clock)
    assert [bucket.delay_for(1) for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]


def test_429s_halve_the_window_once_per_round_trip_and_it_recovers_after_cooldown():
    async def scenario():
        clock = Clock()
        gate = Gate(64, clock=clock)
        for _ in range(10):
            await gate.enter()
        await gate.exit(200, latency=0.2)
        for _ in range(5):  # one overshoot, many refusals
            await gate.exit(429, retry_after=0.05)
        assert gate.limit == 32 and gate.stats.throttled_429 == 5
        clock.now += 0.3
        await gate.enter()
        await gate.exit(429)
        assert gate.limit <= 16
        low = gate.limit
        clock.now += COOLDOWN_SECONDS + 0.1
        for _ in range(40):
            await gate.enter()
            await gate.exit(200, latency=0.2)
        assert gate.limit > low
        return gate

    asyncio.run(scenario())


def test_no_more_than_the_window_in_flight():
    async def scenario():
        gate = Gate(2)
        await gate.enter()
        await gate.enter()
        third = asyncio.ensure_future(gate.enter())
        await asyncio.sleep(0.01)
        assert not third.done() and gate.in_flight == 2
        await gate.exit(200)
        await asyncio.wait_for(third, 1)
        assert gate.in_flight == 2

    asyncio.run(scenario())


def test_rate_limit_headers_space_requests_at_the_refill_rate():
    async def scenario():
        clock = Clock()
        gate = Gate(8, clock=clock)
        await gate.enter()
        # 2 of 20 left, 0.9 s until the 18 used refill: 20 per second, 0.05 s apart.
        await gate.exit(200, {"x-ratelimit-limit-requests": "20", "x-ratelimit-remaining-requests": "2",
                              "x-ratelimit-reset-requests": "900ms"})
        assert gate._spacing == pytest.approx(0.05)
        await gate.enter()
        await gate.exit(200, {"x-ratelimit-limit-requests": "20", "x-ratelimit-remaining-requests": "15",
                              "x-ratelimit-reset-requests": "250ms"})
        assert gate._spacing == 0.0  # plenty left: no pacing

    asyncio.run(scenario())
