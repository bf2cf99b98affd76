"""Benchmark: identification throughput (titles/s on one core), peak memory, and the engine against a naive
matcher on the same titles.

Run: .venv/bin/python bench/lookup_bench.py [--titles N]
Uses the labelled corpora from tests/data (the written one and the real-world one; English, Ukrainian,
Russian), each title made unique with a suffix so nothing can be served from a cache. Pins itself to one CPU
where the OS allows. The naive matcher is one case-insensitive regex of every alias and model-family pattern
with no context at all (no cues, no typo tolerance, no scoring): the floor of what any matcher must cost.
The ratio printed is engine throughput / naive throughput.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def load_titles() -> list[str]:
    rows = (ROOT / "tests" / "data" / "titles.tsv").read_text(encoding="utf-8").splitlines()
    titles = [r.split("\t")[2] for r in rows if r.strip() and not r.startswith("#")]
    for row in (ROOT / "tests" / "data" / "real_titles.tsv").read_text(encoding="utf-8").splitlines():
        if row.strip() and not row.startswith("#"):
            titles.append(row.split("\t")[3])
    return titles


def naive_matcher(kb: Any) -> re.Pattern[str]:
    """Every alias (escaped) and every model-family pattern in one case-insensitive alternation."""
    aliases = sorted({a.text for e in kb.entities.values() for a in e.aliases}, key=len, reverse=True)
    parts = [re.escape(a) for a in aliases] + [f"(?:{f.pattern})" for f in kb.families]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def throughput(fn: Callable[[str], object], titles: list[str], rounds: int) -> list[float]:
    """Titles per CPU second of this process (process time: other load on the machine does not count)."""
    rates = []
    for _ in range(rounds):
        start = time.process_time()
        for t in titles:
            fn(t)
        rates.append(len(titles) / (time.process_time() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
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

    flagged = sum(1 for t in titles if engine.identify(t).flagged)
    naive = naive_matcher(engine.kb)
    naive_hits = sum(1 for t in titles if naive.search(t))
    # Interleaved rounds, so a slower moment of the machine hits both alike.
    rates: list[float] = []
    naive_rates: list[float] = []
    for _ in range(args.rounds):
        rates += throughput(engine.identify, titles, 1)
        naive_rates += throughput(naive.search, titles, 1)

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
    print(f"naive single-regex matcher (aliases + model patterns, no context): median "
          f"{statistics.median(naive_rates):,.0f} titles/s, {naive_hits} titles with a hit")
    print(f"ratio engine/naive: {statistics.median(rates) / statistics.median(naive_rates):.3f}")
    print(f"latency per title: p50 {latencies[len(latencies) // 2]:.1f} us, "
          f"p99 {latencies[int(len(latencies) * 0.99)]:.1f} us")
    print(f"peak RSS of the whole process: {rss_mib:.1f} MiB")


if __name__ == "__main__":
    main()
