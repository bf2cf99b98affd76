"""What every import parser produces: host records with the observations the scan's fusion reads, and bad lines."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from scanner.identify.device import Observation
from scanner.imports.neighbours import is_unicast_device, normalise_mac
from scanner.untrusted import strip_controls

MAX_FILE_BYTES = 256 * 1024 * 1024  # a 50,000-lease file is ~10 MB; anything near this is not a device list
MAX_FIELD_CHARS = 512  # a hostname, model or banner longer than this is cut (the inventory keeps 128)
MAX_BAD_LINES = 1000  # reported individually; past this only counted


class ImportFailure(ValueError):
    """A file that cannot be imported at all (unreadable, unknown format, not what --format says)."""


@dataclass
class Record:
    """One host as a file describes it: its address and MAC if given, and what else the file says of it."""

    line: int  # where it starts in its file (1-based)
    ip: str | None = None
    mac: str | None = None
    hostname: str | None = None
    observations: list[Observation] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # model, serial, firmware, vendor_class, name, …


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str
    text: str = ""


@dataclass
class Parsed:
    """A parser's answer: the good records and the bad lines (with line numbers), nothing dropped silently."""

    records: list[Record] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)
    skipped: int = 0  # lines that are not records by design (headers, comments, broadcast entries)

    def fail(self, line: int, reason: str, text: str = "") -> None:
        self.bad.append(BadLine(line, reason, clip(text, 120)))


def clip(value: Any, limit: int = MAX_FIELD_CHARS) -> str:
    """A string from a file, bounded, without control characters (NUL, escape sequences, …; a device or an admin's
    spreadsheet names itself, and these break terminals and sheets) and unpaired surrogates."""
    return strip_controls(str(value)[:limit * 2]).strip()[:limit]


def clean_ip(text: str) -> str | None:
    """A literal IPv4/IPv6 address in canonical form (zone id dropped), else None."""
    try:
        return str(ipaddress.ip_address(text.strip().split("%", 1)[0]))
    except ValueError:
        return None


def clean_mac(text: str) -> str | None:
    """A unicast device MAC in lower-case colon form, else None (group and all-zero addresses name no device)."""
    mac = normalise_mac(text)
    return mac if mac is not None and is_unicast_device(mac) else None
