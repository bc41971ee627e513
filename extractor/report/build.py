"""`write_report`: records.jsonl -> one self-contained HTML file.

The records stream through once. Each becomes a compact JSON object written straight into a
single `<script type="application/json">` blob, so memory holds only the overview's counters;
the page's own script renders the index and opens one article at a time.

Article text is untrusted: in the blob every `<`, `>` and `&` is a JSON escape, so no text can
close the script element, and the page builds its DOM with textContent only. A Content-Security-
Policy admits just this file's own style and script (by hash) and nothing from the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from extractor.schemas import ArticleRecord

from ..core.article import load_article
from ..errors import ExtractorError
from .charts import STATUS_COLOURS, Overview

# JSON escapes for what could end or confuse the script element; str.replace is much faster than translate.
_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
_MAX_BAD_LINES_SHOWN = 20
_SPAN_FIELDS = ("mentions", "evidence", "spans")


def write_report(
    records_path: Path,
    out_path: Path,
    *,
    articles_dir: Path | None = None,
    title: str | None = None,
) -> Path:
    """Write the HTML report of a records.jsonl file and return its path.

    Lines that are not valid `ArticleRecord`s are skipped and counted. The article text comes
    from the record's source path or `articles_dir/ID.txt`, whichever matches the record's
    sha256; without it the record is still shown, with its tables and a note.
    """
    records_path, out_path = Path(records_path), Path(out_path)
    articles_dir = Path(articles_dir) if articles_dir is not None else None
    title = title or f"Extraction report: {records_path.parent.name or records_path.name}"
    css, js = _asset("report.css"), _asset("report.js")
    overview = Overview()
    meta: dict[str, Any] = {"title": title, "records": str(records_path), "bad_lines": 0, "bad_examples": [],
                            "text_missing": 0, "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                            "status_colours": STATUS_COLOURS}

    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # whatever a kill or someone else left there, never opened
        with partial.open("w", encoding="utf-8") as out:
            out.write(_head(title, css, js))
            out.write('<script type="application/json" id="report-data">{"articles":[')
            count = 0
            for record in _records(records_path, meta):
                text, note = _article_text(record, articles_dir)
                if text is None:
                    meta["text_missing"] += 1
                out.write(("," if count else "") + _blob(_compact(record, text, note)))
                overview.add(count, record)
                count += 1
            meta["articles"] = count
            out.write('],"meta":' + _blob(meta) + "}</script>\n")
            # Not hidden in the markup, so the pictures still show where scripts are off; the viewer hides it.
            out.write(f'<section id="view-overview" class="view">{overview.html()}</section>\n')
            out.write(f"<script>{js}</script>\n</body>\n</html>\n")
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return out_path


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _head(title: str, css: str, js: str) -> str:
    # Nothing may load from anywhere; only the two inline blocks below may run or style.
    policy = (f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
              "img-src data:; base-uri 'none'; form-action 'none'")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f'<header class="top"><div class="brand"><h1>{escape(title)}</h1><p id="stats" class="muted"></p></div>'
        '<nav class="tabs"><a href="#/" id="tab-index">Articles</a><a href="#/overview" id="tab-overview">Overview</a>'
        "</nav></header>\n"
        '<div id="notice" class="notice" hidden></div>\n'
        '<main><section id="view-index" class="view"></section>'
        '<section id="view-article" class="view" hidden></section></main>\n'
        '<noscript><p class="notice">This report draws its index and articles with JavaScript; the Overview '
        "pictures below work without it.</p></noscript>\n"
    )


def _blob(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for raw, escaped in _SAFE:
        text = text.replace(raw, escaped)
    return text


def _records(path: Path, meta: dict[str, Any]) -> Iterator[ArticleRecord]:
    """Valid records in file order; anything else is counted in meta and skipped."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield ArticleRecord.model_validate_json(line)
            except (ValidationError, ValueError) as exc:
                meta["bad_lines"] += 1
                if len(meta["bad_examples"]) < _MAX_BAD_LINES_SHOWN:
                    first = exc.errors()[0] if isinstance(exc, ValidationError) and exc.errors() else None
                    where = ".".join(map(str, first["loc"])) if first else ""
                    why = (f"{where}: " if where else "") + (first["msg"] if first else str(exc))
                    meta["bad_examples"].append(f"line {number}: {why[:200]}")


def _article_text(record: ArticleRecord, articles_dir: Path | None) -> tuple[str | None, str | None]:
    """(text, None) from the first candidate file whose sha256 matches, else (None, why not)."""
    article = record.article
    candidates: list[Path] = []
    if article.source and "://" not in article.source:
        candidates.append(Path(article.source))
    # The id names a file only when it is a plain file name; an id like '../x' must not reach elsewhere.
    if articles_dir is not None and article.id and Path(article.id).name == article.id and article.id not in {".", ".."}:
        candidates.append(articles_dir / f"{article.id}.txt")
    problems = []
    for path in candidates:
        if not path.is_file():
            problems.append(f"{path} not found")
            continue
        try:
            loaded = load_article(path)
        except (ExtractorError, OSError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        if loaded.sha256 == article.sha256:
            return loaded.text, None
        problems.append(f"{path} has changed since extraction (sha256 differs)")
    if not candidates:
        problems.append("the record names no source file" + ("" if articles_dir else "; pass --articles DIR"))
    return None, "; ".join(problems)


def _compact(record: ArticleRecord, text: str | None, note: str | None) -> dict[str, Any]:
    """The record as the page needs it: spans as [start, end] (plus their text when the article's is missing)."""
    data = record.model_dump(mode="json", exclude_none=True)
    shift = _utf16_offsets(text) if text is not None else None
    for key in ("parties", "topics", "quotes", "agreements"):
        for item in data[key]:
            for field_name in _SPAN_FIELDS:
                if field_name in item:
                    item[field_name] = [_span(s, shift, keep_text=text is None) for s in item[field_name]]
    data["text"] = text
    if note:
        data["text_note"] = note
    return data


def _span(span: dict[str, Any], shift: list[int] | None, *, keep_text: bool) -> list[Any]:
    start, end = span["start"], span["end"]
    if shift is not None:  # the browser indexes strings in UTF-16 code units, Python in code points
        start, end = shift[min(start, len(shift) - 1)], shift[min(end, len(shift) - 1)]
    return [start, end, span["text"]] if keep_text else [start, end]


def _utf16_offsets(text: str) -> list[int] | None:
    """Code point offset -> UTF-16 offset, or None when they agree (no character outside the BMP)."""
    if not _ASTRAL.search(text):
        return None
    table, position = [0], 0
    for ch in text:
        position += 2 if ord(ch) > 0xFFFF else 1
        table.append(position)
    return table
