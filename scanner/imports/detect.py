"""Which format a file is in, from its first lines; pure."""

from __future__ import annotations

import re

FORMATS = ("nmap-xml", "dhcpd", "dnsmasq", "kea", "ip-neigh", "arp-a", "cisco-mac", "cisco-arp", "csv")
SNIFF_BYTES = 64 * 1024

_DNSMASQ = re.compile(r"^\d{6,12} [0-9A-Fa-f:]{17} \S+ \S+", re.MULTILINE)
_IP_NEIGH = re.compile(r"^\S+ (?:dev \S+ )?(?:lladdr \S+ .*)?(?:REACHABLE|STALE|DELAY|PROBE|PERMANENT|NOARP|FAILED|"
                       r"INCOMPLETE|NONE)\s*$", re.MULTILINE)
_ARP_BSD = re.compile(r"^\S+ \([0-9a-fA-F.:]+\) at ", re.MULTILINE)
_ARP_WIN = re.compile(r"^\s+\d{1,3}(?:\.\d{1,3}){3}\s+[0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2}){5}\s+\S+", re.MULTILINE)
_CISCO_MAC = r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
_CISCO_ARP = re.compile(rf"^\s*Internet\s+\S+\s+\S+\s+(?:{_CISCO_MAC}|Incomplete)", re.MULTILINE | re.IGNORECASE)
_CISCO_MAC_ROW = re.compile(rf"^[\s*+]*(?:\d+|All)\s+{_CISCO_MAC}\s+\S+", re.MULTILINE | re.IGNORECASE)


def detect(head: bytes) -> str | None:
    """The format of a file from its first SNIFF_BYTES, or None when nothing fits."""
    text = head[:SNIFF_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith("<?xml") or stripped.startswith("<nmaprun") or "<nmaprun" in text[:4096]:
        return "nmap-xml"
    first = next((line for line in text.splitlines() if line.strip()), "")
    if re.search(r"^\s*lease\s+\S+\s*\{", text, re.MULTILINE) and "hardware ethernet" in text:
        return "dhcpd"
    if first.replace(" ", "").startswith("address,hwaddr"):
        return "kea"
    if _DNSMASQ.search(text):
        return "dnsmasq"
    if _CISCO_ARP.search(text):
        return "cisco-arp"
    if _CISCO_MAC_ROW.search(text):
        return "cisco-mac"
    if " lladdr " in text or _IP_NEIGH.search(text):
        return "ip-neigh"
    if _ARP_BSD.search(text) or _ARP_WIN.search(text):
        return "arp-a"
    if any(sep in first for sep in (",", ";", "\t")):
        return "csv"
    return None
