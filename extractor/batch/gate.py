"""Client-side pacing for batch runs: AIMD concurrency, Retry-After pauses, rate-limit headers, --rpm/--tpm.

Every HTTP attempt (first asks, re-asks and retries alike) passes through the
gate, so the limits hold for what is really sent, not just per article:

* adaptive concurrency: the number of requests in flight grows by one per
  window of successes and halves, at most once per round trip, on 429s (AIMD,
  as TCP does), within [1, --concurrency];
* a 429's Retry-After pauses everyone, not just the request that got it, and
  for a cooldown afterwards requests start evenly spaced over a round trip
  instead of in bursts;
* `x-ratelimit-*-requests` headers, when the server sends them: once less than
  a fifth of the window is left, requests are spaced at the rate the window
  refills instead of being spent on 429s;
* --rpm / --tpm are token buckets the user sets when they know their limits.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

# Below this share of the window left, requests are spaced at the refill rate.
PACE_BELOW_SHARE = 0.2
# After a decrease, the window holds this long before it grows again.
COOLDOWN_SECONDS = 2.0
# Before any success has measured the round trip, 429s may shrink the window this often.
UNKNOWN_RTT_SECONDS = 0.05
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_reset(value: str | None) -> float | None:
    """Seconds in an OpenAI-style reset header: '1s', '6m0s', '20ms', or a bare number."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(value)
    if not parts:
        return None
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in parts)


@dataclass
class TokenBucket:
    """`rate` units per second, holding at most `capacity`."""

    rate: float
    capacity: float
    clock: Callable[[], float] = time.monotonic
    level: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.level = self.capacity
        self.stamp = self.clock()

    def delay_for(self, amount: float) -> float:
        """Take `amount` now (possibly going negative) and return how long to wait before using it."""
        now = self.clock()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        self.level -= min(amount, self.capacity)
        return 0.0 if self.level >= 0 else -self.level / self.rate


@dataclass
class GateStats:
    throttled_429: int = 0
    paused_seconds: float = 0.0
    min_limit: float = 0.0


class Gate:
    """Admission control for model requests; one per batch run, shared by all workers."""

    def __init__(
        self,
        max_concurrency: int,
        *,
        rpm: float | None = None,
        tpm: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max = max(1, max_concurrency)
        self.limit = float(self.max)
        self.in_flight = 0
        self._clock = clock
        self._changed = asyncio.Condition()
        self._pause_until = 0.0
        self._spacing = 0.0  # seconds between request starts, from rate-limit headers
        self._paced_until = 0.0  # until then, requests start rtt/limit apart
        self._next_slot = 0.0
        self._last_decrease = -1e9
        self._rtt: float | None = None  # smoothed latency of successful requests
        self._successes: deque[float] = deque()
        # A burst of one second's worth keeps the first second from overshooting the limit.
        self._requests = TokenBucket(rpm / 60.0, max(1.0, rpm / 60.0), clock) if rpm else None
        self._tokens = TokenBucket(tpm / 60.0, max(1.0, tpm / 60.0), clock) if tpm else None
        self.stats = GateStats(min_limit=self.limit)

    async def enter(self, tokens: int = 0) -> None:
        async with self._changed:
            while self.in_flight >= int(self.limit):
                await self._changed.wait()
            self.in_flight += 1
        now = self._clock()
        slot = max(now, self._next_slot, self._pause_until)
        paced = self._rtt / self.limit if self._rtt and now < self._paced_until else 0.0
        self._next_slot = slot + max(self._spacing, paced)
        delay = max(
            slot - now,
            self._requests.delay_for(1) if self._requests else 0.0,
            self._tokens.delay_for(tokens) if self._tokens and tokens else 0.0,
        )
        if delay > 0:
            self.stats.paused_seconds += delay
            await asyncio.sleep(delay)

    async def exit(self, status: int | None, headers: Mapping[str, str] | None = None,
                   retry_after: float | None = None, latency: float | None = None) -> None:
        now = self._clock()
        if latency is not None and status is not None and status < 400:
            self._rtt = latency if self._rtt is None else 0.8 * self._rtt + 0.2 * latency
        if status == 429:
            self.stats.throttled_429 += 1
            # One decrease per round trip, as TCP does: the 429s of one overshoot
            # should shrink the window once, not collapse it to 1. The window the
            # server sustains is about its recent success rate times the round trip.
            if now - self._last_decrease > (self._rtt or UNKNOWN_RTT_SECONDS):
                rate = self._success_rate(now)
                sustained = rate * (self._rtt or 0.0)
                self.limit = max(1.0, min(self.limit / 2, sustained) if sustained >= 1 else self.limit / 2)
                self._last_decrease = now
                self.stats.min_limit = min(self.stats.min_limit, self.limit)
            if retry_after:
                self._pause_until = max(self._pause_until, now + retry_after)
            # For a while after a 429, spread the window's requests evenly over a round
            # trip (pacing, as TCP does) instead of sending them in bursts that a token
            # bucket refuses.
            self._paced_until = now + COOLDOWN_SECONDS
        elif status is not None and status < 400:
            self._successes.append(now)
            # Probe upwards only once the last decrease has settled, so one overshoot
            # is not followed straight away by the next.
            if now - self._last_decrease > COOLDOWN_SECONDS:
                self.limit = min(float(self.max), self.limit + 1.0 / self.limit)
        if headers:
            self._pace(headers, now)
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def _success_rate(self, now: float) -> float:
        """Successful responses per second over the last second."""
        while self._successes and self._successes[0] < now - 1.0:
            self._successes.popleft()
        return float(len(self._successes))

    def _pace(self, headers: Mapping[str, str], now: float) -> None:
        """Follow x-ratelimit-* headers: when few requests are left, send at the rate the window refills."""
        try:
            limit = float(headers["x-ratelimit-limit-requests"])
            remaining = float(headers["x-ratelimit-remaining-requests"])
        except (KeyError, ValueError):
            return
        reset = parse_reset(headers.get("x-ratelimit-reset-requests"))
        if reset is None:
            return
        if remaining > PACE_BELOW_SHARE * limit:
            self._spacing = 0.0
            return
        used = limit - remaining
        # The window refills `used` requests in `reset` seconds: a steady rate of used/reset.
        self._spacing = reset / used if used > 0 and reset > 0 else 0.0
        if remaining < 1:
            self._pause_until = max(self._pause_until, now + self._spacing)
