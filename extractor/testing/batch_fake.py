"""A loopback fake of OpenAI's Files and Batches endpoints, for tests of `batch --batch-api`.

    POST /v1/files                 multipart upload (purpose "batch"): a file object
    GET  /v1/files/{id}            the file object
    GET  /v1/files/{id}/content    the file's bytes
    POST /v1/batches               {input_file_id, endpoint, completion_window, metadata}: a batch object
    GET  /v1/batches/{id}          the batch object; each GET moves it one step along its script
    GET  /v1/batches               newest first, with limit and after
    POST /v1/chat/completions      real-time answers from `extractor.testing.devserver` (for re-asks)

It follows the documented shapes: a batch goes validating -> in_progress ->
finalizing -> completed (or expired, or failed when its input does not
validate), with request_counts; a finished batch has an output_file_id
(purpose "batch_output": one line per answered request, `{"id", "custom_id",
"response": {"status_code", "request_id", "body"}, "error": null}`) and an
error_file_id for requests that got an error status or expired (`"response":
null, "error": {"code": "batch_expired", ...}`). Input lines are validated as
OpenAI does: JSON objects with a unique custom_id, method POST, the batch's
url, one model per file. Each test scripts what a batch does (`BatchScript`)
and what each request gets (a responder). It binds 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from ..backends.llm.wire import completion_for
from .devserver import LoopbackServer, ServerConfig, request_text, synthetic_answer

ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/completions", "/v1/moderations")
STEPS = ("validating", "in_progress", "finalizing", "completed")


@dataclass
class Reply:
    """What one request in a batch gets: a status and a body (a chat.completion when 200)."""

    status: int = 200
    body: dict[str, Any] | None = None


# (custom_id, request body) -> the reply; None means the default synthetic answer.
Responder = Callable[[str, dict[str, Any]], "Reply | None"]


@dataclass
class BatchScript:
    """What one batch does: the statuses its GETs walk through, and how many requests it answers before
    expiring (`answered`; None = all). A batch whose input fails validation fails whatever the script."""

    statuses: tuple[str, ...] = STEPS
    answered: int | None = None
    errors: tuple[dict[str, Any], ...] = ()  # for a scripted "failed": e.g. token_limit_exceeded


def synthetic_reply(body: dict[str, Any]) -> Reply:
    """The dev server's answer: snippets taken from the article itself, so it always grounds."""
    template = {"usage": {"prompt_tokens": sum(len(str(m.get("content"))) for m in body.get("messages", [])) // 4,
                          "completion_tokens": 120, "total_tokens": 0}}
    return Reply(200, completion_for(body, json.dumps(synthetic_answer(request_text(body))), template=template))


@dataclass
class _Batch:
    data: dict[str, Any]
    lines: list[dict[str, Any]]
    script: BatchScript
    step: int = 0


