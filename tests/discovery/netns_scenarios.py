"""Scenarios run in a network namespace of their own (scanner.lab.netns): silent addresses dropped with nftables,
an IPv6 link-local segment on a veth pair. `python -m tests.discovery.netns_scenarios NAME` prints one JSON
document; tests/discovery/test_sweep.py and test_ipv6.py start it with `run_isolated` and check what it says."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from typing import Any

from scanner.discovery.scan import ScanOptions, scan
from scanner.discovery.targets import build_targets
from scanner.lab import FleetEntry, Lab, LabThread, netns

SILENT = "127.0.250.0/24"  # loopback addresses, dropped on input: as silent as an empty routed network
LIVE = "127.0.251.0/28"  # the lab's devices from .10, the rest answer with a RST (a host, no open port)
LAB_BASE = "127.0.251.10"
LAB6_LINK = ["fe80::10", "fe80::11"]


def _verdicts(results: list[Any]) -> list[dict[str, Any]]:
    return [{"ip": v.ip, "vendor": v.vendor, "flagged": v.flagged, "model": v.model, "serial": v.serial,
             "ports": v.ports, "sources": sorted({e["source"] for e in v.evidence})} for v in results]


def sweep(host_discovery: bool) -> dict[str, Any]:
    netns.setup_loopback()
    netns.add_silent(SILENT)
    lab = Lab([FleetEntry("hikvision-ipc", 1), FleetEntry("dahua-ipc", 1), FleetEntry("printer", 1)], base=LAB_BASE)
    with LabThread(lab):
        targets = build_targets([SILENT, LIVE], scope="127.0.0.0/8")
        options = ScanOptions(engine="asyncio", udp_window_s=0.5, multicast_if=None, max_duration_s=120,
                              host_discovery=host_discovery)
        results, stats = asyncio.run(scan(targets, options))
        devices = {d.ip: {"profile": d.profile.id, "serial": d.identity.serial} for d in lab.devices}
    return {"stats": dataclasses.asdict(stats), "drops": netns.drop_counters(), "verdicts": _verdicts(results),
            "lab": devices}


def ipv6() -> dict[str, Any]:
    netns.setup_loopback()
    link_a, link_b = netns.add_link_local_pair(LAB6_LINK)
    lab_local = Lab([FleetEntry("hikvision-ipc", 1)], base="::1")
    lab_link = Lab([FleetEntry("dahua-ipc", 1), FleetEntry("hikvision-nvr", 1)], base=f"{LAB6_LINK[0]}%{link_b}",
                   multicast=True)
    out: dict[str, Any] = {"links": [link_a, link_b]}
    with LabThread(lab_local), LabThread(lab_link):
        out["multicast_active"] = lab_link.multicast_active
        out["lab"] = {d.ip: {"profile": d.profile.id, "serial": d.identity.serial, "model": d.identity.model}
                      for d in (*lab_local.devices, *lab_link.devices)}
        runs = {"loopback": (["::1"], "::1/128"),
                "segment": ([f"fe80::/64%{link_a}"], "fe80::/10"),
                "single": ([f"{LAB6_LINK[1]}%{link_a}"], "fe80::/10")}
        for name, (target, scope) in runs.items():
            targets = build_targets(target, scope=scope)
            options = ScanOptions(engine="asyncio", udp_window_s=1.0, multicast_if=None, multicast6_if="auto",
                                  max_duration_s=60)
            results, stats = asyncio.run(scan(targets, options))
            out[name] = {"stats": dataclasses.asdict(stats), "verdicts": _verdicts(results)}
        out["wsd_log"] = {d.ip: [(e.method, e.target) for e in d.requests("wsd")] for d in lab_link.devices}
    return out


def main() -> None:
    name = sys.argv[1]
    result = {"sweep": lambda: sweep(True), "sweep-off": lambda: sweep(False), "ipv6": ipv6}[name]()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
