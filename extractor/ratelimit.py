"""Client-side pacing for batch runs: AIMD concurrency, Retry-After pauses, rate-limit headers, --rpm/--tpm.

Every HTTP attempt (first asks, re-asks and retries alike) passes through the
gate, so the limits hold for what is really sent, not just per article:

* adaptive concurrency: the number of requests in flight grows by one per
  window of successes and halves when 429s cluster (AIMD, as TCP does), within
  [1, --concurrency];
* a 429's Retry-After pauses everyone, not just the request that got it;
* `x-ratelimit-remaining-*` / `x-ratelimit-reset-*` headers, when the server
  sends them, pause new requests until the window resets instead of spending
  requests on 429s;
* --rpm / --tpm are token buckets the user sets when they know their limits.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

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
        self._next_slot = 0.0
        self._last_decrease = -1e9
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
        self._next_slot = slot + self._spacing
        delay = max(
            slot - now,
            self._requests.delay_for(1) if self._requests else 0.0,
            self._tokens.delay_for(tokens) if self._tokens and tokens else 0.0,
        )
        if delay > 0:
            self.stats.paused_seconds += delay
            await asyncio.sleep(delay)

    async def exit(self, status: int | None, headers: Mapping[str, str] | None = None,
                   retry_after: float | None = None) -> None:
        now = self._clock()
        if status == 429:
            self.stats.throttled_429 += 1
            # One decrease per round trip of the current window: a burst of 429s from
            # the same overshoot should halve once, not collapse the limit to 1.
            if now - self._last_decrease > 1.0:
                self.limit = max(1.0, self.limit / 2)
                self._last_decrease = now
                self.stats.min_limit = min(self.stats.min_limit, self.limit)
            if retry_after:
                self._pause_until = max(self._pause_until, now + retry_after)
        elif status is not None and status < 400:
            self.limit = min(float(self.max), self.limit + 1.0 / self.limit)
        if headers:
            self._pace(headers, now)
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def _pace(self, headers: Mapping[str, str], now: float) -> None:
        for kind in ("requests", "tokens"):
            remaining = headers.get(f"x-ratelimit-remaining-{kind}")
            reset = parse_reset(headers.get(f"x-ratelimit-reset-{kind}"))
            if remaining is None or reset is None:
                continue
            try:
                left = float(remaining)
            except ValueError:
                continue
            if left <= 0:
                self._pause_until = max(self._pause_until, now + reset)
            elif kind == "requests":
                # Spread what is left of the window over the time left in it.
                self._spacing = reset / left if reset > 0 else 0.0
