"""Neighbour (ARP / NDP) tables as printed by `ip neigh` and `arp -a`, parsed into (ip, mac) pairs.

Pure text → data; used by `sponsorwatch import` and by the scanner where /proc/net/arp is absent
(Windows, macOS, BSD). Only unicast entries with a complete 6-byte hardware address are returned: FAILED /
INCOMPLETE / `(incomplete)` lines have none, and broadcast or multicast group addresses (ff-ff-ff-ff-ff-ff,
01-00-5e-…, 33:33:…), which Windows lists as "static", name no device.
"""

from __future__ import annotations

import ipaddress
import re

# One hardware-address token: colon-, dash- or dot-separated (Cisco 0011.2233.4455) hex. macOS and the BSDs
# drop leading zeros of each octet (`0:1b:c:a:b:c`), so octets are 1 or 2 digits.
_MAC_TOKEN = r"[0-9A-Fa-f]{1,2}(?:[:-][0-9A-Fa-f]{1,2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
_MAC = re.compile(rf"(?:{_MAC_TOKEN})")

# `ip neigh`: "<addr> [dev <if>] lladdr <mac> [router] [proxy] <STATE>"
_IP_NEIGH = re.compile(rf"^\s*(?P<ip>\S+)\s.*?\blladdr\s+(?P<mac>{_MAC_TOKEN})(?:\s|$)")
# BSD / macOS / Linux net-tools `arp -a`: "<name> (<ip>) at <mac> [ether] on <if> …"
_ARP_BSD = re.compile(rf"\((?P<ip>[0-9A-Fa-f.:%a-zA-Z]+)\)\s+at\s+(?P<mac>{_MAC_TOKEN})(?:\s|$)")
# Windows `arp -a` (any UI language) and Linux `arp -n`: an address column, then (after an optional
# HWtype column) the hardware address.
_ARP_TABLE = re.compile(rf"^\s*(?P<ip>[0-9.]+)\s+(?:\S+\s+)?(?P<mac>{_MAC_TOKEN})(?:\s|$)")

MAX_LINE_CHARS = 4096  # a neighbour-table line is < 200 characters; longer ones are skipped, not scanned


def normalise_mac(text: str) -> str | None:
    """`00-1B-0C-AA-BB-CC`, `0:1b:c:aa:bb:cc` or `001b.0caa.bbcc` → `00:1b:0c:aa:bb:cc`; None if not a MAC."""
    text = text.strip()
    if not _MAC.fullmatch(text):
        return None
    if "." in text:
        digits = text.replace(".", "")
        octets = [digits[i:i + 2] for i in range(0, 12, 2)]
    else:
        octets = [o.rjust(2, "0") for o in re.split(r"[:-]", text)]
    return ":".join(octets).lower()


def is_unicast_device(mac: str) -> bool:
    """False for the all-zero address and group addresses (I/G bit set: broadcast, IPv4/IPv6 multicast)."""
    first = int(mac[:2], 16)
    return not (first & 1) and mac != "00:00:00:00:00:00"


def _clean_ip(text: str) -> str | None:
    text = text.split("%", 1)[0]  # fe80::1%en0 → fe80::1
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _pairs(text: str, patterns: tuple[re.Pattern[str], ...]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for line in text.splitlines():
        if len(line) > MAX_LINE_CHARS:
            continue
        for pattern in patterns:
            m = pattern.search(line)
            if m is None:
                continue
            ip, mac = _clean_ip(m.group("ip")), normalise_mac(m.group("mac"))
            if ip is not None and mac is not None and is_unicast_device(mac) and (ip, mac) not in seen:
                seen.add((ip, mac))
                out.append((ip, mac))
            break
    return out


def parse_ip_neigh(text: str) -> list[tuple[str, str]]:
    """(ip, mac) pairs from Linux `ip neigh` / `ip -4 neigh show` / `ip -6 neigh` output, in file order."""
    return _pairs(text, (_IP_NEIGH,))


def parse_arp_a(text: str) -> list[tuple[str, str]]:
    """(ip, mac) pairs from `arp -a` on Windows, macOS, the BSDs and Linux (also Linux `arp -n`)."""
    return _pairs(text, (_ARP_BSD, _ARP_TABLE))
