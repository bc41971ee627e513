"""What a run spends: token totals, estimated cost, and the --max-cost stop.

Prices are USD per million tokens, from the model profiles (backends/llm/profiles.py);
they change, so --price overrides them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..backends.llm.profiles import Price, profile_for
from ..errors import ConfigurationError
from ..schemas import ArticleRecord
from .progress import Snapshot


def price_for(model: str, override: str | None = None) -> Price | None:
    """--price 'IN,OUT[,CACHED_IN]' (USD per 1M tokens) wins; else the model's profile; else None (unknown)."""
    if override:
        try:
            parts = [float(p) for p in override.split(",")]
        except ValueError:
            parts = []
        if len(parts) not in (2, 3):
            raise ConfigurationError(f"--price {override!r}: give 'INPUT,OUTPUT' in USD per million tokens, e.g. 0.15,0.60")
        return Price(*parts)
    return profile_for(model).price


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
            not_started=c["budget"] + c["stopped"], prompt_tokens=self.prompt_tokens, cached_prompt_tokens=self.cached_prompt_tokens,
            completion_tokens=self.completion_tokens, cost=self.cost,
        )
