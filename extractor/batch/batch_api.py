"""`extractor batch --batch-api`: a folder through the provider's Batch API, at half the price, exactly once.

One command, run as often as needed, moves the work along:

1. No job in flight: the pending articles (no record for the same text, prompt version, model and
   schema version) are written as a JSONL batch input, one chat-completions request per article with
   the exact body a real-time read sends first (`OpenAIBackend.request_body`). What each request is
   goes into OUT/batch_api/state.json before anything is sent; then the file is uploaded
   (purpose "batch") and the batch created (completion window 24h).
2. A job in flight: its status is polled (one line; `--wait` polls until it ends, backing off).
3. A finished job: its output and error files are downloaded into OUT/batch_api/ (kept, so a
   crash afterwards reuses them), each answer is read as a real-time answer is
   (`OpenAIBackend.read_batch_answer`: checked, salvaged, re-asked in real time with the errors
   when it fails), then grounded, normalized and appended to records.jsonl. Requests the batch
   failed or let expire go to failures.jsonl; a later run submits them again.

Exactly once: an article is submitted only when it has no current record and no job in flight
holds it; a job is created with a submission tag in its metadata, so a run that stopped after
creating it but before saving its id finds it again instead of creating another; and a record
is appended only when records.jsonl does not hold it yet, so collecting again after a crash
writes only what is missing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import openai

from ..api import Extractor
from ..backends.base import Task
from ..backends.llm import prompt
from ..backends.llm.openai import OpenAIBackend
from ..backends.llm.profiles import Price
from ..backends.llm.retry import RetryPolicy
from ..backends.llm.tokens import count_tokens
from ..config import BatchOptions, Settings, public_url, redact
from ..core import pipeline
from ..core.pipeline import ArticleCheck, assemble, chunk_tasks
from ..errors import ArticleLoadError, ConfigurationError, ExtractorError, ProviderError
from ..report import write_report
from ..schemas import SCHEMA_VERSION, Article, ArticleRecord, ExtractionResponse
from .budget import price_for
from .discover import article_ids, discover, read_input
from .lock import OutputLock
from .runner import check_folders
from .dryrun import COMPLETION_PER_ARTICLE_TOKEN, dry_run
from .gate import Gate
from .store import DoneKey, RecordStore, write_json_atomic
from .tables import write_tables

log = logging.getLogger("extractor")

# The Batch API bills input and output at half the real-time list price.
BATCH_DISCOUNT = 0.5
ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
# OpenAI's limits for one batch input file: 50,000 requests and 200 MB.
MAX_REQUESTS = 50_000
MAX_BYTES = 190 * 1024 * 1024
TERMINAL = ("completed", "expired", "failed", "cancelled")
SUBMISSION_TAG = "extractor_submission"
STATE_FORMAT = 1


@dataclass(frozen=True)
class PollPolicy:
    """How often `--wait` asks: `first` seconds, growing by `factor` up to `most`."""

    first: float = 5.0
    most: float = 60.0
    factor: float = 1.5


def batch_price(price: Price | None) -> Price | None:
    """The list price with the Batch API discount."""
    if price is None:
        return None
    cached = price.cached_input * BATCH_DISCOUNT if price.cached_input is not None else None
    return Price(price.input * BATCH_DISCOUNT, price.output * BATCH_DISCOUNT, cached)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class State:
    """OUT/batch_api/state.json: the jobs in flight, with what each request is, and the finished ones.

    Written atomically after every step, so a run stopped at any instant leaves the last step's state.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / "state.json"
        data = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        if data and data.get("format") != STATE_FORMAT:
            raise ConfigurationError(f"{self.path} was written by another version (format {data.get('format')}); "
                                     "collect its jobs with that version, or move the folder away")
        self.jobs: list[dict[str, Any]] = data.get("jobs", [])
        self.finished: list[dict[str, Any]] = data.get("finished", [])

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path, {"format": STATE_FORMAT, "jobs": self.jobs, "finished": self.finished})

    def in_flight(self) -> set[tuple[str, str, str]]:
        """(sha256, prompt version, model) of every request of every job in flight."""
        return {(r["sha256"], r["prompt_version"], r["model"]) for job in self.jobs for r in job["requests"].values()}


