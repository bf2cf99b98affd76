"""A fleet of simulated devices on consecutive loopback addresses, with optional multicast and mDNS on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import resource
import socket
import struct
import threading
from collections.abc import Iterable
from typing import Any

from scanner.knowledge import oui_table
from scanner.lab.device import LOOPBACK, UDP_PORTS, Device, require_loopback
from scanner.lab.identity import make_identity
from scanner.lab.profiles import FleetEntry, LabError, Profile, load_profiles

MULTICAST_GROUPS = {"sadp": "239.255.255.250", "dhip": "239.255.255.251", "wsd": "239.255.255.250"}
WSD_GROUP6 = "ff02::c"
START_CONCURRENCY = 64


def addresses(base: str, count: int) -> list[str]:
    """`count` loopback addresses from `base` on, skipping .0 and .255 host parts; for an IPv6 base (::1, or
    link-local on a lab link such as fe80::10%swlab1) consecutive addresses with the same zone."""
    require_loopback(base)
    if ":" in base:
        text, sep, zone = base.partition("%")
        first = int(ipaddress.IPv6Address(text))
        out6 = [f"{ipaddress.IPv6Address(first + i)}{sep}{zone}" for i in range(count)]
        for text6 in out6:
            require_loopback(text6)  # ::1 has no neighbour on loopback: one device there
        return out6
    out: list[str] = []
    current = int(ipaddress.ip_address(base))
    while len(out) < count:
        ip = ipaddress.ip_address(current)
        if ip not in LOOPBACK or str(ip) == "127.255.255.255":
            raise LabError(f"{count} devices from {base} do not fit in 127.0.0.0/8")
        if current & 0xFF not in (0, 255) and str(ip) != "127.0.0.1":
            out.append(str(ip))
        current += 1
    return out


def _prefixes(entity: str) -> list[str]:
    if not entity:
        return []
    return [r.prefix for r in oui_table().records() if r.entity == entity and len(r.prefix) == 6]


def _raise_fd_limit(wanted: int) -> None:
    """A device holds up to six sockets: lift the soft file limit towards the hard one if needed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class _Hub(asyncio.DatagramProtocol):
    """Receives a multicast group on loopback and hands each datagram to every device speaking that protocol."""

    def __init__(self, protocol: str, devices: list[Device]) -> None:
        self.protocol = protocol
        self.devices = devices

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for dev in self.devices:
            dev.on_datagram(self.protocol, data, addr, multicast=True)


def _multicast_socket(group: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((group, port))
    # Membership on the loopback interface only: nothing from a real network reaches the lab.
    mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("127.0.0.1"))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    sock.setblocking(False)
    return sock


