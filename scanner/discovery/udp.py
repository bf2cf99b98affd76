"""Discovery over UDP: unicast SADP/DHIP/WS-Discovery probes to every target, multicast probes and a listening
window on a local segment (pinned to one interface), and mDNS browsing. Replies from outside the scope are
dropped before they are even parsed."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from scanner.discovery.ports import TokenBucket
from scanner.identify.device import Observation
from scanner.wire import WireError, dhip, sadp

WSD_PORT = 3702
WSD_GROUP = "239.255.255.250"
MDNS_TYPES = ("_CGI._tcp.local.", "_http._tcp.local.", "_psia._tcp.local.")
_SCOPES = re.compile(rb"<(?:\w+:)?Scopes[^>]*>(.*?)</(?:\w+:)?Scopes>", re.DOTALL)
_XADDRS = re.compile(rb"<(?:\w+:)?XAddrs[^>]*>(.*?)</(?:\w+:)?XAddrs>", re.DOTALL)
_EPR = re.compile(rb"<(?:\w+:)?Address>\s*(urn:uuid:[0-9a-fA-F-]{36})\s*</(?:\w+:)?Address>")


def wsd_probe(typed: bool) -> bytes:
    """An untyped probe (nmap's wsdd) or a NetworkVideoTransmitter one: some cameras answer only the latter."""
    mid = uuid.uuid4()
    types = ('<wsd:Types xmlns:dn="http://www.onvif.org/ver10/network/wsdl">dn:NetworkVideoTransmitter</wsd:Types>'
             if typed else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"><env:Header>'
        "<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
        "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>"
        f"<wsa:MessageID>urn:uuid:{mid}</wsa:MessageID></env:Header><env:Body><wsd:Probe>{types}</wsd:Probe>"
        "</env:Body></env:Envelope>"
    ).encode()


def parse_wsd(data: bytes, detail: str) -> list[Observation]:
    """ProbeMatch → one observation per scope (URL-decoded), plus EPR/XAddrs; tolerant regex, no XML parser."""
    if len(data) > 64 * 1024 or b"ProbeMatch" not in data:
        return []
    out = []
    scopes = _SCOPES.search(data)
    fields: dict[str, Any] = {}
    for scope in (scopes.group(1).split() if scopes else [])[:64]:
        text = urllib.parse.unquote(scope.decode("utf-8", "replace"))[:256]
        if "/hardware/" in text:
            fields["model"] = text.rsplit("/hardware/", 1)[1]
        elif "/MAC/" in text:
            fields["mac"] = text.rsplit("/MAC/", 1)[1]
        elif "/name/" in text:
            fields["name"] = text.rsplit("/name/", 1)[1]
        out.append(Observation("onvif-scope", text, detail=detail))
    epr = _EPR.search(data)
    if out:
        out[0].fields.update(fields)
        if epr:
            out[0].fields["epr"] = epr.group(1).decode()
    return out


def decode(protocol: str, data: bytes, detail: str) -> list[Observation]:
    """One UDP reply → observations; malformed and hostile replies give none (WireError is the expected case)."""
    try:
        if protocol == "sadp":
            d = sadp.parse_reply(data)
            return [Observation("sadp", "ProbeMatch", {
                "model": d.model, "serial": d.serial, "mac": d.mac, "firmware": d.software_version,
                "activated": d.activated, "oem_code": d.oem_code, "command_port": d.command_port}, detail)]
        if protocol == "dhip":
            h = dhip.parse_reply(data)
            return [Observation("dhip", "client.notifyDevInfo", {
                "model": h.model, "serial": h.serial, "mac": h.mac, "firmware": h.firmware,
                "device_class": h.device_class, "vendor_name": h.vendor, "manufacturer_field": h.manufacturer},
                detail)]
        return parse_wsd(data, detail)
    except WireError:
        return []


class _Collector(asyncio.DatagramProtocol):
    def __init__(self, protocol: str, accept: Callable[[str], bool], sink: dict[str, list[Observation]]) -> None:
        self.protocol = protocol
        self.accept = accept
        self.sink = sink
        self.replies = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        ip = addr[0]
        if not self.accept(ip):
            return  # outside the scope: not parsed, not reported, not followed up
        self.replies += 1
        self.sink.setdefault(ip, []).extend(decode(self.protocol, data, f"{self.protocol} reply from {ip}"))


PROBES: dict[str, tuple[int, str, Callable[[], list[bytes]]]] = {
    "sadp": (sadp.PORT, sadp.MULTICAST_GROUP, lambda: [sadp.probe()]),
    "dhip": (dhip.PORT, dhip.MULTICAST_GROUP, lambda: [dhip.probe()]),
    "wsd": (WSD_PORT, WSD_GROUP, lambda: [wsd_probe(False), wsd_probe(True)]),
}


async def udp_discovery(hosts: list[str], accept: Callable[[str], bool], *, rate: float, window_s: float,
                        multicast_if: str | None = None) -> tuple[dict[str, list[Observation]], int]:
    """Unicast probes of every protocol to every host (and to the groups when multicast_if is given), then listen
    for `window_s`. Returns observations per host and the number of datagrams sent."""
    loop = asyncio.get_running_loop()
    sink: dict[str, list[Observation]] = {}
    bucket = TokenBucket(rate)
    sent = 0
    transports = []
    try:
        for proto, (port, group, make) in PROBES.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            if multicast_if:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(multicast_if))
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
            sock.bind(("0.0.0.0", 0))
            sock.setblocking(False)
            transport, _ = await loop.create_datagram_endpoint(
                lambda p=proto: _Collector(p, accept, sink), sock=sock)  # type: ignore[misc]
            transports.append(transport)
            payloads = make()
            for ip in hosts:
                for payload in payloads:
                    await bucket.acquire()
                    transport.sendto(payload, (ip, port))
                    sent += 1
            if multicast_if:
                for payload in payloads:
                    transport.sendto(payload, (group, port))
                    sent += 1
        await asyncio.sleep(window_s)
    finally:
        for t in transports:
            t.close()
    return sink, sent


async def mdns_browse(interface: str, accept: Callable[[str], bool], window_s: float) -> dict[str, list[Observation]]:
    """Browse camera service types on one interface; instance names become observations of their host."""
    from zeroconf import IPVersion, ServiceStateChange
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

    found: dict[str, list[Observation]] = {}
    azc = AsyncZeroconf(interfaces=[interface], ip_version=IPVersion.V4Only)
    names: set[tuple[str, str]] = set()

    def on_change(zeroconf: Any, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Added:
            names.add((service_type, name))

    browser = AsyncServiceBrowser(azc.zeroconf, list(MDNS_TYPES), handlers=[on_change])
    try:
        await asyncio.sleep(window_s)
        for service_type, name in sorted(names):
            info = AsyncServiceInfo(service_type, name)
            if not await info.async_request(azc.zeroconf, 1000):
                continue
            instance = name[: -len(service_type) - 1] if name.endswith(service_type) else name
            for ip in info.parsed_addresses():
                if accept(ip):
                    host = (info.server or "").removesuffix(".local.")
                    found.setdefault(ip, []).append(Observation(
                        "mdns", instance[:128], {"mdns_host": host[:128]}, f"mDNS {service_type}"))
    finally:
        with contextlib.suppress(Exception):
            await browser.async_cancel()
        await azc.async_close()
    return found
