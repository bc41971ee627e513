"""Shared pieces of the benchmark scripts: a loopback server process, article sets, a measured batch run."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ARTICLES = ROOT / "fixtures" / "articles"


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"


class ServerProcess:
    """extractor.testing.devserver in its own process, so its CPU never counts against the client."""

    def __init__(self, *args: str):
        self.args = args

    def __enter__(self) -> "ServerProcess":
        self.process = subprocess.Popen(
            [PYTHON, "-m", "extractor.testing.devserver", *self.args], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        self.port = json.loads(line)["port"]
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as response:
            return json.loads(response.read())

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(10)


def make_articles(folder: Path, count: int) -> Path:
    """`count` distinct articles built from the fixture texts (a reference line keeps every hash unique)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))]
    for i in range(count):
        (folder / f"a{i:06d}.txt").write_text(texts[i % len(texts)] + f"\n\nReference {i}.\n", encoding="utf-8")
    return folder


@dataclass
class Measured:
    ok: int
    failed: int
    wall: float
    cpu: float
    peak_rss_mb: float
    summary: dict


def run_batch(input_dir: Path, base_url: str, *extra: str, out: Path | None = None) -> Measured:
    """One `extractor batch` subprocess; CPU and peak RSS are that process's own.

    The output folder is a fresh temporary one, removed afterwards, unless `out` is given (kept)."""
    keep = out is not None
    out = out or Path(tempfile.mkdtemp(prefix="bench-out-"))
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "bench-not-a-real-key"}
    started = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, "-m", "extractor", "batch", str(input_dir), "-o", str(out), "--progress", "none", "--tables", "none",
         *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    stderr = process.stderr.read()  # type: ignore[union-attr]
    # wait4 gives this child's own CPU and peak RSS (KiB on Linux), not a maximum over all children.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode not in (0, 1):
        raise RuntimeError(f"batch failed ({process.returncode}): {stderr[-2000:]}")
    summary = json.loads((out / "run.json").read_text())
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(summary["counts"]["ok"], summary["counts"]["failed"], wall, cpu, usage.ru_maxrss / 1024, summary)
