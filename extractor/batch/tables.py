"""Flat tables from records.jsonl: one row per party, quote, topic and agreement.

References are written out as names so a spreadsheet needs no joins. Rows
stream from the records file, so memory does not grow with the dataset.

CSV cells are safe to open in a spreadsheet: a text cell that begins with
=, +, -, @, a tab or a carriage return would be read as a formula, so it gets
a leading single quote (the OWASP advice for CSV injection). Each table is
written to NAME.tmp and renamed into place, so a kill leaves the old table or
the new one, never half of one.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import ConfigurationError, LocalFault
from ..schemas import ArticleRecord, Span

Row = dict[str, Any]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: formula-like strings get a leading single quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _offsets(spans: list[Span]) -> str:
    return ";".join(f"{s.start}-{s.end}" for s in spans)


def _names(record: ArticleRecord) -> dict[str, str]:
    return {p.id: p.name for p in record.parties}


def _base(record: ArticleRecord) -> Row:
    published = record.article.published
    return {"article_id": record.article.id, "published": published.isoformat() if published else None}


def party_rows(record: ArticleRecord) -> Iterator[Row]:
    names = _names(record)
    for p in record.parties:
        yield {**_base(record), "party_id": p.id, "name": p.name, "kind": p.kind.value, "role": p.role,
               "affiliation": names.get(p.affiliation or ""), "country_code": p.country_code,
               "aliases": "; ".join(p.aliases), "involvement": p.involvement.value, "mentions": len(p.mentions)}


def quote_rows(record: ArticleRecord) -> Iterator[Row]:
    names = _names(record)
    for q in record.quotes:
        yield {**_base(record), "speaker": names.get(q.speaker or ""), "text": q.text, "kind": q.kind.value,
               "cue": q.cue, "alignment": q.alignment.value, "offsets": _offsets(q.spans)}


def topic_rows(record: ArticleRecord) -> Iterator[Row]:
    for t in record.topics:
        yield {**_base(record), "category": t.category.value, "label": t.label,
               "evidence": " | ".join(e.text for e in t.evidence), "offsets": _offsets(t.evidence)}


def agreement_rows(record: ArticleRecord) -> Iterator[Row]:
    names = _names(record)
    for a in record.agreements:
        yield {**_base(record), "name": a.name, "kind": a.kind.value, "status": a.status.value,
               "parties": "; ".join(names.get(p, p) for p in a.parties), "scope": "; ".join(s.value for s in a.scope),
               "modeled_on": a.modeled_on, "evidence": " | ".join(e.text for e in a.evidence),
               "offsets": _offsets(a.evidence)}


TABLES: dict[str, Callable[[ArticleRecord], Iterator[Row]]] = {
    "parties": party_rows, "quotes": quote_rows, "topics": topic_rows, "agreements": agreement_rows,
}


def require_format(fmt: str) -> None:
    """ConfigurationError, before any work, if the tables cannot be written in this format."""
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ConfigurationError("--tables parquet needs pyarrow: pip install 'news-extractor[parquet]'") from None


def write_tables(records: Callable[[], Iterable[ArticleRecord]], out_dir: Path, fmt: str = "csv") -> list[Path]:
    """Write one file per table; `records` is called once per table so each pass streams."""
    if fmt == "none":
        return []
    require_format(fmt)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
    written: list[Path] = []
    for name, rows_of in TABLES.items():
        rows = (row for record in records() for row in rows_of(record))
        path = out_dir / f"{name}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.unlink(missing_ok=True)  # whatever a kill or someone else left there, never opened
            if fmt == "csv":
                with tmp.open("w", encoding="utf-8", newline="") as handle:
                    writer: csv.DictWriter | None = None
                    for row in rows:
                        if writer is None:
                            writer = csv.DictWriter(handle, fieldnames=list(row))
                            writer.writeheader()
                        writer.writerow({key: csv_safe(value) for key, value in row.items()})
                    handle.flush()
                    os.fsync(handle.fileno())
            else:
                pq.write_table(pa.Table.from_pylist(list(rows)), tmp)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise LocalFault.of(exc, path, "writing") from exc
        written.append(path)
    return written
