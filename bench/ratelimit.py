"""Goodput under a real rate limit: the loopback server admits R requests per second (token bucket)
and answers 429 with Retry-After beyond it, while the batch runs at a concurrency far above what R allows.

    .venv/bin/python bench/ratelimit.py [--rate 20] [--seconds 15]

Scenarios: the client knows nothing (Retry-After and adaptive concurrency only);
the server also sends x-ratelimit-* headers; the user passes --rpm. Goodput is
finished articles per second over the run, as a share of R; wasted is the share
of requests that drew a 429, overall and after the first 5 s (the probe of an
unknown limit at the start of a run costs a burst of 429s that a long run amortizes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import ServerProcess, machine, make_articles, run_batch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20.0, help="server limit, requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="about how long each scenario runs")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    count = int(args.rate * args.seconds)
    folder = make_articles(Path(tempfile.mkdtemp(prefix="bench-rl-")) / "in", count)
    rate = args.rate
    print(f"# bench/ratelimit.py  {machine()}  R={rate:g}/s (burst 1 s), C={args.concurrency}, L={args.latency}s, "
          f"N={count}")
    print(f"{'scenario':34} {'ok':>5} {'goodput/R':>9} {'requests':>8} {'429s':>6} {'wasted':>7} "
          f"{'wasted after 5 s':>16} {'wall s':>7}")
    scenarios = [
        ("Retry-After + adaptive concurrency", [], []),
        ("+ x-ratelimit-* headers", ["--ratelimit-headers"], []),
        ("+ --rpm set to the limit", [], ["--rpm", str(rate * 60)]),
    ]
    for name, server_args, batch_args in scenarios:
        with ServerProcess("--latency", str(args.latency), "--rate", str(rate), *server_args) as server:
            m = run_batch(folder, server.base_url, "--concurrency", str(args.concurrency), "--no-cache", *batch_args)
            stats = server.stats()["counts"]
        requests = stats.get("requests", 0)
        throttled = stats.get("429_rate", 0)
        steady = stats.get("429_rate_after_warmup", 0) / max(1, stats.get("requests_after_warmup", 0))
        goodput = m.ok / m.summary["wall_seconds"] / rate
        print(f"{name:34} {m.ok:5d} {goodput:9.2f} {requests:8d} {throttled:6d} {throttled / max(1, requests):7.1%} "
              f"{steady:16.1%} {m.summary['wall_seconds']:7.1f}", flush=True)
    print("goal: goodput >= 0.90 of R with <= 10% of requests wasted on 429s")


if __name__ == "__main__":
    main()
