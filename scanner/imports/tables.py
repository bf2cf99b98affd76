"""Tables admins copy from terminals and spreadsheets: neighbour tables, Cisco MAC/ARP tables, generic CSV.

A switch MAC table gives MACs without addresses (a record keyed by MAC); its ARP table gives both. Generic CSV
is read with a column mapping (`ip=IP,mac="MAC Address",name=Hostname`), or with the usual header names when
none is given.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

from scanner.imports.neighbours import normalise_mac, parse_arp_a, parse_ip_neigh
from scanner.imports.records import ImportFailure, Parsed, Record, clean_ip, clean_mac, clip

_CISCO_MAC = r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
# `show mac address-table` (IOS, IOS-XE, CatOS-style, NX-OS): [*] vlan  mac  type  … port
_MAC_ROW = re.compile(rf"^[\s*+GRO]*(?P<vlan>\d+|All|N/A|-)\s+(?P<mac>{_CISCO_MAC})\s+(?P<type>\S+)\s+(?P<rest>.*)$",
                      re.IGNORECASE)
# `show ip arp`: Internet  address  age  hardware  type  [interface]
_ARP_ROW = re.compile(rf"^\s*Internet\s+(?P<ip>\S+)\s+(?P<age>\S+)\s+(?P<mac>{_CISCO_MAC}|Incomplete)\s+(?P<type>\S+)"
                      r"(?:\s+(?P<iface>\S+))?", re.IGNORECASE)
CPU_PORTS = {"cpu", "router", "switch", "sup-eth1(r)", "drop"}


def _neighbours(text: str, parse: Callable[[str], list[tuple[str, str]]]) -> Parsed:
    """One record per (address, MAC) pair, with the line it is on; the parsers read line by line anyway."""
    out = Parsed()
    seen: set[tuple[str, str]] = set()
    for n, line in enumerate(text.splitlines(), 1):
        for pair in parse(line):
            if pair not in seen:
                seen.add(pair)
                out.records.append(Record(line=n, ip=pair[0], mac=pair[1]))
    return out


def parse_ip_neigh_file(text: str) -> Parsed:
    return _neighbours(text, parse_ip_neigh)


def parse_arp_a_file(text: str) -> Parsed:
    return _neighbours(text, parse_arp_a)


def parse_cisco_mac(text: str) -> Parsed:
    """`show mac address-table`: one record per unicast MAC learnt on a port (CPU/router entries skipped)."""
    out = Parsed()
    for n, line in enumerate(text.splitlines(), 1):
        m = _MAC_ROW.match(line)
        if m is None:
            if re.search(_CISCO_MAC, line):
                out.fail(n, "MAC address line not in `show mac address-table` columns", line)
            continue
        rest = m.group("rest").split()
        port = rest[-1] if rest else ""
        mac = clean_mac(m.group("mac"))
        if mac is None or port.lower() in CPU_PORTS:
            out.skipped += 1
            continue
        out.records.append(Record(line=n, mac=mac, fields={"switch_port": clip(port, 40),
                                                           "vlan": clip(m.group("vlan"), 8)}))
    return out


def parse_cisco_arp(text: str) -> Parsed:
    """`show ip arp`: address and MAC per line; Incomplete entries are skipped."""
    out = Parsed()
    for n, line in enumerate(text.splitlines(), 1):
        m = _ARP_ROW.match(line)
        if m is None:
            if line.strip().lower().startswith("internet"):
                out.fail(n, "Internet line not in `show ip arp` columns", line)
            continue
        if m.group("mac").lower() == "incomplete":
            out.skipped += 1
            continue
        ip, mac = clean_ip(m.group("ip")), clean_mac(m.group("mac"))
        if ip is None:
            out.fail(n, f"{clip(m.group('ip'), 60)!r} is not an IP address", line)
        elif mac is None:
            out.skipped += 1  # multicast or broadcast
        else:
            out.records.append(Record(line=n, ip=ip, mac=mac))
    return out


# Generic CSV: what each record field may be called in a header (case and punctuation ignored). The SADP tool's
# and ConfigTool's list columns are among them ("IPv4 Address", "Device Serial No.", "Device Type", "Software
# Version"): no exported file of either tool could be found to test against, so they are read as generic CSV.
FIELDS = ("ip", "mac", "name", "model", "serial", "firmware", "vendor", "vendor_class")
SYNONYMS = {
    "ip": ("ip", "ipaddress", "ipv4", "ipv4address", "address", "host", "hostip", "deviceip"),
    "mac": ("mac", "macaddress", "hwaddr", "hardwareaddress", "physicaladdress", "ethernetaddress"),
    "name": ("name", "hostname", "devicename", "dnsname", "clienthostname"),
    "model": ("model", "devicemodel", "devicetype", "modelname", "modelnumber", "product"),
    "serial": ("serial", "serialno", "serialnumber", "deviceserialno", "sn", "deviceserialnumber"),
    "firmware": ("firmware", "firmwareversion", "softwareversion", "version", "fwversion"),
    "vendor": ("vendor", "manufacturer", "make", "brand"),
    "vendor_class": ("vendorclass", "vendorclassidentifier", "option60", "dhcpvendorclass"),
}


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def parse_mapping(spec: str) -> dict[str, str]:
    """`ip=IP,mac="MAC Address",name=Hostname` → {"ip": "IP", "mac": "MAC Address", "name": "Hostname"}."""
    mapping: dict[str, str] = {}
    try:
        items = next(csv.reader([spec], skipinitialspace=True))
    except (csv.Error, StopIteration) as exc:
        raise ImportFailure(f"--map {spec!r}: {exc}") from exc
    for item in items:
        key, sep, column = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in FIELDS or not column.strip():
            raise ImportFailure(f"--map: {item!r} is not FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}")
        mapping[key] = column.strip().strip('"')
    if "ip" not in mapping and "mac" not in mapping:
        raise ImportFailure("--map needs at least an ip= or a mac= column")
    return mapping


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def parse_csv(text: str, mapping: dict[str, str] | None = None) -> Parsed:
    """Rows of a CSV/TSV export with a header line; columns found by `mapping` or by the usual names."""
    out = Parsed()
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines:
        return out
    reader = csv.reader(lines, _dialect("\n".join(lines[:20])))
    header = next(reader)
    squashed = [_squash(h) for h in header]
    columns: dict[str, int] = {}
    if mapping:
        for key, name in mapping.items():
            if _squash(name) not in squashed:
                raise ImportFailure(f"--map {key}={name!r}: no such column; the header has "
                                    f"{', '.join(repr(h) for h in header[:30])}")
            columns[key] = squashed.index(_squash(name))
    else:
        for key, names in SYNONYMS.items():
            found = next((i for i, h in enumerate(squashed) if h in names), None)
            if found is not None:
                columns[key] = found
        if "ip" not in columns and "mac" not in columns:
            raise ImportFailure("no IP or MAC column recognised in the CSV header; name them with --map "
                                "ip=COLUMN,mac=COLUMN")
    for n, row in enumerate(reader, 2):
        if not any(c.strip() for c in row):
            continue
        values = {k: clip(row[i], 256) if i < len(row) else "" for k, i in columns.items()}
        ip = clean_ip(values["ip"]) if values.get("ip") else None
        mac = clean_mac(values["mac"]) if values.get("mac") else None
        if values.get("ip") and ip is None:
            out.fail(n, f"{clip(values['ip'], 60)!r} is not an IP address", ",".join(row))
            continue
        if values.get("mac") and mac is None and normalise_mac(values["mac"]) is None:
            out.fail(n, f"{clip(values['mac'], 60)!r} is not a MAC address", ",".join(row))
            continue
        if ip is None and mac is None:
            out.fail(n, "row has neither an IP nor a MAC address", ",".join(row))
            continue
        record = Record(line=n, ip=ip, mac=mac, hostname=values.get("name") or None)
        record.fields = {k: v[:128] for k, v in values.items() if k not in ("ip", "mac", "name") and v}
        out.records.append(record)
    return out
