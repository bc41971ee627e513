"""`batch --dry-run`: render every prompt and count its tokens; calls nothing and needs no key."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from ..backends.llm import prompt
from ..backends.llm.openai import DEFAULT_MAX_TOKENS
from ..backends.llm.profiles import profile_for
from ..backends.llm.tokens import count_tokens
from ..core.chunking import ChunkPolicy, chunk_tokens
from ..config import BatchOptions, Settings
from ..errors import ArticleLoadError
from ..schemas import ExtractionResponse
from .budget import price_for
from .discover import article_ids, discover, read_input

# Completion tokens per article token: the mean over the fixture answers that bench/tokens.py reports.
COMPLETION_PER_ARTICLE_TOKEN = 2.3


def dry_run(options: BatchOptions, settings: Settings) -> dict[str, Any]:
    price = price_for(settings.model, options.price)
    paths = discover(options.input_dir, options.glob)[: options.limit]
    ids, clashes = article_ids(paths, options.input_dir)
    schema_tokens = count_tokens(json.dumps(ExtractionResponse.model_json_schema(), separators=(",", ":")), settings.model)
    system_tokens = count_tokens(prompt.system_prompt(), settings.model)
    profile = profile_for(settings.model)
    cap = settings.max_tokens or DEFAULT_MAX_TOKENS * (2 if profile.reasoning else 1)
    chunking = ChunkPolicy(chunk_tokens(settings.chunk_tokens, cap), partial(count_tokens, model=settings.model))
    rows, problems = [], []
    for path in paths:
        if path in clashes:
            problems.append({"article_id": ids[path], "problem": f"{path} would get the id of {clashes[path]}"})
            continue
        try:
            article = read_input(path, ids[path], options.input_dir, max_chars=options.max_chars,
                                 follow_links=options.follow_links)
        except ArticleLoadError as exc:
            problems.append({"article_id": ids[path], "problem": str(exc)})
            continue
        text = article.text or ""
        # A long article is read in chunks: one request, with the fixed part, per chunk.
        pieces = [c.text for c in chunking.split(text)] if chunking.needed(text) else [text]
        article_tokens = sum(count_tokens(prompt.user_prompt(piece), settings.model) for piece in pieces)
        prompt_tokens = len(pieces) * (system_tokens + schema_tokens) + article_tokens
        completion = int(article_tokens * COMPLETION_PER_ARTICLE_TOKEN)
        rows.append({
            "article_id": article.id, "chars": article.length, "requests": len(pieces), "prompt_tokens": prompt_tokens,
            "est_completion_tokens": completion,
            "est_cost_usd": round(price.cost(prompt_tokens, completion), 6) if price else None,
        })
    total_cost = sum(r["est_cost_usd"] or 0 for r in rows) if price else None
    return {
        "model": settings.model, "fixed_prompt_tokens": system_tokens + schema_tokens, "articles": rows,
        "unreadable": problems,
        "total_prompt_tokens": sum(r["prompt_tokens"] for r in rows),
        "total_est_completion_tokens": sum(r["est_completion_tokens"] for r in rows),
        "total_est_cost_usd": round(total_cost, 6) if total_cost is not None else None,
    }
