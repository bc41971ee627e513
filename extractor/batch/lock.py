"""One batch run per output folder: an OS file lock on OUT_DIR/.lock.

The kernel releases the lock when the process ends, however it ends (even
kill -9), so a stale lock never needs cleaning up. The file holds the PID of
the run that has it, so a second run can say who is in the way.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigurationError

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"


class OutputLock:
    """Held for the length of a run; `with OutputLock(out_dir):`."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> "OutputLock":
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write in output folder {self.path.parent} ({exc.strerror or exc}); "
                "choose a writable folder with -o"
            ) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                who = f"process {holder}" if holder else "another process"
                raise ConfigurationError(
                    f"output folder {self.path.parent} is in use by another batch run ({who}); "
                    "wait for it to finish, stop it, or choose another folder with -o"
                ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the lock holds without the note of who holds it
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None
