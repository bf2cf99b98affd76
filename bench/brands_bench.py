"""Benchmark: the consumer-brand matcher (scanner/identify/brands.py) on real shop titles: titles/s on one core
for the brand matcher alone and for the whole engine, before and after brand rules, and matcher build time.

Run: .venv/bin/python bench/brands_bench.py [--rounds N]
Uses tests/data/real_brand_titles.tsv. "engine without brands" swaps the brand matcher out, so the difference is
what brand matching adds to a lookup of a grocery title.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from scanner.identify import Identifier
from scanner.identify.brands import BrandMatcher
from scanner.knowledge import load

ROOT = Path(__file__).resolve().parents[1]


def titles() -> list[str]:
    lines = (ROOT / "tests" / "data" / "real_brand_titles.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[3] for line in lines if line.strip() and not line.startswith("#")]


def rate(fn: object, data: list[str], rounds: int) -> float:
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        for t in data:
            fn(t)  # type: ignore[operator]
        runs.append(len(data) / (time.perf_counter() - start))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    kb = load()
    data = titles()
    start = time.perf_counter()
    matcher = BrandMatcher(kb)
    build_ms = (time.perf_counter() - start) * 1000
    with_brands = Identifier(kb)
    without = Identifier(kb)
    without.brands.match = lambda *a, **k: None  # type: ignore[method-assign]
    print(f"{len(kb.brands)} brands, {len(data)} titles, matcher built in {build_ms:.0f} ms")
    print(f"brand matcher alone     {rate(matcher.match, data, args.rounds):10.0f} titles/s")
    print(f"engine with brands      {rate(with_brands.identify, data, args.rounds):10.0f} titles/s")
    print(f"engine without brands   {rate(without.identify, data, args.rounds):10.0f} titles/s")


if __name__ == "__main__":
    main()
