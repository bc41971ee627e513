"""Token economy: what each request costs, split into the fixed part and the article, per mode.

    .venv/bin/python bench/tokens.py [--model gpt-4o-mini]

For every fixture article the request is built by the real openai client and
instructor (captured at the HTTP transport, nothing sent), and counted with
tiktoken for the model:
  fixed     the system message plus the tool or response_format schema, as serialized on the wire
  article   the user message (the delimited article)
  answer    completion tokens of a perfect answer: the fixture's final answer as compact JSON,
            long quotes abbreviated "first words ... last words" as the prompt allows
  verbatim  the same with every quote written out in full
It also checks that the fixed part is byte-identical across articles, so that
provider prompt caching can serve it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402
import openai  # noqa: E402

from extractor import extract, load_article  # noqa: E402
from extractor.config import Settings  # noqa: E402
from extractor.backends.llm.wire import answer_json
from extractor.http.fixtures import FixtureIndex
from extractor.http.transport import ARTICLE_HEADER, ASK_HEADER  # noqa: E402
from extractor.core.grounding import Grounder  # noqa: E402
from extractor.backends.llm.tokens import count_tokens  # noqa: E402

ARTICLES = ROOT / "fixtures" / "articles"
FIXED_GOAL = 1500
ELIDE_OVER_WORDS = 16  # what the prompt asks: longer quotes as "first 6 words ... last 6 words"


def as_model_should_answer(answer: dict, grounder: Grounder) -> dict:
    """The fixture answer with long quotes abbreviated as the prompt allows, checked to ground to the same spans."""
    compact = json.loads(json.dumps(answer))
    for quote in compact["quotes"]:
        words = quote["text"].split()
        if len(words) > ELIDE_OVER_WORDS:
            short = " ".join(words[:6]) + " ... " + " ".join(words[-6:])
            full, elided = grounder.locate(quote["text"], allow_split=True), grounder.locate(short, allow_split=True)
            if full is not None and elided is not None and full.text == elided.text:
                quote["text"] = short  # otherwise the model must write it whole
    return compact


# What a strict-mode answer must also write: every optional field, as null or empty.
STRICT_FILL = {
    "parties": {"role": None, "affiliation": None, "aliases": [], "involvement": "participant"},
    "topics": {}, "quotes": {"cue": None},
    "agreements": {"parties": [], "scope": [], "modeled_on": None},
}


def as_strict_answer(answer: dict) -> dict:
    return {**answer, **{name: [{**fill, **item} for item in answer.get(name, [])] for name, fill in STRICT_FILL.items()}}


def capture(path: Path, mode: str, index: FixtureIndex, strict: bool = False) -> dict:
    sent: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        sent.append(body)
        status, answer = index.answer(body, request.headers.get(ARTICLE_HEADER), int(request.headers.get(ASK_HEADER, "1")))
        return httpx2.Response(status, json=answer)

    client = openai.OpenAI(api_key="bench", base_url="http://bench.invalid/v1",
                           http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    settings = Settings(model="gpt-4o-mini", mode=mode, strict=strict)
    extract(path, client=client, settings=settings)
    return sent[0]


def split(body: dict, model: str) -> tuple[int, int, str]:
    """(fixed tokens, article tokens, digest of the fixed part) of one request body."""
    system = "".join(m["content"] for m in body["messages"] if m["role"] == "system")
    user = "".join(m["content"] for m in body["messages"] if m["role"] == "user")
    schema = json.dumps(body.get("tools") or body.get("response_format") or {}, separators=(",", ":"))
    fixed_text = system + "\n" + schema
    return count_tokens(fixed_text, model), count_tokens(user, model), hashlib.sha256(fixed_text.encode()).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="gpt-4o-mini")
    args = parser.parse_args()
    index = FixtureIndex(ARTICLES)
    print(f"# bench/tokens.py  model={args.model} (tiktoken)  python {platform.python_version()}")
    print(f"{'article':32} {'mode':12} {'fixed':>6} {'article':>8} {'answer':>7} {'verbatim':>9} {'answer/article':>15} prefix")
    fixed_by_mode: dict[str, set[str]] = {}
    worst_fixed = 0
    ratios: list[float] = []
    strict_extra: list[float] = []
    for path in sorted(ARTICLES.glob("*.txt")):
        if not path.with_suffix(".response.json").exists():
            continue
        article = load_article(path)
        verbatim = json.loads(answer_json(index.load(article.sha256)["exchanges"][-1]["body"]))
        answer = as_model_should_answer(verbatim, Grounder(article.text))
        answer_tokens = count_tokens(json.dumps(answer, ensure_ascii=False, separators=(",", ":")), args.model)
        verbatim_tokens = count_tokens(json.dumps(verbatim, ensure_ascii=False, separators=(",", ":")), args.model)
        strict_tokens = count_tokens(json.dumps(as_strict_answer(answer), ensure_ascii=False, separators=(",", ":")),
                                     args.model)
        for mode, strict in (("tools", False), ("json_schema", False), ("tools", True)):
            fixed, article_tokens, digest = split(capture(path, mode, index, strict), args.model)
            label = mode + ("+strict" if strict else "")
            fixed_by_mode.setdefault(label, set()).add(digest)
            if not strict:
                worst_fixed = max(worst_fixed, fixed)
            else:
                answer_tokens, strict_extra.append(strict_tokens / answer_tokens)
            shown = strict_tokens if strict else answer_tokens
            ratio = shown / article_tokens
            if mode == "tools" and not strict:
                ratios.append(ratio)
            mode = label
            print(f"{path.stem:32} {mode:12} {fixed:6d} {article_tokens:8d} {shown:7d} {verbatim_tokens:9d} "
                  f"{ratio:15.2f} {digest}")
    identical = all(len(d) == 1 for d in fixed_by_mode.values())
    print(f"fixed part identical across articles: {identical} ({', '.join(f'{m}: {len(d)} distinct' for m, d in fixed_by_mode.items())})")
    print(f"largest fixed part: {worst_fixed} tokens (goal <= {FIXED_GOAL}: {'met' if worst_fixed <= FIXED_GOAL else 'missed'})")
    print(f"answer/article tokens: mean {sum(ratios) / len(ratios):.2f}, max {max(ratios):.2f}")
    print(f"strict mode: perfect answers cost {sum(strict_extra) / len(strict_extra):.2f}x the completion tokens "
          f"(every optional field written out), max {max(strict_extra):.2f}x")


if __name__ == "__main__":
    main()
