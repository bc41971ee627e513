"""Typed, grounded records of defence and security cooperation from news articles.

    from extractor import extract
    record = extract("article.txt")           # OPENAI_API_KEY / OPENAI_BASE_URL / EXTRACTOR_MODEL
    for quote in record.quotes:
        print(record.party(quote.speaker).name, quote.text, quote.spans[0].start)
"""

from extractor.schemas import (
    Agreement,
    Article,
    ArticleRecord,
    Party,
    Provenance,
    Quote,
    Span,
    Topic,
)

from .api import Extractor, aextract, extract
from .errors import (
    AccountError,
    ArticleLoadError,
    ConfigurationError,
    ContentFilterError,
    ExtractionError,
    ExtractorError,
    LocalFault,
    ProviderError,
    RefusalError,
    ReplayMissError,
)
from .core.article import load_article

__all__ = [
    "extract", "aextract", "Extractor", "load_article",
    "Agreement", "Article", "ArticleRecord", "Party", "Provenance", "Quote", "Span", "Topic",
    "ExtractorError", "ConfigurationError", "ArticleLoadError", "ProviderError", "ReplayMissError", "ExtractionError",
    "RefusalError", "ContentFilterError", "AccountError", "LocalFault",
]
