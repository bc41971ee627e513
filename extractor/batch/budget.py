"""Estimated cost from token counts. Prices are USD per million tokens and change: pass --price to override."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigurationError


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
