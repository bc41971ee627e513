"""Self-check of the rules backend against hand-written gold: per-article misses, for iterating on rules.

    .venv/bin/python bench/rules_check.py [GOLD_DIR ...] [--only NAME]

For each fixtures/gold/NAME.gold.json (or the folders given), runs read_rules on
fixtures/articles/NAME.txt, builds the record as the pipeline does, and prints
what differs: parties missed or extra, quotes missed (by word coverage), with a
wrong speaker or kind, or extra; topics missed or extra; agreements unmatched.
Matching is deliberately simple (names casefolded, word overlap); the `eval`
command is the real scorer.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.backends.rules import read_rules  # noqa: E402
from extractor.core.article import load_article  # noqa: E402
from extractor.core.grounding import Grounder  # noqa: E402
from extractor.backends.base import Candidates
from extractor.core.pipeline import ArticleCheck, assemble  # noqa: E402

_WORD = re.compile(r"\w+")


def norm(name: str | None) -> str:
    folded = unicodedata.normalize("NFKD", (name or "").casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c) and c not in ".'\u2019")
    words = re.sub(r"[^\w]+", " ", folded).split()
    return " ".join(words[1:] if len(words) > 1 and words[0] == "the" else words)


def words_of(text: str, spans) -> set[int]:
    starts = [m.start() for m in _WORD.finditer(text)]
    ends = [m.end() for m in _WORD.finditer(text)]
    return {i for i, (s, e) in enumerate(zip(starts, ends)) for a, b in spans if s < b and e > a}


def gold_spans(text: str, parts: list[str]) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for part in parts:
        at = text.find(part, cursor)
        if at < 0:
            return []
        spans.append((at, at + len(part)))
        cursor = at + len(part)
    return spans


def check(gold_path: Path, articles: Path, totals: dict[str, list[int]]) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    article = load_article(articles / f"{gold['article']}.txt")
    text = article.text
    record = assemble(article, Candidates(response=read_rules(text), backend="rules", model="rules", prompt_version="rules", attempts=0), ArticleCheck(text))
    lines: list[str] = []
    names = {p.id: p for p in record.parties}
    predicted_forms = {p.id: {norm(p.name), *map(norm, p.aliases)} for p in record.parties}
    gold_forms = {g["name"]: {norm(g["name"]), *map(norm, g.get("variants", []))} for g in gold["parties"]}

    def party_of(gold_name: str | None) -> str | None:
        if gold_name is None:
            return None
        forms = gold_forms.get(gold_name, {norm(gold_name)})
        return next((pid for pid, f in predicted_forms.items() if f & forms), None)

    # Parties
    matched = set()
    tp = fn = 0
    for g in gold["parties"]:
        pid = party_of(g["name"])
        if pid:
            matched.add(pid)
            tp += not g.get("optional")
            p = names[pid]
            role_ok = not g.get("role") or (p.role and any(
                r.casefold() in p.role.casefold() or p.role.casefold() in r.casefold()
                for r in [g["role"], *g.get("role_variants", [])]))
            if not role_ok:
                lines.append(f"  party role   {g['name']}: {p.role!r} vs {g['role']!r}")
        elif not g.get("optional"):
            fn += 1
            lines.append(f"  party MISSED {g['name']}")
    extra = [p.name for pid, p in names.items() if pid not in matched]
    lines += [f"  party EXTRA  {n}" for n in extra]
    totals["parties"][0] += tp
    totals["parties"][1] += fn
    totals["parties"][2] += len(extra)

    # Quotes
    used = set()
    for g in gold["quotes"]:
        spans = gold_spans(text, g["parts"])
        gw = words_of(text, spans)
        best, best_cov = None, 0.0
        for i, q in enumerate(record.quotes):
            qw = words_of(text, [(s.start, s.end) for s in q.spans])
            cov = len(gw & qw) / max(1, len(gw | qw))
            if cov > best_cov:
                best, best_cov = i, cov
        if best is None or best_cov < 0.3:
            if not g.get("optional"):
                totals["quotes"][1] += 1
                lines.append(f"  quote MISSED [{g['kind']}] {g['speaker']}: {' | '.join(g['parts'])[:90]!r}")
            continue
        used.add(best)
        q = record.quotes[best]
        totals["quotes"][0] += 1
        want = party_of(g["speaker"])
        totals["speakers"][0 if q.speaker == want else 1] += 1
        if q.speaker != want:
            lines.append(f"  quote SPEAKER {names[q.speaker].name if q.speaker else None} vs {g['speaker']}: {q.text[:60]!r}")
        if q.kind.value not in [g["kind"], *g.get("kind_variants", [])]:
            lines.append(f"  quote KIND {q.kind.value} vs {g['kind']}: {q.text[:60]!r}")
        if best_cov < 0.8:
            lines.append(f"  quote PARTIAL {best_cov:.2f}: {q.text[:70]!r}")
    for i, q in enumerate(record.quotes):
        if i not in used:
            totals["quotes"][2] += 1
            lines.append(f"  quote EXTRA [{q.kind.value}] {names[q.speaker].name if q.speaker else None}: {q.text[:80]!r}")

    # Topics
    got = {t.category.value for t in record.topics}
    allowed = {t["category"] for t in gold["topics"]}
    required = {t["category"] for t in gold["topics"] if t.get("required", True)}
    for c in sorted(required - got):
        lines.append(f"  topic MISSED {c}")
    for c in sorted(got - allowed):
        lines.append(f"  topic EXTRA  {c}")
    totals["topics"][0] += len(got & allowed)
    totals["topics"][1] += len(required - got)
    totals["topics"][2] += len(got - allowed)

    # Agreements: same parties (as gold names) and kind or status
    taken = set()
    for g in gold["agreements"]:
        want = {party_of(n) for n in g["parties"]}
        hit = None
        for i, a in enumerate(record.agreements):
            if i not in taken and set(a.parties) & want and len(set(a.parties) & want) >= min(2, len(want)):
                if a.kind.value == g["kind"] or a.status.value in [g["status"], *g.get("status_variants", [])]:
                    hit = i
                    break
        if hit is None:
            if not g.get("optional"):
                totals["agreements"][1] += 1
                lines.append(f"  agreement MISSED {g['name']} ({g['kind']}, {g['status']})")
            continue
        taken.add(hit)
        a = record.agreements[hit]
        totals["agreements"][0] += 1
        if a.status.value not in [g["status"], *g.get("status_variants", [])] or a.kind.value != g["kind"]:
            lines.append(f"  agreement DIFF {a.name}: {a.kind.value}/{a.status.value} vs {g['kind']}/{g['status']}")
    for i, a in enumerate(record.agreements):
        if i not in taken:
            totals["agreements"][2] += 1
            lines.append(f"  agreement EXTRA {a.name} ({a.kind.value}, {a.status.value})")
    forbidden = {norm(n) for n in gold.get("forbidden_names", [])}
    for p in record.parties:
        if {norm(p.name), *map(norm, p.aliases)} & forbidden:
            lines.append(f"  FORBIDDEN party {p.name}")
    print(f"{gold['article']}: {'ok' if not lines else f'{len(lines)} differences'}")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("gold", nargs="*", type=Path, default=[ROOT / "fixtures" / "gold"])
    parser.add_argument("--articles", type=Path, default=ROOT / "fixtures" / "articles")
    parser.add_argument("--only")
    args = parser.parse_args()
    totals = {k: [0, 0, 0] for k in ("parties", "quotes", "topics", "agreements")}
    totals["speakers"] = [0, 0, 0]
    for folder in args.gold:
        for path in sorted(folder.glob("*.gold.json")):
            if args.only and args.only not in path.name:
                continue
            check(path, args.articles, totals)
    print("\n# totals (true positives, missed, extra) and F1")
    for key, (tp, fn, fp) in totals.items():
        if key == "speakers":
            print(f"speaker accuracy: {tp}/{tp + fn}" + (f" = {tp / (tp + fn):.2f}" if tp + fn else ""))
            continue
        f1 = 2 * tp / (2 * tp + fn + fp) if tp else 0.0
        print(f"{key:11} tp={tp:3d} missed={fn:3d} extra={fp:3d}  F1={f1:.2f}")


if __name__ == "__main__":
    main()
