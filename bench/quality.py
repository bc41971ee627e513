"""The README's quality table: both backends on every fixture article, scored against the gold.

    .venv/bin/python bench/quality.py        # after `make eval` (reads out/eval-llm and out/eval-rules)

Prints a markdown table with the issue's goals for the offline backend beside it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = [  # (figure key, label, measure, rules-backend goal)
    ("parties", "parties", "f1", 0.85),
    ("quotes_exact", "quotes, exact spans", "f1", None),
    ("quotes_overlap", "quotes, overlap", "f1", 0.85),
    ("direct_quotes_overlap", "direct quotes, overlap", "f1", 0.90),
    ("quote_speaker", "speaker attribution", "accuracy", 0.85),
    ("topics", "topics", "f1", 0.70),
    ("agreements", "agreements", "f1", 0.60),
    ("agreement_status", "agreement status", "accuracy", None),
    ("grounding", "grounded spans", "accuracy", None),
]


def figures(folder: str, *extra: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "extractor", "eval", "--gold", str(ROOT / "fixtures" / "gold"),
                             str(ROOT / "out" / folder), "--json", *extra], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main() -> None:
    llm, rules = figures("eval-llm", "--only-recorded"), figures("eval-rules")
    print(f"| figure (measure) | LLM, recorded answers | rules backend | rules goal |")
    print("|---|---|---|---|")
    for key, label, measure, goal in ROWS:
        a, b = llm["figures"][key][measure], rules["figures"][key][measure]
        met = "" if goal is None else (f"{goal:.2f} {'met' if b >= goal else 'missed'}")
        print(f"| {label} ({measure}) | {a:.3f} | {b:.3f} | {met} |")
    leaks = (llm["forbidden_leaks"]["count"], rules["forbidden_leaks"]["count"])
    print(f"| forbidden-name leaks | {leaks[0]} | {leaks[1]} | 0 |")
    print(f"\n{llm['scored']} articles scored for the LLM (those with recorded answers), {rules['scored']} for the "
          "rules backend.")


if __name__ == "__main__":
    main()
