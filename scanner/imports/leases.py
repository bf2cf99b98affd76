"""DHCP server lease files: ISC dhcpd (dhcpd.leases), dnsmasq (dnsmasq.leases) and Kea (kea-leases4.csv).

Pure text → records. A lease gives the address, the MAC, the hostname the client sent (option 12) and, in
dhcpd's file when the server is configured to record it, the vendor class (option 60). Expired and released
leases are history: the latest lease of a MAC wins when the records are merged.
"""

from __future__ import annotations

import csv
import re

from scanner.imports.records import Parsed, Record, clean_ip, clean_mac, clip

# dhcpd.leases(5): `lease 192.0.2.1 { … }` blocks of `keyword value;` statements.
_LEASE_START = re.compile(r"^\s*lease\s+(\S+)\s*\{\s*$")
_HW = re.compile(r"^\s*hardware\s+ethernet\s+([0-9A-Fa-f:]+)\s*;")
_HOSTNAME = re.compile(r'^\s*client-hostname\s+"((?:[^"\\]|\\.)*)"\s*;')
_VENDOR = re.compile(r'^\s*set\s+vendor-class-identifier\s*=\s*"((?:[^"\\]|\\.)*)"\s*;')
_STATE = re.compile(r"^\s*binding\s+state\s+(\w+)\s*;")
_LEASE_SKIP = re.compile(r"^\s*(?:#.*|authoring-byte-order\s.*|server-duid\s.*|failover\s.*|host\s.*|ia-\w+\s.*|)$")


def parse_dhcpd(text: str) -> Parsed:
    """Leases of an ISC dhcpd.leases file; a block without a valid address or MAC is reported as bad."""
    out = Parsed()
    current: Record | None = None
    start_text = ""
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        if current is None:
            m = _LEASE_START.match(line)
            if m:
                ip = clean_ip(m.group(1))
                current, start_text, depth = Record(line=n, ip=ip), line, 1
                if ip is None:
                    out.fail(n, f"lease address {clip(m.group(1), 60)!r} is not an IP address", line)
                continue
            if "{" in line:  # host declarations, failover state, IPv6 ia-na blocks: not leases
                depth += line.count("{") - line.count("}")
                out.skipped += 1
                continue
            if depth > 0:
                depth += line.count("{") - line.count("}")
                continue
            if not _LEASE_SKIP.match(line):
                out.fail(n, "not a dhcpd.leases statement", line)
            continue
        if line.strip() == "}":
            if current.ip is not None:
                if current.mac is None:
                    out.fail(current.line, "lease without a (unicast) hardware ethernet address", start_text)
                else:
                    out.records.append(current)
            current = None
            continue
        if m := _HW.match(line):
            current.mac = clean_mac(m.group(1))
        elif m := _HOSTNAME.match(line):
            current.hostname = clip(m.group(1), 128)
        elif m := _VENDOR.match(line):
            current.fields["vendor_class"] = clip(m.group(1), 128)
        elif m := _STATE.match(line):
            current.fields["lease_state"] = m.group(1)
    if current is not None:
        out.fail(current.line, "lease block not closed before the end of the file", start_text)
    return out


def parse_dnsmasq(text: str) -> Parsed:
    """dnsmasq.leases: `expiry MAC IP hostname client-id` per line (`*` for no hostname); IPv6 lines and the
    `duid` line have no MAC and are skipped."""
    out = Parsed()
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "duid":
            out.skipped += 1
            continue
        if len(parts) < 4 or not parts[0].isdigit():
            out.fail(n, "expected 'expiry MAC IP hostname [client-id]'", line)
            continue
        mac, ip = clean_mac(parts[1]), clean_ip(parts[2])
        if ip is None:
            out.fail(n, f"{clip(parts[2], 60)!r} is not an IP address", line)
            continue
        if mac is None:
            if ":" in parts[2] and not re.fullmatch(r"[0-9A-Fa-f:-]{17}", parts[1]):
                out.skipped += 1  # an IPv6 lease: IAID in the MAC column
                continue
            out.fail(n, f"{clip(parts[1], 60)!r} is not a unicast MAC address", line)
            continue
        out.records.append(Record(line=n, ip=ip, mac=mac, hostname=None if parts[3] == "*" else clip(parts[3], 128)))
    return out


KEA_REQUIRED = ("address", "hwaddr")


def parse_kea(text: str) -> Parsed:
    """Kea's memfile lease CSV (kea-leases4.csv): header `address,hwaddr,client_id,valid_lifetime,expire,
    subnet_id,fqdn_fwd,fqdn_rev,hostname,state,…`; state 0 is a current lease, 1 declined, 2 expired-reclaimed."""
    out = Parsed()
    lines = text.splitlines()
    if not lines:
        return out
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    if not all(h in header for h in KEA_REQUIRED):
        out.fail(1, "not a Kea lease file header (needs address and hwaddr columns)", lines[0])
        return out
    col = {h: i for i, h in enumerate(header)}
    for n, row in enumerate(csv.reader(lines[1:]), 2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < len(KEA_REQUIRED) or len(row) > len(header) + 4:
            out.fail(n, f"{len(row)} columns, the header has {len(header)}", ",".join(row))
            continue

        def get(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        ip, mac = clean_ip(get("address")), clean_mac(get("hwaddr"))
        if ip is None:
            out.fail(n, f"address {clip(get('address'), 60)!r} is not an IP address", ",".join(row))
            continue
        if mac is None and get("hwaddr"):
            out.fail(n, f"hwaddr {clip(get('hwaddr'), 60)!r} is not a 6-byte unicast MAC address", ",".join(row))
            continue
        if mac is None and get("state") == "1":
            out.skipped += 1  # a declined lease: Kea keeps the address, no client holds it
            continue
        if mac is None and not get("client_id"):
            out.fail(n, "lease with neither hwaddr nor client_id (Kea rejects it too)", ",".join(row))
            continue
        hostname = get("hostname").rstrip(".") or None
        record = Record(line=n, ip=ip, mac=mac, hostname=clip(hostname, 128) if hostname else None)
        if get("state"):
            record.fields["lease_state"] = {"0": "active", "1": "declined", "2": "expired"}.get(get("state"),
                                                                                               get("state"))
        out.records.append(record)
    return out