@dataclass
class BatchFake:
    responder: Responder | None = None
    scripts: deque[BatchScript] = field(default_factory=deque)  # one per batch created, in order
    chat: LoopbackServer = field(default_factory=lambda: LoopbackServer(ServerConfig()))
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, _Batch] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    downloads: Counter[str] = field(default_factory=Counter)  # file id -> content GETs
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # -- files ---------------------------------------------------------------------------------
    def _file(self, content: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-fake{next(self._ids):04d}"
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                               "filename": filename, "purpose": purpose, "status": "processed", "expires_at": None,
                               "status_details": None}
        self.contents[file_id] = content
        return self.files[file_id]

    async def upload(self, request: web.Request) -> web.Response:
        self.counts["file_uploads"] += 1
        form = await request.post()
        purpose, upload = form.get("purpose"), form.get("file")
        if purpose != "batch" or not isinstance(upload, web.FileField):
            return _error(400, "a batch input file is uploaded as multipart 'file' with purpose 'batch'",
                          param="purpose")
        return web.json_response(self._file(upload.file.read(), upload.filename, "batch"))

    async def file(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["file_id"])
        return web.json_response(found) if found else _error(404, "No such File object", code="not_found")

    async def content(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.contents:
            return _error(404, "No such File object", code="not_found")
        self.downloads[file_id] += 1
        return web.Response(body=self.contents[file_id], content_type="application/octet-stream")

    # -- batches -------------------------------------------------------------------------------
    async def create_batch(self, request: web.Request) -> web.Response:
        self.counts["batch_creates"] += 1
        body = await request.json()
        input_id = body.get("input_file_id")
        if input_id not in self.files or self.files[input_id]["purpose"] != "batch":
            return _error(400, f"Invalid 'input_file_id': '{input_id}'.", param="input_file_id")
        if body.get("endpoint") not in ENDPOINTS:
            return _error(400, f"Invalid 'endpoint': {body.get('endpoint')!r}.", param="endpoint")
        if body.get("completion_window") != "24h":
            return _error(400, "Invalid 'completion_window': only '24h' is supported.", param="completion_window")
        batch_id = f"batch_fake{next(self._ids):04d}"
        now = int(time.time())
        data = {
            "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
            "input_file_id": input_id, "completion_window": "24h", "status": "validating",
            "output_file_id": None, "error_file_id": None, "created_at": now, "in_progress_at": None,
            "expires_at": now + 86400, "finalizing_at": None, "completed_at": None, "failed_at": None,
            "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": body.get("metadata"),
        }
        lines, problems = _parse_input(self.contents[input_id], body["endpoint"])
        script = self.scripts.popleft() if self.scripts else BatchScript()
        if problems:
            script = BatchScript(statuses=("validating", "failed"))
            data["errors"] = {"object": "list", "data": problems}
        self.batches[batch_id] = _Batch(data, lines, script)
        return web.json_response(data)

    async def get_batch(self, request: web.Request) -> web.Response:
        self.counts["batch_gets"] += 1
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "No such Batch object", code="not_found")
        self._advance(batch)
        return web.json_response(batch.data)

    async def list_batches(self, request: web.Request) -> web.Response:
        self.counts["batch_lists"] += 1
        limit = int(request.query.get("limit", "20"))
        newest_first = sorted(self.batches.values(), key=lambda b: b.data["id"], reverse=True)
        after = request.query.get("after")
        if after:
            ids = [b.data["id"] for b in newest_first]
            newest_first = newest_first[ids.index(after) + 1:] if after in ids else []
        page = [b.data for b in newest_first[:limit]]
        return web.json_response({"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                                  "last_id": page[-1]["id"] if page else None,
                                  "has_more": len(newest_first) > limit})

    def _advance(self, batch: _Batch) -> None:
        """One step along the script; the outcome is decided when a terminal status is reached."""
        data, script = batch.data, batch.script
        if data["status"] in ("completed", "expired", "failed", "cancelled"):
            return
        batch.step = min(batch.step + 1, len(script.statuses) - 1)
        status = script.statuses[batch.step]
        now = int(time.time())
        data["status"] = status
        total = len(batch.lines)
        if status == "in_progress":
            data["in_progress_at"] = data["in_progress_at"] or now
            data["request_counts"] = {"total": total, "completed": total // 2, "failed": 0}
        elif status == "finalizing":
            data["finalizing_at"] = now
        elif status == "failed":
            data["failed_at"] = now
            if script.errors and not data["errors"]:
                data["errors"] = {"object": "list", "data": [dict(e) for e in script.errors]}
        elif status in ("completed", "expired"):
            data[f"{status}_at"] = now
            self._finish(batch, expire=status == "expired")

    def _finish(self, batch: _Batch, *, expire: bool) -> None:
        answered = len(batch.lines) if not expire else (batch.script.answered or 0)
        outputs, errors = [], []
        for number, line in enumerate(batch.lines):
            request_id = f"req_fake{number:05d}"
            if number >= answered:
                errors.append({"id": f"batch_req_{number:05d}", "custom_id": line["custom_id"], "response": None,
                               "error": {"code": "batch_expired", "message": "This request could not be executed "
                                         "before the completion window expired."}})
                continue
            reply = (self.responder(line["custom_id"], line["body"]) if self.responder else None) \
                or synthetic_reply(line["body"])
            entry = {"id": f"batch_req_{number:05d}", "custom_id": line["custom_id"],
                     "response": {"status_code": reply.status, "request_id": request_id, "body": reply.body},
                     "error": None}
            (outputs if reply.status == 200 else errors).append(entry)
        data = batch.data
        failed = sum(1 for e in errors if e["response"] is not None)  # answered with an error status
        data["request_counts"] = {"total": len(batch.lines), "completed": len(outputs), "failed": failed}
        if outputs:
            data["output_file_id"] = self._file(_jsonl(outputs), f"{data['id']}_output.jsonl", "batch_output")["id"]
        if errors:
            data["error_file_id"] = self._file(_jsonl(errors), f"{data['id']}_error.jsonl", "batch_output")["id"]

    # -- serving -------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_post("/v1/files", self.upload)
        app.router.add_get("/v1/files/{file_id}", self.file)
        app.router.add_get("/v1/files/{file_id}/content", self.content)
        app.router.add_post("/v1/batches", self.create_batch)
        app.router.add_get("/v1/batches", self.list_batches)
        app.router.add_get("/v1/batches/{batch_id}", self.get_batch)
        app.router.add_post("/v1/chat/completions", self.chat.chat)
        return app


def _parse_input(content: bytes, endpoint: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The input's request lines, and the problems OpenAI's validation would report (each with its line)."""
    lines: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    models: set[str] = set()
    for number, raw in enumerate(content.decode("utf-8", "replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            problems.append(_problem("invalid_json_line", "This line is not parseable as valid JSON.", number))
            continue
        if not isinstance(line, dict) or not isinstance(line.get("body"), dict):
            problems.append(_problem("invalid_request", "Each line needs a JSON object body.", number))
            continue
        custom_id = line.get("custom_id")
        if not isinstance(custom_id, str) or custom_id in seen:
            problems.append(_problem("duplicate_custom_id", "The custom_id for this request is a duplicate of "
                                     "another request. The custom_id parameter must be unique.", number))
        if line.get("method") != "POST":
            problems.append(_problem("invalid_method", "Only the POST method is supported.", number))
        if line.get("url") != endpoint:
            problems.append(_problem("mismatched_endpoint", f"The url {line.get('url')!r} does not match the "
                                     f"batch's endpoint {endpoint!r}.", number))
        models.add(str(line["body"].get("model")))
        seen.add(str(custom_id))
        lines.append(line)
    if len(models) > 1:
        problems.append(_problem("mismatched_model", "The input file can only include requests for one model.", None))
    if not lines and not problems:
        problems.append(_problem("empty_file", "The batch input file is empty.", None))
    return lines, problems


def _problem(code: str, message: str, line: int | None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": None, "line": line}


def _jsonl(entries: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode()


def _error(status: int, message: str, *, param: str | None = None, code: str | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "type": "invalid_request_error", "param": param,
                                        "code": code}}, status=status)


class ThreadedBatchFake:
    """The fake on its own event loop in a background thread; `fake` is there to script and inspect."""

    def __init__(self, fake: BatchFake | None = None):
        self.fake = fake or BatchFake()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.fake.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def __enter__(self) -> "ThreadedBatchFake":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def call(self, function: Callable[[], Any]) -> Any:
        """Run `function` on the server's loop (to script or read the fake without racing it)."""
        async def run() -> Any:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
