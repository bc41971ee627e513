"""Progress of a batch run: a live bar on a terminal, a status line every few seconds elsewhere."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeRemainingColumn

LINE_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Snapshot:
    """The run's figures at one moment; all that progress display needs."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    cached: int = 0
    duplicates: int = 0
    not_started: int = 0  # budget or account stop
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    @property
    def finished(self) -> int:
        return self.ok + self.failed + self.skipped + self.duplicates + self.not_started


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


class Progress:
    def __init__(self, total: int, *, mode: str = "auto", stream: Any = None, target: str | None = None):
        """`target` says where requests go (the base URL without user or password), on the first line."""
        self.total = total
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._last_line = 0.0
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "lines"
        self.mode = mode
        if target and mode in ("bar", "lines"):
            print(f"{total} articles; {target}", file=self.stream, flush=True)
        self._bar: RichProgress | None = None
        if mode == "bar":
            self._bar = RichProgress(
                TextColumn("[bold]extracting"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._task = self._bar.add_task("extract", total=total, detail="")
            self._bar.start()

    def _detail(self, s: Snapshot) -> str:
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = (s.ok + s.failed) / elapsed
        return (
            f"ok {s.ok} failed {s.failed} cached {s.cached} skipped {s.skipped} "
            f"{rate:.1f}/s tokens {_k(s.prompt_tokens)} in ({_k(s.cached_prompt_tokens)} cached) "
            f"{_k(s.completion_tokens)} out ${s.cost:.4f}"
        )

    def update(self, snapshot: Snapshot) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=snapshot.finished, detail=self._detail(snapshot))
        elif self.mode == "lines":
            now = time.monotonic()
            if now - self._last_line >= LINE_EVERY_SECONDS:
                self._last_line = now
                self._line(snapshot)

    def _line(self, snapshot: Snapshot) -> None:
        elapsed = time.monotonic() - self.started
        finished = snapshot.finished
        eta = ""
        if 0 < finished < self.total:
            eta = f" eta {elapsed / finished * (self.total - finished):.0f}s"
        print(f"[{elapsed:6.1f}s] {finished}/{self.total} {self._detail(snapshot)}{eta}", file=self.stream, flush=True)

    def close(self, snapshot: Snapshot) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=snapshot.finished, detail=self._detail(snapshot))
            self._bar.stop()
        elif self.mode == "lines":
            self._line(snapshot)
