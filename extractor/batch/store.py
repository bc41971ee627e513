"""Stage 6: write records so that no finished article is lost and none is written twice.

records.jsonl is append-only while a run is going: one line per record,
flushed and fsynced before the article counts as done. A kill at any instant
can leave at most a torn last line, which the next run cuts off (a complete
last line that only lacks its newline is kept). A record that is redone
(--force, a new prompt version or model, changed text) is appended; the file
is compacted to the newest record per article id when the run ends, and at
the start of the next run if a kill came first.

Resuming a large folder must not mean parsing every record: records.index.jsonl
holds, per line of records.jsonl, the article id, what makes it current (its
DoneKey), its source and where the line ends. When the index ends exactly where
records.jsonl does, it is the done-set; otherwise (no index, a kill between the
two writes, a file edited by hand) every record is read and checked once and
the index rebuilt.

A line that is not a valid ArticleRecord (edited by hand, damaged on disk) is
never fatal: the next run moves it to records.rejected.jsonl with its line
number, says so, and redoes the article. Files written whole (run.json, the
compacted records) go to a temporary file renamed into place. Any failure to
write is a LocalFault naming the file; a full disk stops the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from ..config import redact
from ..errors import LocalFault
from ..schemas import ArticleRecord

log = logging.getLogger("extractor")
REJECTED_NAME = "records.rejected.jsonl"
INDEX_NAME = "records.index.jsonl"


@dataclass(frozen=True)
class DoneKey:
    """A record is reusable when all of these match."""

    sha256: str
    prompt_version: str
    model: str
    schema_version: str

    @classmethod
    def of(cls, record: dict[str, Any]) -> "DoneKey":
        return cls(
            record["article"]["sha256"], record["provenance"]["prompt_version"],
            record["provenance"]["model"], record["schema_version"],
        )


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def require_regular(path: Path) -> None:
    """An output must be a regular file (or not exist yet): a FIFO put in its place would block the run."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LocalFault.of(exc, path, "checking") from exc
    if not stat.S_ISREG(info.st_mode):
        raise LocalFault(f"{path} is not a regular file; move it away and run the same command again", path=path)


def _fsync_append(handle: Any, line: str) -> None:
    handle.write(line)
    handle.flush()
    os.fsync(handle.fileno())


