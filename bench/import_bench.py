"""Benchmark: `sponsorwatch import` on generated files of 50,000 lines per format (tests/imports/generated.py).

For each format, in a fresh process (so one format's memory does not hide another's): the parse alone, then the
whole import (parse, merge, the scan's fusion for every host), as records per second; and the peak resident
memory the import added over the process after start-up and knowledge-base load (ru_maxrss).

    .venv/bin/python bench/import_bench.py [--lines 50000] [--format dnsmasq ...]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def one(fmt: str, lines: int) -> dict[str, float | int | str]:
    from scanner.imports.pipeline import read_file, run_import
    from tests.imports.generated import GENERATORS

    text, _ = GENERATORS[fmt](lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"generated.{fmt}"
        path.write_text(text, encoding="utf-8")
        del text
        warm = Path(tmp) / "warm.leases"
        warm.write_text("1750000000 28:57:be:00:00:01 10.0.0.1 warm *\n", encoding="utf-8")
        run_import([warm])  # knowledge base, rules and MAC table loaded before the baseline
        base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        _, parsed = read_file(path, fmt)
        parse_s = time.perf_counter() - started
        records = len(parsed.records)
        del parsed
        started = time.perf_counter()
        result = run_import([path], fmt)
        total_s = time.perf_counter() - started
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"format": fmt, "lines": lines, "records": records, "devices": len(result.devices),
                "flagged": sum(1 for d in result.devices if d["flagged"]), "bad": result.bad_lines,
                "parse_rps": records / parse_s, "import_rps": records / total_s, "import_s": total_s,
                "peak_mib": (peak_kb - base_kb) / 1024, "file_mib": path.stat().st_size / 2**20}


def main() -> None:
    from tests.imports.generated import GENERATORS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--format", action="append", choices=sorted(GENERATORS))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.lines)))
        return
    print(f"{'format':<10} {'lines':>7} {'records':>8} {'devices':>8} {'flagged':>8} {'bad':>4} {'file MiB':>9} "
          f"{'parse rec/s':>12} {'import rec/s':>13} {'import s':>9} {'peak +MiB':>10}")
    for fmt in args.format or list(GENERATORS):
        out = subprocess.run([sys.executable, __file__, "--one", fmt, "--lines", str(args.lines)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"{r['format']:<10} {r['lines']:>7} {r['records']:>8} {r['devices']:>8} {r['flagged']:>8} {r['bad']:>4} "
              f"{r['file_mib']:>9.1f} {r['parse_rps']:>12,.0f} {r['import_rps']:>13,.0f} {r['import_s']:>9.1f} "
              f"{r['peak_mib']:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
