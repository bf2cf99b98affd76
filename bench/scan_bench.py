"""Benchmark: scan a lab /24 holding N devices with sponsorwatch and with `nmap -sV`, side by side.

Run inside a network namespace with multicast on lo (as ./dev test does), e.g.
  unshare --net sh -c 'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo;
                       .venv/bin/python bench/scan_bench.py --devices 100'
Both tools get the same targets and ports; each is a child process so its wall time and peak memory are its own.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from scanner.discovery.ports import CAMERA_PORTS
from scanner.lab import DEFAULT_FLEET, Lab, LabThread
from scanner.lab.profiles import scale_fleet

NET = "127.0.7.0/24"
SPONSOR = re.compile(r"hikvision|dahua|amcrest|lorex", re.IGNORECASE)


def run(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time and the child's own peak RSS (VmHWM sampled from /proc while it runs)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_kib = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text(encoding="ascii").splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    return wall, peak_kib / 1024, subprocess.CompletedProcess(cmd, proc.returncode, "", err)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--skip-nmap", action="store_true")
    args = parser.parse_args()
    lab = Lab(scale_fleet(DEFAULT_FLEET, args.devices), base="127.0.7.10", multicast=True)
    sponsors = {d.ip for d in lab.devices if d.profile.stack in ("hikvision", "dahua")}
    ports = ",".join(map(str, CAMERA_PORTS))
    exe = str(Path(sys.executable).with_name("sponsorwatch"))
    with LabThread(lab), tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scan.json"
        wall, peak, proc = run([exe, "scan", NET, "--scope", NET, "--ports", ports, "--format", "json", "-o", str(out),
                                "--db", f"sqlite:///{tmp}/inv.db"])
        if proc.returncode not in (0, 1):  # 1: sponsor devices found (the exit status of sponsorwatch scan)
            raise SystemExit(proc.stderr)
        doc = json.loads(out.read_text(encoding="utf-8"))
        found = {d["ip"] for d in doc["devices"] if d["flagged"]}
        exact = sum(1 for d in doc["devices"] if d["flagged"] and d["model"] and d["serial"])
        ours = (wall, peak, doc["scan"]["stats"]["probes_sent"], found)
        print(f"lab: {len(lab.devices)} devices on {NET} ({len(sponsors)} Hikvision/Dahua-made), ports {ports}")
        print(f"sponsorwatch: {wall:6.1f} s wall, peak RSS {peak:.0f} MiB, {ours[2]} probes, "
              f"{len(found & sponsors)}/{len(sponsors)} sponsor devices identified ({exact} with model and serial), "
              f"{len(found - sponsors)} false positives, port scan engine {doc['scan']['stats']['engine']}")
        if args.skip_nmap or shutil.which("nmap") is None:
            return
        xml_path = Path(tmp) / "nmap.xml"  # a file, not a pipe: nmap's XML outgrows the pipe buffer
        wall_n, peak_n, _ = run(["nmap", "-sV", "-Pn", "-n", "-p", ports, "-oX", str(xml_path), NET])
        root = ET.parse(xml_path).getroot()
        ident: set[str] = set()
        for host in root.iter("host"):
            addr = host.find("address")
            ip = addr.get("addr") if addr is not None else ""
            for svc in host.iter("service"):
                text = " ".join(svc.get(k, "") for k in ("product", "extrainfo", "devicetype", "ostype"))
                if SPONSOR.search(text):
                    ident.add(ip or "")
        stats = root.find("runstats/finished")
        print(f"nmap -sV:     {wall_n:6.1f} s wall, peak RSS {peak_n:.0f} MiB, "
              f"{len(ident & sponsors)}/{len(sponsors)} sponsor devices identified, {len(ident - sponsors)} false "
              f"positives ({stats.get('summary') if stats is not None else ''})")
        print(f"speed-up: {wall_n / wall:.1f}x")


if __name__ == "__main__":
    main()
