"""Benchmark: start a fleet of simulated devices on loopback and report start time, memory and sockets.

Run inside a network namespace with multicast on lo (as ./dev test does), e.g.
  unshare --net sh -c 'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo;
                       .venv/bin/python bench/lab_bench.py --devices 250'
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import time

from scanner.lab import DEFAULT_FLEET, Lab, LabThread
from scanner.lab.profiles import scale_fleet
from scanner.wire import sadp


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=250)
    parser.add_argument("--mdns", action="store_true", help="also register Hikvision devices over mDNS")
    args = parser.parse_args()

    before = rss_mib()
    t0 = time.perf_counter()
    lab = Lab(scale_fleet(DEFAULT_FLEET, args.devices), base="127.0.3.10", multicast=True, mdns=args.mdns)
    built = time.perf_counter()
    runner = LabThread(lab).start(timeout_s=600)
    started = time.perf_counter()
    fds = len(os.listdir("/proc/self/fd"))
    running = rss_mib()
    sockets = sum(len(s.sockets) for d in lab.devices for s in d.servers) + sum(len(d.udp) for d in lab.devices)

    # One SADP multicast probe: how many devices answer within two seconds.
    answered = 0
    if "sadp" in lab.multicast_active:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            s.settimeout(0.5)
            s.sendto(sadp.probe(), ("239.255.255.250", 37020))
            end = time.monotonic() + 2
            while time.monotonic() < end:
                try:
                    s.recvfrom(65535)
                    answered += 1
                except TimeoutError:
                    pass
    sadp_devices = sum(1 for d in lab.devices if "sadp" in d.udp)
    stop0 = time.perf_counter()
    runner.stop()
    stopped = time.perf_counter()
    print(f"devices: {len(lab.devices)} ({len({d.profile.id for d in lab.devices})} profiles), "
          f"listening sockets: {sockets}, open fds: {fds}")
    print(f"identities and plan: {(built - t0) * 1000:.0f} ms; start: {(started - built):.2f} s; "
          f"stop: {(stopped - stop0):.2f} s; mDNS: {'on' if args.mdns else 'off'}")
    print(f"memory: RSS {running:.1f} MiB with the fleet running, {before:.1f} MiB before it "
          f"(peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB)")
    print(f"multicast on loopback: {', '.join(lab.multicast_active) or 'unavailable'}; "
          f"SADP multicast probe answered by {answered} of {sadp_devices} Hikvision-made devices")


if __name__ == "__main__":
    main()
