"""The exceptions callers can catch. Every message says what happened and what to do."""

from __future__ import annotations


class ExtractorError(Exception):
    """Base class of everything this package raises on purpose."""


class ConfigurationError(ExtractorError):
    """The run cannot start: missing key, bad base URL, unknown mode, bad flag."""


class ArticleLoadError(ExtractorError):
    """An input file or text cannot be read as an article."""


class ProviderError(ExtractorError):
    """The model provider failed, after retries where retrying made sense."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False, attempts: int = 0):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.attempts = attempts


class AccountError(ProviderError):
    """The account, key or model cannot be used (quota, revoked key, no access, unknown model).

    Every later article would fail the same way, so a batch stops at once; fix it and re-run to resume.
    """


class ReplayMissError(ProviderError):
    """Replay mode found no recorded response for a request."""


class ExtractionError(ExtractorError):
    """One article could not be turned into a record; the message names it."""

    def __init__(self, message: str, *, article_id: str | None = None, attempts: int = 0):
        super().__init__(message)
        self.article_id = article_id
        self.attempts = attempts


class RefusalError(ExtractionError):
    """The model declined, or answered nothing, on every ask for this article."""


class ContentFilterError(RefusalError):
    """The provider's content filter stopped the answer (finish_reason content_filter); not asked again."""
