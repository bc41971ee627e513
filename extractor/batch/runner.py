"""Batch a folder: concurrent, resumable, observable runs that lose nothing.

Every discovered file ends in exactly one place: a line of records.jsonl, or a
line of failures.jsonl saying why (bad input, provider failure, budget), or it
is skipped because records.jsonl already holds its record for the same text,
prompt version, model and schema version. run.json sums the run up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from pathlib import Path
from typing import Any

from ..api import Extractor
from ..backends.llm.retry import RetryPolicy
from ..config import BatchOptions, Settings
from ..core import pipeline
from ..core.article import load_article
from ..errors import AccountError, ArticleLoadError, ConfigurationError, ExtractorError
from ..report import write_report
from ..schemas import SCHEMA_VERSION
from .budget import Totals, price_for
from .discover import article_ids, discover
from .gate import Gate
from .progress import Progress
from .store import DoneKey, FailureLog, RecordStore, write_json_atomic
from .tables import write_tables


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class BatchRun:
    def __init__(self, options: BatchOptions, settings: Settings, retry: RetryPolicy | None = None):
        self.options = options
        self.out = options.out_dir
        self.totals = Totals(price=price_for(settings.model, options.price))
        self.started = time.monotonic()
        self.started_at = _now()
        self.status = "running"
        self.gate = Gate(options.concurrency, rpm=options.rpm, tpm=options.tpm)
        cache_dir = None if (options.no_cache or options.replay) else (options.cache_dir or self.out / ".cache")
        # Built before any work so a missing key or bad flag fails the run at once (exit 2).
        self.extractor = Extractor(
            settings=settings, replay=options.replay, record=options.record, cache_dir=cache_dir,
            gate=self.gate, http=options.http, max_connections=max(64, options.concurrency * 2), retry=retry,
        )
        self.settings = self.extractor.settings
        self._seen_sha: dict[str, str] = {}
        self._budget_hit = False
        # Set by the first AccountError: every later article would fail the same way, so none is started.
        self.stopped_by: AccountError | None = None
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

    # -- one article -------------------------------------------------------------------------
    async def _one(self, path: Path, article_id: str, store: RecordStore, failures: FailureLog) -> None:
        started = time.monotonic()
        try:
            article = load_article(path, id=article_id)
        except ArticleLoadError as exc:
            self._fail(failures, article_id, path, exc)
            return
        if article.length > self.options.max_chars:
            self._fail(failures, article_id, path, (
                f"{path} has {article.length} characters, over --max-chars {self.options.max_chars}; "
                "long articles are read in chunks, so raise --max-chars if this size is intended"), kind="TooLong")
            return
        first = self._seen_sha.setdefault(article.sha256, article_id)
        if first != article_id:
            self._fail(failures, article_id, path, (
                f"same text as article {first}; extracted once, under {first}"), kind="DuplicateContent",
                counted_as="duplicates")
            return
        backend = self.extractor.backend
        key = DoneKey(article.sha256, backend.prompt_version, backend.model, SCHEMA_VERSION)
        if not self.options.force and store.is_done(article_id, key):
            self.totals.counts["skipped"] += 1
            return
        if self.stopped_by is not None:
            self._fail(failures, article_id, path, (
                f"not started: the run stopped because {self.stopped_by}"), kind="NotStarted", counted_as="stopped")
            return
        if self._budget_hit or self.totals.over_budget(self.options.max_cost, self.gate.in_flight):
            self._budget_hit = True
            self._fail(failures, article_id, path, (
                f"not started: the estimated cost would pass --max-cost {self.options.max_cost}; "
                "re-run with a higher budget to continue where this run stopped"), kind="BudgetExceeded",
                counted_as="budget")
            return
        try:
            record = await pipeline.run(article, backend, self.extractor.chunking)
        except AccountError as exc:
            self.stopped_by = self.stopped_by or exc
            self._fail(failures, article_id, path, exc, attempts=exc.attempts, seconds=time.monotonic() - started)
            return
        except ExtractorError as exc:
            attempts = getattr(exc, "attempts", 0)
            self._fail(failures, article_id, path, exc, attempts=attempts, seconds=time.monotonic() - started)
            return
        await store.append(record)
        self.totals.add(record)
        self.totals.latencies.append(time.monotonic() - started)
        self.totals.counts["ok"] += 1
        if record.provenance.cached:
            self.totals.counts["cached"] += 1

    # -- the run ---------------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        paths = discover(self.options.input_dir, self.options.glob)
        if self.options.limit is not None:
            paths = paths[: self.options.limit]
        self.discovered = len(paths)
        ids = article_ids(paths, self.options.input_dir)
        store = RecordStore(self.out / "records.jsonl").open()
        self.repaired_bytes = store.repaired_bytes
        failures = FailureLog(self.out / "failures.jsonl")
        progress = Progress(len(paths), mode=self.options.progress)
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
                progress.update(self.totals.snapshot())

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(5)
                write_json_atomic(self.out / "run.json", self.summary())

        loop = asyncio.get_running_loop()
        current = asyncio.current_task()
        try:
            loop.add_signal_handler(signal.SIGTERM, current.cancel)  # type: ignore[union-attr]
        except (NotImplementedError, RuntimeError):
            pass
        beat = asyncio.create_task(heartbeat())
        worker_count = min(self.options.concurrency, max(1, len(paths)))
        workers = [asyncio.create_task(worker()) for _ in range(worker_count)]
        try:
            await asyncio.gather(*workers)
            self.status = ("account_stopped" if self.stopped_by else "budget_stopped" if self._budget_hit
                           else "completed")
        except asyncio.CancelledError:
            self.status = "interrupted"
            for task in workers:
                task.cancel()
        finally:
            beat.cancel()
            progress.close(self.totals.snapshot())
            store.compact()
            store.close()
            failures.close()
            await self.extractor.aclose()
            if self.status != "interrupted":
                write_tables(store.records, self.out, self.options.tables)
                if self.options.report:
                    write_report(store.path, self.out / "report.html", articles_dir=self.options.input_dir)
            write_json_atomic(self.out / "run.json", self.summary())
        return self.summary()

    def summary(self) -> dict[str, Any]:
        backend = self.extractor.backend
        wall = time.monotonic() - self.started
        counts = self.totals.counts
        lat = sorted(self.totals.latencies)
        price = self.totals.price
        return {
            "status": self.status,
            "started_at": self.started_at,
            "updated_at": _now(),
            "counts": {
                "discovered": self.discovered, "ok": counts["ok"], "failed": counts["failed"],
                "skipped": counts["skipped"], "cached": counts["cached"], "duplicates": counts["duplicates"],
                "not_started_budget": counts["budget"], "not_started_stopped": counts["stopped"],
            },
            "stopped_because": str(self.stopped_by) if self.stopped_by else None,
            "tokens": {
                "prompt": self.totals.prompt_tokens, "cached_prompt": self.totals.cached_prompt_tokens,
                "completion": self.totals.completion_tokens,
            },
            "model_calls": self.totals.attempts,
            "timeouts": {"count": getattr(backend, "timeouts", 0),
                         "note": "a request that timed out may still have been generated, and billed"},
            "adaptations": list(getattr(backend, "adaptations", None).notes) if getattr(backend, "adaptations", None)
            else [],
            "cost_usd": {
                "estimated": round(self.totals.cost, 6),
                "price_per_million": price.__dict__ if price else None,
                "note": "estimate from token usage and the price table or --price" if price else
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
            "prompt_version": self.extractor.backend.prompt_version,
            "schema_version": SCHEMA_VERSION,
            "settings": self.settings.public(),
            "config": self.options.public(),
        }


# The account, key or model cannot be used; finished records are kept and a re-run resumes.
EXIT_ACCOUNT = 3


def exit_code(summary: dict[str, Any]) -> int:
    counts = summary["counts"]
    if summary["status"] == "interrupted":
        return 130
    if summary["status"] == "account_stopped":
        return EXIT_ACCOUNT
    return 1 if counts["failed"] or counts["not_started_budget"] else 0


def run_batch(options: BatchOptions, settings: Settings, retry: RetryPolicy | None = None) -> dict[str, Any]:
    if not options.input_dir.is_dir():
        raise ConfigurationError(f"{options.input_dir} is not a directory; give the folder that holds the articles")
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create output directory {options.out_dir}: {exc.strerror}") from None
    return asyncio.run(BatchRun(options, settings, retry).run())
