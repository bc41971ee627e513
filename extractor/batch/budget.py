"""What a run spends: token totals, estimated cost, and the --max-cost stop.

Prices are USD per million tokens and change: pass --price to override.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..errors import ConfigurationError
from ..schemas import ArticleRecord
from .progress import Snapshot


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cached_input: float | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_prompt_tokens: int = 0) -> float:
        cached_rate = self.cached_input if self.cached_input is not None else self.input
        fresh = max(0, prompt_tokens - cached_prompt_tokens)
        return (fresh * self.input + cached_prompt_tokens * cached_rate + completion_tokens * self.output) / 1e6


# Public list prices at the time of writing; local models cost nothing per token.
PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4.1": Price(2.00, 8.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-5": Price(1.25, 10.00, 0.125),
    "gpt-5-mini": Price(0.25, 2.00, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
}


def price_for(model: str, override: str | None = None) -> Price | None:
    """--price 'IN,OUT' (USD per 1M tokens) wins; else the table by longest matching prefix; else None."""
    if override:
        try:
            parts = [float(p) for p in override.split(",")]
        except ValueError:
            parts = []
        if len(parts) not in (2, 3):
            raise ConfigurationError(f"--price {override!r}: give 'INPUT,OUTPUT' in USD per million tokens, e.g. 0.15,0.60")
        return Price(*parts)
    for name in sorted(PRICES, key=len, reverse=True):
        if model == name or model.startswith(name + "-"):
            return PRICES[name]
    return None


@dataclass
class Totals:
    """Counts and spend of one run. Answers from the response cache cost nothing this run."""

    price: Price | None = None
    counts: Counter = field(default_factory=Counter)
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    cost: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def add(self, record: ArticleRecord) -> None:
        if record.provenance.cached:
            return
        self.attempts += record.provenance.attempts
        usage = record.provenance.usage
        self.prompt_tokens += usage.prompt_tokens
        self.cached_prompt_tokens += usage.cached_prompt_tokens
        self.completion_tokens += usage.completion_tokens
        if self.price:
            self.cost += self.price.cost(usage.prompt_tokens, usage.completion_tokens, usage.cached_prompt_tokens)

    def over_budget(self, max_cost: float | None, in_flight: int) -> bool:
        """Whether starting one more article could pass max_cost, at the mean cost so far."""
        if max_cost is None or self.price is None:
            return False
        finished = self.counts["ok"]
        per_article = self.cost / finished if finished else 0.0
        return self.cost + (in_flight + 1) * per_article > max_cost

    def snapshot(self) -> Snapshot:
        c = self.counts
        return Snapshot(
            ok=c["ok"], failed=c["failed"], skipped=c["skipped"], cached=c["cached"], duplicates=c["duplicates"],
            not_started=c["budget"], prompt_tokens=self.prompt_tokens, cached_prompt_tokens=self.cached_prompt_tokens,
            completion_tokens=self.completion_tokens, cost=self.cost,
        )
