"""Flat tables from records.jsonl: one row per party, quote, topic and agreement.

References are written out as names so a spreadsheet needs no joins. Rows
stream from the records file, so memory does not grow with the dataset.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import ConfigurationError
from ..schemas import ArticleRecord, Span

Row = dict[str, Any]


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


def write_tables(records: Callable[[], Iterable[ArticleRecord]], out_dir: Path, fmt: str = "csv") -> list[Path]:
    """Write one file per table; `records` is called once per table so each pass streams."""
    if fmt == "none":
        return []
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ConfigurationError("--tables parquet needs pyarrow: pip install 'news-extractor[parquet]'") from None
    written: list[Path] = []
    for name, rows_of in TABLES.items():
        rows = (row for record in records() for row in rows_of(record))
        if fmt == "csv":
            path = out_dir / f"{name}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer: csv.DictWriter | None = None
                for row in rows:
                    if writer is None:
                        writer = csv.DictWriter(handle, fieldnames=list(row))
                        writer.writeheader()
                    writer.writerow(row)
        else:
            path = out_dir / f"{name}.parquet"
            pq.write_table(pa.Table.from_pylist(list(rows)), path)
        written.append(path)
    return written