class BatchApiRun:
    def __init__(self, options: BatchOptions, settings: Settings, *, wait: bool = False,
                 poll: PollPolicy = PollPolicy(), retry: RetryPolicy | None = None,
                 echo: Callable[[str], None] | None = None):
        if options.replay or options.record:
            raise ConfigurationError("--batch-api sends the articles to the provider; it cannot be combined with "
                                     "--replay or --record (run without --batch-api for those)")
        if settings.backend == "rules":
            raise ConfigurationError("--batch-api sends the articles to the provider's Batch API: set OPENAI_API_KEY "
                                     "(or OPENAI_BASE_URL) and use --backend llm")
        self.options = options
        self.out = options.out_dir
        self.wait = wait
        self.poll = poll
        self.echo = echo or (lambda line: print(line, file=sys.stderr, flush=True))
        self.started = time.monotonic()
        self.started_at = _now()
        self.gate = Gate(options.concurrency, rpm=options.rpm, tpm=options.tpm)
        cache_dir = None if options.no_cache else (options.cache_dir or self.out / ".cache")
        # The real-time path, for answers that fail validation: the same object a real-time batch uses.
        self.extractor = Extractor(settings=settings, cache_dir=cache_dir, gate=self.gate, http=options.http,
                                   max_connections=max(64, options.concurrency * 2), retry=retry)
        if not isinstance(self.extractor.backend, OpenAIBackend):
            raise ConfigurationError("--batch-api needs the llm backend (--backend llm)")
        self.backend: OpenAIBackend = self.extractor.backend
        self.settings = self.extractor.settings
        self.list_price = price_for(self.settings.model, options.price)
        self.price = batch_price(self.list_price)
        self.state = State(self.out / "batch_api")
        self.status = "running"
        self.counts = {k: 0 for k in ("discovered", "ok", "failed", "skipped", "duplicates", "not_started_budget",
                                      "submitted", "reasked_realtime", "already_recorded")}
        self.tokens = {"prompt": 0, "cached_prompt": 0, "completion": 0}
        self.model_calls = 0
        self.cost = 0.0
        self.cost_at_list_price = 0.0
        self.collected = False
        self._store: RecordStore | None = None
        self._failures: _Failures | None = None
        self._chunks: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}  # a long article's answers so far

    # -- outputs, opened only by runs that write them -------------------------------------------
    def _read(self, path: Path, article_id: str) -> Article:
        """The same safe read as a realtime batch: regular files inside INPUT_DIR, size checked first."""
        return read_input(path, article_id, self.options.input_dir, max_chars=self.options.max_chars,
                          follow_links=self.options.follow_links)

    def store(self) -> RecordStore:
        if self._store is None:
            self._store = RecordStore(self.out / "records.jsonl").open()
        return self._store

    def failures(self, *, fresh: bool = False) -> "_Failures":
        if self._failures is None:
            self._failures = _Failures(self.out / "failures.jsonl", fresh=fresh)
        return self._failures

    def fail(self, article_id: str, path: str, kind: str, message: str, *, attempts: int = 0,
             counted_as: str = "failed") -> None:
        self.failures().add(article_id=article_id, path=path, error_type=kind, message=message, attempts=attempts,
                            seconds=0.0, at=_now())
        self.counts[counted_as] += 1

    # -- the run ---------------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        client = openai.AsyncOpenAI(api_key=self.settings.key(), base_url=self.settings.base_url, max_retries=5,
                                    timeout=max(600.0, self.backend.timeout))
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)  # type: ignore[union-attr]
        except (NotImplementedError, RuntimeError):
            pass
        try:
            submitted_now = False
            if not self.state.jobs:
                submitted_now = await self.submit(client)
            if self.wait:
                await self.wait_for_jobs(client)
            elif not submitted_now:
                await self.poll_once(client, announce=True)
            self.status = "in_flight" if self.state.jobs else "completed" if self.collected else "nothing_to_do"
        except asyncio.CancelledError:  # SIGTERM; state.json has every step so far: the next run carries on
            self.status = "interrupted"
        except KeyboardInterrupt:
            self.status = "interrupted"
            raise
        except openai.APIError as exc:
            raise self._provider_error(exc) from None
        finally:
            await client.close()
            await self.extractor.aclose()
            self._close()
        return self.summary()

    def _close(self) -> None:
        if self._failures is not None:
            self._failures.close()
        if self._store is not None:
            self._store.compact()
            self._store.close()
            if self.collected and self.status != "interrupted":
                write_tables(self._store.records, self.out, self.options.tables)
                if self.options.report:
                    write_report(self._store.path, self.out / "report.html", articles_dir=self.options.input_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.out / "run.json", self.summary())

    def _provider_error(self, exc: openai.APIError) -> ExtractorError:
        where = public_url(self.settings.base_url) or "api.openai.com"
        status = getattr(exc, "status_code", None)
        said = redact(str(getattr(exc, "message", exc)), self.settings.api_key)
        if status == 404:
            return ConfigurationError(f"the server at {where} has no Batch API (404: {said}); run without --batch-api")
        return ProviderError(f"the Batch API at {where} failed ({type(exc).__name__}: {said}); the state in "
                             f"{self.state.path} is kept: run the same command again to continue", status=status)

    # -- 1. submit -------------------------------------------------------------------------------
    async def submit(self, client: openai.AsyncOpenAI) -> bool:
        """Write the pending articles as batch input files, record them, upload, create. False if none."""
        jobs = await self.prepare()
        if not jobs:
            self.echo(f"nothing to submit: {self.counts['skipped']} of {self.counts['discovered']} articles already "
                      "have current records" + (f", {self.counts['failed']} failed (failures.jsonl)"
                                                if self.counts["failed"] else ""))
            return False
        self.state.jobs.extend(jobs)
        self.state.save()  # from here on these articles are in flight: no later run submits them again
        for job in jobs:
            await self.send(client, job)
            self.echo(self.describe(job))
        return True

    async def prepare(self) -> list[dict[str, Any]]:
        """Discover, skip what is done or in flight, write input files (split at the API's limits)."""
        self.failures(fresh=True)  # a new round of submissions lists its own failures
        paths = discover(self.options.input_dir, self.options.glob)
        if self.options.limit is not None:
            paths = paths[: self.options.limit]
        self.counts["discovered"] = len(paths)
        store = self.store()
        ids, clashes = article_ids(paths, self.options.input_dir, store.sources)
        in_flight = self.state.in_flight()
        first_with_text: dict[str, str] = {}
        jobs: list[dict[str, Any]] = []
        writer: _InputWriter | None = None
        spent = 0.0
        version, model = self.backend.prompt_version, self.settings.model
        for path in paths:
            article_id = ids[path]
            if path in clashes:
                self.fail(article_id, str(path), "IdClash",
                          f"{path} would get the id {article_id!r} of {clashes[path]}; rename one of them")
                continue
            try:
                article = self._read(path, article_id)
            except ArticleLoadError as exc:
                self.fail(article_id, str(path), "ArticleLoadError", str(exc))
                continue
            if article.length > self.options.max_chars:
                self.fail(article_id, str(path), "TooLong", (
                    f"{path} has {article.length} characters, over --max-chars {self.options.max_chars}; "
                    "raise --max-chars if the model's context allows, or split the article"))
                continue
            first = first_with_text.setdefault(article.sha256, article_id)
            if first != article_id:
                self.fail(article_id, str(path), "DuplicateContent",
                          f"same text as article {first}; extracted once, under {first}", counted_as="duplicates")
                continue
            key = DoneKey(article.sha256, version, model, SCHEMA_VERSION)
            if (not self.options.force and store.is_done(article_id, key)) or \
                    (article.sha256, version, model) in in_flight:
                self.counts["skipped"] += 1
                continue
            if self.options.max_cost is not None and self.price is not None:
                estimate = self._estimated_cost(article.text or "")
                if spent + estimate > self.options.max_cost:
                    self.fail(article_id, str(path), "BudgetExceeded", (
                        f"not submitted: the estimated cost at the Batch API price would pass --max-cost "
                        f"{self.options.max_cost}; re-run with a higher budget to submit the rest"),
                        counted_as="not_started_budget")
                    continue
                spent += estimate
            text = article.text or ""
            # A long article goes in as its chunks, each with the context a real-time read gives it.
            tasks = (chunk_tasks(article, self.extractor.chunking) if self.extractor.chunking.needed(text)
                     else [Task(article=article, text=text)])
            lines = []
            for task in tasks:
                body = await self.backend.request_body(task)
                part = task.context
                custom_id = f"art-{article.sha256[:32]}" + (f"-c{part.index}of{part.count}" if part else "")
                encoded = json.dumps({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body},
                                     ensure_ascii=False) + "\n"
                meta = {"article_id": article_id, "path": str(path), "sha256": article.sha256,
                        "prompt_version": version, "model": model,
                        **({"chunk": part.index, "chunks": part.count} if part else {})}
                lines.append((custom_id, encoded, meta))
            size = sum(len(encoded.encode()) for _, encoded, _ in lines)
            if writer is not None and not writer.fits(size):  # an article's chunks travel in one job
                jobs.append(writer.close())
                writer = None
            if writer is None:
                writer = _InputWriter(self.state.folder, self._new_job())
            for custom_id, encoded, meta in lines:
                writer.add(custom_id, encoded, meta)
            self.counts["submitted"] += 1
        if writer is not None:
            jobs.append(writer.close())
        return jobs

    def _new_job(self) -> dict[str, Any]:
        return {
            "submission": uuid.uuid4().hex, "created_at": _now(), "created_at_unix": int(time.time()),
            "model": self.settings.model, "mode": self.settings.mode, "prompt_version": self.backend.prompt_version,
            "schema_version": SCHEMA_VERSION, "input_file": None, "input_file_id": None, "create_attempted": False,
            "batch_id": None, "status": "prepared", "request_counts": None, "output_file_id": None,
            "error_file_id": None, "errors": None, "downloaded": {}, "requests": {},
        }

    def _estimated_cost(self, text: str) -> float:
        fixed = _fixed_prompt_tokens(self.settings.model)
        article_tokens = count_tokens(prompt.user_prompt(text), self.settings.model)
        completion = int(article_tokens * COMPLETION_PER_ARTICLE_TOKEN)
        return self.price.cost(fixed + article_tokens, completion) if self.price else 0.0

    async def send(self, client: openai.AsyncOpenAI, job: dict[str, Any]) -> None:
        """Upload the job's input and create its batch, each step recorded; never creates a second batch."""
        if job["batch_id"]:
            return
        if job["create_attempted"]:
            # A run stopped after asking for the batch and before saving its id: find it by its tag.
            found = await self._find_created(client, job)
            if found is not None:
                self._update(job, found)
                self.state.save()
                return
        try:
            if not job["input_file_id"]:
                path = self.state.folder / job["input_file"]
                with path.open("rb") as handle:
                    uploaded = await client.files.create(file=(path.name, handle), purpose="batch")
                job["input_file_id"] = uploaded.id
                self.state.save()
            job["create_attempted"] = True
            self.state.save()
            batch = await client.batches.create(input_file_id=job["input_file_id"], endpoint=ENDPOINT,
                                                completion_window=COMPLETION_WINDOW,
                                                metadata={SUBMISSION_TAG: job["submission"]})
        except openai.NotFoundError:
            # No Batch API at this server: nothing was created, so nothing stays in flight.
            self.state.jobs.remove(job)
            self.state.save()
            raise
        self._update(job, batch)
        self.state.save()

    async def _find_created(self, client: openai.AsyncOpenAI, job: dict[str, Any]) -> Any:
        async for batch in client.batches.list(limit=100):
            if (batch.metadata or {}).get(SUBMISSION_TAG) == job["submission"]:
                return batch
            if batch.created_at < job["created_at_unix"] - 300:  # newest first: older ones cannot be ours
                return None
        return None

    # -- 2. poll -----------------------------------------------------------------------------------
    async def poll_once(self, client: openai.AsyncOpenAI, *, announce: bool) -> bool:
        """Ask about every job in flight, collect the finished ones; True if any changed."""
        changed = False
        for job in list(self.state.jobs):
            if not job["batch_id"]:  # an earlier run stopped before creating it
                await self.send(client, job)
                changed = True
            batch = await client.batches.retrieve(job["batch_id"])
            before = (job["status"], json.dumps(job["request_counts"], sort_keys=True))
            self._update(job, batch)
            now = (job["status"], json.dumps(job["request_counts"], sort_keys=True))
            changed = changed or now != before
            self.state.save()
            if announce or now != before:
                self.echo(self.describe(job))
            if job["status"] in TERMINAL:
                await self.collect(client, job)
        return changed

    async def wait_for_jobs(self, client: openai.AsyncOpenAI) -> None:
        interval = self.poll.first
        announce = True
        while self.state.jobs:
            changed = await self.poll_once(client, announce=announce)
            announce = False
            if not self.state.jobs:
                return
            interval = self.poll.first if changed else min(self.poll.most, interval * self.poll.factor)
            await asyncio.sleep(interval)

    def _update(self, job: dict[str, Any], batch: Any) -> None:
        job["batch_id"] = batch.id
        job["status"] = batch.status
        counts = getattr(batch, "request_counts", None)
        job["request_counts"] = counts.model_dump() if counts is not None else None
        job["output_file_id"] = batch.output_file_id
        job["error_file_id"] = batch.error_file_id
        errors = getattr(batch, "errors", None)
        job["errors"] = [e.model_dump(exclude_none=True) for e in (errors.data or [])] if errors else None

    def describe(self, job: dict[str, Any]) -> str:
        counts = job["request_counts"] or {}
        total = counts.get("total") or len(job["requests"])
        line = (f"batch {job['batch_id'] or '(not created)'}: {job['status']}, {counts.get('completed', 0)}/{total} "
                f"requests done, {counts.get('failed', 0)} failed; submitted {job['created_at']}")
        if job["status"] not in TERMINAL:
            line += "; results within 24 h: run the same command to poll, or add --wait"
        return line

    # -- 3. collect --------------------------------------------------------------------------------
    async def collect(self, client: openai.AsyncOpenAI, job: dict[str, Any]) -> None:
        """Download a finished job's files (once) and turn every request into a record or a failure line."""
        self._same_settings(job)
        files = [await self._download(client, job, kind) for kind in ("output", "error")]
        answered: set[str] = set()
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=self.options.concurrency * 2)
        workers = [asyncio.create_task(self._worker(job, queue, answered))
                   for _ in range(self.options.concurrency)]
        try:
            for path in files:
                for entry in _read_jsonl(path):
                    await queue.put(entry)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
        problems = "; ".join(str(e.get("message")) for e in job["errors"] or []) or "no reason given"
        why = {"expired": ("BatchExpired", "the batch expired (24 h window) before this request ran"),
               "failed": ("BatchFailed", f"the provider failed the whole batch ({problems})"),
               "cancelled": ("BatchCancelled", "the batch was cancelled")}
        kind, message = why.get(job["status"], ("BatchNotReturned", "the batch returned no result for this request"))
        listed: set[str] = set()  # a long article's chunks fail it once
        for custom_id, meta in job["requests"].items():
            if custom_id not in answered and not self._recorded(meta) and meta["article_id"] not in listed:
                listed.add(meta["article_id"])
                self.fail(meta["article_id"], meta["path"], kind, f"{message}; run the same command again to "
                          "submit it again")
        self.collected = True
        self.state.jobs.remove(job)
        self.state.finished.append({k: job[k] for k in ("batch_id", "status", "request_counts", "created_at",
                                                         "downloaded", "model", "prompt_version")}
                                   | {"requests": len(job["requests"]), "collected_at": _now()})
        self.state.save()
        if job["input_file"]:
            (self.state.folder / job["input_file"]).unlink(missing_ok=True)

    def _same_settings(self, job: dict[str, Any]) -> None:
        ours = (self.settings.model, self.settings.mode, self.backend.prompt_version, SCHEMA_VERSION)
        theirs = (job["model"], job["mode"], job["prompt_version"], job["schema_version"])
        if ours != theirs:
            raise ConfigurationError(
                f"batch {job['batch_id']} was submitted with model {job['model']!r}, mode {job['mode']!r}, prompt "
                f"{job['prompt_version']}, schema {job['schema_version']}; this run has {ours[0]!r}, {ours[1]!r}, "
                f"{ours[2]}, {ours[3]}. Collect it with the settings it was submitted with")

    async def _download(self, client: openai.AsyncOpenAI, job: dict[str, Any], kind: str) -> Path | None:
        file_id = job[f"{kind}_file_id"]
        if not file_id:
            return None
        path = self.state.folder / f"{job['batch_id']}.{kind}.jsonl"
        if path.exists():  # downloaded by an earlier run that stopped before it finished writing records
            return path
        part = path.with_name(path.name + ".part")
        async with client.files.with_streaming_response.content(file_id) as response:
            await response.stream_to_file(part)
        with part.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(part, path)
        job["downloaded"][kind] = path.name
        self.state.save()
        return path

    def _recorded(self, meta: dict[str, Any]) -> bool:
        key = DoneKey(meta["sha256"], meta["prompt_version"], meta["model"], SCHEMA_VERSION)
        return self.store().is_done(meta["article_id"], key)

    async def _worker(self, job: dict[str, Any], queue: asyncio.Queue, answered: set[str]) -> None:
        while (entry := await queue.get()) is not None:
            meta = job["requests"].get(entry.get("custom_id"))
            if meta is None:
                log.warning("batch %s returned an unknown custom_id %r; ignored", job["batch_id"], entry.get("custom_id"))
                continue
            answered.add(entry["custom_id"])
            if meta.get("chunks"):
                await self._chunk_answered(meta, entry)
            else:
                await self._one(meta, entry)

    async def _one(self, meta: dict[str, Any], entry: dict[str, Any]) -> None:
        article_id, path = meta["article_id"], meta["path"]
        if self._recorded(meta):
            self.counts["already_recorded"] += 1  # written before a crash; never twice
            return
        response = entry.get("response") or {}
        if entry.get("error") or response.get("status_code") != 200:
            error = entry.get("error") or (response.get("body") or {}).get("error") or {}
            expired = error.get("code") == "batch_expired"
            status = f" ({response.get('status_code')})" if response.get("status_code") else ""
            self.fail(article_id, path, "BatchExpired" if expired else "BatchRequestFailed",
                      f"the Batch API {'let this request expire' if expired else 'answered with an error'}{status}: "
                      f"{redact(str(error.get('message') or error), self.settings.api_key)[:300]}; run the same "
                      "command again to submit it again")
            return
        article = self._submitted_article(meta)
        if article is None:
            return
        check = ArticleCheck(article.text or "")
        body = response["body"]
        try:
            candidates = await self.backend.read_batch_answer(Task(article=article, text=article.text or "",
                                                                   check=check), body)
        except ExtractorError as exc:
            self.fail(article_id, path, type(exc).__name__, str(exc), attempts=getattr(exc, "attempts", 0))
            return
        record = assemble(article, candidates, check)
        await self.store().append(record)
        self._count(record, body.get("usage") or {})

    def _submitted_article(self, meta: dict[str, Any]) -> Article | None:
        """The article an answer is for, read again; None (with a failure line) if it cannot be read or
        its text changed since it was submitted, since the answer is for the old text."""
        article_id, path = meta["article_id"], meta["path"]
        try:
            article = self._read(Path(path), article_id)
        except ArticleLoadError as exc:
            self.fail(article_id, path, "ArticleLoadError", str(exc))
            return None
        if article.sha256 != meta["sha256"]:
            self.fail(article_id, path, "ChangedSinceSubmission", (
                f"{path} changed after it was submitted; the answer is for the old text and was not used. "
                "Run the same command again to submit the new text"))
            return None
        return article

    async def _chunk_answered(self, meta: dict[str, Any], entry: dict[str, Any]) -> None:
        """Keep a long article's chunk answers until all are in, then read the article as a real-time run
        would, each chunk's first ask answered from the batch (re-asks in real time)."""
        key = (meta["article_id"], meta["sha256"])
        waiting = self._chunks.setdefault(key, {})
        waiting[meta["chunk"]] = entry
        if len(waiting) < meta["chunks"]:
            return
        del self._chunks[key]
        article_id, path = meta["article_id"], meta["path"]
        if self._recorded(meta):
            self.counts["already_recorded"] += 1
            return
        for index, part in sorted(waiting.items()):
            response = part.get("response") or {}
            if part.get("error") or response.get("status_code") != 200:
                error = part.get("error") or (response.get("body") or {}).get("error") or {}
                self.fail(article_id, path, "BatchRequestFailed", (
                    f"the Batch API answered chunk {index}/{meta['chunks']} with an error: "
                    f"{redact(str(error.get('message') or error), self.settings.api_key)[:300]}; run the same "
                    "command again to submit it again"))
                return
        article = self._submitted_article(meta)
        if article is None:
            return
        bodies = {index: part["response"]["body"] for index, part in waiting.items()}
        try:
            record = await pipeline.run(article, _AnsweredChunks(self.backend, bodies), self.extractor.chunking)
        except ExtractorError as exc:
            self.fail(article_id, path, type(exc).__name__, str(exc), attempts=getattr(exc, "attempts", 0))
            return
        await self.store().append(record)
        usage: dict[str, Any] = {}
        for body in bodies.values():
            for name, value in (body.get("usage") or {}).items():
                if isinstance(value, int):
                    usage[name] = usage.get(name, 0) + value
        self._count(record, usage)

    def _count(self, record: ArticleRecord, batch_usage: dict[str, Any]) -> None:
        """Tokens and cost: the batch answer's at the Batch API price, any real-time re-asks at list price."""
        self.counts["ok"] += 1
        provenance = record.provenance
        if provenance.attempts > 1:
            self.counts["reasked_realtime"] += 1
        self.model_calls += provenance.attempts
        usage = provenance.usage
        self.tokens["prompt"] += usage.prompt_tokens
        self.tokens["cached_prompt"] += usage.cached_prompt_tokens
        self.tokens["completion"] += usage.completion_tokens
        batch_in = int(batch_usage.get("prompt_tokens") or 0)
        batch_out = int(batch_usage.get("completion_tokens") or 0)
        batch_cached = int((batch_usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
        live_in, live_out = usage.prompt_tokens - batch_in, usage.completion_tokens - batch_out
        live_cached = usage.cached_prompt_tokens - batch_cached
        if self.price and self.list_price:
            self.cost += self.price.cost(batch_in, batch_out, batch_cached) + \
                self.list_price.cost(live_in, live_out, live_cached)
            self.cost_at_list_price += self.list_price.cost(usage.prompt_tokens, usage.completion_tokens,
                                                            usage.cached_prompt_tokens)

    # -- run.json ----------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        wall = time.monotonic() - self.started
        list_price = self.list_price
        return {
            "status": self.status,
            "mode": "batch_api",
            "started_at": self.started_at,
            "updated_at": _now(),
            "counts": {**self.counts, "cached": 0, "not_started_stopped": 0,
                       "in_flight": sum(len(job["requests"]) for job in self.state.jobs)},
            "stopped_because": None,
            "tokens": dict(self.tokens),
            "model_calls": self.model_calls,
            "cost_usd": {
                "estimated": round(self.cost, 6),
                "at_list_price": round(self.cost_at_list_price, 6),
                "batch_discount": BATCH_DISCOUNT,
                "price_per_million": self.price.__dict__ if self.price else None,
                "list_price_per_million": list_price.__dict__ if list_price else None,
                "note": ("Batch API answers at the discounted price, real-time re-asks at list price; estimate "
                         "from token usage and the price table or --price") if list_price else
                        "no price known for this model; pass --price IN,OUT",
            },
            "wall_seconds": round(wall, 3),
            "batch_api": {
                "state": str(self.state.path),
                "jobs": [{k: v for k, v in job.items() if k != "requests"} | {"requests": len(job["requests"])}
                         for job in self.state.jobs],
                "finished": self.state.finished[-20:],
            },
            "prompt_version": self.backend.prompt_version,
            "schema_version": SCHEMA_VERSION,
            "settings": self.settings.public(),
            "config": self.options.public(),
        }


class _AnsweredChunks:
    """A backend that answers each chunk's first ask from the Batch API's output; re-asks go real time."""

    def __init__(self, backend: OpenAIBackend, bodies: dict[int, dict[str, Any]]):
        self.backend = backend
        self.bodies = bodies
        self.name, self.model = backend.name, backend.model

    @property
    def prompt_version(self) -> str:
        return self.backend.prompt_version

    async def read(self, task: Task) -> Any:
        assert task.context is not None, "a chunk's task carries its context"
        return await self.backend.read_batch_answer(task, self.bodies[task.context.index])

    async def aclose(self) -> None:
        return None


class _Failures:
    """failures.jsonl over a round: started afresh when articles are submitted, added to when jobs are
    collected (perhaps by several runs), each article's failure of a kind listed once."""

    def __init__(self, path: Path, *, fresh: bool):
        self.seen: set[tuple[str, str]] = set()
        if not fresh:
            for entry in _read_jsonl(path if path.exists() else None):
                self.seen.add((entry.get("article_id"), entry.get("error_type")))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("w" if fresh else "a", encoding="utf-8")

    def add(self, **entry: Any) -> None:
        key = (entry["article_id"], entry["error_type"])
        if key in self.seen:  # listed by a run that stopped while collecting
            return
        self.seen.add(key)
        self.handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()


class _InputWriter:
    """One batch input file being written, within the API's limits per file."""

    def __init__(self, folder: Path, job: dict[str, Any]):
        folder.mkdir(parents=True, exist_ok=True)
        self.job = job
        job["input_file"] = f"{job['submission']}.input.jsonl"
        self.path = folder / job["input_file"]
        self.handle = self.path.open("w", encoding="utf-8")
        self.bytes = 0

    def fits(self, size: int) -> bool:
        return len(self.job["requests"]) < MAX_REQUESTS and self.bytes + size <= MAX_BYTES

    def add(self, custom_id: str, line: str, meta: dict[str, Any]) -> None:
        self.handle.write(line)
        self.bytes += len(line.encode())
        self.job["requests"][custom_id] = meta

    def close(self) -> dict[str, Any]:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        return self.job


def _read_jsonl(path: Path | None) -> Iterator[dict[str, Any]]:
    if path is None:
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


_FIXED_TOKENS: dict[str, int] = {}


def _fixed_prompt_tokens(model: str) -> int:
    """System prompt and schema tokens, the same for every article (as in --dry-run)."""
    if model not in _FIXED_TOKENS:
        schema = json.dumps(ExtractionResponse.model_json_schema(), separators=(",", ":"))
        _FIXED_TOKENS[model] = count_tokens(prompt.system_prompt(), model) + count_tokens(schema, model)
    return _FIXED_TOKENS[model]


def run_batch_api(options: BatchOptions, settings: Settings, *, wait: bool = False,
                  poll: PollPolicy = PollPolicy(), retry: RetryPolicy | None = None,
                  echo: Callable[[str], None] | None = None) -> dict[str, Any]:
    check_folders(options)
    with OutputLock(options.out_dir):  # one run per output folder, realtime or Batch API alike
        return asyncio.run(BatchApiRun(options, settings, wait=wait, poll=poll, retry=retry, echo=echo).run())


def exit_code(summary: dict[str, Any]) -> int:
    """0 done or still in flight, 1 some articles failed (failures.jsonl), 130 interrupted."""
    if summary["status"] == "interrupted":
        return 130
    counts = summary["counts"]
    return 1 if counts["failed"] or counts["not_started_budget"] else 0


def summary_line(summary: dict[str, Any]) -> str:
    counts = summary["counts"]
    line = (f"{summary['status']}: {counts['ok']} ok ({counts['reasked_realtime']} re-asked in real time), "
            f"{counts['failed']} failed, {counts['skipped']} skipped, {counts['duplicates']} duplicates, "
            f"{counts['submitted']} submitted, {counts['in_flight']} in flight")
    if counts["ok"]:
        line += f"; est. ${summary['cost_usd']['estimated']:.4f} at the Batch API price"
    return line


def dry_run_batch_api(options: BatchOptions, settings: Settings) -> dict[str, Any]:
    """`--dry-run --batch-api`: the dry run's estimate at the Batch API price."""
    report = dry_run(options, settings)
    for row in report["articles"]:
        if row["est_cost_usd"] is not None:
            row["est_cost_usd"] = round(row["est_cost_usd"] * BATCH_DISCOUNT, 6)
    total = report["total_est_cost_usd"]
    report["total_est_cost_usd_list_price"] = total
    report["total_est_cost_usd"] = round(total * BATCH_DISCOUNT, 6) if total is not None else None
    report["batch_discount"] = BATCH_DISCOUNT
    report["pricing"] = f"Batch API, {int(BATCH_DISCOUNT * 100)}% of list price"
    return report
