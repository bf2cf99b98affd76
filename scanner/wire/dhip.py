"""Dahua DHIP discovery (udp/37810): the DHDiscover.search probe and the client.notifyDevInfo reply.

The search probe, the notifyDevInfo reply builder (the lab answers with it) and the parsers. A frame is a
32-byte little-endian header `u32 0x20 | 'DHIP' | u32 0 | u32 0 | u32 len | u32 0 | u32 len | u32 0`, then a
JSON body that may end in "\\n\\x00" (docs/protocols.md#dhip, with the public sources). Only the search method
is built as a request; DHIP also carries configuration methods (DHDiscover.setConfig, DevInit.account, …) that
this project must never send.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from scanner.wire import MAX_REPLY_BYTES, WireError

PORT = 37810
MULTICAST_GROUP = "239.255.255.251"
HEADER = struct.Struct("<I4sIIIIII")
MAGIC = b"DHIP"
SEARCH = {"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}}


def frame(body: bytes) -> bytes:
    """Wrap a JSON body in the 32-byte DHIP header."""
    return HEADER.pack(0x20, MAGIC, 0, 0, len(body), 0, len(body), 0) + body


def probe() -> bytes:
    """The discovery search, as DahuaConsole sends it (unicast or to the multicast group)."""
    return frame(json.dumps(SEARCH).encode("ascii") + b"\n")


# Real firmware pads its JSON with spaces around separators: {"mac" : "…" , "method" : "…"}.
FIRMWARE_SEPARATORS = (" , ", " : ")


def build_notify(mac: str, device_info: dict[str, Any], *, separators: tuple[str, str] = FIRMWARE_SEPARATORS
                 ) -> bytes:
    """A client.notifyDevInfo announcement framed as a device sends it (JSON body ending in "\\n\\x00")."""
    body = {"mac": mac, "method": "client.notifyDevInfo", "params": {"deviceInfo": device_info}}
    text = json.dumps(body, ensure_ascii=False, separators=separators).encode("utf-8", "surrogateescape")
    return frame(text + b"\n\x00")


def method_of(data: bytes) -> str:
    """The method a DHIP frame carries (for request logs); raises WireError when it is not a DHIP JSON frame."""
    method = parse_body(data).get("method")
    return str(method)[:64] if method is not None else ""


@dataclass(frozen=True)
class DhipDevice:
    """What a client.notifyDevInfo reply says. Vendor/Manufacturer are unreliable ("Private", "General")."""

    mac: str | None
    device_class: str | None
    model: str | None
    serial: str | None
    firmware: str | None
    vendor: str | None
    manufacturer: str | None
    machine_name: str | None
    ipv4: str | None
    http_port: int | None
    sdk_port: int | None
    init: Any = None


def _str(info: dict[str, Any], key: str) -> str | None:
    value = info.get(key)
    return str(value)[:256] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _port(info: dict[str, Any], key: str) -> int | None:
    value = info.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536 else None


def parse_body(data: bytes) -> dict[str, Any]:
    """The JSON object of a DHIP frame; raises WireError on a bad header, length or body."""
    if len(data) > MAX_REPLY_BYTES:
        raise WireError(f"DHIP reply of {len(data)} bytes exceeds {MAX_REPLY_BYTES}")
    if len(data) < HEADER.size:
        raise WireError(f"DHIP reply of {len(data)} bytes is shorter than its 32-byte header")
    size, magic, _, _, length, _, length2, _ = HEADER.unpack_from(data)
    if size != 0x20 or magic != MAGIC:
        raise WireError("not a DHIP frame (bad header size or magic)")
    body = data[HEADER.size:]
    if length > len(body) or length2 not in (length, 0):
        raise WireError(f"DHIP header announces {length} body bytes, {len(body)} present")
    text = body[:length].rstrip(b"\x00\r\n ")
    try:
        obj = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"DHIP body is not JSON: {exc.__class__.__name__}") from exc
    if not isinstance(obj, dict):
        raise WireError("DHIP body is not a JSON object")
    return obj


def parse_reply(data: bytes) -> DhipDevice:
    """Decode a client.notifyDevInfo reply (our own search probe echoed back is rejected)."""
    obj = parse_body(data)
    if obj.get("method") != "client.notifyDevInfo":
        raise WireError(f"not a DHIP device announcement (method {str(obj.get('method'))[:40]!r})")
    params = obj.get("params")
    info = params.get("deviceInfo") if isinstance(params, dict) else None
    if not isinstance(info, dict):
        raise WireError("DHIP announcement without deviceInfo")
    ipv4 = info.get("IPv4Address")
    mac = obj.get("mac")
    return DhipDevice(
        mac=mac.lower()[:17] if isinstance(mac, str) else None,
        device_class=_str(info, "DeviceClass"),
        model=_str(info, "DeviceType"),
        serial=_str(info, "SerialNo"),
        firmware=_str(info, "Version"),
        vendor=_str(info, "Vendor"),
        manufacturer=_str(info, "Manufacturer"),
        machine_name=_str(info, "MachineName"),
        ipv4=_str(ipv4, "IPAddress") if isinstance(ipv4, dict) else None,
        http_port=_port(info, "HttpPort"),
        sdk_port=_port(info, "Port"),
        init=info.get("Init") if isinstance(info.get("Init"), (int, str)) else None,
    )
