"""Score records against gold files: precision, recall, F1 and accuracies, micro-averaged.

Each article is scored on its own (`score_article`), then counts are summed over
articles (`score`); figures are computed from the sums, so an article with many
quotes weighs more than one with few. docs/eval.md states every rule below.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz

from extractor.schemas import ArticleRecord, Party, QuoteKind

from .gold import GoldArticle, GoldFile, load_gold_dir
from .match import WordIndex, coverage, name_set, names_match, normalize_name, role_matches, trim_span

OVERLAP_MIN = 0.6  # share of gold words covered, and of predicted words inside the gold
AGREEMENT_NAME_MIN = 60  # rapidfuzz token_set_ratio, 0-100


@dataclass
class PRF:
    """True positives, false positives, false negatives; a ratio with a zero denominator is None (n/a)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        # Equal to 2PR/(P+R) when both are defined; 0 when there was gold but nothing predicted.
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None

    def add(self, other: "PRF") -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class Accuracy:
    """Correct out of total; None (n/a) when nothing was checked."""

    correct: int = 0
    total: int = 0

    def check(self, ok: bool) -> None:
        self.correct += bool(ok)
        self.total += 1

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None

    def add(self, other: "Accuracy") -> None:
        self.correct, self.total = self.correct + other.correct, self.total + other.total

    def as_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "total": self.total, "accuracy": self.accuracy}


# (key, description); the order is the order of the table and of the JSON.
FIGURES: tuple[tuple[str, str, type], ...] = (
    ("parties", "parties", PRF),
    ("party_kind", "party kind (matched parties)", Accuracy),
    ("party_country_code", "party country_code (matched parties)", Accuracy),
    ("party_affiliation", "party affiliation (matched parties)", Accuracy),
    ("party_role", "party role (matched parties)", Accuracy),
    ("quotes_exact", "quotes, exact spans", PRF),
    ("quotes_overlap", "quotes, word overlap", PRF),
    ("direct_quotes_exact", "direct quotes, exact spans", PRF),
    ("direct_quotes_overlap", "direct quotes, word overlap", PRF),
    ("quote_speaker", "quote speaker (overlap-matched)", Accuracy),
    ("quote_kind", "quote kind (overlap-matched)", Accuracy),
    ("topics", "topic categories", PRF),
    ("agreements", "agreements", PRF),
    ("agreement_status", "agreement status (matched)", Accuracy),
    ("grounding", "grounded spans (text equals the article slice)", Accuracy),
)


def empty_figures() -> dict[str, PRF | Accuracy]:
    return {key: kind() for key, _, kind in FIGURES}


@dataclass
class ArticleScore:
    article: str
    record_id: str | None  # None: no record for this article
    matched_by: str | None  # "sha256" or "id"
    figures: dict[str, PRF | Accuracy] = field(default_factory=empty_figures)
    topics_by_category: dict[str, PRF] = field(default_factory=dict)
    leaks: list[dict[str, Any]] = field(default_factory=list)
    # What went wrong, by name or text, to read next to the gold file.
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "article": self.article, "record_id": self.record_id, "matched_by": self.matched_by,
            "figures": {key: value.as_dict() for key, value in self.figures.items()},
            "topics_by_category": {key: value.as_dict() for key, value in sorted(self.topics_by_category.items())},
            "forbidden_leaks": self.leaks, "errors": self.errors, "warnings": self.warnings,
        }


@dataclass
class BadLine:
    line: int
    error: str


@dataclass
class EvalReport:
    articles: list[ArticleScore]
    figures: dict[str, PRF | Accuracy]
    topics_by_category: dict[str, PRF]
    missing_records: list[str]
    records_without_gold: list[str]
    bad_lines: list[BadLine]
    warnings: list[str]

    @property
    def leaks(self) -> list[dict[str, Any]]:
        return [leak for article in self.articles for leak in article.leaks]

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": len(self.articles),
            "scored": len(self.articles) - len(self.missing_records),
            "missing_records": self.missing_records,
            "records_without_gold": len(self.records_without_gold),
            "records_without_gold_ids": self.records_without_gold,
            "bad_lines": [{"line": bad.line, "error": bad.error} for bad in self.bad_lines],
            "figures": {key: value.as_dict() for key, value in self.figures.items()},
            "topics_by_category": {key: value.as_dict() for key, value in sorted(self.topics_by_category.items())},
            "forbidden_leaks": {"count": len(self.leaks), "items": self.leaks},
            "warnings": self.warnings,
            "per_article": {article.article: article.as_dict() for article in self.articles},
        }


