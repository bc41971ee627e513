"""Batch a folder: concurrent, resumable, observable runs that lose nothing.

Every discovered file ends in exactly one place: a line of records.jsonl, or a
line of failures.jsonl saying why (bad input, provider failure, budget), or it
is skipped because records.jsonl already holds its record for the same text,
prompt version, model and schema version. run.json sums the run up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import signal
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from extractor.schemas import SCHEMA_VERSION, ArticleRecord, ExtractionResponse

from ..api import make_model
from ..backends.llm import prompt
from ..backends.llm.openai import RetryPolicy
from ..backends.llm.tokens import count_tokens
from ..config import Settings
from ..core import pipeline
from ..core.article import load_article
from ..errors import ArticleLoadError, ConfigurationError, ExtractorError
from .budget import Price, price_for
from .gate import Gate
from .progress import Progress
from .store import DoneKey, FailureLog, RecordStore, write_json_atomic
from .tables import write_tables


@dataclass
class BatchConfig:
    input_dir: Path
    out_dir: Path
    glob: str = "**/*.txt"
    limit: int | None = None
    concurrency: int = 8
    rpm: float | None = None
    tpm: float | None = None
    force: bool = False
    cache_dir: Path | None = None
    no_cache: bool = False
    record: Path | None = None
    replay: Path | None = None
    max_chars: int = 30_000
    price: str | None = None
    max_cost: float | None = None
    tables: str = "csv"
    progress: str = "auto"
    http: str = "aiohttp"


@dataclass
class Totals:
    counts: Counter = field(default_factory=Counter)
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    cost: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def add(self, record: ArticleRecord, price: Price | None) -> None:
        if record.provenance.cached:  # answered from the response cache: nothing spent this run
            return
        self.attempts += record.provenance.attempts
        usage = record.provenance.usage
        self.prompt_tokens += usage.prompt_tokens
        self.cached_prompt_tokens += usage.cached_prompt_tokens
        self.completion_tokens += usage.completion_tokens
        if price:
            self.cost += price.cost(usage.prompt_tokens, usage.completion_tokens, usage.cached_prompt_tokens)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob with ** (any depth, including none), * and ? over '/'-separated relative paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def discover(root: Path, pattern: str) -> list[Path]:
    """Matching paths under root, sorted. Symlinked directories are not followed, so loops cannot trap the walk;
    matching directories and broken links are returned too, so they get a failure line instead of vanishing."""
    matcher = _glob_regex(pattern)
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(directory)
        for name in [*dirnames, *filenames]:
            relative = (base / name).relative_to(root).as_posix()
            if matcher.match(relative):
                found.append(base / name)
    return sorted(found)


def article_ids(paths: list[Path], root: Path) -> dict[Path, str]:
    """File stems, or the relative path without suffix where two stems collide."""
    stems = Counter(p.stem for p in paths)
    return {
        p: p.stem if stems[p.stem] == 1 else p.relative_to(root).with_suffix("").as_posix()
        for p in paths
    }


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class BatchRun:
    def __init__(self, config: BatchConfig, settings: Settings, retry: RetryPolicy | None = None):
        self.config = config
        self.settings = settings
        self.out = config.out_dir
        self.price = price_for(settings.model, config.price)
        self.totals = Totals()
        self.started = time.monotonic()
        self.started_at = _now()
        self.status = "running"
        self.gate = Gate(config.concurrency, rpm=config.rpm, tpm=config.tpm)
        cache_dir = None if (config.no_cache or config.replay) else (config.cache_dir or self.out / ".cache")
        # Built before any work so a missing key or bad flag fails the run at once (exit 2).
        self.model = make_model(
            settings, replay=config.replay, record=config.record, cache_dir=cache_dir,
            gate=self.gate, http=config.http, max_connections=max(64, config.concurrency * 2), retry=retry,
        )
        self._seen_sha: dict[str, str] = {}
        self._budget_hit = False
        self.discovered = 0
        self.repaired_bytes = 0

    # -- outcome bookkeeping --------------------------------------------------------------
    def _fail(self, failures: FailureLog, article_id: str, path: Path, error: BaseException | str, *,
              kind: str | None = None, attempts: int = 0, seconds: float = 0.0, counted_as: str = "failed") -> None:
        failures.add(
            article_id=article_id, path=str(path), error_type=kind or type(error).__name__, message=str(error),
            attempts=attempts, seconds=round(seconds, 3), at=_now(),
        )
        self.totals.counts[counted_as] += 1

    def _over_budget(self, in_flight: int) -> bool:
        if self.config.max_cost is None or self.price is None:
            return False
        finished = self.totals.counts["ok"]
        per_article = self.totals.cost / finished if finished else 0.0
        return self.totals.cost + (in_flight + 1) * per_article > self.config.max_cost

    # -- one article -------------------------------------------------------------------------
    async def _one(self, path: Path, article_id: str, store: RecordStore, failures: FailureLog) -> None:
        started = time.monotonic()
        try:
            article = load_article(path, id=article_id)
        except ArticleLoadError as exc:
            self._fail(failures, article_id, path, exc)
            return
        if article.length > self.config.max_chars:
            self._fail(failures, article_id, path, (
                f"{path} has {article.length} characters, over --max-chars {self.config.max_chars}; "
                "raise --max-chars if the model's context allows, or split the article"), kind="TooLong")
            return
        first = self._seen_sha.setdefault(article.sha256, article_id)
        if first != article_id:
            self._fail(failures, article_id, path, (
                f"same text as article {first}; extracted once, under {first}"), kind="DuplicateContent",
                counted_as="duplicates")
            return
        key = DoneKey(article.sha256, prompt.prompt_version(), self.settings.model, SCHEMA_VERSION)
        if not self.config.force and store.is_done(article_id, key):
            self.totals.counts["skipped"] += 1
            return
        if self._budget_hit or self._over_budget(self.gate.in_flight):
            self._budget_hit = True
            self._fail(failures, article_id, path, (
                f"not started: the estimated cost would pass --max-cost {self.config.max_cost}; "
                "re-run with a higher budget to continue where this run stopped"), kind="BudgetExceeded",
                counted_as="budget")
            return
        try:
            record = await pipeline.arun(article, self.model)
        except ExtractorError as exc:
            attempts = getattr(exc, "attempts", 0)
            self._fail(failures, article_id, path, exc, attempts=attempts, seconds=time.monotonic() - started)
            return
        await store.append(record)
        self.totals.add(record, self.price)
        self.totals.latencies.append(time.monotonic() - started)
        self.totals.counts["ok"] += 1
        if record.provenance.cached:
            self.totals.counts["cached"] += 1

    # -- the run ---------------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        paths = discover(self.config.input_dir, self.config.glob)
        if self.config.limit is not None:
            paths = paths[: self.config.limit]
        self.discovered = len(paths)
        ids = article_ids(paths, self.config.input_dir)
        store = RecordStore(self.out / "records.jsonl").open()
        self.repaired_bytes = store.repaired_bytes
        failures = FailureLog(self.out / "failures.jsonl")
        progress = Progress(len(paths), mode=self.config.progress)
        queue: asyncio.Queue[Path] = asyncio.Queue()
        for path in paths:
            queue.put_nowait(path)

        async def worker() -> None:
            while True:
                try:
                    path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self._one(path, ids[path], store, failures)
                progress.update(self.totals)

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(5)
                write_json_atomic(self.out / "run.json", self.summary())

        loop = asyncio.get_running_loop()
        current = asyncio.current_task()
        for sig in (signal.SIGTERM,):
            try:
                loop.add_signal_handler(sig, current.cancel)  # type: ignore[union-attr]
            except (NotImplementedError, RuntimeError):
                pass
        beat = asyncio.create_task(heartbeat())
        worker_count = min(self.config.concurrency, max(1, len(paths)))
        workers = [asyncio.create_task(worker()) for _ in range(worker_count)]
        try:
            await asyncio.gather(*workers)
            self.status = "budget_stopped" if self._budget_hit else "completed"
        except asyncio.CancelledError:
            self.status = "interrupted"
            for task in workers:
                task.cancel()
        finally:
            beat.cancel()
            progress.close(self.totals)
            store.compact()
            store.close()
            failures.close()
            await self.model.aclose()
            if self.status != "interrupted":
                write_tables(store.iter_dicts, self.out, self.config.tables)
            write_json_atomic(self.out / "run.json", self.summary())
        return self.summary()

    def summary(self) -> dict[str, Any]:
        wall = time.monotonic() - self.started
        counts = self.totals.counts
        lat = sorted(self.totals.latencies)
        config = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self.config).items()}
        return {
            "status": self.status,
            "started_at": self.started_at,
            "updated_at": _now(),
            "counts": {
                "discovered": self.discovered, "ok": counts["ok"], "failed": counts["failed"],
                "skipped": counts["skipped"], "cached": counts["cached"], "duplicates": counts["duplicates"],
                "not_started_budget": counts["budget"],
            },
            "tokens": {
                "prompt": self.totals.prompt_tokens, "cached_prompt": self.totals.cached_prompt_tokens,
                "completion": self.totals.completion_tokens,
            },
            "model_calls": self.totals.attempts,
            "cost_usd": {
                "estimated": round(self.totals.cost, 6),
                "price_per_million": asdict(self.price) if self.price else None,
                "note": "estimate from token usage and the price table or --price" if self.price else
                        "no price known for this model; pass --price IN,OUT",
            },
            "wall_seconds": round(wall, 3),
            "throughput_per_minute": round(counts["ok"] / wall * 60, 2) if wall > 0 else 0.0,
            "latency_seconds": {
                "p50": round(lat[len(lat) // 2], 3) if lat else None,
                "p95": round(lat[int(len(lat) * 0.95)], 3) if lat else None,
            },
            "rate_limits": {"http_429": self.gate.stats.throttled_429,
                            "paused_seconds": round(self.gate.stats.paused_seconds, 3),
                            "lowest_concurrency": self.gate.stats.min_limit},
            "records_repaired_bytes": self.repaired_bytes,  # a torn last line left by a killed run, cut off
            "prompt_version": prompt.prompt_version(),
            "schema_version": SCHEMA_VERSION,
            "settings": self.settings.public(),
            "config": config,
        }


def exit_code(summary: dict[str, Any]) -> int:
    counts = summary["counts"]
    if summary["status"] == "interrupted":
        return 130
    return 1 if counts["failed"] or counts["not_started_budget"] else 0


def run_batch(config: BatchConfig, settings: Settings, retry: RetryPolicy | None = None) -> dict[str, Any]:
    if not config.input_dir.is_dir():
        raise ConfigurationError(f"{config.input_dir} is not a directory; give the folder that holds the articles")
    try:
        config.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create output directory {config.out_dir}: {exc.strerror}") from None
    if config.concurrency < 1:
        raise ConfigurationError("--concurrency must be at least 1")
    return asyncio.run(BatchRun(config, settings, retry).run())



# Completion tokens per article token: the mean over the fixture answers that bench/tokens.py reports.
COMPLETION_PER_ARTICLE_TOKEN = 2.3


def dry_run(config: BatchConfig, settings: Settings) -> dict[str, Any]:
    """Render every prompt and count its tokens; calls nothing and needs no key."""
    price = price_for(settings.model, config.price)
    paths = discover(config.input_dir, config.glob)[: config.limit]
    ids = article_ids(paths, config.input_dir)
    schema_tokens = count_tokens(json.dumps(ExtractionResponse.model_json_schema(), separators=(",", ":")), settings.model)
    system_tokens = count_tokens(prompt.system_prompt(), settings.model)
    rows, problems = [], []
    for path in paths:
        try:
            article = load_article(path, id=ids[path])
        except ArticleLoadError as exc:
            problems.append({"article_id": ids[path], "problem": str(exc)})
            continue
        article_tokens = count_tokens(prompt.user_prompt(article.text or ""), settings.model)
        prompt_tokens = system_tokens + schema_tokens + article_tokens
        completion = int(article_tokens * COMPLETION_PER_ARTICLE_TOKEN)
        rows.append({
            "article_id": article.id, "chars": article.length, "prompt_tokens": prompt_tokens,
            "est_completion_tokens": completion,
            "est_cost_usd": round(price.cost(prompt_tokens, completion), 6) if price else None,
        })
    total_cost = sum(r["est_cost_usd"] or 0 for r in rows) if price else None
    return {
        "model": settings.model, "fixed_prompt_tokens": system_tokens + schema_tokens, "articles": rows,
        "unreadable": problems,
        "total_prompt_tokens": sum(r["prompt_tokens"] for r in rows),
        "total_est_completion_tokens": sum(r["est_completion_tokens"] for r in rows),
        "total_est_cost_usd": round(total_cost, 6) if total_cost is not None else None,
    }
