"""The record contract and the model-facing response, as pydantic models."""

from .records import (
    SCHEMA_VERSION,
    Agreement,
    Article,
    ArticleRecord,
    Party,
    Provenance,
    Quote,
    Span,
    Topic,
    Usage,
)
from .response import AgreementOut, AnswerReview, ExtractionResponse, PartyOut, QuoteOut, TopicOut, reviewing
from .vocab import (
    AgreementKind,
    AgreementStatus,
    Alignment,
    Involvement,
    PartyKind,
    QuoteKind,
    TopicCategory,
    Vocabulary,
)

VOCABULARIES: tuple[type[Vocabulary], ...] = (
    PartyKind,
    Involvement,
    TopicCategory,
    QuoteKind,
    Alignment,
    AgreementKind,
    AgreementStatus,
)

__all__ = [
    "SCHEMA_VERSION", "Agreement", "Article", "ArticleRecord", "Party", "Provenance", "Quote", "Span",
    "Topic", "Usage", "AgreementOut", "ExtractionResponse", "PartyOut", "QuoteOut", "TopicOut",
    "AgreementKind", "AgreementStatus", "Alignment", "Involvement", "PartyKind", "QuoteKind",
    "TopicCategory", "Vocabulary", "VOCABULARIES", "AnswerReview", "reviewing",
]