# --- reading records -------------------------------------------------------------------------------------------

def load_records(path: Path) -> tuple[list[ArticleRecord], list[BadLine]]:
    """Every valid record in a records.jsonl; each invalid line becomes a BadLine and is skipped."""
    records, bad = [], []
    with Path(path).open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                records.append(ArticleRecord.model_validate_json(line))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first.get("loc", ())) or "line"
                bad.append(BadLine(number, f"{where}: {first.get('msg', exc)} ({exc.error_count()} errors)"))
    return records, bad


# --- parties ---------------------------------------------------------------------------------------------------

def _gold_names(gold: GoldFile, name: str | None) -> set[str]:
    party = gold.party(name)
    return name_set([party.name, *party.variants]) if party else name_set([name])


def _party_names(party: Party) -> set[str]:
    return name_set([party.name, *party.aliases])


def match_parties(gold: GoldFile, parties: list[Party]) -> dict[int, int]:
    """gold party index -> predicted party index, one to one, as many required gold parties matched as possible.

    Augmenting paths (Kuhn): gold parties are taken required first, and a matched
    gold party stays matched, so an optional one never takes a required one's place.
    Candidates whose name (not only an alias) matches are tried first.
    """
    predicted = [_party_names(p) for p in parties]
    by_name = [name_set([p.name]) for p in parties]
    candidates = []
    for gold_party in gold.parties:
        wanted = name_set([gold_party.name, *gold_party.variants])
        hits = [i for i, names in enumerate(predicted) if names_match(names, wanted)]
        candidates.append(sorted(hits, key=lambda i: (not names_match(by_name[i], wanted), i)))
    owner: dict[int, int] = {}  # predicted index -> gold index

    def augment(gold_index: int, seen: set[int]) -> bool:
        for i in candidates[gold_index]:
            if i in seen:
                continue
            seen.add(i)
            if i not in owner or augment(owner[i], seen):
                owner[i] = gold_index
                return True
        return False

    order = sorted(range(len(gold.parties)), key=lambda j: (gold.parties[j].optional, j))
    for j in order:
        augment(j, set())
    return {j: i for i, j in owner.items()}


def _score_parties(item: GoldArticle, record: ArticleRecord | None, score: ArticleScore) -> dict[int, int]:
    gold = item.gold
    parties = record.parties if record else []
    by_id = {p.id: p for p in parties}
    matched = match_parties(gold, parties)
    figures = score.figures
    for j, gold_party in enumerate(gold.parties):
        if j not in matched:
            if not gold_party.optional:
                figures["parties"].fn += 1
                score.errors.setdefault("parties_missed", []).append(gold_party.name)
            continue
        figures["parties"].tp += not gold_party.optional
        party = parties[matched[j]]
        if gold_party.kind is not None:
            figures["party_kind"].check(party.kind == gold_party.kind)
        if gold_party.scores("country_code"):
            want = (gold_party.country_code or "").upper() or None
            figures["party_country_code"].check(((party.country_code or "").upper() or None) == want)
        if gold_party.scores("affiliation"):
            if gold_party.affiliation is None:
                ok = party.affiliation is None
            else:
                patron = by_id.get(party.affiliation or "")
                ok = patron is not None and names_match(_party_names(patron), _gold_names(gold, gold_party.affiliation))
            figures["party_affiliation"].check(ok)
        if gold_party.scores("role"):
            if gold_party.role is None:
                ok = not (party.role or "").strip()
            else:
                ok = role_matches(party.role, [gold_party.role, *gold_party.role_variants])
            figures["party_role"].check(ok)
    used = set(matched.values())
    extra = [p.name for i, p in enumerate(parties) if i not in used]
    figures["parties"].fp += len(extra)
    if extra:
        score.errors["parties_extra"] = extra
    return matched


# --- quotes ----------------------------------------------------------------------------------------------------

