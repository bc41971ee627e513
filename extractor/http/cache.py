"""A sqlite cache of successful model responses, keyed by URL and request body.

The cache only saves money; it never stops a run. A damaged cache file is set
aside (renamed to responses.sqlite.corrupt-<time>) with a warning and the run
goes on without a cache. Other failures of the file are local faults naming it:
a full disk stops the run, and none is ever retried as a network error.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx2

from ..errors import ConfigurationError, LocalFault
from .transport import CACHE_HEADER, Exchange, json_object

log = logging.getLogger("extractor")

# Milliseconds a connection waits for another process's write before giving up.
BUSY_TIMEOUT_MS = 30_000
_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_FULL = {sqlite3.SQLITE_FULL}


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if code is not None else None  # the primary code of an extended one


@contextlib.contextmanager
def _setup_lock(path: Path) -> Iterator[None]:
    """Serialise creating the file and switching it to WAL across processes (fcntl, where there is one)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: sqlite's own busy handling is all there is
        yield
        return
    fd = os.open(path.with_name(path.name + ".setup-lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class ResponseCache:
    """Identical requests are answered from disk.

    WAL mode, a busy timeout and one connection per process guarded by a lock
    make it safe for many coroutines and for several processes sharing a cache
    directory; the file is set up under a file lock, so two runs starting on a
    fresh cache do not trip over each other. Only request bodies are keys, so
    nothing from the headers (keys) is stored.
    """

    def __init__(self, directory: Path, *, secrets: tuple[str, ...] = ()):
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"cache folder {directory} cannot be created ({exc.strerror or exc}); "
                "pass another --cache-dir, or --no-cache") from None
        self.path = directory / "responses.sqlite"
        for name in (self.path.name, self.path.name + "-wal", self.path.name + "-shm"):
            if (directory / name).exists() and not (directory / name).is_file():  # a FIFO would block sqlite
                raise ConfigurationError(f"cache file {directory / name} is not a regular file; move it away, "
                                         "pass another --cache-dir, or --no-cache")
        self.secrets = secrets
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            with _setup_lock(self.path):
                self._db = self._connect()
        except OSError as exc:
            raise ConfigurationError(
                f"cache {self.path} cannot be opened ({exc.strerror or exc}); pass another --cache-dir, or --no-cache"
            ) from None
        except sqlite3.Error as exc:
            if _code(exc) in _CORRUPT:
                self._set_aside(exc)
            else:
                raise ConfigurationError(
                    f"cache {self.path} cannot be opened ({exc}); pass another --cache-dir, or --no-cache") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                             isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body BLOB NOT NULL, created REAL NOT NULL)"
            )
            db.execute("SELECT count(*) FROM (SELECT 1 FROM responses LIMIT 1)").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    @property
    def enabled(self) -> bool:
        return self._db is not None

    @staticmethod
    def key(url: str, body: bytes) -> str:
        canonical = json_object(body)
        blob = json.dumps(canonical, sort_keys=True).encode() if canonical is not None else body
        return hashlib.sha256(url.encode() + b"\n" + blob).hexdigest()

    def _run(self, what: str, query: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run a query; a damaged file is set aside and None returned, other failures are local faults."""
        with self._lock:
            if self._db is None:
                return None
            try:
                return query(self._db)
            except sqlite3.Error as exc:
                code = _code(exc)
                if code in _CORRUPT:
                    self._set_aside(exc)
                    return None
                if code in _BUSY:  # another process held the file past the busy timeout: a miss, not a failure
                    log.warning("cache %s was busy for %ss; %s skipped", self.path, BUSY_TIMEOUT_MS // 1000, what)
                    return None
                if code in _FULL:
                    raise LocalFault.of(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), self.path, what) from exc
                raise LocalFault(f"{what} {self.path} failed ({exc}); check the file or run with --no-cache",
                                 path=self.path) from exc

    def lookup(self, exchange: Exchange) -> httpx2.Response | None:
        key = self.key(exchange.url, exchange.body)
        row = self._run("reading the cache", lambda db: db.execute(
            "SELECT body FROM responses WHERE key = ?", (key,)).fetchone())
        if row is None:
            return None
        return httpx2.Response(200, headers={"content-type": "application/json", CACHE_HEADER: "hit"}, content=row[0])

    def store(self, exchange: Exchange, response: httpx2.Response, content: bytes) -> None:
        if response.status_code != 200 or json_object(content) is None:
            return
        for secret in self.secrets:  # a server that echoes a key into an answer must not have it stored
            content = content.replace(secret.encode(), b"[redacted]")
        key = self.key(exchange.url, exchange.body)
        self._run("writing the cache", lambda db: db.execute(
            "INSERT OR REPLACE INTO responses (key, body, created) VALUES (?, ?, ?)", (key, content, time.time())))

    def _set_aside(self, exc: sqlite3.Error) -> None:
        """Move a damaged cache (and its WAL files) out of the way; the run goes on without a cache."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
            where = f"moved to {aside}"
        except OSError as move_error:
            where = f"could not be moved ({move_error.strerror}); delete it"
        log.warning("cache %s is damaged (%s): %s; continuing without a cache", self.path, exc, where)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
