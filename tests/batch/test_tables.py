"""The tables are safe to open in a spreadsheet: nothing in an article becomes a live formula."""

from __future__ import annotations

import csv
import json

from extractor.batch.tables import csv_safe, write_tables
from extractor.schemas import ArticleRecord

from conftest import ARTICLES


def _record(**changes) -> ArticleRecord:
    data = json.loads((ARTICLES / "seed_003_eu_india.expected.json").read_text(encoding="utf-8"))
    data["provenance"]["extracted_at"] = "2025-01-01T00:00:00Z"
    data["article"]["id"] = changes.get("id", data["article"]["id"])
    data["parties"][0]["name"] = changes.get("party", data["parties"][0]["name"])
    data["quotes"][0]["text"] = changes.get("quote", data["quotes"][0]["text"])
    data["topics"][0]["label"] = changes.get("label", data["topics"][0]["label"])
    data["agreements"][0]["name"] = changes.get("agreement", data["agreements"][0]["name"])
    return ArticleRecord.model_validate(data)


def test_formula_characters_at_the_start_of_a_cell_are_escaped(tmp_path):
    record = _record(id="=1+2", party='=HYPERLINK("http://evil.example","x")', quote="+SUM(A1:A9)",
                     label="@cmd", agreement="-2+3")
    write_tables(lambda: [record], tmp_path)
    cells = {}
    for name in ("parties", "quotes", "topics", "agreements"):
        with (tmp_path / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            cells[name] = list(csv.DictReader(handle))
    assert {row["article_id"] for rows in cells.values() for row in rows} == {"'=1+2"}
    assert cells["parties"][0]["name"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert cells["quotes"][0]["text"] == "'+SUM(A1:A9)"
    assert cells["topics"][0]["label"] == "'@cmd"
    assert cells["agreements"][0]["name"] == "'-2+3"
    assert cells["parties"][1]["name"] == record.parties[1].name  # ordinary text is untouched
    assert not list(tmp_path.glob("*.tmp"))


def test_csv_safe_covers_tab_and_carriage_return_and_leaves_numbers_alone():
    assert [csv_safe(v) for v in ("\tx", "\rx", "x=1", 5, -3, None)] == ["'\tx", "'\rx", "x=1", 5, -3, None]
