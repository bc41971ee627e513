"""The batch command's own rate with the offline rules backend on a large folder.

    .venv/bin/python bench/rules_batch.py [--articles 10000]

Builds N distinct articles from the fixture texts (a reference line keeps every hash unique), runs
`extractor batch DIR -o OUT --backend rules` in a subprocess (the report on, tables off), and
reports wall time, articles per second, the batch process's CPU per article and its peak RSS.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine, make_articles, run_batch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    folder = make_articles(Path(tempfile.mkdtemp(prefix="bench-rules-")) / "in", args.articles)
    m = run_batch(folder, "http://127.0.0.1:9/v1", "--backend", "rules", "--concurrency", "1")
    wall = m.summary["wall_seconds"]
    print(f"# bench/rules_batch.py  {machine()}")
    print(f"articles {args.articles}: ok {m.ok}, failed {m.failed}, batch wall {wall:.1f} s, "
          f"{m.ok / wall:.0f} articles/s, CPU {m.cpu / args.articles * 1000:.2f} ms/article (start-up included), "
          f"peak RSS {m.peak_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
