"""Throughput at the bound: the real batch path against a loopback server with latency L.

    .venv/bin/python bench/throughput.py                 # full table (about 5 minutes)
    .venv/bin/python bench/throughput.py --quick         # smaller N, for a smoke run

For each HTTP client under the openai SDK (aiohttp, httpx) and concurrency C,
N articles go through `extractor batch` in a subprocess while the server (its
own process) answers every request after L seconds. The bound is C/L articles
per second. CPU seconds and peak RSS are the batch process's own (getrusage),
startup included. The server's capacity is measured first with a bare aiohttp
client at L=0, so a server limit is not mistaken for a client limit.
Finally a 10,000-article run checks that memory stays flat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import ServerProcess, machine, make_articles, run_batch  # noqa: E402


async def _hammer(url: str, body: bytes, concurrency: int, seconds: float) -> int:
    import aiohttp

    done = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def loop() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                async with session.post(url, data=body, headers={"content-type": "application/json"}) as response:
                    await response.read()
                done += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return done


def server_capacity(seconds: float = 5.0) -> float:
    from extractor.backends.llm.prompt import messages

    body = json.dumps({"model": "m", "messages": messages("NATO met in Brussels today to discuss drones.")}).encode()
    with ServerProcess("--latency", "0") as server:
        done = asyncio.run(_hammer(f"{server.base_url}/chat/completions", body, 64, seconds))
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clients", default="aiohttp,httpx")
    parser.add_argument("--memory-articles", type=int, default=10_000)
    parser.add_argument("--scaling", default="", help="e.g. 10000,50000,100000: peak memory and resume time per N")
    args = parser.parse_args()
    if args.scaling:
        print(f"# bench/throughput.py --scaling  {machine()}  C=128, L=0.05 s")
        scaling([int(n) for n in args.scaling.split(",")])
        return

    print(f"# bench/throughput.py  {machine()}  L={args.latency}s")
    capacity = server_capacity(3.0 if args.quick else 5.0)
    print(f"loopback server capacity at L=0 (bare aiohttp client, 64 connections): {capacity:.0f} requests/s")
    plan = {1: 6, 8: 48, 32: 192, 128: 1000} if not args.quick else {1: 3, 8: 24, 32: 96, 128: 256}
    work = Path(tempfile.mkdtemp(prefix="bench-in-"))
    print(f"{'client':8} {'C':>4} {'N':>5} {'art/s':>7} {'bound':>6} {'ratio':>6} {'p50 s':>6} {'p95 s':>6} "
          f"{'CPU ms/art':>10} {'peak MB':>8}")
    with ServerProcess("--latency", str(args.latency)) as server:
        for client in args.clients.split(","):
            for concurrency, count in plan.items():
                folder = make_articles(work / f"n{count}", count)
                m = run_batch(folder, server.base_url, "--concurrency", str(concurrency), "--http", client)
                # Throughput over the batch's own wall time (excludes interpreter start-up).
                rate = m.ok / m.summary["wall_seconds"]
                bound = concurrency / args.latency
                lat = m.summary["latency_seconds"]
                print(f"{client:8} {concurrency:4d} {count:5d} {rate:7.2f} {bound:6.1f} {rate / bound:6.2f} "
                      f"{lat['p50']:6.2f} {lat['p95']:6.2f} {m.cpu / count * 1000:10.2f} {m.peak_rss_mb:8.1f}",
                      flush=True)
    if args.memory_articles:
        count = args.memory_articles if not args.quick else 2000
        folder = make_articles(work / f"mem{count}", count)
        with ServerProcess("--latency", "0.05") as server:
            m = run_batch(folder, server.base_url, "--concurrency", "128")
        print(f"memory: {count} articles, C=128, L=0.05 s: ok {m.ok}, failed {m.failed}, peak RSS {m.peak_rss_mb:.1f} MB "
              f"(goal < 300 MB), CPU {m.cpu / count * 1000:.2f} ms/article, {m.ok / m.summary['wall_seconds']:.0f} art/s")


def scaling(counts: list[int]) -> None:
    """Peak RSS of the batch process as the folder grows, and how fast a finished folder resumes."""
    print(f"{'articles':>9} {'ok':>7} {'wall s':>7} {'art/s':>6} {'peak MB':>8} {'resume s':>9} {'resume peak MB':>15}")
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    for count in counts:
        folder = make_articles(work / f"in{count}", count)
        out = work / f"out{count}"
        with ServerProcess("--latency", "0.05") as server:
            m = run_batch(folder, server.base_url, "--concurrency", "128", out=out)
            again = run_batch(folder, server.base_url, "--concurrency", "128", out=out)  # everything is done
        print(f"{count:9d} {m.ok:7d} {m.summary['wall_seconds']:7.1f} {m.ok / m.summary['wall_seconds']:6.0f} "
              f"{m.peak_rss_mb:8.1f} {again.wall:9.1f} {again.peak_rss_mb:15.1f}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
