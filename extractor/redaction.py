"""No secret in any log: keys and URL credentials are masked in every log record.

The masking is installed as the logging *record factory*, so it sees every
record the process makes, once, as it is made, whatever logger or handler is
involved. The alternatives leak: a filter on the "openai" or "instructor"
logger never sees records logged on their child loggers ("instructor.v2.retry"
is the one that printed a server's echo of the key), and a filter on handlers
misses Python's last-resort stderr handler and handlers an application adds
later. `SecretFilter` is the same masking as an ordinary filter, for handlers.

Masked: the secrets registered here (the API key and the base URL's password of
every Extractor and of the CLI), user:password@ in any URL, and anything shaped
like an OpenAI key.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from typing import Any

from .config import LOCAL_SERVER_KEY, redact

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def add_secrets(*values: str | None) -> None:
    """Remember values that must never appear in a log."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= 4 and v != LOCAL_SERVER_KEY)


def mask(text: str) -> str:
    return redact(text, *_secrets)


def mask_record(record: logging.LogRecord) -> None:
    """Mask the message (formatted with its args), the traceback text and the stack, in place."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose args do not fit its format: mask what there is
        message = f"{record.msg} {record.args}"
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)


class SecretFilter(logging.Filter):
    """The same masking as a filter, for a handler of your own."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install(*secrets: str | None) -> None:
    """Mask every log record of this process from now on (idempotent), and register `secrets`."""
    global _installed
    add_secrets(*secrets)
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            mask_record(record)
            return record

        logging.setLogRecordFactory(masked_record)
        _installed = True


def mask_tracebacks() -> None:
    """Mask the traceback of an uncaught exception too (for the CLI: a bug must not print a key)."""

    def masked_excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        sys.stderr.write(mask("".join(traceback.format_exception(kind, value, tb))))

    sys.excepthook = masked_excepthook