def _atomic_write_lines(path: Path, lines: Iterator[str | bytes], *, binary: bool = False) -> None:
    """Write NAME.tmp, fsync it and rename it over NAME: readers see the old file or the new one, whole."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.unlink(missing_ok=True)  # whatever a kill or someone else left there, never opened
        with tmp.open("wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            for line in lines:
                handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LocalFault.of(exc, path, "writing") from exc


def _why(exc: Exception) -> str:
    """A short reason a line is not a record."""
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        return (f"{where}: " if where else "") + first["msg"]
    return str(exc)[:200]


class RecordStore:
    """records.jsonl in an output directory."""

    def __init__(self, path: Path):
        self.path = path
        self.rejected_path = path.with_name(REJECTED_NAME)
        self.repaired_bytes = 0  # a torn last line left by a killed run, cut off
        self.newline_added = False  # a complete last line without its newline, kept
        self.rejected: list[dict[str, Any]] = []  # lines set aside this run: line number and reason
        self.done: dict[str, DoneKey] = {}  # article id -> key of its newest record
        self.sources: dict[str, str] = {}  # record source path -> article id
        self.index_path = path.with_name(INDEX_NAME)
        self.read_index = False  # whether opening used the index instead of reading every record
        self._superseded = False  # some id has an older record above its newest one
        self._handle: Any = None
        self._index: Any = None
        self._size = 0  # bytes in records.jsonl: where the next line starts

    def open(self) -> "RecordStore":
        require_regular(self.path)
        require_regular(self.rejected_path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._repair_tail()
            if not self.path.exists():
                self.index_path.unlink(missing_ok=True)  # an index of records that are gone
            elif not self._load_index():
                self._check_and_index()
                self._write_index()
            self._size = self.path.stat().st_size if self.path.exists() else 0
            self._handle = self.path.open("a", encoding="utf-8")
            self._index = self.index_path.open("a", encoding="utf-8")
        except OSError as exc:
            raise LocalFault.of(exc, self.path, "opening") from exc
        return self

    # -- opening: repair, set aside, index ------------------------------------------------------
    def _repair_tail(self) -> None:
        """Keep a valid last line that lacks its newline; cut a torn one."""
        if not self.path.exists():
            return
        with self.path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            position = size  # walk back to the end of the last complete line
            while position > 0:
                step = min(65536, position)
                handle.seek(position - step)
                newline = handle.read(step).rfind(b"\n")
                if newline >= 0:
                    position = position - step + newline + 1
                    break
                position -= step
            handle.seek(position)
            if _valid_line(handle.read(size - position)):
                handle.seek(size)
                handle.write(b"\n")
                self.newline_added = True
            else:
                handle.truncate(position)
                self.repaired_bytes = size - position
            handle.flush()
            os.fsync(handle.fileno())

    def _scan(self) -> Iterator[tuple[int, bytes, ArticleRecord | Exception]]:
        """(line number, line, record or why it is not one) for every non-blank line."""
        with self.path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, line, ArticleRecord.model_validate_json(line)
                except ValueError as exc:  # not JSON, or JSON that is not a record
                    yield number, line, exc

    def _check_and_index(self) -> None:
        newest: dict[str, int] = {}
        bad: list[tuple[int, bytes, Exception]] = []
        records = 0
        for number, line, record in self._scan():
            if isinstance(record, Exception):
                bad.append((number, line, record))
                continue
            records += 1
            article = record.article
            newest[article.id] = number
            self.done[article.id] = DoneKey(article.sha256, record.provenance.prompt_version,
                                            record.provenance.model, record.schema_version)
            if article.source:
                self.sources[article.source] = article.id
        if bad:
            self._set_aside(bad)
        if bad or records != len(newest):  # a bad line, or a kill came between a redo and its compaction
            self._rewrite(set(newest.values()))

    def _load_index(self) -> bool:
        """The done-set from the index, if it describes records.jsonl exactly as it is now."""
        try:
            size = self.path.stat().st_size
            with self.index_path.open(encoding="utf-8") as handle:
                entries = [json.loads(line) for line in handle if line.strip()]
        except (OSError, ValueError):
            return False
        end = entries[-1].get("end") if entries else 0
        if end != size or any(not isinstance(e, dict) or "id" not in e for e in entries):
            return False
        done, sources, ids = {}, {}, []
        for entry in entries:
            done[entry["id"]] = DoneKey(entry["sha256"], entry["prompt_version"], entry["model"],
                                        entry["schema_version"])
            if entry.get("source"):
                sources[entry["source"]] = entry["id"]
            ids.append(entry["id"])
        self.done, self.sources = done, sources
        self._superseded = len(set(ids)) != len(ids)  # a kill came between a redo and its compaction
        self.read_index = True
        return True

    def _write_index(self) -> None:
        """A fresh index of records.jsonl (read whole: used after a full check or a rewrite)."""
        def lines() -> Iterator[str]:
            end = 0
            with self.path.open("rb") as handle:
                for line in handle:
                    end += len(line)
                    try:
                        record = json.loads(line)
                        yield _index_line(DoneKey.of(record), record["article"].get("source"), end,
                                          record["article"]["id"])
                    except (ValueError, KeyError, TypeError):
                        continue  # blank lines; bad ones were set aside before this runs
        _atomic_write_lines(self.index_path, lines())

    def _set_aside(self, bad: list[tuple[int, bytes, Exception]]) -> None:
        """Append bad lines to records.rejected.jsonl (fsynced before records.jsonl loses them)."""
        entries = []
        for number, line, exc in bad:
            reason = _why(exc)
            self.rejected.append({"line": number, "error": reason})
            entries.append(json.dumps({
                "line": number, "error": reason, "set_aside_at": _now(), "source": self.path.name,
                "text": line.rstrip(b"\n").decode("utf-8", errors="backslashreplace"),
            }, ensure_ascii=False) + "\n")
            log.warning("%s line %d is not a valid record (%s); moved to %s, the article will be redone",
                        self.path, number, reason, self.rejected_path)
        with self.rejected_path.open("a", encoding="utf-8") as handle:
            _fsync_append(handle, "".join(entries))

    def _rewrite(self, keep: set[int]) -> None:
        """records.jsonl with only the given (physical) line numbers, streamed, replaced atomically."""
        def kept() -> Iterator[bytes]:
            with self.path.open("rb") as handle:
                for number, line in enumerate(handle, start=1):
                    if number in keep:
                        yield line

        _atomic_write_lines(self.path, kept(), binary=True)

    # -- reading ---------------------------------------------------------------------------------
    def records(self) -> Iterator[ArticleRecord]:
        """The valid records as typed objects, streamed."""
        if not self.path.exists():
            return
        for _, _, record in self._scan():
            if not isinstance(record, Exception):
                yield record

    def is_done(self, article_id: str, key: DoneKey) -> bool:
        return self.done.get(article_id) == key

    # -- writing ---------------------------------------------------------------------------------
    async def append(self, record: ArticleRecord) -> None:
        """Write the record's line and return once it is on disk.

        The line is written whole from the event loop, so lines never interleave;
        the fsync, which only waits on the disk, runs in a thread so other
        articles' requests keep going out meanwhile.
        """
        line = record.model_dump_json() + "\n"
        self._superseded = self._superseded or record.article.id in self.done
        key = DoneKey(record.article.sha256, record.provenance.prompt_version, record.provenance.model,
                      record.schema_version)
        try:
            self._handle.write(line)
            self._handle.flush()
            await asyncio.to_thread(os.fsync, self._handle.fileno())
            self._size += len(line.encode("utf-8"))
            # Not fsynced: the index can always be rebuilt from records.jsonl, and is when it lags.
            self._index.write(_index_line(key, record.article.source, self._size, record.article.id))
            self._index.flush()
        except OSError as exc:
            raise LocalFault.of(exc, self.path, "writing") from exc
        self.done[record.article.id] = key

    def compact(self) -> None:
        """Keep the newest record per article id; streams, so memory stays flat.

        Nothing to do, and nothing read, unless some record was redone."""
        if not self._superseded:
            return
        self._superseded = False
        newest: dict[str, int] = {}
        lines = 0
        for number, _, record in self._scan():
            lines += 1
            if not isinstance(record, Exception):
                newest[record.article.id] = number
        if len(newest) == lines:
            return
        if self._handle is not None:
            self._handle.close()
        self._rewrite(set(newest.values()))
        self._write_index()
        self._size = self.path.stat().st_size
        if self._handle is not None:
            self._handle = self.path.open("a", encoding="utf-8")
            self._index.close()
            self._index = self.index_path.open("a", encoding="utf-8")

    def close(self) -> None:
        if self._index is not None:
            index, self._index = self._index, None
            with contextlib.suppress(OSError):  # a stale index is rebuilt on the next open
                index.close()
        if self._handle is not None:
            handle, self._handle = self._handle, None
            try:
                handle.close()
            except OSError as exc:  # what was not yet written could not be flushed; fsynced lines are safe
                raise LocalFault.of(exc, self.path, "closing") from exc


def _index_line(key: DoneKey, source: str | None, end: int, article_id: str) -> str:
    return json.dumps({"id": article_id, "sha256": key.sha256, "prompt_version": key.prompt_version,
                       "model": key.model, "schema_version": key.schema_version, "source": source, "end": end},
                      ensure_ascii=False) + "\n"


def _valid_line(line: bytes) -> bool:
    try:
        ArticleRecord.model_validate_json(line)
    except ValueError:
        return False
    return True


class FailureLog:
    """failures.jsonl: this run's failures, one line each, written as they happen, secrets masked."""

    def __init__(self, path: Path, *, secrets: tuple[str, ...] = ()):
        self.path = path
        self.count = 0
        self.secrets = secrets
        require_regular(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = path.open("w", encoding="utf-8")  # a new run retries earlier failures
        except OSError as exc:
            raise LocalFault.of(exc, path, "opening") from exc

    def add(self, **entry: Any) -> None:
        line = redact(json.dumps(entry, ensure_ascii=False, default=str), *self.secrets) + "\n"
        try:
            _fsync_append(self._handle, line)
        except OSError as exc:
            raise LocalFault.of(exc, self.path, "writing") from exc
        self.count += 1

    def close(self) -> None:
        try:
            self._handle.close()
        except OSError as exc:
            raise LocalFault.of(exc, self.path, "closing") from exc


def write_json_atomic(path: Path, data: Any) -> None:
    _atomic_write_lines(path, iter([json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"]))
