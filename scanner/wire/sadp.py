"""Hikvision SADP (udp/37020): the inquiry probe and the ProbeMatch reply.

The inquiry probe, the ProbeMatch reply builder (the lab answers with it) and both parsers. Message shapes and
their public sources in docs/protocols.md#sadp. Only the discovery types are ever built: SADP also has
configuration messages (update, reset, getcode) that this project must never send.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from scanner.wire import MAX_REPLY_BYTES, WireError

PORT = 37020
MULTICAST_GROUP = "239.255.255.250"
DISCOVERY_TYPES = ("inquiry", "inquiry_v32")
MAX_FIELDS = 200
MAX_FIELD_CHARS = 512

_MAC = re.compile(r"^[0-9a-fA-F]{2}(?:[-:][0-9a-fA-F]{2}){5}$")
_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")


def probe(request_id: str | None = None, types: str = "inquiry") -> bytes:
    """The multicast/unicast inquiry, byte for byte as Hikvision's own tools send it."""
    if types not in DISCOVERY_TYPES:
        raise ValueError(f"refusing to build SADP message type {types!r}: only {DISCOVERY_TYPES} are discovery")
    rid = (request_id or str(uuidlib.uuid4())).upper()
    if not re.fullmatch(r"[0-9A-F-]{1,64}", rid):
        raise ValueError("request id must be a UUID")
    return (f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{rid}</Uuid>'
            f"<Types>{types}</Types></Probe>").encode("ascii")


@dataclass(frozen=True)
class SadpProbe:
    """What an inquiry asks: its request id (echoed in the reply's Uuid) and its message type."""

    uuid: str
    types: str


def _parse_xml(data: bytes, what: str) -> Element:
    if len(data) > MAX_REPLY_BYTES:
        raise WireError(f"SADP {what} of {len(data)} bytes exceeds {MAX_REPLY_BYTES}")
    try:
        root: Element = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError) as exc:
        raise WireError(f"SADP {what} is not safe, well-formed XML: {exc.__class__.__name__}: {exc}") from exc
    return root


def parse_probe(data: bytes) -> SadpProbe:
    """Decode a Probe (the device's side of discovery); raises WireError for anything else."""
    root = _parse_xml(data, "probe")
    if root.tag != "Probe":
        raise WireError(f"not a SADP Probe (root element {root.tag[:40]!r})")
    return SadpProbe(uuid=_text(root, "Uuid") or "", types=_text(root, "Types") or "")


def build_reply(fields: Sequence[tuple[str, str]]) -> bytes:
    """A ProbeMatch with these elements in this order (values escaped), laid out as real firmware sends it."""
    for tag, _ in fields:
        if not _TAG.match(tag):
            raise ValueError(f"not a SADP element name: {tag!r}")
    body = "".join(f"\t<{tag}>{escape(value)}</{tag}>\n" for tag, value in fields)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n{body}</ProbeMatch>\n'.encode(
        "utf-8", "surrogateescape")


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
    root = _parse_xml(data, "reply")
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
