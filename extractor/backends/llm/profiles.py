"""What each model family accepts, and what it costs: one table.

OpenAI's reasoning models (the GPT-5 family, the o-series) refuse `max_tokens`
(they take `max_completion_tokens`) and any temperature but the default, and
bill reasoning tokens as output, so the lowest reasoning effort extraction
needs is sent. A model not in the table is sent the classic parameters; the
first 400 that names an unsupported parameter or value adapts the request once
for the whole run (see `Adaptations`).

Prices are USD per million tokens: input, cached input, output. They are the
list prices OpenAI published for these models (platform.openai.com/docs/pricing,
read 2025-11); they change, so `--price IN,OUT[,CACHED_IN]` overrides them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("extractor")

PRICE_SOURCE = "OpenAI list prices, platform.openai.com/docs/pricing, read 2025-11"
# Lowest first: what extraction needs is the least reasoning that still follows the schema.
EFFORT_ORDER = ("none", "minimal", "low", "medium", "high")


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cached_input: float | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_prompt_tokens: int = 0) -> float:
        cached_rate = self.cached_input if self.cached_input is not None else self.input
        fresh = max(0, prompt_tokens - cached_prompt_tokens)
        return (fresh * self.input + cached_prompt_tokens * cached_rate + completion_tokens * self.output) / 1e6


@dataclass(frozen=True)
class ModelProfile:
    """One model family's contract."""

    family: str
    token_parameter: str = "max_tokens"  # or max_completion_tokens
    temperature: bool = True  # whether temperature may be set (reasoning models take only the default)
    efforts: tuple[str, ...] = ()  # reasoning_effort values it accepts, lowest first; () = not a reasoning model
    strict: bool = False  # OpenAI strict structured outputs
    context_window: int | None = None
    timeout: float = 120.0  # seconds; reasoning models think before the first token
    price: Price | None = None

    @property
    def reasoning(self) -> bool:
        return bool(self.efforts)

    def default_effort(self) -> str | None:
        return self.efforts[0] if self.efforts else None


_GPT5_EFFORTS = ("minimal", "low", "medium", "high")
_GPT5X_EFFORTS = ("none", "low", "medium", "high")  # gpt-5.1 and later dropped 'minimal' for 'none'
_O_EFFORTS = ("low", "medium", "high")

# Longest matching prefix wins; "gpt-5.*" covers the dotted releases after gpt-5.
PROFILES: dict[str, ModelProfile] = {
    "gpt-5.*": ModelProfile("gpt-5.x", "max_completion_tokens", False, _GPT5X_EFFORTS, True, 400_000, 600.0,
                            Price(1.25, 10.00, 0.125)),
    "gpt-5": ModelProfile("gpt-5", "max_completion_tokens", False, _GPT5_EFFORTS, True, 400_000, 600.0,
                          Price(1.25, 10.00, 0.125)),
    "gpt-5-mini": ModelProfile("gpt-5", "max_completion_tokens", False, _GPT5_EFFORTS, True, 400_000, 600.0,
                               Price(0.25, 2.00, 0.025)),
    "gpt-5-nano": ModelProfile("gpt-5", "max_completion_tokens", False, _GPT5_EFFORTS, True, 400_000, 600.0,
                               Price(0.05, 0.40, 0.005)),
    "gpt-5-chat": ModelProfile("gpt-5-chat", "max_completion_tokens", True, (), True, 128_000, 120.0,
                               Price(1.25, 10.00, 0.125)),
    "o1": ModelProfile("o-series", "max_completion_tokens", False, _O_EFFORTS, True, 200_000, 600.0,
                       Price(15.00, 60.00, 7.50)),
    "o3": ModelProfile("o-series", "max_completion_tokens", False, _O_EFFORTS, True, 200_000, 600.0,
                       Price(2.00, 8.00, 0.50)),
    "o3-mini": ModelProfile("o-series", "max_completion_tokens", False, _O_EFFORTS, True, 200_000, 600.0,
                            Price(1.10, 4.40, 0.55)),
    "o4-mini": ModelProfile("o-series", "max_completion_tokens", False, _O_EFFORTS, True, 200_000, 600.0,
                            Price(1.10, 4.40, 0.275)),
    "gpt-4.1": ModelProfile("gpt-4.1", "max_tokens", True, (), True, 1_047_576, 120.0, Price(2.00, 8.00, 0.50)),
    "gpt-4.1-mini": ModelProfile("gpt-4.1", "max_tokens", True, (), True, 1_047_576, 120.0, Price(0.40, 1.60, 0.10)),
    "gpt-4.1-nano": ModelProfile("gpt-4.1", "max_tokens", True, (), True, 1_047_576, 120.0, Price(0.10, 0.40, 0.025)),
    "gpt-4o": ModelProfile("gpt-4o", "max_tokens", True, (), True, 128_000, 120.0, Price(2.50, 10.00, 1.25)),
    "gpt-4o-mini": ModelProfile("gpt-4o", "max_tokens", True, (), True, 128_000, 120.0, Price(0.15, 0.60, 0.075)),
}
# Anything else: an OpenAI-compatible server's own model (llama.cpp, Ollama, vLLM, LM Studio) or a new one.
UNKNOWN = ModelProfile("unknown")


