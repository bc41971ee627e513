"""A readable view of records for people (`extractor show`)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.tree import Tree


def show_records(path: Path, *, limit: int = 20, console: Console | None = None) -> None:
    console = console or Console()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= limit:
                console.print(f"... more records in {path}")
                break
            record = json.loads(line)
            names = {p["id"]: p["name"] for p in record["parties"]}
            article = record["article"]
            tree = Tree(f"[bold]{article['id']}[/] {article.get('published') or ''} {article.get('dateline') or ''}")
            tree.add(f"[italic]{record['summary']}")
            parties = tree.add(f"parties ({len(record['parties'])})")
            for p in record["parties"]:
                extra = ", ".join(x for x in (p["role"], names.get(p["affiliation"] or ""), p["country_code"]) if x)
                parties.add(f"{p['id']} {p['name']} [dim]{p['kind']}{'; ' + extra if extra else ''}")
            topics = tree.add(f"topics ({len(record['topics'])})")
            for t in record["topics"]:
                topics.add(f"{t['category']}: {t['label']} [dim]\u201c{t['evidence'][0]['text']}\u201d")
            quotes = tree.add(f"quotes ({len(record['quotes'])})")
            for q in record["quotes"]:
                where = ",".join(f"{s['start']}-{s['end']}" for s in q["spans"])
                quotes.add(f"{names.get(q['speaker'] or '', 'unknown')} ({q['kind']}, {q['alignment']}, @{where}): "
                           f"\u201c{q['text'][:160]}\u201d")
            agreements = tree.add(f"agreements ({len(record['agreements'])})")
            for a in record["agreements"]:
                members = ", ".join(names.get(p, p) for p in a["parties"])
                agreements.add(f"{a['name']} [dim]{a['kind']}, {a['status']}; {members}")
            for warning in record["provenance"]["warnings"]:
                tree.add(f"[yellow]warning: {warning}")
            console.print(tree)
