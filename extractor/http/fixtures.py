"""The fixture format shared by `--record`, `--replay`, the dev server and the test suite.

One JSON file per article holds the model's answers in the OpenAI wire format
(chat.completion bodies), keyed by the sha256 of the article text:

    {
      "fixture_format": 1,
      "origin": "recorded" | "hand-written",
      "note": "...",
      "article_id": "...", "article_sha256": "...",
      "prompt_version": "...", "model": "...",
      "exchanges": [{"status": 200, "body": {...chat.completion...}}, ...]
    }

In files, a JSON answer (tool call arguments or message content) is written as
an object rather than an escaped string, so a person can read it next to the
article; answers that are not a JSON object (truncated, prose) stay strings.

A chunk of a long article has fixtures of its own: the same format with a
`"chunk": "i/n start:end"` field (the chunk header's value), written to
`<sha256 prefix>.part<i>of<n>.json`. A fixture without it answers requests
about the whole article.

Exchange n answers the n-th ask for the article (the ask header); transient
retries of one ask get the same answer. A completion recorded in one
instructor mode can be served to a request in another: the structured answer
is the same JSON, only its envelope (tool call, JSON content, fenced
markdown) differs. No request headers are ever stored, so keys cannot reach a
fixture, and the recorder masks the caller's secrets should a server echo one.

A folder of fixtures is checked whole when it is opened: every *.json file
that is not valid JSON, is too big (16 MB) or too deep (64 levels), is not a
regular file, or says it is a fixture but is not a valid one, is named in one
ConfigurationError, as are two files answering for the same article. Other
JSON files (such as NAME.expected.json) are not fixtures and are left alone.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import httpx2

from ..backends.llm.wire import answer_json, completion_for, readable
from ..core.article import UnreadableFile, read_regular_file
from ..errors import ConfigurationError, LocalFault
from .transport import Exchange, json_object

FIXTURE_FORMAT = 1
REPLAY_MISS = "replay_miss"
MAX_FIXTURE_BYTES = 16 * 1024 * 1024
MAX_FIXTURE_DEPTH = 64
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PROBLEMS_SHOWN = 20


class FixtureError(Exception):
    """A file that cannot be used as a fixture; the message names it and says why."""


def _too_deep(value: Any, limit: int) -> bool:
    """Whether JSON containers nest deeper than limit; a loop, not recursion, so any depth is safe."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def read_fixture(path: Path) -> dict[str, Any] | None:
    """The fixture in a file; None for JSON that is not a fixture; FixtureError for anything unusable."""
    try:
        data = read_regular_file(path, MAX_FIXTURE_BYTES)
    except UnreadableFile as exc:
        raise FixtureError(str(exc)) from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise FixtureError(f"{path} nests deeper than {MAX_FIXTURE_DEPTH} levels") from None
    except ValueError as exc:
        raise FixtureError(f"{path} is not valid JSON ({exc})") from None
    if _too_deep(value, MAX_FIXTURE_DEPTH):
        raise FixtureError(f"{path} nests deeper than {MAX_FIXTURE_DEPTH} levels")
    if not isinstance(value, dict) or "fixture_format" not in value:
        return None
    if value["fixture_format"] != FIXTURE_FORMAT:
        raise FixtureError(f"{path} has fixture_format {value['fixture_format']!r}; this version reads {FIXTURE_FORMAT}")
    if not isinstance(value.get("article_sha256"), str) or not _SHA256.fullmatch(value["article_sha256"]):
        raise FixtureError(f"{path} has no article_sha256 (64 hex digits)")
    exchanges = value.get("exchanges")
    if not isinstance(exchanges, list) or not all(
        isinstance(e, dict) and isinstance(e.get("body"), dict) and isinstance(e.get("status", 200), int)
        for e in exchanges
    ):
        raise FixtureError(f"{path}: exchanges must be a list of {{\"status\": int, \"body\": {{...}}}}")
    return value


class FixtureIndex:
    """Every fixture file under a directory, found by article sha256 (and chunk, for a chunk's), checked
    when the index is built."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._by_key: dict[tuple[str, str | None], Path] = {}
        problems: list[str] = []
        for path in self._json_files():
            try:
                fixture = read_fixture(path)
            except FixtureError as exc:
                problems.append(str(exc))
                continue
            if fixture is None:
                continue
            key = (fixture["article_sha256"], fixture.get("chunk") or None)
            if key in self._by_key:
                part = f" (chunk {key[1]})" if key[1] else ""
                problems.append(f"{self._by_key[key]} and {path} both answer for article {key[0][:16]}{part}; keep one")
            else:
                self._by_key[key] = path
        if problems:
            shown = problems[:_PROBLEMS_SHOWN]
            more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
            raise ConfigurationError(
                f"fixture folder {self.root} has {len(problems)} unusable file(s); fix or move them:\n  "
                + "\n  ".join(shown) + more
            )

    def _json_files(self) -> list[Path]:
        found: list[Path] = []
        for directory, dirnames, filenames in os.walk(self.root, followlinks=False):
            dirnames.sort()
            found.extend(Path(directory) / name for name in filenames if name.endswith(".json"))
        return sorted(found)

    def path(self, sha256: str, chunk: str | None = None) -> Path | None:
        return self._by_key.get((sha256, chunk or None))

    def add(self, sha256: str, path: Path, chunk: str | None = None) -> None:
        self._by_key[(sha256, chunk or None)] = path

    def load(self, sha256: str, chunk: str | None = None) -> dict[str, Any] | None:
        """The article's fixture, read now; a file that became unusable fails only that article."""
        path = self._by_key.get((sha256, chunk or None))
        if path is None:
            return None
        try:
            return read_fixture(path)
        except FixtureError as exc:
            raise LocalFault(f"replay fixture unusable: {exc}; fix or restore the file", path=path,
                             fatal=False) from None

    def answer(self, request: dict[str, Any], sha256: str | None, ask: int,
               chunk: str | None = None) -> tuple[int, dict[str, Any]] | None:
        """(status, body) for the ask-th request about an article (or one chunk of it), or None when
        nothing was recorded."""
        fixture = self.load(sha256, chunk) if sha256 else None
        if not fixture or not fixture.get("exchanges"):
            return None
        exchanges = fixture["exchanges"]
        exchange = exchanges[min(ask, len(exchanges)) - 1]
        status, body = exchange.get("status", 200), exchange["body"]
        if status != 200:
            return status, body
        return 200, completion_for(request, answer_json(body), template=body)


