"""Discovery over UDP: unicast SADP/DHIP/WS-Discovery probes to every target, multicast probes and a listening
window on a local segment (pinned to one interface), and mDNS browsing. Replies from outside the scope are
dropped before they are even parsed."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Any

from scanner.discovery.ports import TokenBucket
from scanner.discovery.probes import UDP_PROBES
from scanner.discovery.targets import sockaddr
from scanner.identify.device import Observation
from scanner.wire import WireError, dhip, sadp, wsd

MDNS_TYPES = ("_CGI._tcp.local.", "_http._tcp.local.", "_psia._tcp.local.")


def wsd_observations(data: bytes, detail: str) -> list[Observation]:
    """A ProbeMatch → one observation per scope; the first also carries model, MAC, name and the endpoint id."""
    match = wsd.parse_probe_match(data)
    out = [Observation("onvif-scope", scope, detail=detail) for scope in match.scopes]
    if out:
        fields = {k: v for k, v in (("model", match.scope_value("hardware")), ("mac", match.scope_value("MAC")),
                                    ("name", match.scope_value("name")), ("epr", match.epr)) if v}
        out[0].fields.update(fields)
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
        return wsd_observations(data, detail)
    except WireError:
        return []


def _reply_address(addr: tuple[object, ...]) -> str:
    """The sender as text; an IPv6 link-local sender keeps its zone (fe80::1%eth0) so it can be probed again."""
    ip = str(addr[0])
    if len(addr) >= 4 and "%" not in ip and ip.lower().startswith("fe80:") and addr[3]:
        with contextlib.suppress(OSError):
            ip = f"{ip}%{socket.if_indextoname(int(str(addr[3])))}"
    return ip


class _Collector(asyncio.DatagramProtocol):
    def __init__(self, protocol: str, accept: Callable[[str], bool], sink: dict[str, list[Observation]]) -> None:
        self.protocol = protocol
        self.accept = accept
        self.sink = sink
        self.replies = 0

    def datagram_received(self, data: bytes, addr: tuple[object, ...]) -> None:
        ip = _reply_address(addr)
        if not self.accept(ip):
            return  # outside the scope: not parsed, not reported, not followed up
        self.replies += 1
        self.sink.setdefault(ip, []).extend(decode(self.protocol, data, f"{self.protocol} reply from {ip}"))


def _socket(family: int, multicast_if: str | None) -> socket.socket:
    """A probe socket; with `multicast_if` (an IPv4 address, or an IPv6 interface name) multicast goes out there
    and only there, one hop."""
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    if multicast_if and family == socket.AF_INET:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(multicast_if))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    elif multicast_if:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(multicast_if))
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))
    sock.setblocking(False)
    return sock


async def udp_discovery(hosts: list[str], accept: Callable[[str], bool], *, rate: float, window_s: float,
                        multicast_if: str | None = None, multicast6_if: str | None = None,
                        bucket: TokenBucket | None = None) -> tuple[dict[str, list[Observation]], int]:
    """Unicast probes of every protocol to every host (and to the groups when multicast_if is given), then listen
    for `window_s`. IPv6 hosts get the protocols that have an IPv6 group (WS-Discovery), and `multicast6_if` (an
    interface name) sends those to their IPv6 group on that interface. Returns observations per host and the
    number of datagrams sent; `bucket` shares the scan's rate."""
    loop = asyncio.get_running_loop()
    sink: dict[str, list[Observation]] = {}
    bucket = bucket or TokenBucket(rate)
    sent = 0
    transports = []
    v4 = [h for h in hosts if ":" not in h]
    v6 = [h for h in hosts if ":" in h]
    try:
        for proto, probe in UDP_PROBES.items():
            plans: list[tuple[int, list[str], str | None, str | None]] = [
                (socket.AF_INET, v4, multicast_if, probe.group)]
            if probe.group6 is not None and (v6 or multicast6_if):
                plans.append((socket.AF_INET6, v6, multicast6_if, probe.group6))
            for family, targets, mc_if, group in plans:
                if not targets and not mc_if:
                    continue
                sock = _socket(family, mc_if)
                transport, _ = await loop.create_datagram_endpoint(
                    lambda p=proto: _Collector(p, accept, sink), sock=sock)  # type: ignore[misc]
                transports.append(transport)
                payloads = probe.payloads()
                for ip in targets:
                    addr = sockaddr(ip, probe.port)
                    for payload in payloads:
                        await bucket.acquire()
                        transport.sendto(payload, addr)
                        sent += 1
                if mc_if and group:
                    dest = ((group, probe.port, 0, socket.if_nametoindex(mc_if)) if family == socket.AF_INET6
                            else (group, probe.port))
                    for payload in payloads:
                        transport.sendto(payload, dest)
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
