"""Resuming reads the compact index of records.jsonl, and falls back to reading every record when it lags."""

import asyncio
import json

from extractor import extract
from extractor.batch.store import RecordStore

from conftest import ARTICLES, fixture_names


def _store_with_records(tmp_path, names):
    store = RecordStore(tmp_path / "records.jsonl").open()
    for name in names:
        asyncio.run(store.append(extract(ARTICLES / f"{name}.txt", replay=ARTICLES)))
    store.close()
    return store


def test_reopening_reads_the_index_not_the_records(tmp_path):
    names = fixture_names()[:4]
    first = _store_with_records(tmp_path, names)
    again = RecordStore(tmp_path / "records.jsonl").open()
    assert again.read_index and again.done == first.done and set(again.done) == set(names)
    assert set(again.sources.values()) == set(names)  # source path -> id, for stable ids
    again.close()


def test_an_index_that_does_not_match_the_records_is_rebuilt(tmp_path):
    names = fixture_names()[:3]
    _store_with_records(tmp_path, names)
    records = tmp_path / "records.jsonl"
    lines = records.read_text(encoding="utf-8").splitlines(keepends=True)
    records.write_text(lines[0] + "not a record\n" + "".join(lines[1:]), encoding="utf-8")  # edited by hand
    reopened = RecordStore(records).open()
    assert not reopened.read_index and set(reopened.done) == set(names)
    assert [r["line"] for r in reopened.rejected] == [2]
    reopened.close()
    index = [json.loads(line) for line in (tmp_path / "records.index.jsonl").read_text().splitlines()]
    assert [e["id"] for e in index] == names and index[-1]["end"] == records.stat().st_size
    assert RecordStore(records).open().read_index  # and the rebuilt index serves the next run


def test_a_lost_index_is_rebuilt_from_the_records(tmp_path):
    names = fixture_names()[:2]
    _store_with_records(tmp_path, names)
    (tmp_path / "records.index.jsonl").unlink()
    reopened = RecordStore(tmp_path / "records.jsonl").open()
    assert not reopened.read_index and set(reopened.done) == set(names)
    reopened.close()
    assert (tmp_path / "records.index.jsonl").exists()
