"""Hikvision SADP (udp/37020): the inquiry probe and the ProbeMatch reply.

Probe and field set from ../shared/research/fingerprints.md §1 (UniversalScanner Hikvision.cs, hikvision-tooling
scanner.go, and a real DS-2CD2385G1-I capture). Only the discovery types are ever built: SADP also has
configuration messages (update, reset, getcode) that this project must never send.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from scanner.wire import MAX_REPLY_BYTES, WireError

PORT = 37020
MULTICAST_GROUP = "239.255.255.250"
DISCOVERY_TYPES = ("inquiry", "inquiry_v32")
MAX_FIELDS = 200
MAX_FIELD_CHARS = 512

_MAC = re.compile(r"^[0-9a-fA-F]{2}(?:[-:][0-9a-fA-F]{2}){5}$")


def probe(request_id: str | None = None, types: str = "inquiry") -> bytes:
    """The multicast/unicast inquiry, byte for byte as Hikvision's own tools send it."""
    if types not in DISCOVERY_TYPES:
        raise ValueError(f"refusing to build SADP message type {types!r}: only {DISCOVERY_TYPES} are discovery")
    rid = (request_id or str(uuidlib.uuid4())).upper()
    if not re.fullmatch(r"[0-9A-F-]{1,64}", rid):
        raise ValueError("request id must be a UUID")
    return (f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{rid}</Uuid>'
            f"<Types>{types}</Types></Probe>").encode("ascii")


def lenient_bool(value: str | None) -> bool | None:
    """Real firmware writes 'flase' for false in some fields (HCPlatformEnable, DeviceLock)."""
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "flase", "0", "no"):
        return False
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None and value.strip() else None
    except ValueError:
        return None


def normalize_mac(value: str | None) -> str | None:
    if value is None or not _MAC.match(value.strip()):
        return None
    return value.strip().lower().replace("-", ":")


@dataclass(frozen=True)
class SadpDevice:
    """What a SADP ProbeMatch says about a device."""

    model: str | None
    serial: str | None
    mac: str | None
    ipv4: str | None
    software_version: str | None
    dsp_version: str | None
    activated: bool | None
    command_port: int | None
    http_port: int | None
    device_type: str | None
    oem_code: str | None
    oem_info: str | None
    fields: dict[str, str] = field(default_factory=dict)


def _text(root: Element, tag: str) -> str | None:
    node = root.find(tag)
    if node is None or node.text is None:
        return None
    return node.text.strip()[:MAX_FIELD_CHARS]


def parse_reply(data: bytes) -> SadpDevice:
    """Decode a ProbeMatch; raises WireError for anything else (probes, bombs, garbage, oversize)."""
    if len(data) > MAX_REPLY_BYTES:
        raise WireError(f"SADP reply of {len(data)} bytes exceeds {MAX_REPLY_BYTES}")
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError) as exc:
        raise WireError(f"SADP reply is not safe, well-formed XML: {exc.__class__.__name__}: {exc}") from exc
    if root.tag != "ProbeMatch":
        raise WireError(f"not a SADP ProbeMatch (root element {root.tag[:40]!r})")
    fields: dict[str, str] = {}
    for child in list(root)[:MAX_FIELDS]:
        if isinstance(child.tag, str) and child.text is not None:
            fields[child.tag[:64]] = child.text.strip()[:MAX_FIELD_CHARS]
    return SadpDevice(
        model=_text(root, "DeviceDescription"),
        serial=_text(root, "DeviceSN"),
        mac=normalize_mac(_text(root, "MAC")),
        ipv4=_text(root, "IPv4Address"),
        software_version=_text(root, "SoftwareVersion"),
        dsp_version=_text(root, "DSPVersion"),
        activated=lenient_bool(_text(root, "Activated")),
        command_port=_int(_text(root, "CommandPort")),
        http_port=_int(_text(root, "HttpPort")),
        device_type=_text(root, "DeviceType"),
        oem_code=_text(root, "DetailOEMCode"),
        oem_info=_text(root, "OEMInfo"),
        fields=fields,
    )
