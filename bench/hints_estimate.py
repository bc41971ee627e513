"""Would rule-found hints in the prompt pay for themselves? An offline estimate, before building --hints.

    .venv/bin/python bench/hints_estimate.py

For each fixture article with a recorded answer: the rules backend's quote candidates and party names as a
numbered hint block (the prompt tokens it adds), and the perfect answer with every quote that matches a
candidate written as a reference ("Q3") instead of its words (the completion tokens it saves). The cost
is weighed at gpt-5-mini's prices. Quality cannot be measured offline: no model reads the hints here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extractor import load_article  # noqa: E402
from extractor.backends.llm.profiles import profile_for  # noqa: E402
from extractor.backends.llm.tokens import count_tokens  # noqa: E402
from extractor.backends.llm.wire import answer_json  # noqa: E402
from extractor.backends.rules import read_rules  # noqa: E402
from extractor.core.grounding import Grounder  # noqa: E402
from extractor.http.fixtures import FixtureIndex  # noqa: E402
from tokens import as_model_should_answer  # noqa: E402

ARTICLES = ROOT / "fixtures" / "articles"


def compact(data: dict) -> int:
    return count_tokens(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def main() -> None:
    index = FixtureIndex(ARTICLES)
    price = profile_for("gpt-5-mini").price
    saved_total = added_total = answer_total = 0
    print(f"{'article':36} {'answer':>7} {'with refs':>9} {'hint block':>10}")
    for path in sorted(ARTICLES.glob("*.txt")):
        if not path.with_suffix(".response.json").exists():
            continue
        article = load_article(path)
        grounder = Grounder(article.text)
        answer = as_model_should_answer(
            json.loads(answer_json(index.load(article.sha256)["exchanges"][-1]["body"])), grounder)
        found = read_rules(article.text)
        candidates = [q.text for q in found.quotes]
        hint = ("Candidates found by rules:\n" + "\n".join(f"Q{i + 1}: {c}" for i, c in enumerate(candidates))
                + "\nNames: " + "; ".join(p.name for p in found.parties))
        located = [grounder.locate(c, allow_split=True) for c in candidates]
        referenced = json.loads(json.dumps(answer))
        for quote in referenced["quotes"]:
            spans = getattr(grounder.locate(quote["text"], allow_split=True), "spans", None)
            match = next((i for i, hit in enumerate(located) if hit and spans and hit.spans == spans), None)
            if match is not None:
                quote["text"] = f"Q{match + 1}"
        base, with_refs, added = compact(answer), compact(referenced), count_tokens(hint)
        answer_total += base
        saved_total += base - with_refs
        added_total += added
        print(f"{path.stem:36} {base:7d} {with_refs:9d} {added:10d}")
    delta = (added_total * price.input - saved_total * price.output) / 1e6
    print(f"completion tokens saved {saved_total} ({saved_total / answer_total:.1%}); prompt tokens added "
          f"{added_total}; net at gpt-5-mini prices {delta * 1e6:+.0f} micro-USD over all articles")


if __name__ == "__main__":
    main()
