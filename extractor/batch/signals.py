"""Ctrl-C and SIGTERM during a batch run: the first stops it cleanly, a second stops it at once.

The first signal asks the run to stop: articles in flight are abandoned,
finished records are already on disk, and run.json says "interrupted". A
second signal, whenever it comes (during that clean-up, or while the summary
is printed), ends the process at once with status 130: no traceback, and no
death by the signal itself (-15). Everything finished is fsynced already, and
the kernel releases the output folder's lock.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any, Callable

EXIT_INTERRUPTED = 130
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Installed for the length of a run (main thread only; elsewhere it does nothing).

    With `keep=True` (the CLI) the handlers stay after the block, until the process
    exits: a signal that comes while it shuts down then exits 130 too, not -15.
    """

    def __init__(self, *, keep: bool = False) -> None:
        self.received = 0
        self._keep = keep
        self._done = False
        self._previous: dict[int, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: Callable[[], None] | None = None
        self._last_words: Callable[[], None] | None = None

    def __enter__(self) -> "StopSignals":
        if threading.current_thread() is threading.main_thread():
            for number in _SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self._done = True
        if self._keep:
            return
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def bind(self, loop: asyncio.AbstractEventLoop, stop: Callable[[], None], last_words: Callable[[], None]) -> None:
        """While a run is going: `stop` ends it cleanly; `last_words` runs before a second signal exits."""
        self._loop, self._stop, self._last_words = loop, stop, last_words

    def unbind(self) -> None:
        self._loop = self._stop = self._last_words = None

    def _handle(self, number: int, frame: FrameType | None) -> None:
        self.received += 1
        if self.received > 1 or self._done:
            self._exit_now()
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            _say("interrupted: stopping; finished records are kept (interrupt again to stop at once)")
            loop.call_soon_threadsafe(stop)
            return
        raise KeyboardInterrupt  # no run going: stop whatever is being done

    def _exit_now(self) -> None:
        try:
            if self._last_words is not None:
                self._last_words()
        except Exception:  # noqa: BLE001 - nothing may stop the exit
            pass
        again = "again" if self.received > 1 else "while finishing"
        _say(f"interrupted {again}: stopped at once; finished records are kept, run the same command to resume")
        os._exit(EXIT_INTERRUPTED)


def _say(message: str) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed stream must not stop the handler
        pass
