"""Settings, read the way the openai SDK reads them, plus the extractor's own.

OPENAI_API_KEY and OPENAI_BASE_URL point the client at any OpenAI-compatible
server (OpenAI, Ollama, vLLM, llama.cpp, LM Studio). EXTRACTOR_MODEL and
EXTRACTOR_MODE choose the model and how instructor asks it for structure.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Mapping

from .errors import ConfigurationError

DEFAULT_MODEL = "gpt-4o-mini"
MODES = ("tools", "json_schema", "json", "md_json")
# Local servers ignore the key, but the openai client insists on one.
LOCAL_SERVER_KEY = "not-needed-for-local-servers"


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    mode: str = "tools"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.0
    max_reasks: int = 2
    timeout: float = 60.0
    max_tokens: int = 4096

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "model": env.get("EXTRACTOR_MODEL") or DEFAULT_MODEL,
            "mode": env.get("EXTRACTOR_MODE") or "tools",
            "base_url": env.get("OPENAI_BASE_URL") or None,
            "api_key": env.get("OPENAI_API_KEY") or None,
        }
        for name, variable, kind in (("timeout", "EXTRACTOR_TIMEOUT", float), ("max_tokens", "EXTRACTOR_MAX_TOKENS", int)):
            if env.get(variable):
                try:
                    values[name] = kind(env[variable])
                except ValueError:
                    raise ConfigurationError(f"{variable}={env[variable]!r} is not a number; set it to e.g. 60.") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check_mode()
        return settings

    def check_mode(self) -> None:
        if self.mode not in MODES:
            raise ConfigurationError(
                f"unknown mode {self.mode!r}; use one of {', '.join(MODES)} "
                "(tools needs tool calling; json_schema, json or md_json suit local servers without it)."
            )

    def require_credentials(self) -> "Settings":
        """Settings that can reach a live server, or ConfigurationError saying what to set."""
        if self.api_key:
            return self
        if self.base_url:
            return replace(self, api_key=LOCAL_SERVER_KEY)
        raise ConfigurationError(
            "no API key: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server, "
            "or answer from recordings with --replay DIR."
        )

    def public(self) -> dict[str, object]:
        """What may be written to run.json and logs: everything but the key."""
        return {
            "model": self.model, "mode": self.mode, "base_url": redact(self.base_url or "", self.api_key) or None,
            "temperature": self.temperature, "max_reasks": self.max_reasks, "timeout": self.timeout,
            "max_tokens": self.max_tokens,
        }


_KEY_LIKE = re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{8,}")


def redact(text: str, *secrets: str | None) -> str:
    """Text with the given secrets, and anything shaped like an OpenAI key, masked."""
    for secret in secrets:
        if secret and len(secret) >= 4 and secret != LOCAL_SERVER_KEY:
            text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)
