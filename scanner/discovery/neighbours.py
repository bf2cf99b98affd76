"""The neighbour (ARP / NDP) table the system already holds, per platform: Linux's /proc/net/arp or `ip neigh`,
`arp -an` on macOS and the BSDs, `arp -a` on Windows. Reading it sends nothing; the text is parsed by
scanner.imports.neighbours, the same parsers `sponsorwatch import` uses for saved tables.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from scanner.imports.neighbours import is_unicast_device, normalise_mac, parse_arp_a, parse_ip_neigh

PROC_ARP = "/proc/net/arp"
COMMAND_TIMEOUT_S = 5.0
Pairs = list[tuple[str, str]]


def parse_proc_arp(text: str) -> Pairs:
    """(ip, mac) pairs of complete entries in Linux's /proc/net/arp (incomplete ones show 00:00:00:00:00:00)."""
    out: Pairs = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 4:
            continue
        mac = normalise_mac(parts[3])
        if mac is not None and is_unicast_device(mac):
            out.append((parts[0], mac))
    return out


@dataclass(frozen=True)
class TableSource:
    """One way to read (part of) the table: a file, or a command run with a timeout, and its parser."""

    argv: tuple[str, ...]  # the command; empty when `path` is read instead
    parse: Callable[[str], Pairs]
    path: str | None = None

    def __str__(self) -> str:
        return self.path or " ".join(self.argv)


def table_sources(system: str, has_proc_arp: bool, which: Callable[[str], str | None],
                  ipv6_dev: str | None = None) -> list[TableSource]:
    """Where this platform keeps its neighbour table. `ipv6_dev`: also read the IPv6 (NDP) neighbours of that
    interface (Linux; the entries' zone is then known to be that interface)."""
    out: list[TableSource] = []
    if system == "Linux":
        if has_proc_arp:
            out.append(TableSource((), parse_proc_arp, PROC_ARP))
        elif which("ip"):
            out.append(TableSource(("ip", "-4", "neigh", "show"), parse_ip_neigh))
        elif which("arp"):
            out.append(TableSource(("arp", "-an"), parse_arp_a))
        if ipv6_dev and which("ip"):
            out.append(TableSource(("ip", "-6", "neigh", "show", "dev", ipv6_dev), parse_ip_neigh))
    elif system == "Windows":
        out.append(TableSource(("arp", "-a"), parse_arp_a))
    elif which("arp"):  # Darwin, FreeBSD, OpenBSD, NetBSD: -n, no reverse lookups
        out.append(TableSource(("arp", "-an"), parse_arp_a))
    return out


def read_source(source: TableSource) -> Pairs:
    """The pairs one source gives; an absent file, a missing command or a hung one give none."""
    try:
        if source.path is not None:
            with open(source.path, encoding="ascii", errors="replace") as fh:
                text = fh.read(4 * 1024 * 1024)
        else:
            text = subprocess.run(list(source.argv), capture_output=True, text=True, errors="replace",
                                  timeout=COMMAND_TIMEOUT_S, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return source.parse(text)


def neighbour_table(accept: Callable[[str], bool], ipv6_dev: str | None = None,
                    system: str | None = None) -> dict[str, str]:
    """IP → MAC for the neighbours the system knows whose address `accept`s (IPv6 link-local ones of `ipv6_dev`
    carry its zone, `fe80::1%eth0`)."""
    sources = table_sources(system or platform.system(), os.path.exists(PROC_ARP), shutil.which, ipv6_dev)
    out: dict[str, str] = {}
    for source in sources:
        for ip, mac in read_source(source):
            if ipv6_dev and "dev" in source.argv and ip.lower().startswith("fe80:"):
                ip = f"{ip}%{ipv6_dev}"
            if accept(ip):
                out[ip] = mac
    return out
