"""A full disk stops a batch cleanly: what finished is kept, nothing half-written is left, exit status 2."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from extractor.batch.runner import exit_code, run_batch
from extractor.cli.app import app
from extractor.config import BatchOptions, Settings
from extractor.testing.devserver import ServerConfig, ThreadedServer

from conftest import ARTICLES, FAKE_KEY, ROOT


def _disk_fills_after(monkeypatch, good_syncs: int) -> None:
    """os.fsync succeeds good_syncs times, then the disk is full."""
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > good_syncs:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def _samples(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(ROOT / "samples", folder)
    return folder


def test_a_full_disk_stops_the_run_cleanly_keeping_what_finished(tmp_path, monkeypatch):
    folder, out = _samples(tmp_path), tmp_path / "out"
    _disk_fills_after(monkeypatch, 3)  # run.json "running", then two records
    summary = run_batch(BatchOptions(input_dir=folder, out_dir=out, progress="none", replay=ARTICLES, concurrency=1),
                        Settings())
    assert summary["status"] == "stopped" and exit_code(summary) == 2
    assert "disk is full" in summary["error"] and "records.jsonl" in summary["error"]
    assert not list(out.glob("*.tmp")) and "run.json" not in summary["outputs"]
    kept = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(kept) >= 2 and json.loads((out / "run.json").read_text())["status"] == "running"
    monkeypatch.undo()
    again = run_batch(BatchOptions(input_dir=folder, out_dir=out, progress="none", replay=ARTICLES), Settings())
    assert again["counts"]["skipped"] >= 2 and again["status"] == "completed"


def test_the_cli_reports_a_full_disk_with_exit_2_and_no_traceback(tmp_path, monkeypatch):
    folder, out = _samples(tmp_path), tmp_path / "out"
    _disk_fills_after(monkeypatch, 2)
    result = CliRunner().invoke(app, ["batch", str(folder), "-o", str(out), "--replay", str(ARTICLES),
                                      "--concurrency", "1", "--progress", "none"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "disk is full" in result.stderr and "Traceback" not in result.output
    assert "run.json" in result.stderr and not list(out.glob("*.tmp"))


def test_a_full_disk_while_recording_stops_the_run_without_retrying(tmp_path, monkeypatch):
    from batch.test_runner import make_articles

    make_articles(tmp_path / "in", 3)
    real_write_text = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.parent.name == "rec":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    with ThreadedServer(ServerConfig()) as server:
        summary = run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none",
                                         record=tmp_path / "rec", concurrency=1), Settings(base_url=server.base_url, api_key=FAKE_KEY))
        requests = server.stats()["counts"]["requests"]
    assert summary["status"] == "stopped" and "disk is full" in summary["error"] and requests == 1
    assert not list((tmp_path / "rec").iterdir())
