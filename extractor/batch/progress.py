"""Progress of a batch run: a live bar on a terminal, a status line every few seconds elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from .runner import Totals

LINE_EVERY_SECONDS = 5.0


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


class Progress:
    def __init__(self, total: int, *, mode: str = "auto", stream: Any = None):
        self.total = total
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._last_line = 0.0
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "lines"
        self.mode = mode
        self._bar: RichProgress | None = None
        if mode == "bar":
            self._bar = RichProgress(
                TextColumn("[bold]extracting"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._task = self._bar.add_task("extract", total=total, detail="")
            self._bar.start()

    def _status(self, totals: "Totals") -> tuple[int, str]:
        c = totals.counts
        finished = sum(c[k] for k in ("ok", "failed", "skipped", "duplicates", "budget"))
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = (c["ok"] + c["failed"]) / elapsed
        detail = (
            f"ok {c['ok']} failed {c['failed']} cached {c['cached']} skipped {c['skipped']} "
            f"{rate:.1f}/s tokens {_k(totals.prompt_tokens)} in ({_k(totals.cached_prompt_tokens)} cached) "
            f"{_k(totals.completion_tokens)} out ${totals.cost:.4f}"
        )
        return finished, detail

    def update(self, totals: "Totals") -> None:
        finished, detail = self._status(totals)
        if self._bar is not None:
            self._bar.update(self._task, completed=finished, detail=detail)
        elif self.mode == "lines":
            now = time.monotonic()
            if now - self._last_line >= LINE_EVERY_SECONDS:
                self._last_line = now
                self._line(finished, detail)

    def _line(self, finished: int, detail: str) -> None:
        elapsed = time.monotonic() - self.started
        eta = ""
        if 0 < finished < self.total:
            eta = f" eta {elapsed / finished * (self.total - finished):.0f}s"
        print(f"[{elapsed:6.1f}s] {finished}/{self.total} {detail}{eta}", file=self.stream, flush=True)

    def close(self, totals: "Totals") -> None:
        finished, detail = self._status(totals)
        if self._bar is not None:
            self._bar.update(self._task, completed=finished, detail=detail)
            self._bar.stop()
        elif self.mode == "lines":
            self._line(finished, detail)
