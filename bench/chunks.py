"""Long articles: requests and prompt tokens per article, our chunking against naive 1,000-character chunking.

    .venv/bin/python bench/chunks.py [--model gpt-5-mini]

For each long article (fixtures/long: the 60,000-character digest and the 20,000-character one) the requests
are built by the real openai client and instructor, captured at the HTTP transport (nothing is sent), and
counted with tiktoken for the model:
  ours      the pipeline's chunking at the model's default chunk size (a third of its completion cap) and at
            6,000 tokens; every chunk request counted whole: the fixed part (system message and tool schema),
            the chunk's context (roster and speaker in focus), the delimited chunk
  naive     LangExtract's default: ceil(chars / 1000) pieces of 1,000 characters, each sent with the same fixed
            part and the delimited piece (no context, no overlap)
The fixed part is identical in every request, so a provider's prompt cache can serve it after the first.

Then, for the chunk size: the completion tokens of each hand-written chunk answer of the 60,000-character digest
(fixtures/long, long quotes abbreviated "first 6 words ... last 6 words" as the prompt allows) against its
chunk's tokens. An answer must fit the completion cap, or its last items are cut off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402
import openai  # noqa: E402

from extractor import Extractor, load_article  # noqa: E402
from extractor.backends.llm import prompt  # noqa: E402
from extractor.backends.llm.tokens import count_tokens  # noqa: E402
from extractor.backends.llm.wire import completion_for  # noqa: E402
from extractor.config import Settings  # noqa: E402
from extractor.backends.llm.wire import answer_json  # noqa: E402
from extractor.core.grounding import Grounder  # noqa: E402
from extractor.http.transport import CHUNK_HEADER  # noqa: E402

LONG = ROOT / "fixtures" / "long"
ARTICLES = ("digest_20k.txt", "digest_60k.txt")
NAIVE_CHARS = 1000


def capture(path: Path, model: str, chunk_tokens: int | None) -> tuple[list[dict], int]:
    """Every request body the pipeline sends for the article, answered with an empty answer; and the chunk size."""
    sent: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        sent.append({"body": body, "chunk": request.headers.get(CHUNK_HEADER)})
        return httpx2.Response(200, json=completion_for(body, json.dumps({"summary": "-"})))

    client = openai.OpenAI(api_key="bench", base_url="http://bench.invalid/v1",
                           http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    with Extractor(settings=Settings(model=model, chunk_tokens=chunk_tokens), client=client) as extractor:
        extractor.extract(load_article(path))
        return sent, extractor.chunking.max_tokens


def parts(body: dict) -> tuple[str, str]:
    """(fixed text, user message) of one request: the fixed part is the system message and the schema."""
    system = "".join(m["content"] for m in body["messages"] if m["role"] == "system")
    user = "".join(m["content"] for m in body["messages"] if m["role"] == "user")
    schema = json.dumps(body.get("tools") or body.get("response_format") or {}, separators=(",", ":"))
    return system + "\n" + schema, user


def ours(path: Path, model: str, chunk_tokens: int | None) -> dict:
    sent, size = capture(path, model, chunk_tokens)
    fixed = context = article = 0
    for request in sent:
        fixed_text, user = parts(request["body"])
        before, _, delimited = user.partition(prompt.OPEN)
        fixed += count_tokens(fixed_text, model)
        context += count_tokens(before, model) if before else 0
        article += count_tokens(prompt.OPEN + delimited, model)
    return {"scheme": f"ours, chunks <= {size} tokens", "requests": len(sent), "fixed": fixed, "context": context,
            "article": article}


def naive(path: Path, model: str, fixed_text: str) -> dict:
    text = load_article(path).text
    pieces = [text[i:i + NAIVE_CHARS] for i in range(0, len(text), NAIVE_CHARS)]
    assert len(pieces) == math.ceil(len(text) / NAIVE_CHARS)
    fixed = count_tokens(fixed_text, model) * len(pieces)
    article = sum(count_tokens(prompt.user_prompt(piece), model) for piece in pieces)
    return {"scheme": f"naive, {NAIVE_CHARS:,} characters", "requests": len(pieces), "fixed": fixed, "context": 0,
            "article": article}


def abbreviated(answer: dict, grounder: Grounder) -> dict:
    """The answer with quotes over 16 words as 'first 6 ... last 6', where that finds the same words."""
    compact = json.loads(json.dumps(answer))
    for quote in compact["quotes"]:
        words = quote["text"].split()
        if len(words) > 16:
            short = " ".join(words[:6]) + " ... " + " ".join(words[-6:])
            full, elided = grounder.locate(quote["text"], allow_split=True), grounder.locate(short, allow_split=True)
            if full is not None and elided is not None and full.text == elided.text:
                quote["text"] = short
    return compact


def answer_sizes(model: str) -> None:
    text = load_article(LONG / "digest_60k.txt").text
    print(f"\n{'chunk answer':34} {'chunk':>6} {'answer':>7} {'ratio':>6}")
    ratios = []
    for path in sorted(LONG.glob("digest_60k.part*.response.json")):
        fixture = json.loads(path.read_text(encoding="utf-8"))
        start, end = (int(n) for n in fixture["chunk"].split(" ")[1].split(":"))
        answer = abbreviated(json.loads(answer_json(fixture["exchanges"][-1]["body"])), Grounder(text[start:end]))
        chunk_tokens = count_tokens(text[start:end], model)
        answer_tokens = count_tokens(json.dumps(answer, ensure_ascii=False, separators=(",", ":")), model)
        ratios.append(answer_tokens / chunk_tokens)
        print(f"{path.name:34} {chunk_tokens:6,} {answer_tokens:7,} {ratios[-1]:6.2f}")
    print(f"answer/chunk tokens: mean {sum(ratios) / len(ratios):.2f}, max {max(ratios):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="gpt-5-mini")
    args = parser.parse_args()
    print(f"# bench/chunks.py  model={args.model} (tiktoken)  {dt.date.today()}  python {platform.python_version()}  "
          f"{platform.machine()}  {os.cpu_count()} cores")
    print(f"{'article':16} {'chars':>7} {'tokens':>7}  {'scheme':32} {'requests':>8} {'prompt':>8} {'fixed':>7} "
          f"{'context':>7} {'article':>8} {'vs naive':>8}")
    for name in ARTICLES:
        path = LONG / name
        text = load_article(path).text
        rows = [ours(path, args.model, None), ours(path, args.model, 6000)]
        fixed_text, _ = parts(capture(path, args.model, 10**9)[0][0]["body"])  # one whole-article request
        rows.append(naive(path, args.model, fixed_text))
        naive_total = rows[-1]["fixed"] + rows[-1]["article"]
        for row in rows:
            total = row["fixed"] + row["context"] + row["article"]
            print(f"{name:16} {len(text):7,} {count_tokens(text, args.model):7,}  {row['scheme']:32} "
                  f"{row['requests']:8} {total:8,} {row['fixed']:7,} {row['context']:7,} {row['article']:8,} "
                  f"{total / naive_total:8.2f}")
    answer_sizes(args.model)


if __name__ == "__main__":
    main()
