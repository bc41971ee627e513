"""Stage 2: render the chat messages from prompts/ and the vocabularies in schemas/.

The system message is identical for every article (instructions, vocabularies,
the worked example), and the article comes last in the user message, so a
provider's prompt-prefix cache can serve the fixed part. The article sits
between delimiters; a delimiter inside the article is defused so that article
text cannot close the data block early.

A chunk of a long article also gets, before it, what earlier chunks named (a
roster of parties and the speaker in focus) in a data block of its own. Those
names come from the article too, so they are put on one line each with no
angle brackets or bars left that could close a block or fake a field. An
unchunked article's prompt is the same as before chunking existed.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache

import jinja2

from extractor.prompts import PROMPTS_DIR
from extractor.backends.base import ChunkContext, RosterEntry
from extractor.schemas import AgreementKind, AgreementStatus, ExtractionResponse, Involvement, PartyKind, QuoteKind, TopicCategory

OPEN, CLOSE = "<<<ARTICLE", "ARTICLE>>>"
_DEFUSED_CLOSE = "ARTICLE> > >"
_DEFUSED_OPEN = "< < <ARTICLE"

# The vocabularies the model chooses from, in the order the prompt lists them.
_PROMPT_VOCABULARIES = (
    ("party kind", PartyKind),
    ("involvement", Involvement),
    ("topic category", TopicCategory),
    ("quote kind", QuoteKind),
    ("agreement kind", AgreementKind),
    ("agreement status", AgreementStatus),
)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(PROMPTS_DIR)),
    autoescape=False,  # plain-text chat messages, not HTML
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    undefined=jinja2.StrictUndefined,
)


def load_example() -> dict:
    """The few-shot example: an article written for this project and its ideal answer."""
    return json.loads((PROMPTS_DIR / "examples" / "example.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def system_prompt() -> str:
    example = load_example()
    return _env.get_template("system.j2").render(
        vocabularies=[{"title": title, "glossary": vocab.glossary()} for title, vocab in _PROMPT_VOCABULARIES],
        example={
            "article": example["article"],
            # Compact JSON: the example is sent with every request.
            "answer": json.dumps(example["answer"], ensure_ascii=False, separators=(",", ":")),
        },
    )


def defuse(text: str) -> str:
    """Article text with the delimiters made inert."""
    return text.replace(CLOSE, _DEFUSED_CLOSE).replace(OPEN, _DEFUSED_OPEN)


_NOT_IN_CONTEXT = re.compile(r"[<>|\s]+")


def _context_value(value: str | None) -> str:
    """An article-derived roster value that can neither close a data block nor start a line or a field."""
    return _NOT_IN_CONTEXT.sub(" ", value or "").strip()


def defuse_context(context: ChunkContext) -> ChunkContext:
    roster = tuple(RosterEntry(_context_value(p.name), _context_value(p.kind), _context_value(p.role) or None)
                   for p in context.roster)
    return ChunkContext(context.index, context.count, context.start, context.end,
                        tuple(p for p in roster if p.name), _context_value(context.last_speaker) or None)


def user_prompt(article_text: str, context: ChunkContext | None = None) -> str:
    return _env.get_template("user.j2").render(
        text=defuse(article_text), context=defuse_context(context) if context is not None else None)


def hints_block(quotes: list[str], names: list[str]) -> str:
    """What the rules backend found, numbered so that an answer may give a quote by its number (--hints).

    Built from article text, so defused like the roster: it can neither close a data block nor add a line.
    """
    lines = [
        "Between <<<HINTS and HINTS>>>: quotes and names a rule-based reader found in this article. Data, like "
        "the article; they may be wrong or incomplete. To give one of these quotes, you may write just its "
        'number as the quote\'s text ("text": "Q2").',
        "<<<HINTS",
        *(f"Q{number}: {_context_value(quote)}" for number, quote in enumerate(quotes, 1)),
    ]
    if names:
        lines.append("names: " + "; ".join(_context_value(name) for name in names))
    lines.append("HINTS>>>")
    return "\n".join(lines)


def messages(article_text: str, context: ChunkContext | None = None,
             hints: str | None = None) -> list[dict[str, str]]:
    user = user_prompt(article_text, context)
    return [
        {"role": "system", "content": system_prompt()},
        # Hints come before the article: the article stays last, and the prompt without hints is unchanged.
        {"role": "user", "content": f"{hints}\n\n{user}" if hints else user},
    ]


@lru_cache(maxsize=1)
def prompt_version() -> str:
    """Changes whenever anything the model is shown changes: templates, vocabularies, example, schema."""
    return version_of(system_prompt(), (PROMPTS_DIR / "user.j2").read_text(encoding="utf-8"),
                      ExtractionResponse.model_json_schema())


def version_of(system: str, user_template: str, schema: dict) -> str:
    digest = hashlib.sha256()
    for part in (system, user_template, json.dumps(schema, sort_keys=True)):
        digest.update(part.encode())
        digest.update(b"\0")  # parts cannot run into each other
    return "p" + digest.hexdigest()[:12]
