"""Articles per CPU-second of the rules backend, alone and with the shared grounding and normalization.

    .venv/bin/python bench/rules_speed.py [--repeat 200]

Per fixture article and overall (all articles in turn), CPU time by
time.process_time on one core, in-process:
  read_rules   extractor.backends.rules.read_rules(article.text)
  +pipeline    read_rules, then assemble (grounding, normalization, the ArticleRecord)
  extract()    extractor.extract(article, backend="rules"): the public call, a new Extractor each time
The goal (issue 12) is at least 200 articles per CPU-second for 2,000-3,000 characters.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.backends.rules import RULES_VERSION, read_rules  # noqa: E402
from extractor.core.article import load_article  # noqa: E402
from extractor import extract  # noqa: E402
from extractor.backends.base import Candidates  # noqa: E402
from extractor.core.pipeline import ArticleCheck, assemble  # noqa: E402

ARTICLES = ROOT / "fixtures" / "articles"


def rules_only(article) -> None:
    read_rules(article.text)


def with_pipeline(article) -> None:
    answer = Candidates(response=read_rules(article.text), backend="rules", model="rules", prompt_version="rules", attempts=0)
    assemble(article, answer, ArticleCheck(article.text))


def public_call(article) -> None:
    extract(article, backend="rules")


def rate(fn, articles, repeat: int) -> float:
    """Articles per CPU-second over `repeat` passes through the articles."""
    start = time.process_time()
    for _ in range(repeat):
        for article in articles:
            fn(article)
    return repeat * len(articles) / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    articles = [load_article(path) for path in sorted(ARTICLES.glob("*.txt"))]
    for article in articles:  # warm the import-time tables and caches once, as a long run would
        with_pipeline(article)
    print(f"# bench/rules_speed.py  {RULES_VERSION}  python {platform.python_version()}  "
          f"{platform.machine()}  repeat={args.repeat}")
    print(f"{'article':34} {'chars':>6} {'read_rules/s':>13} {'+pipeline/s':>12} {'extract()/s':>12}")
    for article in articles:
        alone = rate(rules_only, [article], args.repeat)
        full = rate(with_pipeline, [article], args.repeat)
        public = rate(public_call, [article], max(1, args.repeat // 4))
        print(f"{article.id:34} {article.length:6d} {alone:13.0f} {full:12.0f} {public:12.0f}")
    sized = [a for a in articles if 2000 <= a.length <= 3000]
    for label, group in (("all articles", articles), ("2,000-3,000 chars", sized)):
        if group:
            chars = sum(a.length for a in group) // len(group)
            alone = rate(rules_only, group, max(1, args.repeat // 4))
            full = rate(with_pipeline, group, max(1, args.repeat // 4))
            public = rate(public_call, group, max(1, args.repeat // 4))
            print(f"{label:34} {chars:6d} {alone:13.0f} {full:12.0f} {public:12.0f}")
    print("goal: >= 200 articles per CPU-second for 2,000-3,000 characters")


if __name__ == "__main__":
    main()
