"""One typed configuration, validated in one place, shared by the library and the CLI.

`Settings` configures an `Extractor`: which model, how to ask it, where the
server is. `BatchOptions` configures a folder run. OPENAI_API_KEY and
OPENAI_BASE_URL are read the way the openai SDK reads them; EXTRACTOR_*
variables choose the rest. A bad value becomes a `ConfigurationError` that
names the option and says what to set.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any, Literal, Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import ConfigurationError

# Current and inexpensive; sent with the lowest reasoning effort (profiles.py), since reasoning tokens are billed.
DEFAULT_MODEL = "gpt-5-mini"
MODES = ("tools", "json_schema", "json", "md_json")
# Local servers ignore the key, but the openai client insists on one.
LOCAL_SERVER_KEY = "not-needed-for-local-servers"

# Environment variable -> Settings field.
_ENV = {
    "EXTRACTOR_BACKEND": "backend",
    "EXTRACTOR_MODEL": "model",
    "EXTRACTOR_MODE": "mode",
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_API_KEY": "api_key",
    "EXTRACTOR_TIMEOUT": "timeout",
    "EXTRACTOR_MAX_TOKENS": "max_tokens",
    "EXTRACTOR_REASONING_EFFORT": "reasoning_effort",
    "EXTRACTOR_STRICT": "strict",
    "EXTRACTOR_HINTS": "hints",
    "EXTRACTOR_SERVER": "server",
    "EXTRACTOR_CHUNK_TOKENS": "chunk_tokens",
}


def _explain(error: ValidationError, names: Mapping[str, str] | None = None) -> str:
    """A pydantic error as one line per bad option, naming the option as the user wrote it."""
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "value"
        shown = (names or {}).get(field, field)
        lines.append(f"{shown}={item.get('input')!r}: {item['msg']}")
    return "; ".join(lines)


class Settings(BaseModel):
    """How an Extractor reaches its model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Literal["llm", "rules", "auto"] = Field(
        "llm", description="llm (an OpenAI-compatible model), rules (offline), or auto: llm when an endpoint "
                           "is configured, else rules.")
    model: str = Field(DEFAULT_MODEL, min_length=1, description="Model name.")
    mode: str = Field("tools", description="instructor mode: tools, json_schema, json or md_json.")
    base_url: str | None = Field(None, description="Any OpenAI-compatible server; None for OpenAI.")
    api_key: SecretStr | None = Field(None, repr=False, description="Sent only in the Authorization header.")
    temperature: float | None = Field(0.0, ge=0, le=2, description="Sent only to models that accept it.")
    max_reasks: int = Field(2, ge=0, le=10, description="Re-asks after an answer fails validation.")
    timeout: float | None = Field(None, gt=0, description="Seconds per request; default by model family.")
    max_tokens: int | None = Field(None, ge=1, description="Completion token cap; default by model family.")
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = Field(
        None, description="For reasoning models; default the lowest the model accepts.")
    strict: bool = Field(False, description="OpenAI strict structured outputs (tools and json_schema modes).")
    hints: bool = Field(False, description="Give the model the rules backend's quote candidates and names; "
                                           "it may answer a quote by its number.")
    server: Literal["openai", "llamacpp", "ollama", "vllm", "lmstudio", "other"] = Field(
        "openai", description="The server family, for what it accepts; docs/local-servers.md.")
    chunk_tokens: int | None = Field(
        None, ge=200, description="Articles over this many tokens (the model's tokenizer) are read in overlapping "
                                  "chunks of at most this many, concurrently, then merged; default a third of "
                                  "the completion cap, within 1,000-6,000.")

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, mode: str) -> str:
        if mode not in MODES:
            raise ValueError(
                f"unknown mode; use one of {', '.join(MODES)} "
                "(tools needs tool calling; json_schema, json or md_json suit servers without it)"
            )
        return mode

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("not an http(s) URL; set it to e.g. http://localhost:11434/v1")
        return url or None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from the environment, with keyword overrides (None means 'not given')."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {field: env[var] for var, field in _ENV.items() if env.get(var)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            names = {field: var for var, field in _ENV.items() if var in env and field not in overrides}
            raise ConfigurationError(f"bad setting: {_explain(exc, names)}") from None

    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def require_credentials(self) -> "Settings":
        """Settings that can reach a live server, or ConfigurationError saying what to set."""
        if self.api_key:
            return self
        if self.base_url:
            return self.model_copy(update={"api_key": SecretStr(LOCAL_SERVER_KEY)})
        raise ConfigurationError(
            "no API key: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server, "
            "or answer from recordings with --replay DIR; or read offline with the rules backend "
            "(backend='rules', --backend rules)."
        )

    def has_endpoint(self) -> bool:
        return bool(self.api_key or self.base_url)

    def secrets(self) -> tuple[str, ...]:
        """What must never be printed or stored: the key and the base URL's credentials."""
        return tuple(s for s in (self.key(), *url_secrets(self.base_url)) if s)

    def public(self) -> dict[str, object]:
        """What may be written to run.json and logs: no key, no password in the URL."""
        data = self.model_dump(exclude={"api_key"})
        data["base_url"] = public_url(self.base_url)
        return data


class BatchOptions(BaseModel):
    """A folder run: what to read, where to write, how hard to push the server."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_dir: Path
    out_dir: Path
    glob: str = "**/*.txt"
    limit: int | None = Field(None, ge=0)
    concurrency: int = Field(8, ge=1, le=4096)
    rpm: float | None = Field(None, gt=0)
    tpm: float | None = Field(None, gt=0)
    force: bool = False
    cache_dir: Path | None = None
    no_cache: bool = False
    record: Path | None = None
    replay: Path | None = None
    max_chars: int = Field(5_000_000, ge=1)  # long articles are chunked; this only stops absurd inputs
    follow_links: bool = False  # read files that symlinks lead to outside input_dir
    price: str | None = None
    max_cost: float | None = Field(None, ge=0)
    tables: Literal["csv", "parquet", "none"] = "csv"
    progress: Literal["auto", "bar", "lines", "none"] = "auto"
    http: Literal["aiohttp", "httpx"] = "aiohttp"
    report: bool = True

    @classmethod
    def parse(cls, **values: Any) -> "BatchOptions":
        """Like the constructor, but a bad option is a ConfigurationError naming the --flag."""
        try:
            return cls(**values)
        except ValidationError as exc:
            flags = {name: "--" + name.replace("_", "-") for name in cls.model_fields}
            raise ConfigurationError(f"bad option: {_explain(exc, flags)}") from None

    def public(self) -> dict[str, object]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.model_dump().items()}


def public_url(url: str | None) -> str | None:
    """The URL without a user or password, safe to print and store."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def url_secrets(url: str | None) -> tuple[str, ...]:
    """A URL's password, and the Basic credentials an HTTP client makes of user:password (servers echo them)."""
    try:
        parts = urlsplit(url or "")
        password = parts.password
    except ValueError:
        return ()
    if password is None:
        return ()
    pair = f"{unquote(parts.username or '')}:{unquote(password)}".encode()
    return (unquote(password), password, base64.b64encode(pair).decode())


_KEY_LIKE = re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{8,}")
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s:]+(?::[^/@\s]*)?@")


def redact(text: str, *secrets: str | SecretStr | None) -> str:
    """Text with the given secrets, URL credentials and anything shaped like an OpenAI key masked."""
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value and len(value) >= 4 and value != LOCAL_SERVER_KEY:
            text = text.replace(value, "[redacted]")
    text = _URL_CREDENTIALS.sub("[redacted]@", text)
    return _KEY_LIKE.sub("[redacted]", text)
