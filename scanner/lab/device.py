"""One simulated device: its identity, its servers on one loopback address, and the log of what it was sent."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass
from typing import Any, cast

from scanner.lab import stacks
from scanner.lab.identity import Identity
from scanner.lab.onvif import OnvifInfo
from scanner.lab.profiles import LabError, Profile
from scanner.lab.wire_http import Request, Response, start_silent_tcp, start_tcp
from scanner.wire import WireError, dhip, sadp, wsd

LOG_LIMIT = 5000
UDP_PORTS = {"sadp": 37020, "dhip": 37810, "wsd": 3702}
IPV4_ONLY = ("sadp", "dhip")  # discovery protocols an IPv6 device does not speak
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
LAB_LINK_PREFIX = "swlab"  # link-local addresses are the lab's only on its own links (scanner.lab.netns)


def _lab_link(zone: str | int | None) -> bool:
    """A link-local zone that names one of the lab's own links (made inside its own network namespace)."""
    if zone is None or zone == "" or zone == 0:
        return False
    try:
        name = socket.if_indextoname(int(zone)) if str(zone).isdigit() else str(zone)
    except OSError:
        return False
    return name.startswith(LAB_LINK_PREFIX)


def require_loopback(ip: str) -> None:
    """The lab binds and answers on loopback only (docs/architecture.md, network safety): 127.0.0.0/8, ::1, or a
    link-local address on one of the lab's own links in its own namespace."""
    text, _, zone = ip.partition("%")
    try:
        addr = ipaddress.ip_address(text)
    except ValueError as exc:
        raise LabError(f"not an address: {ip!r}") from exc
    if addr in LOOPBACK or addr == ipaddress.IPv6Address("::1"):
        return
    if addr.version == 6 and addr.is_link_local and _lab_link(zone or None):
        return
    raise LabError(f"refusing to use {ip}: the lab only runs on 127.0.0.0/8, ::1 and its own {LAB_LINK_PREFIX}* "
                   "links")


def _is_loopback(addr: Any) -> bool:
    """A peer the lab may answer: loopback, or link-local on the lab's own links."""
    try:
        text, _, zone = str(addr[0]).partition("%")
        ip = ipaddress.ip_address(text)
        if ip in LOOPBACK or ip == ipaddress.IPv6Address("::1"):
            return True
        return ip.version == 6 and ip.is_link_local and _lab_link(zone or (addr[3] if len(addr) > 3 else None))
    except (ValueError, TypeError, IndexError):
        return False


def message_kind(protocol: str, data: bytes) -> str:
    """What a datagram asked for, for the request log: the SADP message type, the DHIP method, or "Probe" for
    WS-Discovery; the first bytes when the codec cannot read it (what was sent is logged either way)."""
    try:
        if protocol == "sadp":
            return sadp.parse_probe(data).types[:64]
        if protocol == "dhip":
            return dhip.method_of(data)
        wsd.parse_probe(data)
        return "Probe"
    except WireError:
        return data[:40].decode("latin-1")


@dataclass(frozen=True)
class LogEntry:
    time: float
    protocol: str  # http | rtsp | onvif | sadp | dhip | wsd | tcp
    method: str  # HTTP/RTSP method, SOAP operation, or the UDP message kind
    target: str
    peer: str
    authorized: bool | None = None  # None: no credentials were presented with this request
    note: str | None = None


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, device: Device, protocol: str) -> None:
        self.device = device
        self.protocol = protocol
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.device.on_datagram(self.protocol, data, addr, multicast=False)

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None and _is_loopback(addr):
            self.transport.sendto(data, addr)


