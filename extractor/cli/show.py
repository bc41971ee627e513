"""A readable view of records for people (`extractor show`)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from ..schemas import ArticleRecord


def show_records(path: Path, *, limit: int = 20, console: Console | None = None) -> None:
    """Print up to `limit` records; a line that is not a record is skipped with a note naming it."""
    console = console or Console()
    shown = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if shown >= limit:
                console.print(f"... more records in {escape(str(path))}")
                break
            try:
                record = ArticleRecord.model_validate_json(line)
            except ValueError as exc:
                reason = str(exc).splitlines()[0][:160]
                console.print(f"[yellow]line {number} of {escape(str(path))} is not a valid record "
                              f"({escape(reason)}); skipped")
                continue
            console.print(record_tree(record))
            shown += 1


def record_tree(record: ArticleRecord) -> Tree:
    """The record as a tree; article and model text is escaped, never read as markup."""
    names = {p.id: p.name for p in record.parties}
    article = record.article
    tree = Tree(f"[bold]{escape(article.id)}[/] {article.published or ''} {escape(article.dateline or '')}")
    tree.add(f"[italic]{escape(record.summary)}")
    parties = tree.add(f"parties ({len(record.parties)})")
    for p in record.parties:
        extra = ", ".join(x for x in (p.role, names.get(p.affiliation or ""), p.country_code) if x)
        parties.add(f"{p.id} {escape(p.name)} [dim]{p.kind.value}{'; ' + escape(extra) if extra else ''}")
    topics = tree.add(f"topics ({len(record.topics)})")
    for t in record.topics:
        topics.add(f"{t.category.value}: {escape(t.label)} [dim]\u201c{escape(t.evidence[0].text)}\u201d")
    quotes = tree.add(f"quotes ({len(record.quotes)})")
    for q in record.quotes:
        where = ",".join(f"{s.start}-{s.end}" for s in q.spans)
        speaker = names.get(q.speaker or "", "unknown")
        quotes.add(f"{escape(speaker)} ({q.kind.value}, {q.alignment.value}, @{where}): \u201c{escape(q.text[:160])}\u201d")
    agreements = tree.add(f"agreements ({len(record.agreements)})")
    for a in record.agreements:
        members = ", ".join(names.get(p, p) for p in a.parties)
        agreements.add(f"{escape(a.name)} [dim]{a.kind.value}, {a.status.value}; {escape(members)}")
    for warning in record.provenance.warnings:
        tree.add(f"[yellow]warning: {escape(warning)}")
    return tree
