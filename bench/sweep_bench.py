"""Benchmark: scan cost on large, mostly silent networks — a /20 and a /16 of silent addresses plus the device lab,
at the default rate (2,000 probes/s), compared with the rate-limit bound.

Silent addresses exist only inside a network namespace the benchmark makes for itself (it re-runs itself under
`unshare --net`): 127.77.0.0/16 — loopback addresses, never a real network's — is routed to lo there and every
packet to it is dropped with nftables on input, as a routed network drops packets to empty addresses: the sender
sees neither a reply nor an error. (A blackhole or unreachable route would not do: connect() fails at once with
EINVAL or EHOSTUNREACH, which no real network does.)
In the /16, one /24 (127.77.200.0/24) is left to answer like hosts with closed ports (a RST), so the depth probes
of live hosts are measured too. The lab's devices answer on 127.0.0.x. Needs nft (Debian package nftables).

The bound is what the rate alone allows: the probes the scan sent divided by the rate. The ratio says how far
above it the scan ran (fixed costs: the first wait of 1 s before any round trip is measured, the UDP listening
window, the depth probes of the lab's devices).
  .venv/bin/python bench/sweep_bench.py [--skip-16]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scanner.lab import DEFAULT_FLEET, Lab, LabThread, netns
from scanner.lab.profiles import scale_fleet

SILENT = "127.77.0.0/16"
ANSWERING = "127.77.200.0/24"
LAB_NET = "127.0.0.0/24"
RATE = 2000.0


def scan(targets: list[str], tmp: str, name: str) -> tuple[float, dict[str, object], int]:
    out = Path(tmp) / f"{name}.json"
    exe = str(Path(sys.executable).with_name("sponsorwatch"))
    cmd = [exe, "scan", *targets, "--scope", "127.0.0.0/8", "--yes", "--format", "json", "-o", str(out),
           "--db", f"sqlite:///{tmp}/{name}.db", "--rate", str(RATE)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    doc = json.loads(out.read_text(encoding="utf-8"))
    flagged = sum(1 for d in doc["devices"] if d["flagged"])
    return wall, doc["scan"]["stats"], flagged


def report(label: str, wall: float, stats: dict[str, object], flagged: int, sponsors: int) -> None:
    probes = int(stats["probes_sent"])  # type: ignore[call-overload]
    bound = probes / RATE
    print(f"{label}: {wall:6.1f} s wall; {stats['swept']:,} addresses swept, {stats['live']:,} live "
          f"({stats['live_by']}), {probes:,} probes ({stats['sweep_probes']:,} in the sweep); rate-limit bound "
          f"{bound:.1f} s, ratio {wall / bound:.2f}; final wait {stats['rtt_timeout_s']} s; "
          f"{flagged}/{sponsors} sponsor devices flagged; status {'timed out' if stats['timed_out'] else 'finished'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-16", action="store_true", help="only the /20")
    parser.add_argument("--devices", type=int, default=20)
    args = parser.parse_args()
    netns.reexec_isolated()
    netns.setup_loopback()
    netns.add_silent(SILENT, answering=[ANSWERING])
    lab = Lab(scale_fleet(DEFAULT_FLEET, args.devices), base="127.0.0.10", multicast=True)
    sponsors = sum(d.profile.stack in ("hikvision", "dahua") for d in lab.devices)
    print(f"namespace: {SILENT} silent (nftables drop) but {ANSWERING} (closed ports); lab: {len(lab.devices)} "
          f"devices on {LAB_NET}; rate {RATE:.0f} probes/s")
    with LabThread(lab), tempfile.TemporaryDirectory() as tmp:
        wall, stats, flagged = scan(["127.77.0.0/20", LAB_NET], tmp, "s20")
        report("/20 silent + lab /24", wall, stats, flagged, sponsors)
        print(f"   dropped at the silent addresses: {netns.drop_counters()}")
        if not args.skip_16:
            wall, stats, flagged = scan([SILENT, LAB_NET], tmp, "s16")
            report("/16 mostly silent + lab /24", wall, stats, flagged, sponsors)
            print(f"   /16 within 5 minutes: {'yes' if wall <= 300 else 'NO'} ({wall:.0f} s)")
            print(f"   dropped at the silent addresses (both runs): {netns.drop_counters()}")


if __name__ == "__main__":
    main()