class Replayer:
    """Answers from fixtures; a request with no recording gets a 404 that names the article."""

    def __init__(self, directory: Path):
        self.index = FixtureIndex(Path(directory))

    def lookup(self, exchange: Exchange) -> httpx2.Response:
        answered = self.index.answer(exchange.json(), exchange.article, exchange.ask, exchange.chunk)
        if answered is None:
            part = f" (chunk {exchange.chunk})" if exchange.chunk else ""
            message = (
                f"no recorded response for the article with sha256 {exchange.article}{part} in {self.index.root}; "
                "record one with --record DIR, or run without --replay"
            )
            return httpx2.Response(404, json={"error": {"message": message, "type": REPLAY_MISS, "code": REPLAY_MISS}})
        status, answer = answered
        return httpx2.Response(status, json=answer)

    def store(self, exchange: Exchange, response: httpx2.Response, content: bytes) -> None:
        return None

    def close(self) -> None:
        return None


class Recorder:
    """Writes each successful exchange to the article's fixture in DIR, by default DIR/<sha256 prefix>.json.

    Only 200 answers are kept: an error body may echo a key, and replaying a
    transient error would only replay the failure. An article that already has
    a fixture in DIR (a hand-written NAME.response.json, say) is recorded into
    that file, which then says origin "recorded" and the current prompt version,
    so a folder never holds two fixtures for one article.
    """

    def __init__(self, directory: Path, *, prompt_version: str, model: str | None = None,
                 secrets: tuple[str, ...] = ()):
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ConfigurationError(f"--record {self.directory} is a file, not a folder; give a folder for the recordings")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(f"--record {self.directory} cannot be created ({exc.strerror or exc})") from None
        self.index = FixtureIndex(self.directory)  # a bad file is named now, before any answer is paid for
        self.prompt_version = prompt_version
        self.model = model
        self.secrets = secrets
        self._lock = threading.Lock()

    def lookup(self, exchange: Exchange) -> httpx2.Response | None:
        return None

    def _fresh(self, exchange: Exchange, request: dict[str, Any]) -> dict[str, Any]:
        return {
            "fixture_format": FIXTURE_FORMAT,
            "origin": "recorded",
            "note": f"Recorded from {httpx2.URL(exchange.url).host} by `extractor --record`.",
            "article_sha256": exchange.article,
            **({"chunk": exchange.chunk} if exchange.chunk else {}),
            "prompt_version": self.prompt_version,
            "model": request.get("model") or self.model,
            "exchanges": [],
        }

    def store(self, exchange: Exchange, response: httpx2.Response, content: bytes) -> None:
        answer = json_object(content)
        if exchange.article is None or answer is None or response.status_code != 200:
            return
        request = exchange.json()
        with self._lock:
            path = (self.index.path(exchange.article, exchange.chunk)
                    or self.directory / f"{exchange.article[:16]}{_part_suffix(exchange.chunk)}.json")
            try:
                fixture = read_fixture(path) if os.path.lexists(path) else None
            except FixtureError as exc:
                raise LocalFault(f"cannot record into {exc}; move the file away", path=path, fatal=False) from None
            # A recording made for another prompt, or over a hand-written fixture, starts afresh.
            if (not fixture or fixture.get("origin") != "recorded" or fixture.get("prompt_version") != self.prompt_version
                    or fixture.get("chunk") != exchange.chunk):
                fixture = self._fresh(exchange, request)
            exchanges = fixture["exchanges"]
            entry = {"status": 200, "body": readable(answer)}
            index = exchange.ask - 1
            if index < len(exchanges):
                exchanges[index] = entry
            else:
                exchanges.extend([entry] * (index + 1 - len(exchanges)))
            text = json.dumps(fixture, ensure_ascii=False, indent=1)
            for secret in self.secrets:  # a server that echoes a key into an answer must not have it recorded
                text = text.replace(secret, "[redacted]")
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            try:
                tmp.unlink(missing_ok=True)  # whatever a kill left there, never opened
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, path)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise LocalFault.of(exc, path, "recording into") from exc
            self.index.add(exchange.article, path, exchange.chunk)

    def close(self) -> None:
        return None


def _part_suffix(chunk: str | None) -> str:
    """'.part2of3' for chunk '2/3 24810:50112'; nothing for a whole article."""
    if not chunk:
        return ""
    index, _, count = chunk.split(" ", 1)[0].partition("/")
    return f".part{int(index)}of{int(count)}" if index.isdigit() and count.isdigit() else ".part"
