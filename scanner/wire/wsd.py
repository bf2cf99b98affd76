"""ONVIF WS-Discovery (udp/3702): the Probe, the ProbeMatch reply builder and both parsers.

Message shapes in docs/protocols.md#ws-discovery (WS-Discovery 2005/04 as ONVIF devices speak it). Replies are
read with tolerant patterns rather than an XML parser: real firmware sends prefixes of every kind and sometimes
malformed envelopes, and a pattern cannot be made to expand entities (an XML bomb is just text here).
"""

from __future__ import annotations

import re
import urllib.parse
import uuid as uuidlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

from scanner.wire import MAX_REPLY_BYTES, WireError

PORT = 3702
MULTICAST_GROUP = "239.255.255.250"
# The IPv6 group of WS-Discovery's protocol assignments (2005/04 and OASIS 1.1): FF02::C, link-local scope, so a
# probe to it never leaves the segment of the interface it is sent on.
MULTICAST_GROUP6 = "ff02::c"
MAX_SCOPES = 64
MAX_SCOPE_CHARS = 256
NVT_TYPE = "dn:NetworkVideoTransmitter"

_NS_PROBE = ('xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
             'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
             'xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"')
_NS_MATCH = ('xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
             'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
             'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
             'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"')


def _element(name: str) -> re.Pattern[bytes]:
    """<prefix:Name attrs>text</prefix:Name>, whatever the prefix."""
    return re.compile(rb"<(?:[\w.-]+:)?" + name.encode() + rb"(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?"
                      + name.encode() + rb">", re.DOTALL)


_SCOPES = _element("Scopes")
_XADDRS = _element("XAddrs")
_TYPES = _element("Types")
_MESSAGE_ID = _element("MessageID")
_RELATES_TO = _element("RelatesTo")
_EPR = re.compile(rb"<(?:[\w.-]+:)?Address>\s*(urn:uuid:[0-9a-fA-F-]{36})\s*</(?:[\w.-]+:)?Address>")
_PROBE = re.compile(rb"<(?:[\w.-]+:)?Probe[\s/>]")
_PROBE_MATCH = re.compile(rb"<(?:[\w.-]+:)?ProbeMatch[\s>]")


def probe(typed: bool, message_id: str | None = None) -> bytes:
    """An untyped Probe (as nmap's wsdd sends) or a NetworkVideoTransmitter one: some cameras answer only that."""
    mid = message_id or f"urn:uuid:{uuidlib.uuid4()}"
    types = (f'<wsd:Types xmlns:dn="http://www.onvif.org/ver10/network/wsdl">{NVT_TYPE}</wsd:Types>'
             if typed else "")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope {_NS_PROBE}><env:Header>'
        "<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
        "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>"
        f"<wsa:MessageID>{escape(mid)}</wsa:MessageID></env:Header><env:Body><wsd:Probe>{types}</wsd:Probe>"
        "</env:Body></env:Envelope>"
    ).encode()


@dataclass(frozen=True)
class WsdProbe:
    """What a Probe asks: its message id (echoed as RelatesTo) and the <Types> text, empty when untyped."""

    message_id: str
    types: str

    def wants_video(self) -> bool:
        """An untyped probe, or one for a video transmitter or any ONVIF device."""
        return not self.types or "NetworkVideoTransmitter" in self.types or "Device" in self.types


def _text(pattern: re.Pattern[bytes], data: bytes, limit: int = 512) -> str:
    m = pattern.search(data)
    return m.group(1).decode("utf-8", "replace").strip()[:limit] if m else ""


def _check_size(data: bytes, what: str) -> None:
    if len(data) > MAX_REPLY_BYTES:
        raise WireError(f"WS-Discovery {what} of {len(data)} bytes exceeds {MAX_REPLY_BYTES}")


def parse_probe(data: bytes) -> WsdProbe:
    """Decode a Probe (the lab's side of discovery); raises WireError for anything else."""
    _check_size(data, "probe")
    if not _PROBE.search(data) or _PROBE_MATCH.search(data):
        raise WireError("not a WS-Discovery Probe")
    return WsdProbe(_text(_MESSAGE_ID, data, 128), _text(_TYPES, data, 256))


def build_probe_match(relates_to: str, epr: str, scopes: list[str], xaddrs: list[str],
                      types: str = f"{NVT_TYPE} tds:Device", metadata_version: int = 10) -> bytes:
    """A ProbeMatches reply as ONVIF devices send it (the lab answers with this)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope {_NS_MATCH}><SOAP-ENV:Header>'
        f"<wsa:MessageID>urn:uuid:{uuidlib.uuid4()}</wsa:MessageID><wsa:RelatesTo>{escape(relates_to)}</wsa:RelatesTo>"
        "<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>"
        "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>"
        "</SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>"
        f"<wsa:EndpointReference><wsa:Address>{escape(epr)}</wsa:Address></wsa:EndpointReference>"
        f"<d:Types>{escape(types)}</d:Types>"
        f"<d:Scopes>{escape(' '.join(scopes))}</d:Scopes><d:XAddrs>{escape(' '.join(xaddrs))}</d:XAddrs>"
        f"<d:MetadataVersion>{metadata_version}</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches>"
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


@dataclass(frozen=True)
class WsdMatch:
    """What a ProbeMatch says: scopes (URL-decoded), endpoint reference, service addresses, types."""

    scopes: tuple[str, ...]
    epr: str | None
    xaddrs: tuple[str, ...]
    types: str
    relates_to: str

    def scope_value(self, key: str) -> str | None:
        """The value of an ONVIF scope such as onvif://www.onvif.org/hardware/<value> (key "hardware")."""
        marker = f"/{key}/"
        for scope in self.scopes:
            if marker in scope:
                return scope.rsplit(marker, 1)[1]
        return None


def parse_probe_match(data: bytes) -> WsdMatch:
    """Decode a ProbeMatch reply; raises WireError for anything else (our own probe echoed, garbage, oversize)."""
    _check_size(data, "reply")
    if not _PROBE_MATCH.search(data):
        raise WireError("not a WS-Discovery ProbeMatch")
    scopes_m = _SCOPES.search(data)
    scopes = tuple(urllib.parse.unquote(s.decode("utf-8", "replace"))[:MAX_SCOPE_CHARS]
                   for s in (scopes_m.group(1).split() if scopes_m else [])[:MAX_SCOPES])
    xaddrs_m = _XADDRS.search(data)
    xaddrs = tuple(x.decode("utf-8", "replace")[:MAX_SCOPE_CHARS]
                   for x in (xaddrs_m.group(1).split() if xaddrs_m else [])[:8])
    epr = _EPR.search(data)
    return WsdMatch(scopes=scopes, epr=epr.group(1).decode() if epr else None, xaddrs=xaddrs,
                    types=_text(_TYPES, data, 256), relates_to=_text(_RELATES_TO, data, 128))
