"""ICMP and ICMPv6 echo for host discovery, where the system allows it: an unprivileged datagram ("ping") socket
where the kernel permits one (Linux `net.ipv4.ping_group_range`, macOS), else a raw socket (root), else none.

One echo request per address, as nmap's `-sn` sends; the packet codec is pure and the socket part is small.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import struct
import time

ECHO_REQUEST: dict[int, int] = {socket.AF_INET: 8, socket.AF_INET6: 128}
ECHO_REPLY: dict[int, int] = {socket.AF_INET: 0, socket.AF_INET6: 129}
PAYLOAD = b"sponsorwatch host discovery"
PROTO: dict[int, int] = {socket.AF_INET: socket.IPPROTO_ICMP, socket.AF_INET6: socket.IPPROTO_ICMPV6}


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(family: int, ident: int, seq: int) -> bytes:
    """An echo request; ICMPv6's checksum covers a pseudo-header, so the kernel fills it in (RFC 3542 §3.1)."""
    head = struct.pack("!BBHHH", ECHO_REQUEST[family], 0, 0, ident & 0xFFFF, seq & 0xFFFF)
    if family == socket.AF_INET6:
        return head + PAYLOAD
    return struct.pack("!BBHHH", ECHO_REQUEST[family], 0, checksum(head + PAYLOAD), ident & 0xFFFF,
                       seq & 0xFFFF) + PAYLOAD


def parse_echo_reply(family: int, data: bytes, raw: bool) -> tuple[int, int] | None:
    """(identifier, sequence) of an echo reply, None for any other message. Raw IPv4 sockets hand over the IP
    header too; datagram sockets and ICMPv6 sockets do not."""
    if raw and family == socket.AF_INET:
        if len(data) < 20:
            return None
        data = data[(data[0] & 0x0F) * 4:]
    if len(data) < 8 or data[0] != ECHO_REPLY[family] or data[1] != 0:
        return None
    ident, seq = struct.unpack("!HH", data[4:8])
    return ident, seq


class Pinger:
    """Echo requests out, replies matched to their waiting probe by (address, sequence)."""

    def __init__(self) -> None:
        self.ident = os.getpid() & 0xFFFF
        self.socks: dict[int, tuple[socket.socket, bool]] = {}  # family → (socket, raw)
        self.waiting: dict[tuple[str, int], tuple[asyncio.Future[float], float]] = {}
        self._seq = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None

    @staticmethod
    def _socket(family: int) -> tuple[socket.socket, bool] | None:
        for kind, raw in ((socket.SOCK_DGRAM, False), (socket.SOCK_RAW, True)):
            try:
                sock = socket.socket(family, kind, PROTO[family])
            except OSError:
                continue
            sock.setblocking(False)
            return sock, raw
        return None

    @classmethod
    async def open(cls) -> Pinger | None:
        """A pinger for the families the system lets us ping, or None when it allows neither."""
        pinger = cls()
        pinger._loop = asyncio.get_running_loop()
        for family in (socket.AF_INET, socket.AF_INET6):
            opened = cls._socket(family)
            if opened is not None:
                pinger.socks[family] = opened
                pinger._loop.add_reader(opened[0].fileno(), pinger._read, family)
        if not pinger.socks:
            return None
        return pinger

    def supports(self, ip: str) -> bool:
        return (socket.AF_INET6 if ":" in ip else socket.AF_INET) in self.socks

    def _read(self, family: int) -> None:
        sock, raw = self.socks[family]
        for _ in range(64):  # drain what is queued, without starving the loop
            try:
                data, addr = sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            parsed = parse_echo_reply(family, data, raw)
            if parsed is None or (raw and parsed[0] != self.ident):
                continue  # another program's ping, or not an echo reply
            key = (str(addr[0]).split("%", 1)[0], parsed[1])
            waiting = self.waiting.pop(key, None)
            if waiting is not None and not waiting[0].done():
                waiting[0].set_result(time.monotonic() - waiting[1])

    async def ping(self, ip: str, sockaddr: tuple[object, ...], timeout: float) -> float | None:
        """The round-trip time of one echo, or None when nothing came back within `timeout`."""
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        assert self._loop is not None
        sock, _ = self.socks[family]
        seq = next(self._seq) & 0xFFFF
        key = (ip.split("%", 1)[0], seq)
        future: asyncio.Future[float] = self._loop.create_future()
        self.waiting[key] = (future, time.monotonic())
        try:
            sock.sendto(echo_request(family, self.ident, seq), (sockaddr[0], 0, *sockaddr[2:]))
            return await asyncio.wait_for(future, timeout)
        except (OSError, TimeoutError):
            return None
        finally:
            self.waiting.pop(key, None)

    def close(self) -> None:
        for sock, _ in self.socks.values():
            if self._loop is not None:
                with contextlib.suppress(Exception):
                    self._loop.remove_reader(sock.fileno())
            sock.close()
        self.socks.clear()