def _one_to_one(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Greedy: take the pairs in the order given, skipping any whose gold or prediction is already taken."""
    taken_gold: dict[int, int] = {}
    taken_predicted: set[int] = set()
    for j, i in pairs:
        if j not in taken_gold and i not in taken_predicted:
            taken_gold[j] = i
            taken_predicted.add(i)
    return taken_gold


def _prf(prf: PRF, gold_optional: list[bool], matched: dict[int, int], predicted: int,
         counts: Iterable[bool] | None = None, predicted_counts: Iterable[bool] | None = None) -> None:
    """Add the counts of one matching: matched required gold = TP, missed required gold = FN, unmatched prediction = FP.

    `counts` restricts which gold items take part, `predicted_counts` which unmatched predictions are FPs.
    """
    counts = list(counts) if counts is not None else [True] * len(gold_optional)
    predicted_counts = list(predicted_counts) if predicted_counts is not None else [True] * predicted
    for j, optional in enumerate(gold_optional):
        if counts[j] and not optional:
            if j in matched:
                prf.tp += 1
            else:
                prf.fn += 1
    used = set(matched.values())
    prf.fp += sum(1 for i in range(predicted) if i not in used and predicted_counts[i])


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _score_quotes(item: GoldArticle, record: ArticleRecord | None, score: ArticleScore) -> None:
    gold, text, figures = item.gold, item.text, score.figures
    quotes = record.quotes if record else []
    by_id = {p.id: p for p in (record.parties if record else [])}
    words = WordIndex(text)

    def trimmed(spans: Iterable[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        return frozenset(t for t in (trim_span(text, s, e) for s, e in spans) if t)

    gold_trim = [trimmed(spans) for spans in item.quote_spans]
    gold_words = [words.tokens(spans) for spans in item.quote_spans]
    predicted_spans = [[(s.start, s.end) for s in q.spans] for q in quotes]
    predicted_trim = [trimmed(spans) for spans in predicted_spans]
    predicted_words = [words.tokens(spans) for spans in predicted_spans]
    optional = [q.optional for q in gold.quotes]
    gold_order = sorted(range(len(gold.quotes)), key=lambda j: (optional[j], j))

    exact = _one_to_one((j, i) for j in gold_order for i in range(len(quotes))
                        if gold_trim[j] and gold_trim[j] == predicted_trim[i])
    scored = []
    for j in range(len(gold.quotes)):
        for i in range(len(quotes)):
            covered, inside = coverage(gold_words[j], predicted_words[i])
            if covered >= OVERLAP_MIN and inside >= OVERLAP_MIN:
                shared = len(gold_words[j] & predicted_words[i])
                dice = 2 * shared / (len(gold_words[j]) + len(predicted_words[i]))
                scored.append((-dice, optional[j], j, i))
    overlap = _one_to_one((j, i) for _, _, j, i in sorted(scored))

    direct = [q.kind == QuoteKind.DIRECT for q in gold.quotes]
    predicted_direct = [q.kind == QuoteKind.DIRECT for q in quotes]
    _prf(figures["quotes_exact"], optional, exact, len(quotes))
    _prf(figures["quotes_overlap"], optional, overlap, len(quotes))
    # Direct-only: gold restricted to direct quotes; an unmatched prediction is a false positive only if it
    # claims to be direct, and predictions matched to non-direct gold quotes are left out.
    _prf(figures["direct_quotes_exact"], optional, exact, len(quotes), direct,
         [d and i not in exact.values() for i, d in enumerate(predicted_direct)])
    _prf(figures["direct_quotes_overlap"], optional, overlap, len(quotes), direct,
         [d and i not in overlap.values() for i, d in enumerate(predicted_direct)])

    for j, i in overlap.items():
        gold_quote, quote = gold.quotes[j], quotes[i]
        if gold_quote.speaker is None:
            figures["quote_speaker"].check(quote.speaker is None)
        else:
            speaker = by_id.get(quote.speaker or "")
            ok = speaker is not None and names_match(_party_names(speaker), _gold_names(gold, gold_quote.speaker))
            figures["quote_speaker"].check(ok)
            if not ok:
                said = speaker.name if speaker else quote.speaker
                score.errors.setdefault("speakers_wrong", []).append(
                    f"{_short(quote.text, 50)!r}: {said} (gold {gold_quote.speaker})")
        figures["quote_kind"].check(quote.kind in {gold_quote.kind, *gold_quote.kind_variants})

    missed = [" / ".join(q.parts) for j, q in enumerate(gold.quotes) if j not in overlap and not q.optional]
    extra = [q.text for i, q in enumerate(quotes) if i not in overlap.values()]
    if missed:
        score.errors["quotes_missed"] = [_short(t) for t in missed]
    if extra:
        score.errors["quotes_extra"] = [_short(t) for t in extra]


# --- topics ----------------------------------------------------------------------------------------------------

def _score_topics(item: GoldArticle, record: ArticleRecord | None, score: ArticleScore) -> None:
    predicted = {t.category.value for t in (record.topics if record else [])}
    required = {t.category.value for t in item.gold.topics if t.required}
    acceptable = {t.category.value for t in item.gold.topics}
    for category in predicted | required:
        counts = score.topics_by_category.setdefault(category, PRF())
        if category in required:
            if category in predicted:
                counts.tp += 1
            else:
                counts.fn += 1
        elif category not in acceptable:
            counts.fp += 1
    for counts in score.topics_by_category.values():
        score.figures["topics"].add(counts)
    if required - predicted:
        score.errors["topics_missed"] = sorted(required - predicted)
    if predicted - acceptable:
        score.errors["topics_extra"] = sorted(predicted - acceptable)


# --- agreements ------------------------------------------------------------------------------------------------

def _score_agreements(item: GoldArticle, record: ArticleRecord | None, score: ArticleScore,
                      party_match: dict[int, int]) -> None:
    gold = item.gold
    agreements = record.agreements if record else []
    parties = record.parties if record else []
    index_of = {p.id: i for i, p in enumerate(parties)}
    gold_of_predicted = {i: j for j, i in party_match.items()}
    gold_names = [name_set([p.name, *p.variants]) for p in gold.parties]
    gold_index = {p.name: j for j, p in enumerate(gold.parties)}

    def resolve(party_id: str) -> object:
        """A predicted party id as the gold party it stands for, or a token no gold party shares."""
        i = index_of.get(party_id)
        if i is None:
            return ("unknown id", party_id)
        if i in gold_of_predicted:
            return gold_of_predicted[i]
        names = _party_names(parties[i])
        return next((j for j, wanted in enumerate(gold_names) if names_match(names, wanted)), ("unmatched", i))

    predicted_sets = [{resolve(pid) for pid in a.parties} for a in agreements]
    gold_sets = [{gold_index.get(name, ("not a gold party", name)) for name in a.parties} for a in gold.agreements]

    def parties_agree(j: int, i: int) -> bool:
        larger = max(len(gold_sets[j]), len(predicted_sets[i]))
        return larger == 0 or len(gold_sets[j] & predicted_sets[i]) >= larger / 2

    agree = {(j, i) for j in range(len(gold.agreements)) for i in range(len(agreements)) if parties_agree(j, i)}
    candidates = []
    for j, i in agree:
        gold_agreement = gold.agreements[j]
        ratio = max(fuzz.token_set_ratio(normalize_name(agreements[i].name), normalize_name(form))
                    for form in [gold_agreement.name, *gold_agreement.name_variants])
        only = (sum(1 for jj, ii in agree if jj == j) == 1 and sum(1 for jj, ii in agree if ii == i) == 1)
        if ratio >= AGREEMENT_NAME_MIN or only:
            candidates.append((-ratio, gold_agreement.optional, j, i))
    matched = _one_to_one((j, i) for _, _, j, i in sorted(candidates))

    _prf(score.figures["agreements"], [a.optional for a in gold.agreements], matched, len(agreements))
    for j, i in matched.items():
        gold_agreement = gold.agreements[j]
        score.figures["agreement_status"].check(
            agreements[i].status in {gold_agreement.status, *gold_agreement.status_variants})
    missed = [a.name for j, a in enumerate(gold.agreements) if j not in matched and not a.optional]
    extra = [a.name for i, a in enumerate(agreements) if i not in matched.values()]
    if missed:
        score.errors["agreements_missed"] = missed
    if extra:
        score.errors["agreements_extra"] = extra


# --- grounding and leaks ---------------------------------------------------------------------------------------

def _score_grounding(item: GoldArticle, record: ArticleRecord, score: ArticleScore) -> None:
    text = item.text
    spans = [s for p in record.parties for s in p.mentions]
    spans += [s for q in record.quotes for s in q.spans]
    spans += [s for t in record.topics for s in t.evidence]
    spans += [s for a in record.agreements for s in a.evidence]
    for span in spans:
        score.figures["grounding"].check(span.end <= len(text) and text[span.start:span.end] == span.text)


def _find_leaks(item: GoldArticle, record: ArticleRecord, score: ArticleScore) -> None:
    forbidden = {normalize_name(name): name for name in item.gold.forbidden_names if normalize_name(name)}
    for party in record.parties:
        hits = sorted(forbidden[name] for name in _party_names(party) & forbidden.keys())
        if hits:
            quotes = sum(1 for q in record.quotes if q.speaker == party.id)
            score.leaks.append({"article": item.name, "party_id": party.id, "party": party.name,
                                "forbidden": hits, "quotes_spoken": quotes})


# --- putting it together ---------------------------------------------------------------------------------------

def score_article(item: GoldArticle, record: ArticleRecord | None, matched_by: str | None = None) -> ArticleScore:
    """One article's counts; with no record every required gold item is missed."""
    score = ArticleScore(article=item.name, record_id=record.article.id if record else None, matched_by=matched_by)
    if record is not None and record.article.sha256 != item.article.sha256:
        score.warnings.append(
            f"record {record.article.id!r} was matched by id but its sha256 differs from the article's text; "
            "its spans may index another version of the article")
    party_match = _score_parties(item, record, score)
    _score_quotes(item, record, score)
    _score_topics(item, record, score)
    _score_agreements(item, record, score, party_match)
    if record is not None:
        _score_grounding(item, record, score)
        _find_leaks(item, record, score)
    return score


def score(golds: list[GoldArticle], records: list[ArticleRecord], bad_lines: list[BadLine] | None = None,
          *, only_recorded: bool = False) -> EvalReport:
    """Match records to gold (sha256 first, then article id) and sum the counts over articles.

    A gold article without a record counts as all missed, unless `only_recorded` (scoring a sample)."""
    warnings = [w for item in golds for w in item.warnings]
    by_sha: dict[str, ArticleRecord] = {}
    by_id: dict[str, ArticleRecord] = {}
    for record in records:  # a later line for the same article replaces an earlier one
        if record.article.sha256 in by_sha or record.article.id in by_id:
            warnings.append(f"more than one record for article {record.article.id!r}; the last one is scored")
        by_sha[record.article.sha256] = record
        by_id[record.article.id] = record
    used: set[int] = set()
    articles, missing = [], []
    for item in golds:
        record, matched_by = by_sha.get(item.article.sha256), "sha256"
        if record is None:
            record, matched_by = by_id.get(item.name), "id"
        if record is None:
            if only_recorded:
                continue
            matched_by = None
            missing.append(item.name)
        else:
            used.add(id(record))
        articles.append(score_article(item, record, matched_by))
    superseded = {id(r) for r in records} - {id(r) for r in by_sha.values()} - {id(r) for r in by_id.values()}
    without_gold = [r.article.id for r in records if id(r) not in used and id(r) not in superseded]

    totals = empty_figures()
    by_category: dict[str, PRF] = {}
    for article in articles:
        for key, value in article.figures.items():
            totals[key].add(value)  # type: ignore[arg-type]
        for category, counts in article.topics_by_category.items():
            by_category.setdefault(category, PRF()).add(counts)
    for article in articles:
        warnings.extend(f"{article.article}: {w}" for w in article.warnings)
    return EvalReport(articles=articles, figures=totals, topics_by_category=by_category, missing_records=missing,
                      records_without_gold=without_gold, bad_lines=list(bad_lines or []), warnings=warnings)


def evaluate(gold_dir: Path, records_path: Path, articles_dir: Path | None = None, *,
             only_recorded: bool = False) -> EvalReport:
    """Score a records.jsonl against every gold file in gold_dir (articles from `<gold_dir>/../articles`)."""
    golds = load_gold_dir(Path(gold_dir), articles_dir)
    records, bad = load_records(Path(records_path))
    return score(golds, records, bad, only_recorded=only_recorded)


def report_json(report: EvalReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
