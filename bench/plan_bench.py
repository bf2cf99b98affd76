"""Benchmark: a removal plan for 10,000 devices over 200 sites — build time and peak memory, then each format.

  .venv/bin/python bench/plan_bench.py [--devices 10000] [--sites 200]
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from typing import Any

from scanner.plan import PlanConfig, build_plan, covered_brands, parse_config, render

CLASSES = ["ip-camera"] * 12 + ["ptz", "nvr", "dvr", "intercom", "analog-camera", "access-control"]
MODELS = {"hikvision": ["DS-2CD2142FWD-I", "DS-2CD2385G1-I", "DS-7608NI-K2/8P"],
          "dahua": ["IPC-HDW5421S", "DHI-NVR4108HS-8P-4KS2"]}


def inventory(n: int, sites: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        vendor = rng.choice(["hikvision", "dahua"])
        kev = rng.random() < 0.08
        out.append({
            "site": f"site-{i % sites:03d}", "ip": f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}", "vendor": vendor,
            "brand": vendor, "model": rng.choice(MODELS[vendor]), "serial": f"SN{i:08d}", "mac": None,
            "firmware": "V5.5.0 build 170725", "device_class": rng.choice(CLASSES), "flagged": rng.random() < 0.9,
            "status": rng.choice(["active"] * 8 + ["isolated", "replaced"]),
            "detail": {"cves": [{"id": "CVE-2021-36260", "kev": True, "confidence": "low"}] if kev else [],
                       "risks": ["not activated: SADP reports no admin password set yet"] if rng.random() < 0.02
                       else []},
        })
    return out


def measure(label: str, fn: Any) -> Any:
    """Time a run on its own (tracemalloc slows Python down), then a second run for the memory peak."""
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = f", {len(result) / 2**20:.1f} MiB output" if isinstance(result, bytes) else ""
    print(f"{label:14} {elapsed * 1000:8.0f} ms, peak {peak / 2**20:6.1f} MiB allocated{size}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=200)
    args = parser.parse_args()
    rows = inventory(args.devices, args.sites)
    cfg: PlanConfig = parse_config({"sites": {f"site-{i:03d}": "critical" for i in range(0, args.sites, 10)},
                                    "budget_per_phase": 250_000, "target_date": "2027-12-31"})
    covered_brands()  # the knowledge base loads once, outside the measurement
    plan = measure("build plan", lambda: build_plan(rows, cfg, rescan=rows[: args.devices // 10]))
    print(f"  -> {len(plan.devices):,} devices to replace in {len(plan.phases)} phases over "
          f"{len(plan.progress)} sites, {plan.total:,.0f} {plan.currency}")
    for fmt in ("json", "csv", "xlsx", "html"):
        measure(f"render {fmt}", lambda fmt=fmt: render(plan, fmt))


if __name__ == "__main__":
    main()
