"""Batch a folder: concurrent, resumable, observable runs that lose nothing.

Every discovered file ends in exactly one place: a line of records.jsonl, or a
line of failures.jsonl saying why (bad input, provider failure, budget), or it
is skipped because records.jsonl already holds its record for the same text,
prompt version, model and schema version. run.json sums the run up: it says
"running" from the first moment, and "completed" or "interrupted" only once
that is true. One run at a time holds the output folder (batch/lock.py).
A local fault that affects every article (a full disk, an unwritable output)
stops the run, keeping what finished, with status "stopped" and exit status 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from pathlib import Path
from typing import Any

from ..api import Extractor
from ..backends.llm.retry import RetryPolicy
from ..config import BatchOptions, Settings, public_url
from ..core import pipeline
from ..errors import AccountError, ArticleLoadError, ConfigurationError, ExtractorError, LocalFault
from ..report import write_report
from ..schemas import SCHEMA_VERSION
from .budget import Totals, price_for
from .discover import article_ids, discover, read_input
from .gate import Gate
from .lock import OutputLock
from .progress import Progress
from .signals import EXIT_INTERRUPTED, StopSignals
from .store import REJECTED_NAME, DoneKey, FailureLog, RecordStore, write_json_atomic
from .tables import require_format, write_tables

EXIT_STOPPED = 2  # a local fault stopped the run, as for configuration errors
EXIT_ACCOUNT = 3  # the account, key or model cannot be used; finished records are kept and a re-run resumes


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class BatchRun:
    def __init__(self, options: BatchOptions, settings: Settings, retry: RetryPolicy | None = None,
                 signals: StopSignals | None = None):
        require_format(options.tables)
        self.options = options
        self.out = options.out_dir
        self.totals = Totals(price=price_for(settings.model, options.price))
        self.started = time.monotonic()
        self.started_at = _now()
        self.status = "running"
        self.signals = signals
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
        self._interrupted = False
        self._workers: list[asyncio.Task[None]] = []
        self.fault: LocalFault | None = None  # what stopped the run, if a local fault did
        # Set by the first AccountError: every later article would fail the same way, so none is started.
        self.stopped_by: AccountError | None = None
        self._crash: BaseException | None = None  # what ended it otherwise
        self.outputs: list[str] = []  # files this run wrote, for the summary
        self.discovered = 0
        self.repaired_bytes = 0
        self.newline_added = False
        self.rejected: list[dict[str, Any]] = []

    # -- stopping --------------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Stop starting and abandon what is in flight (a signal, or the caller)."""
        self._interrupted = True
        for task in self._workers:
            task.cancel()

    def _halt(self, fault: LocalFault) -> None:
        """A local fault that no article can get past: stop the run, keeping what finished."""
        if self.fault is None:
            self.fault = fault
        current = asyncio.current_task()
        for task in self._workers:
            if task is not current:
                task.cancel()

    # -- outcome bookkeeping --------------------------------------------------------------------
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
        options = self.options
        try:
            article = read_input(path, article_id, options.input_dir, max_chars=options.max_chars,
                                 follow_links=options.follow_links)
        except ArticleLoadError as exc:
            self._fail(failures, article_id, path, exc)
            return
        if article.length > options.max_chars:
            self._fail(failures, article_id, path, (
                f"{path} has {article.length} characters, over --max-chars {options.max_chars}; "
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
        if not options.force and store.is_done(article_id, key):
            self.totals.counts["skipped"] += 1
            return
        if self.stopped_by is not None:
            self._fail(failures, article_id, path, (
                f"not started: the run stopped because {self.stopped_by}"), kind="NotStarted", counted_as="stopped")
            return
        if self._budget_hit or self.totals.over_budget(options.max_cost, self.gate.in_flight):
            self._budget_hit = True
            self._fail(failures, article_id, path, (
                f"not started: the estimated cost would pass --max-cost {options.max_cost}; "
                "re-run with a higher budget to continue where this run stopped"), kind="BudgetExceeded",
                counted_as="budget")
            return
        try:
            record = await pipeline.run(article, backend, self.extractor.chunking)
        except LocalFault as exc:
            if exc.fatal:
                raise
            self._fail(failures, article_id, path, exc, seconds=time.monotonic() - started)
            return
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
        if self.signals is not None:
            self.signals.bind(asyncio.get_running_loop(), self.interrupt, self._last_words)
        try:
            self._write_run_json()  # "running", before any work: a stale "completed" must not survive
        except LocalFault:
            await self.extractor.aclose()
            if self.signals is not None:
                self.signals.unbind()
            raise
        store: RecordStore | None = None
        failures: FailureLog | None = None
        progress: Progress | None = None
        try:
            store = RecordStore(self.out / "records.jsonl").open()
            self.repaired_bytes, self.newline_added, self.rejected = (
                store.repaired_bytes, store.newline_added, store.rejected)
            failures = FailureLog(self.out / "failures.jsonl", secrets=self.settings.secrets())
            paths = discover(self.options.input_dir, self.options.glob)
            if self.options.limit is not None:
                paths = paths[: self.options.limit]
            self.discovered = len(paths)
            ids, clashes = article_ids(paths, self.options.input_dir, store.sources)
            target = f"model {self.settings.model} at {public_url(self.settings.base_url) or 'api.openai.com'}"
            if self.options.replay:
                target = f"replaying {self.options.replay}"
            progress = Progress(len(paths), mode=self.options.progress, target=target)
            if not self._interrupted:
                await self._work(paths, ids, clashes, store, failures, progress)
        except LocalFault as fault:
            self.fault = self.fault or fault
        except BaseException as exc:  # a bug, or an interrupt that bypassed the handlers: no false "completed"
            self._crash = exc
            raise
        finally:
            await self._finish(store, failures, progress)
        return self.summary()

    async def _work(self, paths: list[Path], ids: dict[Path, str], clashes: dict[Path, Path],
                    store: RecordStore, failures: FailureLog, progress: Progress) -> None:
        queue: asyncio.Queue[Path] = asyncio.Queue()
        for path in paths:
            queue.put_nowait(path)

        async def worker() -> None:
            while True:
                try:
                    path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    if path in clashes:
                        self._fail(failures, path.relative_to(self.options.input_dir).as_posix(), path, (
                            f"{path} would get the id {ids[path]!r} of {clashes[path]}; rename one of them"),
                            kind="IdClash")
                    else:
                        await self._one(path, ids[path], store, failures)
                except LocalFault as fault:
                    self._halt(fault)
                    return
                progress.update(self.totals.snapshot())

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(5)
                try:
                    self._write_run_json()
                except LocalFault as fault:
                    self._halt(fault)
                    return

        worker_count = min(self.options.concurrency, max(1, len(paths)))
        self._workers = [asyncio.create_task(worker()) for _ in range(worker_count)]
        beat = asyncio.create_task(heartbeat())
        try:
            results = await asyncio.gather(*self._workers, return_exceptions=True)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        for result in results:  # cancellations were asked for; anything else is a bug to surface
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result

    async def _finish(self, store: RecordStore | None, failures: FailureLog | None, progress: Progress | None) -> None:
        """Close everything, write what a finished run writes, and say truthfully how it ended."""
        if progress is not None:
            progress.close(self.totals.snapshot())
        await self.extractor.aclose()
        closers = []
        if store is not None:
            if self.fault is None:  # after a fault (a full disk, say) the next run compacts instead
                closers.append(store.compact)
            closers.append(store.close)
        if failures is not None:
            closers.append(failures.close)
        for close in closers:
            try:
                close()
            except LocalFault as fault:
                self.fault = self.fault or fault
        if store is not None:
            self.outputs.append("records.jsonl")
            if self.rejected:
                self.outputs.append(REJECTED_NAME)
        if failures is not None:
            self.outputs.append("failures.jsonl")
        if self.fault is None and self._crash is None and not self._interrupted and store is not None:
            try:
                self.outputs += [p.name for p in write_tables(store.records, self.out, self.options.tables)]
                if self.options.report:
                    try:
                        write_report(store.path, self.out / "report.html", articles_dir=self.options.input_dir)
                    except OSError as exc:
                        raise LocalFault.of(exc, self.out / "report.html", "writing") from exc
                    self.outputs.append("report.html")
            except LocalFault as fault:
                self.fault = fault
        if self.fault is not None or isinstance(self._crash, Exception):
            self.status = "stopped"
        elif self._interrupted or self._crash is not None:
            self.status = "interrupted"
        else:
            self.status = ("account_stopped" if self.stopped_by else "budget_stopped" if self._budget_hit
                           else "completed")
        self.outputs.append("run.json")  # listed in the file itself, so added before it is written
        try:
            self._write_run_json()
        except LocalFault as fault:
            self.outputs.remove("run.json")
            self.fault = self.fault or fault
            self.status = "stopped"
        if self.signals is not None:
            self.signals.unbind()

    def _write_run_json(self) -> None:
        write_json_atomic(self.out / "run.json", self.summary())

    def _last_words(self) -> None:
        """Before a second signal ends the process at once: run.json must not go on saying "running"."""
        self.status = "interrupted"
        self._write_run_json()

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
            "adaptations": list(backend.adaptations.notes) if hasattr(backend, "adaptations") else [],
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
            "records_newline_added": self.newline_added,  # a complete last line lacked its newline
            "records_rejected": self.rejected,  # lines that were not records, moved to records.rejected.jsonl
            "error": str(self.fault) if self.fault else (repr(self._crash) if self._crash else None),
            "outputs": list(self.outputs),
            "prompt_version": self.extractor.backend.prompt_version,
            "schema_version": SCHEMA_VERSION,
            "settings": self.settings.public(),
            "config": self.options.public(),
        }


def exit_code(summary: dict[str, Any]) -> int:
    counts = summary["counts"]
    if summary["status"] == "stopped":
        return EXIT_STOPPED
    if summary["status"] == "interrupted":
        return EXIT_INTERRUPTED
    if summary["status"] == "account_stopped":
        return EXIT_ACCOUNT
    return 1 if counts["failed"] or counts["not_started_budget"] else 0


def check_folders(options: BatchOptions) -> None:
    """The input folder exists and the output folder does or can: ConfigurationError (exit 2) otherwise."""
    if not options.input_dir.is_dir():
        raise ConfigurationError(f"{options.input_dir} is not a directory; give the folder that holds the articles")
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create output directory {options.out_dir}: {exc.strerror}") from None
    if not options.out_dir.is_dir():
        raise ConfigurationError(f"output {options.out_dir} is not a directory; give a folder with -o")


def run_batch(options: BatchOptions, settings: Settings, retry: RetryPolicy | None = None,
              signals: StopSignals | None = None) -> dict[str, Any]:
    """Run a batch and return its summary (what run.json holds).

    ConfigurationError (exit 2) before any work: a bad folder or flag, another run
    holding the output folder. `signals`, entered by the caller, makes SIGINT/SIGTERM
    stop the run cleanly; without one, the run installs its own while it lasts.
    """
    check_folders(options)
    with OutputLock(options.out_dir), (contextlib.nullcontext(signals) if signals else StopSignals()) as stop:
        return asyncio.run(BatchRun(options, settings, retry, stop).run())
