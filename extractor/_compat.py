"""Every place this package relies on a third-party library's internals, in one module.

Each function here leans on something a library does not promise: a private
module, a patchable function, a cache file's name, how a request body is
merged. tests/test_compat.py has a canary for each that fails loudly, naming
the library and version, when the assumption breaks on an upgrade. Everything
else in the package uses the libraries' public APIs only.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any

import httpx2
import instructor
from pydantic import BaseModel, create_model


def version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# -- instructor ------------------------------------------------------------------------------

def instructor_response_model(model: type[BaseModel]) -> type[BaseModel]:
    """The response model already wrapped the way instructor wraps it.

    instructor wraps a plain model in a new ResponseSchema subclass on every
    request, rebuilding the class and its JSON schema (~8 ms of CPU). Handing it
    a model that already is one lets its per-class caches work.
    """
    return create_model(model.__name__, __base__=(model, instructor.ResponseSchema))


def memoize_async_validator_scan() -> bool:
    """Scan each response model for async validators once, not several times per request.

    instructor re-scans every class in the model's MRO on each request (~5 ms of
    CPU per article). The answer depends only on the class. Returns whether the
    memo is installed; if instructor's layout changed, nothing is patched and the
    scan simply runs as before (the canary test says so).
    """
    try:
        from instructor.v2.core import patch as patch_module
        from instructor.v2.validation import async_validators
    except ImportError:
        return False
    original = getattr(async_validators, "reject_async_validators", None)
    if original is None:
        return False
    if getattr(original, "_memoized", False):
        return True
    passed: set[type] = set()

    def reject_async_validators(response_model: Any) -> None:
        if isinstance(response_model, type) and response_model in passed:
            return
        original(response_model)
        if isinstance(response_model, type):
            passed.add(response_model)

    reject_async_validators._memoized = True  # type: ignore[attr-defined]
    reject_async_validators.passed = passed  # type: ignore[attr-defined]
    async_validators.reject_async_validators = reject_async_validators
    if getattr(patch_module, "reject_async_validators", None) is original:
        patch_module.reject_async_validators = reject_async_validators
    return getattr(patch_module, "reject_async_validators", None) is reject_async_validators


# -- openai ----------------------------------------------------------------------------------

# Request fields the SDK walks key by key against its TypedDicts on every call
# (~2-3 ms of CPU per request for our messages and schema). Sent as extra_body
# they reach the wire as the same JSON: the SDK merges extra_body over the body.
_PASSTHROUGH_FIELDS = ("messages", "tools", "tool_choice", "response_format")


def send_as_extra_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """create() kwargs with the bulky fields moved into extra_body, same wire JSON."""
    moved = {k: kwargs[k] for k in _PASSTHROUGH_FIELDS if k in kwargs}
    if not moved:
        return kwargs
    rest = {k: v for k, v in kwargs.items() if k not in moved}
    rest["extra_body"] = {**(kwargs.get("extra_body") or {}), **moved}
    rest["messages"] = []  # required by the signature; extra_body's messages replace it on the wire
    return rest


def aiohttp_transport(limits: httpx2.Limits) -> httpx2.AsyncBaseTransport | None:
    """The transport behind openai.DefaultAioHttpClient, used directly so our layers can sit on top.

    None when openai was installed without its aiohttp extra.
    """
    try:
        from openai._vendor.httpx_aiohttp import AiohttpTransport
    except ImportError:
        return None
    return AiohttpTransport(limits=limits)


# -- tiktoken --------------------------------------------------------------------------------

TIKTOKEN_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def tiktoken_cache_file(cache_dir: Path, encoding: str) -> Path:
    """Where tiktoken looks for an encoding's BPE file before downloading it."""
    return cache_dir / hashlib.sha1(TIKTOKEN_BLOB_URL.format(name=encoding).encode()).hexdigest()
