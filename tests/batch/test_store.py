"""Damaged outputs are set aside, never fatal; whole files are replaced atomically; run.json tells the truth."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from extractor.batch import runner, tables
from extractor.batch.runner import exit_code, run_batch
from extractor.cli.show import show_records
from extractor.config import BatchOptions, Settings

from conftest import ARTICLES

NAMES = ("seed_003_eu_india", "negotiations_japan_philippines", "signed_mou_poland_turkiye")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(ARTICLES / f"{name}.txt", folder / f"{name}.txt")
    return folder


def _run(folder: Path, out: Path, **options) -> dict:
    config = BatchOptions(input_dir=folder, out_dir=out, progress="none", replay=ARTICLES, report=False, **options)
    return run_batch(config, Settings())


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["article"]["id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("bad", [b"\x00\xffgarbage that is not JSON", b'{"article": {"id": "not a record"}}'])
def test_a_bad_line_is_set_aside_with_its_number_and_the_article_redone(tmp_path, bad, caplog):
    folder, out = _folder(tmp_path), tmp_path / "out"
    _run(folder, out)
    records = out / "records.jsonl"
    lines = records.read_bytes().splitlines(keepends=True)
    victim = json.loads(lines[1])["article"]["id"]
    records.write_bytes(lines[0] + bad + b"\n" + lines[2])  # line 2 damaged: the record of `victim` is gone

    with caplog.at_level(logging.WARNING, logger="extractor"):
        summary = _run(folder, out)
    assert summary["records_rejected"][0]["line"] == 2 and summary["status"] == "completed"
    assert summary["counts"]["ok"] == 1 and summary["counts"]["skipped"] == 2  # only the lost article is redone
    assert sorted(_ids(records)) == sorted(NAMES) and victim in _ids(records)
    rejected = [json.loads(line) for line in (out / "records.rejected.jsonl").read_text().splitlines()]
    assert rejected[0]["line"] == 2 and rejected[0]["text"].encode("utf-8", "backslashreplace")
    assert json.loads((out / "run.json").read_text())["records_rejected"][0]["line"] == 2
    assert any("line 2" in message and "records.rejected.jsonl" in message for message in caplog.messages)
    assert "records.rejected.jsonl" in summary["outputs"]


def test_show_skips_a_bad_line_with_a_note(tmp_path):
    from rich.console import Console

    folder, out = _folder(tmp_path), tmp_path / "out"
    _run(folder, out)
    records = out / "records.jsonl"
    lines = records.read_text().splitlines(keepends=True)
    records.write_text(lines[0] + "{not json\n" + "".join(lines[1:]))
    console = Console(record=True, width=200)
    show_records(records, console=console)
    text = console.export_text()
    assert "line 2 of" in text and "not a valid record" in text
    assert all(name in text for name in NAMES)


def test_a_valid_last_line_without_its_newline_is_kept(tmp_path):
    folder, out = _folder(tmp_path), tmp_path / "out"
    _run(folder, out)
    records = out / "records.jsonl"
    records.write_bytes(records.read_bytes().rstrip(b"\n"))
    summary = _run(folder, out)
    assert summary["counts"]["skipped"] == 3 and summary["counts"]["ok"] == 0  # nothing redone
    assert summary["records_newline_added"] is True and summary["records_repaired_bytes"] == 0
    assert records.read_bytes().endswith(b"}\n") and len(_ids(records)) == 3


def test_a_torn_last_line_is_still_cut_and_redone(tmp_path):
    folder, out = _folder(tmp_path), tmp_path / "out"
    _run(folder, out)
    records = out / "records.jsonl"
    data = records.read_bytes()
    records.write_bytes(data[: len(data) - 40])  # the last record loses its end
    summary = _run(folder, out)
    assert summary["records_repaired_bytes"] > 0 and summary["counts"]["ok"] == 1
    assert sorted(_ids(records)) == sorted(NAMES)


def test_run_json_says_running_from_the_start_and_completed_only_at_the_end(tmp_path, monkeypatch):
    folder, out = _folder(tmp_path), tmp_path / "out"
    _run(folder, out)
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
    seen = {}
    real_discover, real_tables = runner.discover, runner.write_tables

    def discover(*args):
        seen["at_discovery"] = json.loads((out / "run.json").read_text())["status"]
        return real_discover(*args)

    def write_tables(*args):
        seen["at_tables"] = json.loads((out / "run.json").read_text())["status"]
        return real_tables(*args)

    monkeypatch.setattr(runner, "discover", discover)
    monkeypatch.setattr(runner, "write_tables", write_tables)
    _run(folder, out, force=True)
    assert seen == {"at_discovery": "running", "at_tables": "running"}
    assert json.loads((out / "run.json").read_text())["status"] == "completed"


def test_a_kill_while_tables_are_written_leaves_the_old_tables_whole(tmp_path, monkeypatch):
    folder, out = _folder(tmp_path), tmp_path / "out"
    _run(folder, out)
    before = {p.name: sorted(p.read_bytes().splitlines()) for p in out.glob("*.csv")}
    real_quote_rows = tables.TABLES["quotes"]

    def dying_rows(record):
        yield from list(real_quote_rows(record))[:1]
        raise KeyboardInterrupt  # as if killed halfway through quotes.csv

    monkeypatch.setitem(tables.TABLES, "quotes", dying_rows)
    with pytest.raises(KeyboardInterrupt):
        _run(folder, out, force=True)
    # Each table is whole: the old one, or (written before the kill) the new one with the same rows.
    assert {p.name: sorted(p.read_bytes().splitlines()) for p in out.glob("*.csv")} == before
    assert json.loads((out / "run.json").read_text())["status"] == "running"  # not the old "completed"


def test_an_interrupted_run_says_so_and_claims_no_tables(tmp_path, monkeypatch):
    folder, out = _folder(tmp_path), tmp_path / "out"
    real_one = runner.BatchRun._one

    async def one(self, *args):
        self.interrupt()  # as a first Ctrl-C would
        return await real_one(self, *args)

    monkeypatch.setattr(runner.BatchRun, "_one", one)
    summary = _run(folder, out)
    assert summary["status"] == "interrupted" and exit_code(summary) == 130
    assert summary["outputs"] == ["records.jsonl", "failures.jsonl", "run.json"]
    assert not list(out.glob("*.csv"))
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"


def test_an_unexpected_error_never_leaves_run_json_claiming_completed(tmp_path, monkeypatch):
    folder, out = _folder(tmp_path), tmp_path / "out"

    async def broken(self, *args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(runner.BatchRun, "_one", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        _run(folder, out)
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "stopped" and "a bug" in run["error"] and not list(out.glob("*.csv"))


def test_a_fifo_in_place_of_an_output_stops_the_run_instead_of_blocking_it(tmp_path):
    import os
    import threading

    folder, out = _folder(tmp_path), tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "run.json.tmp")  # left by someone: replaced, never opened
    os.mkfifo(out / "failures.jsonl")
    box = {}
    thread = threading.Thread(target=lambda: box.update(summary=_run(folder, out)), daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "an output FIFO blocked the run"
    summary = box["summary"]
    assert summary["status"] == "stopped" and exit_code(summary) == 2
    assert "failures.jsonl is not a regular file" in summary["error"]
    assert json.loads((out / "run.json").read_text())["status"] == "stopped"
