"""Hostile input folders: FIFOs, devices, huge files, links out of the folder, and ids that must not move."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from extractor.batch.discover import article_ids
from extractor.batch.dryrun import dry_run
from extractor.batch.runner import run_batch
from extractor.config import BatchOptions, Settings

from conftest import ARTICLES, ROOT

SEEDS = ("seed_003_eu_india", "negotiations_japan_philippines", "signed_mou_poland_turkiye")


def _replayed(input_dir: Path, out: Path, **options) -> dict:
    config = BatchOptions(input_dir=input_dir, out_dir=out, progress="none", replay=ARTICLES, report=False, **options)
    return run_batch(config, Settings())


def _within(seconds: float, call):
    """call() in a daemon thread; its result, or an AssertionError if it hangs."""
    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(value=call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds}s: a file blocked the run"
    return box["value"]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _copy(name: str, to: Path) -> Path:
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARTICLES / f"{name}.txt", to)
    return to


def test_fifo_device_and_sparse_file_each_get_a_failure_line_and_never_block(tmp_path):
    folder = tmp_path / "in"
    _copy(SEEDS[0], folder / "good.txt")
    os.mkfifo(folder / "fifo.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    with (folder / "sparse.txt").open("wb") as handle:
        handle.truncate(1024 ** 3)
    summary = _within(30, lambda: _replayed(folder, tmp_path / "out", follow_links=True))
    failures = {f["article_id"]: f["message"] for f in _lines(tmp_path / "out" / "failures.jsonl")}
    assert "FIFO" in failures["fifo"] and "character device" in failures["zero"]
    assert "byte limit" in failures["sparse"]
    assert summary["counts"]["ok"] == 1 and summary["status"] == "completed"


def test_dry_run_and_extract_do_not_hang_on_a_fifo(tmp_path):
    folder = tmp_path / "in"
    _copy(SEEDS[0], folder / "good.txt")
    os.mkfifo(folder / "fifo.txt")
    report = _within(30, lambda: dry_run(BatchOptions(input_dir=folder, out_dir=tmp_path / "out"), Settings()))
    assert [r["article_id"] for r in report["articles"]] == ["good"]
    assert "FIFO" in report["unreadable"][0]["problem"]
    result = subprocess.run([sys.executable, "-m", "extractor", "extract", str(folder / "fifo.txt"), "--replay",
                             str(ARTICLES)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1 and "FIFO" in result.stderr and "Traceback" not in result.stderr


def test_links_out_of_the_input_folder_are_refused_unless_followed(tmp_path):
    folder = tmp_path / "in"
    _copy(SEEDS[0], folder / "inside.txt")
    outside = _copy(SEEDS[1], tmp_path / "elsewhere" / "private.txt")
    (folder / "escape.txt").symlink_to(outside)
    (folder / "sub").mkdir()
    (folder / "sub" / "up.txt").symlink_to("../../elsewhere/private.txt")
    (folder / "z_alias.txt").symlink_to("inside.txt")  # a link that stays inside is fine (and a duplicate)

    summary = _replayed(folder, tmp_path / "out")
    failures = {f["article_id"]: f for f in _lines(tmp_path / "out" / "failures.jsonl")}
    for article_id in ("escape", "sub/up"):
        assert "outside" in failures[article_id]["message"] and "--follow-links" in failures[article_id]["message"]
    assert failures["z_alias"]["error_type"] == "DuplicateContent"
    records = _lines(tmp_path / "out" / "records.jsonl")
    assert [r["article"]["id"] for r in records] == ["inside"]
    assert summary["counts"]["failed"] == 2

    followed = _replayed(folder, tmp_path / "out2", follow_links=True)
    assert followed["counts"]["ok"] == 2 and followed["config"]["follow_links"] is True
    ids = sorted(r["article"]["id"] for r in _lines(tmp_path / "out2" / "records.jsonl"))
    assert ids == ["escape", "inside"]  # sub/up is the same text as escape: extracted once


def test_ids_depend_only_on_the_files_own_path():
    root = Path("/in")
    before, _ = article_ids([root / "a.txt", root / "x" / "b.txt"], root)
    after, _ = article_ids([root / "a.txt", root / "x" / "b.txt", root / "y" / "b.txt", root / "z" / "a.txt"], root)
    assert before == {root / "a.txt": "a", root / "x" / "b.txt": "x/b"}
    assert {p: after[p] for p in before} == before
    assert after[root / "y" / "b.txt"] == "y/b" and after[root / "z" / "a.txt"] == "z/a"


def test_adding_a_file_with_the_same_name_never_renames_a_done_article(tmp_path):
    folder = tmp_path / "in"
    _copy(SEEDS[0], folder / "x" / "a.txt")
    first = _replayed(folder, tmp_path / "out")
    assert first["counts"]["ok"] == 1
    _copy(SEEDS[1], folder / "y" / "a.txt")
    second = _replayed(folder, tmp_path / "out")
    assert second["counts"]["skipped"] == 1 and second["counts"]["ok"] == 1
    ids = [r["article"]["id"] for r in _lines(tmp_path / "out" / "records.jsonl")]
    assert sorted(ids) == ["x/a", "y/a"]


def test_an_output_folder_from_an_older_version_keeps_its_ids(tmp_path):
    """Older versions named a file in a subfolder by its bare stem; resuming must not redo it under a new id."""
    folder = tmp_path / "in"
    _copy(SEEDS[0], folder / "x" / "a.txt")
    _replayed(folder, tmp_path / "out")
    records = tmp_path / "out" / "records.jsonl"
    record = json.loads(records.read_text())
    record["article"]["id"] = "a"
    records.write_text(json.dumps(record) + "\n")
    again = _replayed(folder, tmp_path / "out")
    assert again["counts"]["skipped"] == 1 and again["counts"]["ok"] == 0
    assert [r["article"]["id"] for r in _lines(records)] == ["a"]


def test_two_names_for_one_id_fail_the_one_that_is_not_txt(tmp_path):
    folder = tmp_path / "in"
    _copy(SEEDS[0], folder / "a.txt")
    _copy(SEEDS[1], folder / "a")
    summary = _replayed(folder, tmp_path / "out", glob="*")
    failure = _lines(tmp_path / "out" / "failures.jsonl")[0]
    assert failure["error_type"] == "IdClash" and failure["path"].endswith("/a")
    assert [r["article"]["id"] for r in _lines(tmp_path / "out" / "records.jsonl")] == ["a"]
    assert summary["counts"]["ok"] == 1