def _multicast6_socket(group: str, port: int, ifindex: int) -> socket.socket:
    """An IPv6 group on one interface (a lab link): bound to the group, joined there and nowhere else."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((group, port, 0, ifindex))
    mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", ifindex)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    sock.setblocking(False)
    return sock


class Lab:
    """Start and stop a fleet in the running event loop."""

    def __init__(self, entries: Iterable[FleetEntry], base: str = "127.0.0.10", seed: str = "sponsorwatch-lab",
                 multicast: bool = False, mdns: bool = False, profiles: dict[str, Profile] | None = None) -> None:
        self.profiles = profiles or load_profiles()
        plan = [(e.profile, i) for e in entries for i in range(e.count)]
        for name, _ in plan:
            if name not in self.profiles:
                raise LabError(f"unknown profile {name!r}")
        ips = addresses(base, len(plan))
        self.devices: list[Device] = []
        for (name, index), ip in zip(plan, ips, strict=True):
            prof = self.profiles[name]
            ident = make_identity(scheme=prof.identity, models=list(prof.models), firmwares=list(prof.firmware),
                                  prefixes=_prefixes(prof.mac_entity), seed=f"{seed}/{name}", index=index)
            self.devices.append(Device(prof, ident, ip))
        self.multicast = multicast
        self.mdns = mdns
        self.multicast_active: list[str] = []
        self._hub_transports: list[asyncio.BaseTransport] = []
        self._zeroconf: Any = None

    def device(self, ip: str) -> Device:
        return next(d for d in self.devices if d.ip == ip)

    async def start(self) -> None:
        _raise_fd_limit(len(self.devices) * 8 + 256)
        sem = asyncio.Semaphore(START_CONCURRENCY)

        async def one(dev: Device) -> None:
            async with sem:
                await dev.start()

        try:
            await asyncio.gather(*(one(d) for d in self.devices))
        except BaseException:
            await self.stop()
            raise
        if self.multicast:
            await self._start_multicast()
        if self.mdns:
            await self._start_mdns()

    async def _start_multicast(self) -> None:
        loop = asyncio.get_running_loop()
        links = sorted({d.ip.partition("%")[2] for d in self.devices if d.is_ipv6 and "wsd" in d.udp} - {""})
        for link in links:  # WS-Discovery on ff02::c, on each lab link that has IPv6 devices
            members = [d for d in self.devices if d.ip.endswith(f"%{link}") and "wsd" in d.udp]
            try:
                sock = _multicast6_socket(WSD_GROUP6, UDP_PORTS["wsd"], socket.if_nametoindex(link))
            except OSError:
                continue
            hub6 = _Hub("wsd", members)
            transport, _ = await loop.create_datagram_endpoint(lambda h=hub6: h, sock=sock)  # type: ignore[misc]
            self._hub_transports.append(transport)
            self.multicast_active.append(f"wsd-ipv6@{link}")
        for proto, group in MULTICAST_GROUPS.items():
            members = [d for d in self.devices if proto in d.udp and not d.is_ipv6]
            if not members:
                continue
            try:
                sock = _multicast_socket(group, UDP_PORTS[proto])
            except OSError:
                continue  # loopback without multicast (outside a test namespace): unicast still works
            hub = _Hub(proto, members)
            transport, _ = await loop.create_datagram_endpoint(lambda h=hub: h, sock=sock)  # type: ignore[misc]
            self._hub_transports.append(transport)
            self.multicast_active.append(proto)

    async def _start_mdns(self) -> None:
        from zeroconf import IPVersion, ServiceInfo
        from zeroconf.asyncio import AsyncZeroconf

        hik = [d for d in self.devices
               if d.profile.stack == "hikvision" and d.profile.services.get("mdns") and not d.is_ipv6]
        if not hik:
            return
        self._zeroconf = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        infos = []
        for dev in hik:
            # Real pattern (128keaton/hikvision-mdns): "HIKVISION <model> - <serial tail>", host = full serial.
            name = f"HIKVISION {dev.identity.model.replace('/', '-')} - {dev.identity.serial[-9:]}"
            host = dev.identity.serial.replace("/", "-").replace("(", "").replace(")", "") + ".local."
            for stype in ("_CGI._tcp.local.", "_http._tcp.local."):
                infos.append(ServiceInfo(stype, f"{name}.{stype}", addresses=[socket.inet_aton(dev.ip)], port=80,
                                         server=host))
        await asyncio.gather(*(self._zeroconf.async_register_service(i, allow_name_change=True) for i in infos))

    async def stop(self) -> None:
        if self._zeroconf is not None:
            with contextlib.suppress(Exception):
                await self._zeroconf.async_unregister_all_services()
                await self._zeroconf.async_close()
            self._zeroconf = None
        for t in self._hub_transports:
            t.close()
        self._hub_transports.clear()
        await asyncio.gather(*(d.stop() for d in self.devices), return_exceptions=True)

    def describe(self) -> list[dict[str, Any]]:
        return [{
            "ip": d.ip, "profile": d.profile.id, "label": d.profile.label, "model": d.identity.model,
            "serial": d.identity.serial, "mac": d.identity.mac, "firmware": d.identity.firmware,
            "ports": dict(d.ports), "hostile": d.profile.behaviour,
        } for d in self.devices]


async def _cancel_others() -> None:
    """End connection handlers still running (a slow-drip reply, a client that never hung up)."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class LabThread:
    """Runs a Lab in its own thread and event loop (for tests, benchmarks and the CLI)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="sponsorwatch-lab", daemon=True)

    def start(self, timeout_s: float = 120.0) -> LabThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.lab.start(), self.loop).result(timeout_s)
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self.lab.stop(), self.loop).result(timeout_s)
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(_cancel_others(), self.loop).result(timeout_s)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout_s)
        self.loop.close()

    def __enter__(self) -> LabThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
