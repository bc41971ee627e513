"""The report's pictures, drawn as inline SVG from totals gathered while the records stream by.

Only counters live in memory (never the records), and each picture caps its rows so that the
report's size grows with the articles, not with the square of them. Every string that came from
a record goes through `_esc`: names are model output, and model output is untrusted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from extractor.schemas import AgreementStatus, ArticleRecord, TopicCategory

# Ordered as a deal progresses, so the legend reads left to right; rejected stands apart in red.
STATUS_COLOURS = {
    "exploring": "#94a3b8",
    "proposed": "#60a5fa",
    "negotiating": "#f59e0b",
    "agreed": "#2dd4bf",
    "signed": "#16a34a",
    "in_force": "#14532d",
    "rejected": "#dc2626",
}
assert set(STATUS_COLOURS) == {s.value for s in AgreementStatus}, "a status without a colour"

MAX_TIMELINE_ROWS = 60
MAX_SPEAKERS = 15
MAX_MENTIONED = 20

_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=65_536)  # the same few thousand names come back in every article
def normalize_name(name: str) -> str:
    """Casefolded, punctuation turned into spaces: 'EU–India Pact' and 'eu-india pact' agree."""
    return _SPACE.sub(" ", _PUNCT.sub(" ", name.casefold())).strip()


def agreement_key(name: str, party_names: list[str]) -> tuple[str, tuple[str, ...]]:
    """Two reports are the same agreement when the normalized name and party set agree."""
    return normalize_name(name), tuple(sorted({normalize_name(p) for p in party_names}))


def _esc(value: object) -> str:
    return escape(str(value), quote=True)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


@dataclass
class _Report:
    date: dt.date | None
    status: str
    position: int  # index of the article in the report, for the link
    article_id: str
    name: str


@dataclass
class Overview:
    """Running totals for the three pictures."""

    agreements: dict[tuple[str, tuple[str, ...]], list[_Report]] = field(default_factory=lambda: defaultdict(list))
    agreement_parties: dict[tuple[str, tuple[str, ...]], list[str]] = field(default_factory=dict)
    topic_months: Counter = field(default_factory=Counter)  # (YYYY-MM, category) -> articles
    topic_undated: Counter = field(default_factory=Counter)
    speaker_articles: Counter = field(default_factory=Counter)
    party_articles: Counter = field(default_factory=Counter)
    pairs: Counter = field(default_factory=Counter)  # (speaker key, party key) -> articles
    display: dict[str, str] = field(default_factory=dict)  # normalized name -> first name seen

    def add(self, position: int, record: ArticleRecord) -> None:
        published = record.article.published
        names = {p.id: p.name for p in record.parties}
        for agreement in record.agreements:
            members = [names.get(pid, pid) for pid in agreement.parties]
            key = agreement_key(agreement.name, members)
            self.agreements[key].append(
                _Report(published, agreement.status.value, position, record.article.id, agreement.name))
            self.agreement_parties.setdefault(key, sorted(set(members), key=normalize_name))

        for category in {t.category.value for t in record.topics}:
            if published:
                self.topic_months[(published.strftime("%Y-%m"), category)] += 1
            else:
                self.topic_undated[category] += 1

        mentioned = set()
        for party in record.parties:
            key = normalize_name(party.name)
            self.display.setdefault(key, party.name)
            mentioned.add(key)
        speakers = {normalize_name(names[q.speaker]) for q in record.quotes if q.speaker in names}
        self.speaker_articles.update(speakers)
        self.party_articles.update(mentioned)
        for speaker in speakers:
            for party in mentioned - {speaker}:
                self.pairs[(speaker, party)] += 1

    def html(self) -> str:
        return "\n".join((self.timeline_svg(), self.topics_html(), self.matrix_svg()))

    # (a) agreements over time -------------------------------------------------------------------------------

    def timeline_rows(self) -> list[tuple[tuple[str, tuple[str, ...]], list[_Report]]]:
        """The agreements drawn, at most MAX_TIMELINE_ROWS of the most reported, in order of first report."""
        rows = list(self.agreements.items())
        if len(rows) > MAX_TIMELINE_ROWS:
            rows.sort(key=lambda kv: (-len(kv[1]), -_last_date(kv[1]).toordinal()))
            rows = rows[:MAX_TIMELINE_ROWS]
        rows.sort(key=lambda kv: (_first_date(kv[1]), kv[0]))
        return rows

    def timeline_svg(self) -> str:
        heading = '<h2 id="timeline-h">Agreements over time</h2>'
        if not self.agreements:
            return heading + '<p class="muted">No agreements in these records.</p>'
        rows = self.timeline_rows()
        dates = [r.date for _, reports in rows for r in reports if r.date]
        has_undated = any(r.date is None for _, reports in rows for r in reports)
        label_w, plot_w, row_h, top = 360, 560, 30, 34
        undated_w = 70 if has_undated else 0
        width = label_w + plot_w + undated_w + 20
        height = top + row_h * len(rows) + 10
        lo, hi = (min(dates), max(dates)) if dates else (dt.date.today(), dt.date.today())
        lo, hi = lo - dt.timedelta(days=10), hi + dt.timedelta(days=10)
        span = max((hi - lo).days, 1)

        def x_of(report: _Report) -> float:
            if report.date is None:
                return label_w + plot_w + undated_w / 2
            return label_w + plot_w * (report.date - lo).days / span

        parts = [f'<svg id="timeline" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                 f'role="img" aria-labelledby="timeline-h">']
        for tick, label in _date_ticks(lo, hi):
            x = label_w + plot_w * (tick - lo).days / span
            parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 8}" y2="{height - 6}"/>'
                         f'<text class="tick" x="{x:.1f}" y="{top - 14}" text-anchor="middle">{label}</text>')
        if has_undated:
            parts.append(f'<text class="tick" x="{label_w + plot_w + undated_w / 2:.1f}" y="{top - 14}" '
                         'text-anchor="middle">undated</text>')
        for n, (key, reports) in enumerate(rows):
            y = top + row_h * n + row_h / 2
            latest = max(reports, key=lambda r: (r.date or dt.date.max, r.position))
            members = ", ".join(self.agreement_parties.get(key, []))
            parts.append(f'<g class="tl-row" data-reports="{len(reports)}">')
            if n % 2 == 0:
                parts.append(f'<rect class="band" x="0" y="{y - row_h / 2:.1f}" width="{width}" height="{row_h}"/>')
            parts.append(f'<text class="row-label" x="8" y="{y - 2:.1f}"><title>{_esc(latest.name)}</title>'
                         f'{_esc(_clip(latest.name, 46))}</text>'
                         f'<text class="row-sub" x="8" y="{y + 10:.1f}">{_esc(_clip(members, 64))}</text>')
            xs = sorted(x_of(r) for r in reports if r.date)
            if len(xs) > 1:
                parts.append(f'<line class="track" x1="{xs[0]:.1f}" x2="{xs[-1]:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>')
            for report in sorted(reports, key=lambda r: (r.date or dt.date.max, r.position)):
                when = report.date.isoformat() if report.date else "undated"
                parts.append(
                    f'<a href="#/a/{report.position}"><circle class="dot" cx="{x_of(report):.1f}" cy="{y:.1f}" r="6" '
                    f'fill="{STATUS_COLOURS[report.status]}"><title>{_esc(when)}: {_esc(report.status)} '
                    f'({_esc(report.article_id)})\n{_esc(report.name)}</title></circle></a>')
            parts.append("</g>")
        parts.append("</svg>")
        note = ""
        if len(rows) < len(self.agreements):
            note = (f'<p class="muted">Showing the {len(rows)} most reported of {len(self.agreements)} agreements.</p>')
        legend = _legend((status.replace("_", " "), colour) for status, colour in STATUS_COLOURS.items())
        return (heading + '<p class="muted">One row per agreement; reports of the same agreement (same name and '
                'parties, ignoring case and punctuation) are merged. Dots are articles, coloured by the status '
                'they report; click one to open the article.</p>' + legend + '<div class="scroll">'
                + "".join(parts) + "</div>" + note)

    # (b) topics over time -----------------------------------------------------------------------------------

    def topics_html(self) -> str:
        heading = '<h2 id="topics-h">Topics over time</h2>'
        totals = Counter()
        for (_, category), count in self.topic_months.items():
            totals[category] += count
        totals.update(self.topic_undated)
        if not totals:
            return heading + '<p class="muted">No topics in these records.</p>'
        months = _month_range([m for m, _ in self.topic_months]) if self.topic_months else []
        peak = max(self.topic_months.values(), default=1)
        order = [c.value for c in TopicCategory]
        cards = []
        for category, total in sorted(totals.items(), key=lambda kv: (-kv[1], order.index(kv[0]))):
            cards.append(self._topic_card(category, total, months, peak))
        undated = sum(self.topic_undated.values())
        note = f'<p class="muted">{undated} topic mentions come from undated articles and are not drawn.</p>' \
            if undated else ""
        return (heading + '<p class="muted">Articles discussing each topic, per month of publication '
                '(same scale in every panel).</p><div class="multiples" id="topics">' + "".join(cards)
                + "</div>" + note)

    def _topic_card(self, category: str, total: int, months: list[str], peak: int) -> str:
        width, height, base = 220, 64, 52
        step = width / max(len(months), 1)
        bars = []
        for n, month in enumerate(months):
            count = self.topic_months.get((month, category), 0)
            if not count:
                continue
            h = max(2.0, (base - 4) * count / peak)
            bars.append(f'<rect class="tbar" x="{n * step + 1:.1f}" y="{base - h:.1f}" width="{max(step - 2, 1):.1f}" '
                        f'height="{h:.1f}"><title>{month}: {count} article{"s" if count != 1 else ""}</title></rect>')
        axis = (f'<line class="axis" x1="0" x2="{width}" y1="{base}" y2="{base}"/>'
                + (f'<text class="tick" x="0" y="{height - 1}">{months[0]}</text>'
                   f'<text class="tick" x="{width}" y="{height - 1}" text-anchor="end">{months[-1]}</text>'
                   if months else ""))
        return (f'<figure class="card topic-card" data-category="{_esc(category)}"><figcaption>'
                f'<span>{_esc(category.replace("_", " "))}</span><b>{total}</b></figcaption>'
                f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
                f'aria-label="{_esc(category)} per month">{"".join(bars)}{axis}</svg></figure>')

    # (c) who is quoted next to whom -------------------------------------------------------------------------

    def matrix_svg(self) -> str:
        heading = '<h2 id="matrix-h">Who is quoted, and who is named alongside</h2>'
        if not self.pairs:
            return heading + '<p class="muted">No quotes with a known speaker next to other parties.</p>'
        speakers = [s for s, _ in sorted(self.speaker_articles.items(), key=lambda kv: (-kv[1], kv[0]))
                    if any(k[0] == s for k in self.pairs)][:MAX_SPEAKERS]
        column_totals = Counter()
        for (speaker, party), count in self.pairs.items():
            if speaker in speakers:
                column_totals[party] += count
        parties = [p for p, _ in sorted(column_totals.items(), key=lambda kv: (-kv[1], kv[0]))][:MAX_MENTIONED]
        peak = max(self.pairs[(s, p)] for s in speakers for p in parties if (s, p) in self.pairs)
        cell, label_w, head_h = max(30, 10 + 7 * len(str(peak))), 200, 150  # wide enough for the largest count
        width, height = label_w + cell * len(parties) + 130, head_h + cell * len(speakers) + 4
        out = [f'<svg id="matrix" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
               'role="img" aria-labelledby="matrix-h">']
        for j, party in enumerate(parties):
            x = label_w + cell * j + cell / 2
            out.append(f'<text class="col-label" transform="translate({x:.1f},{head_h - 6}) rotate(-50)">'
                       f'<title>{_esc(self.display[party])}</title>{_esc(_clip(self.display[party], 24))}</text>')
        for i, speaker in enumerate(speakers):
            y = head_h + cell * i
            out.append(f'<text class="row-label" x="{label_w - 8}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">'
                       f'<title>{_esc(self.display[speaker])}</title>{_esc(_clip(self.display[speaker], 28))}</text>')
            for j, party in enumerate(parties):
                x = label_w + cell * j
                count = self.pairs.get((speaker, party), 0)
                if speaker == party:
                    out.append(f'<rect class="self" x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}"/>')
                    continue
                shade = 0.08 + 0.92 * count / peak if count else 0
                out.append(f'<rect class="cell" x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" '
                           f'fill-opacity="{shade:.2f}"><title>{_esc(self.display[speaker])} quoted in {count} '
                           f'article{"s" if count != 1 else ""} naming {_esc(self.display[party])}</title></rect>')
                if count:
                    ink = "light" if shade > 0.55 else "dark"
                    out.append(f'<text class="cell-n {ink}" x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" '
                               f'text-anchor="middle">{count}</text>')
        out.append("</svg>")
        return (heading + '<p class="muted">Rows: quoted speakers. Columns: parties named in the same article. '
                'A cell counts the articles where both occur.</p><div class="scroll">' + "".join(out) + "</div>")


def _first_date(reports: list[_Report]) -> dt.date:
    return min((r.date for r in reports if r.date), default=dt.date.max)


def _last_date(reports: list[_Report]) -> dt.date:
    return max((r.date for r in reports if r.date), default=dt.date.min)


def _month_range(months: list[str]) -> list[str]:
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _date_ticks(lo: dt.date, hi: dt.date) -> list[tuple[dt.date, str]]:
    """Month starts (or year starts on long ranges), at most about a dozen."""
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    every = 1 if months <= 12 else 3 if months <= 36 else 12
    ticks, year, month = [], lo.year, lo.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        tick = dt.date(year, month, 1)
        if tick > hi:
            return ticks
        if (month - 1) % every == 0:
            ticks.append((tick, tick.strftime("%b %Y") if every < 12 else str(year)))


def _legend(items) -> str:
    swatches = "".join(f'<span class="key"><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
                       f'fill="{colour}"/></svg>{_esc(label)}</span>' for label, colour in items)
    return f'<div class="legend">{swatches}</div>'
