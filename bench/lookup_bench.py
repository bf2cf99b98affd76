"""Benchmark: identification throughput (titles/s on one core) and peak memory.

Run: .venv/bin/python bench/lookup_bench.py [--titles N]
Uses the labelled corpus from tests/data (English, Ukrainian, Russian), each title made unique with a
suffix so nothing can be served from a cache. Pins itself to one CPU where the OS allows.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_titles() -> list[str]:
    rows = (ROOT / "tests" / "data" / "titles.tsv").read_text(encoding="utf-8").splitlines()
    return [r.split("\t")[2] for r in rows if r.strip() and not r.startswith("#")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    tracemalloc.start()
    t0 = time.perf_counter()
    from scanner.identify import Identifier
    from scanner.knowledge import load

    engine = Identifier(load())
    build_s = time.perf_counter() - t0
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    base = load_titles()
    titles = [f"{base[i % len(base)]} #{i}" for i in range(args.titles)]
    for t in titles[:1000]:
        engine.identify(t)  # warm-up

    rates = []
    flagged = 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        flagged = sum(1 for t in titles if engine.identify(t).flagged)
        rates.append(len(titles) / (time.perf_counter() - start))

    latencies = []
    for t in titles[:5000]:
        s = time.perf_counter_ns()
        engine.identify(t)
        latencies.append((time.perf_counter_ns() - s) / 1000)
    latencies.sort()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"knowledge base + engine build: {build_s * 1000:.0f} ms, {build_peak / 2**20:.1f} MiB allocated at peak")
    print(f"titles: {len(titles)} ({len(base)} distinct corpus titles, made unique), flagged {flagged}")
    print(f"throughput, one core: median {statistics.median(rates):,.0f} titles/s "
          f"(rounds: {', '.join(f'{r:,.0f}' for r in rates)})")
    print(f"latency per title: p50 {latencies[len(latencies) // 2]:.1f} us, "
          f"p99 {latencies[int(len(latencies) * 0.99)]:.1f} us")
    print(f"peak RSS of the whole process: {rss_mib:.1f} MiB")


if __name__ == "__main__":
    main()
