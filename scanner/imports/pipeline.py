"""An import: files → records → the scan's own fusion → device verdicts, then the inventory, a site, a server.

Every record goes through DeviceIdentifier exactly as a scanned host does (MAC prefix table, fingerprint
rules, model families); the file only replaces the probes. Each verdict's evidence says where it came from
(`imported:<format>`, file and line). A verdict that rests on the MAC prefix alone is capped at a lower
confidence and says so: an imported MAC was never seen answering, and it names the network chip's maker.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.discovery.scan import device_identifier
from scanner.identify import default_identifier
from scanner.identify.device import DeviceVerdict, Observation
from scanner.imports.detect import FORMATS, SNIFF_BYTES, detect
from scanner.imports.leases import parse_dhcpd, parse_dnsmasq, parse_kea
from scanner.imports.nmapxml import parse_nmap_xml
from scanner.imports.records import MAX_BAD_LINES, MAX_FILE_BYTES, BadLine, ImportFailure, Parsed, Record, clip
from scanner.imports.tables import (
    parse_arp_a_file,
    parse_cisco_arp,
    parse_cisco_mac,
    parse_csv,
    parse_ip_neigh_file,
)
from scanner.untrusted import clean_strings

MAC_ONLY_CONFIDENCE = 0.55  # above the flag threshold (0.5), below every protocol-backed verdict
MAC_ONLY_NOTE = ("MAC prefix only: the registry names the network interface's maker and the device was not seen "
                 "answering; confirm with `sponsorwatch scan`")

TEXT_PARSERS: dict[str, Callable[[str], Parsed]] = {
    "dhcpd": parse_dhcpd, "dnsmasq": parse_dnsmasq, "kea": parse_kea, "ip-neigh": parse_ip_neigh_file,
    "arp-a": parse_arp_a_file, "cisco-mac": parse_cisco_mac, "cisco-arp": parse_cisco_arp,
}


@dataclass
class FileReport:
    path: str
    format: str
    records: int
    bad: list[BadLine]
    skipped: int


@dataclass
class ImportResult:
    """What an import produced: devices (as the inventory stores them) and, per file, what was read or refused."""

    scan_id: str
    files: list[FileReport]
    devices: list[dict[str, Any]]
    started: float
    finished: float = field(default_factory=time.time)

    @property
    def bad_lines(self) -> int:
        return sum(len(f.bad) for f in self.files)

    def document(self) -> dict[str, Any]:
        """The scan header the inventory and the server keep (the import is recorded as a scan of its files)."""
        flagged = sum(1 for d in self.devices if d["flagged"])
        return {"id": self.scan_id, "status": "finished", "targets": [f.path[-128:] for f in self.files],
                "stats": {"targeted": sum(f.records for f in self.files), "candidates": len(self.devices),
                          "devices": len(self.devices), "flagged": flagged, "probes_sent": 0, "timed_out": False,
                          "engine": "import", "started": self.started, "finished": self.finished},
                "options": {"import": [{"file": f.path[-256:], "format": f.format, "records": f.records,
                                        "bad_lines": len(f.bad)} for f in self.files]}}


def read_file(path: str | os.PathLike[str], fmt: str = "auto", mapping: dict[str, str] | None = None) -> tuple[
        str, Parsed]:
    """Parse one file: (format, parsed). Raises ImportFailure for a file that cannot be read or recognised."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailure(f"{p}: {size:,} bytes is larger than an import accepts ({MAX_FILE_BYTES:,})")
        data = p.read_bytes()
    except OSError as exc:
        raise ImportFailure(f"{p}: {exc.strerror or exc}") from exc
    if fmt == "auto":
        found = detect(data[:SNIFF_BYTES])
        if found is None:
            raise ImportFailure(f"{p}: format not recognised; give it with --format ({', '.join(FORMATS)})")
        fmt = found
    if fmt not in FORMATS:
        raise ImportFailure(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "nmap-xml":
        parsed = parse_nmap_xml(data)
    else:
        text = data.decode("utf-8", errors="replace")
        parsed = parse_csv(text, mapping) if fmt == "csv" else TEXT_PARSERS[fmt](text)
    if not parsed.records and parsed.bad and len(parsed.bad) >= max(1, parsed.skipped):
        first = parsed.bad[0]
        raise ImportFailure(f"{p}: nothing readable as {fmt} (line {first.line}: {first.reason})")
    return fmt, parsed


@dataclass
class _Host:
    ip: str | None
    mac: str | None
    hostname: str | None
    observations: list[Observation]
    ports: set[int]
    fields: dict[str, str]
    where: list[str]
    formats: list[str]


def merge(tagged: Sequence[tuple[str, str, Record]]) -> list[_Host]:
    """One host per MAC (else per address) across every file: a switch's MAC table and its ARP table, or
    lease history, become one device. The latest record wins an address; an earlier MAC that lost its address
    to a later one keeps only what identifies it (its MAC)."""
    hosts: dict[str, _Host] = {}
    ip_owner: dict[str, str] = {}
    for path, fmt, rec in tagged:
        key = f"mac:{rec.mac}" if rec.mac else ip_owner.get(rec.ip or "", f"ip:{rec.ip}")
        host = hosts.get(key)
        if host is None:
            host = hosts[key] = _Host(None, rec.mac, None, [], set(), {}, [], [])
        if rec.ip:
            previous = ip_owner.get(rec.ip)
            if previous is not None and previous != key and previous in hosts and hosts[previous].ip == rec.ip:
                hosts[previous].ip = None
            host.ip = rec.ip
            ip_owner[rec.ip] = key
        host.hostname = rec.hostname or host.hostname
        host.observations += rec.observations
        host.ports.update(rec.ports)
        host.fields.update(rec.fields)
        host.where.append(f"{_name(path)}:{rec.line}")
        if fmt not in host.formats:
            host.formats.append(fmt)
    return list(hosts.values())


@lru_cache(maxsize=256)
def _name(path: str) -> str:
    return clip(Path(path).name, 120)


@lru_cache(maxsize=65536)
def model_in_name(name: str) -> str | None:
    """A model number of a known family inside a hostname or name (DS-2CD2143G0-I, IPC-HDW5421S), else None."""
    verdict = default_identifier().identify(name[:128])
    return verdict.model if verdict.model and verdict.device_class else None


def fuse(host: _Host) -> DeviceVerdict:
    """The scan's fusion over what the files said of one host."""
    fields: dict[str, Any] = {k: v for k, v in host.fields.items() if k in ("model", "serial", "firmware")}
    if host.mac:
        fields["mac"] = host.mac
    if "model" not in fields:
        for name in (host.hostname, host.fields.get("name")):
            if name and (model := model_in_name(name)):
                fields["model"] = model
                break
    tag = "+".join(host.formats)
    where = ", ".join(host.where[:5]) + (f" and {len(host.where) - 5} more" if len(host.where) > 5 else "")
    said = " ".join(f"{k}={v}" for k, v in (("hostname", host.hostname), *sorted(host.fields.items())) if v)
    observations = [*host.observations, Observation(f"imported:{tag}", said[:200], fields, where)]
    for key, source in (("vendor_class", "dhcp-vendor-class"),):
        if host.fields.get(key):
            observations.append(Observation(source, host.fields[key], {}, where))
    if host.hostname:
        observations.append(Observation("dhcp-hostname" if "dhcp" in tag or tag in ("dnsmasq", "kea") else
                                        "hostname", host.hostname, {}, where))
    ip = host.ip or f"mac:{host.mac}"
    verdict = device_identifier().identify(ip, observations, sorted(host.ports))
    for e in verdict.evidence:
        e["origin"] = f"imported:{tag}"
    verdict.evidence.insert(0, {"source": f"imported:{tag}", "detail": f"read from {where}", "vendor": None,
                                "weight": 0.0, "origin": f"imported:{tag}"})
    backing = {e["source"] for e in verdict.evidence if e.get("vendor") == verdict.vendor and verdict.vendor}
    if backing == {"mac-oui"}:
        verdict.confidence = min(verdict.confidence, MAC_ONLY_CONFIDENCE)
        verdict.explanation = f"{verdict.explanation}; {MAC_ONLY_NOTE}"
        verdict.risks.append(MAC_ONLY_NOTE)
    if not host.ip:
        verdict.risks.append("no IP address in the imported files (a switch MAC table); import the ARP table or "
                             "the DHCP leases together with it to get one")
    return verdict


def run_import(paths: Sequence[str | os.PathLike[str]], fmt: str = "auto",
               mapping: dict[str, str] | None = None) -> ImportResult:
    """Read every file (all of them before anything is written: a file that cannot be read stops the import),
    merge the records and judge each host. Raises ImportFailure."""
    started = time.time()
    reports: list[FileReport] = []
    tagged: list[tuple[str, str, Record]] = []
    for path in paths:
        found, parsed = read_file(path, fmt, mapping)
        reports.append(FileReport(str(path), found, len(parsed.records), parsed.bad[:MAX_BAD_LINES], parsed.skipped))
        tagged += [(str(path), found, r) for r in parsed.records]
    # Every string a file contributes went through records.clip (control characters removed) when parsed, and the
    # rest of a verdict comes from the knowledge base: no second pass over the (large) verdicts is needed.
    devices = [fuse(h).to_dict() for h in merge(tagged)]
    return ImportResult(str(uuid.uuid4()), reports, devices, started)





def record(inventory: Any, result: ImportResult, site: str) -> dict[str, Any]:
    """Put the imported devices in the inventory under `site`: the scan header, what each file said and every
    device in ONE transaction (SiteInventory.ingest), so a failure leaves nothing half-written."""
    return dict(inventory.ingest(clean_strings(site), clean_strings(result.document()), result.devices))
