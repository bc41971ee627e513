"""`extractor show` prints article and model text literally, and survives a damaged line."""

from __future__ import annotations

import json

from rich.console import Console

from extractor.cli.show import show_records

from conftest import ARTICLES

MARKUP = "[link=file:///etc/passwd]click[/link] [bold]loud[/bold] [/] [red"


def test_markup_in_article_text_is_printed_literally(tmp_path):
    data = json.loads((ARTICLES / "seed_003_eu_india.expected.json").read_text(encoding="utf-8"))
    data["provenance"]["extracted_at"] = "2025-01-01T00:00:00Z"
    data["article"]["id"] = "odd\\"
    data["summary"] = MARKUP
    data["parties"][0]["name"] = MARKUP
    data["quotes"][0]["text"] = MARKUP
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    console = Console(record=True, width=300)
    show_records(path, console=console)
    text = console.export_text()
    assert text.count("[link=file:///etc/passwd]click[/link]") >= 3 and "[bold]loud[/bold]" in text
    assert "odd\\" in text


def test_show_refuses_a_missing_file_or_a_fifo_with_a_message(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    os.mkfifo(tmp_path / "records.jsonl")
    for target in (tmp_path, tmp_path / "missing.jsonl"):
        result = subprocess.run([sys.executable, "-m", "extractor", "show", str(target)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and "is not a records file" in result.stderr
        assert "Traceback" not in result.stderr
