"""Stage 6: write records so that no finished article is lost and none is written twice.

records.jsonl is append-only while a run is going: one line per record,
flushed and fsynced before the article counts as done. A kill at any instant
can leave at most a torn last line, which the next run cuts off. A record that
is redone (--force, a new prompt version or model, changed text) is appended;
the file is compacted to the newest record per article id when the run ends,
and at the start of the next run if a kill came first.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..schemas import ArticleRecord


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


def _fsync_append(handle: Any, line: str) -> None:
    handle.write(line)
    handle.flush()
    os.fsync(handle.fileno())


def _atomic_write_lines(path: Path, lines: Iterator[str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class RecordStore:
    """records.jsonl in an output directory."""

    def __init__(self, path: Path):
        self.path = path
        self.repaired_bytes = 0
        self.done: dict[str, DoneKey] = {}  # article id -> key of its newest record
        self._superseded = False  # some id has an older record above its newest one
        self._handle: Any = None

    def open(self) -> "RecordStore":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair_torn_tail()
        if self.path.exists():
            self._compact_and_index()
        self._handle = self.path.open("a", encoding="utf-8")
        return self

    def _repair_torn_tail(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(max(0, size - 1))
            if handle.read(1) == b"\n":
                return
            # Walk back to the last complete line and cut what follows.
            position = size
            while position > 0:
                step = min(65536, position)
                handle.seek(position - step)
                chunk = handle.read(step)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    position = position - step + newline + 1
                    break
                position -= step
            handle.truncate(position)
            self.repaired_bytes = size - position

    def _compact_and_index(self) -> None:
        count = 0
        for record in self.iter_dicts():
            self.done[record["article"]["id"]] = DoneKey.of(record)
            count += 1
        if count != len(self.done):  # an earlier run was killed between a redo and its compaction
            self._superseded = True
            self.compact()

    def iter_dicts(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def records(self) -> Iterator[ArticleRecord]:
        """The records as typed objects, streamed."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield ArticleRecord.model_validate_json(line)

    def is_done(self, article_id: str, key: DoneKey) -> bool:
        return self.done.get(article_id) == key

    async def append(self, record: ArticleRecord) -> None:
        """Write the record's line and return once it is on disk.

        The line is written whole from the event loop, so lines never interleave;
        the fsync, which only waits on the disk, runs in a thread so other
        articles' requests keep going out meanwhile.
        """
        line = record.model_dump_json() + "\n"
        self._superseded = self._superseded or record.article.id in self.done
        self._handle.write(line)
        self._handle.flush()
        await asyncio.to_thread(os.fsync, self._handle.fileno())
        self.done[record.article.id] = DoneKey(
            record.article.sha256, record.provenance.prompt_version, record.provenance.model, record.schema_version
        )

    def compact(self) -> None:
        """Keep the newest record per article id; streams, so memory stays flat.

        Nothing to do, and nothing read, unless some record was redone."""
        if not self._superseded:
            return
        self._superseded = False
        newest: dict[str, int] = {}
        total = 0
        for number, record in enumerate(self.iter_dicts()):
            newest[record["article"]["id"]] = number
            total = number + 1
        if len(newest) == total:
            return
        keep = set(newest.values())
        if self._handle is not None:
            self._handle.close()

        def kept() -> Iterator[str]:
            with self.path.open(encoding="utf-8") as handle:
                for number, line in enumerate(line for line in handle if line.strip()):
                    if number in keep:
                        yield line

        _atomic_write_lines(self.path, kept())
        if self._handle is not None:
            self._handle = self.path.open("a", encoding="utf-8")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class FailureLog:
    """failures.jsonl: this run's failures, one line each, written as they happen."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("w", encoding="utf-8")  # a new run retries earlier failures

    def add(self, **entry: Any) -> None:
        _fsync_append(self._handle, json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        self.count += 1

    def close(self) -> None:
        self._handle.close()


def write_json_atomic(path: Path, data: Any) -> None:
    _atomic_write_lines(path, iter([json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"]))
