"""The exceptions callers can catch. Every message says what happened and what to do."""

from __future__ import annotations

import errno


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


class LocalFault(ExtractorError):
    """A file or disk on this machine failed: the cache, a recording, a replay fixture, an output.

    Never retried as a network fault and never blamed on the server. `path` names the file at
    fault. A `fatal` fault (full disk, unwritable folder) stops a batch run with exit status 2;
    otherwise only the article at hand fails.
    """

    def __init__(self, message: str, *, path: object = None, fatal: bool = True):
        super().__init__(message)
        self.path = path
        self.fatal = fatal

    @classmethod
    def of(cls, exc: OSError, path: object, doing: str, *, fatal: bool = True) -> "LocalFault":
        """A fault from an OSError while `doing` something to `path`, with advice by errno."""
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            advice = "the disk is full; free some space and run the same command again (finished work is kept)"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            advice = "it is not writable; fix its permissions or choose another folder"
        else:
            advice = "check the file and the disk"
        return cls(f"{doing} {path} failed ({reason}): {advice}", path=path, fatal=fatal)


def local_fault(exc: BaseException | None) -> LocalFault | None:
    """The LocalFault behind an exception, following __cause__ and __context__.

    The openai client reports anything raised under it, our own HTTP layers included,
    as a connection error; the layer's LocalFault is then its cause.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, LocalFault):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