def profile_for(model: str) -> ModelProfile:
    """The model's profile by longest matching prefix ('gpt-5-mini-2025-08-07' is gpt-5-mini)."""
    name = model.split("/")[-1].lower()  # "openai/gpt-5-mini" through a router
    if re.match(r"gpt-5\.\d", name) and not name.startswith("gpt-5-chat"):
        return PROFILES["gpt-5.*"]
    for prefix in sorted((p for p in PROFILES if not p.endswith("*")), key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "-"):
            return PROFILES[prefix]
    return UNKNOWN


# -- adapting to a model the table does not know -------------------------------------------------

_UNSUPPORTED_PARAMETER = re.compile(
    r"(?:Unsupported parameter|Unrecognized request argument supplied|Unknown parameter|"
    r"Extra inputs are not permitted)\W+(?:')?(?P<param>[a-z_.]+)", re.IGNORECASE)
_NOT_SUPPORTED = re.compile(r"'(?P<param>[a-z_.]+)' (?:is not supported|does not support)", re.IGNORECASE)
_SUPPORTED_VALUES = re.compile(r"Supported values are:? (?P<values>[^.]+)", re.IGNORECASE)


@dataclass
class Adaptations:
    """Request changes learnt from a server's 400s, kept for the whole run and announced once each."""

    renamed: dict[str, str] = field(default_factory=dict)  # parameter -> the name the server wants
    dropped: set[str] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)  # parameter -> the value the server accepts
    notes: list[str] = field(default_factory=list)

    def apply(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if not (self.renamed or self.dropped or self.values):
            return kwargs
        shaped = {}
        for key, value in kwargs.items():
            if key in self.dropped:
                continue
            key = self.renamed.get(key, key)
            shaped[key] = self.values.get(key, value)
        return shaped

    def learn(self, error_body: Any, message: str, sent: dict[str, Any]) -> bool:
        """Adapt to one 400 about a parameter the request carried; False when it is about something else."""
        body = error_body.get("error", error_body) if isinstance(error_body, dict) else {}
        body = body if isinstance(body, dict) else {}
        param = str(body.get("param") or "")
        code = str(body.get("code") or "")
        text = str(body.get("message") or message)
        if not param:
            found = _UNSUPPORTED_PARAMETER.search(text) or _NOT_SUPPORTED.search(text)
            param = found.group("param") if found else ""
        param = param.split(".")[0] if param.startswith("reasoning") else param
        if param == "reasoning":
            param = "reasoning_effort"
        if param not in sent:
            return False
        if param in self.dropped or param in self.renamed or (param in self.values and sent[param] != self.values[param]):
            return True  # learnt already from a request sent at the same time: just send it again, reshaped
        if param == "max_tokens" and "max_completion_tokens" in text:
            self.renamed["max_tokens"] = "max_completion_tokens"
            return self._note(f"the server takes max_completion_tokens, not max_tokens; renamed for this run")
        if param == "reasoning_effort" and "function tools" in text.lower() and "'none'" in text:
            self.values["reasoning_effort"] = "none"
            return self._note("the server takes tools only with reasoning_effort 'none'; sending that for this run")
        if code == "unsupported_value" or "supported values" in text.lower():
            supported = _SUPPORTED_VALUES.search(text)
            if supported:
                offered = re.findall(r"'([^']+)'", supported.group("values"))
                lowest = next((e for e in EFFORT_ORDER if e in offered), offered[0] if offered else None)
                if lowest is not None and lowest != sent.get(param):
                    self.values[param] = lowest
                    return self._note(f"the server does not take {param}={sent[param]!r}; sending {lowest!r} "
                                      "for this run")
        self.dropped.add(param)
        return self._note(f"the server does not take {param}={sent[param]!r}; left it out for this run")

    def _note(self, note: str) -> bool:
        self.notes.append(note)
        log.warning("%s", note)
        return True