class Device:
    """A simulated camera, recorder or other host. Quirks come from its profile; every request is logged."""

    def __init__(self, profile: Profile, identity: Identity, ip: str, user: str = "admin",
                 password: str = "lab-Passw0rd") -> None:
        require_loopback(ip)
        self.profile = profile
        self.identity = identity
        self.ip = ip
        self.user = user
        self.password = password
        self.log: deque[LogEntry] = deque(maxlen=LOG_LIMIT)
        self.servers: list[asyncio.Server] = []
        self.udp: dict[str, _Udp] = {}
        self.ports: dict[str, int] = {}

    # ---------------------------------------------------------------- identity as the firmware shows it
    @property
    def device_name(self) -> str:
        if self.profile.behaviour == "html-name":
            return '<script>alert("sponsorwatch")</script><img src=x onerror=alert(1)>'
        if self.profile.behaviour == "invalid-utf8":
            return "Camera \udcff\udcfe" + self.identity.model  # surrogate-escaped bytes 0xff 0xfe on the wire
        if self.profile.stack == "hikvision":
            return "IP CAMERA" if self.profile.kind == "ipc" else "Network Video Recorder"
        return self.identity.serial if self.profile.stack == "dahua" else self.profile.label

    def onvif_info(self) -> OnvifInfo:
        o = self.profile.onvif or {}
        return OnvifInfo(
            manufacturer=str(o.get("manufacturer", "")), model=self.model_shown, firmware=self.identity.firmware,
            serial=self.identity.serial, hardware_id=str(o.get("hardware_id", "")), mac=self.identity.mac,
            ip=self.ip, port=80,
        )

    @property
    def is_ipv6(self) -> bool:
        return ":" in self.ip

    @property
    def url_host(self) -> str:
        """The device's address as a URL host: IPv6 in brackets, a zone as %25 (RFC 6874)."""
        return f"[{self.ip.replace('%', '%25')}]" if self.is_ipv6 else self.ip

    @property
    def model_shown(self) -> str:
        if self.profile.behaviour == "html-name":
            return f"{self.identity.model}<b onmouseover=alert(2)>"
        return self.identity.model

    def onvif_scopes(self) -> list[str]:
        o = self.profile.onvif or {}
        name = str(o.get("name", "")).format(model=self.model_shown)
        values = {"mac": self.identity.mac, "model": urllib.parse.quote(self.model_shown, safe="-/()"),
                  "name": urllib.parse.quote(name, safe="-/()")}
        return ["onvif://www.onvif.org/" + urllib.parse.quote(str(s).format(**values), safe="/:%()-")
                for s in o.get("scopes", [])]

    # ---------------------------------------------------------------- logging
    def record(self, protocol: str, method: str, target: str, peer: str, authorized: bool | None = None,
               note: str | None = None) -> None:
        self.log.append(LogEntry(time.time(), protocol, method, target[:512], peer, authorized, note))

    def requests(self, protocol: str | None = None) -> list[LogEntry]:
        return [e for e in self.log if protocol is None or e.protocol == protocol]

    # ---------------------------------------------------------------- servers
    async def _http(self, req: Request) -> Response:
        return stacks.http(self, req)

    async def _rtsp(self, req: Request) -> Response | None:
        return stacks.rtsp(self, req)

    async def start(self) -> None:
        s = self.profile.services
        loop = asyncio.get_running_loop()
        try:
            self.servers.append(await start_tcp(self.ip, 80, self._http))
            self.ports["http"] = 80
            if self.profile.tls:
                from scanner.lab.certs import server_context

                subject = tuple((str(k), str(v)) for k, v in self.profile.tls.get("subject", []))
                port = int(self.profile.tls.get("port", 443))
                self.servers.append(await start_tcp(self.ip, port, self._http, server_context(subject)))
                self.ports["https"] = port
            if s.get("rtsp"):
                self.servers.append(await start_tcp(self.ip, 554, self._rtsp))
                self.ports["rtsp"] = 554
            for key in ("sdk_port", "ipp_port"):
                if s.get(key):
                    self.servers.append(await start_silent_tcp(self.ip, int(s[key])))
                    self.ports[key.removesuffix("_port")] = int(s[key])
            wanted = [p for p in ("sadp", "dhip") if s.get(p) and not self.is_ipv6]
            if s.get("wsd") and self.profile.onvif is not None:
                wanted.append("wsd")
            for proto in wanted:
                handler = _Udp(self, proto)
                await loop.create_datagram_endpoint(
                    lambda h=handler: h, local_addr=(self.ip, UDP_PORTS[proto]), reuse_port=True  # type: ignore[misc]
                )
                self.udp[proto] = handler
                self.ports[proto] = UDP_PORTS[proto]
        except OSError as exc:
            await self.stop()
            raise LabError(f"{self.profile.id} on {self.ip}: cannot bind ({exc}); the lab needs root or its own "
                           "network namespace (unshare -rn) for ports 80/554") from exc

    async def stop(self) -> None:
        for server in self.servers:
            server.close()
        for server in self.servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        self.servers.clear()
        for handler in self.udp.values():
            if handler.transport is not None:
                handler.transport.close()
        self.udp.clear()

    def on_datagram(self, protocol: str, data: bytes, addr: tuple[str, int], multicast: bool) -> None:
        if not _is_loopback(addr):
            return
        if protocol == "sadp":
            reply = stacks.sadp_reply(self, data)
        elif protocol == "dhip":
            reply = stacks.dhip_reply(self, data)
        else:
            reply = stacks.wsd_reply(self, data, multicast)
        kind = message_kind(protocol, data)
        self.record(protocol, "multicast" if multicast else "unicast", kind, f"{addr[0]}:{addr[1]}",
                    note=None if reply is not None else "no reply")
        if reply is not None and protocol in self.udp:
            self.udp[protocol].send(reply, addr)
