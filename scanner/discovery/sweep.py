"""Host discovery before port probes: which targets are alive, found at the probe rate and never with more than
nmap's `-sn` sends (a TCP connect to 80 and to 443, an ICMP echo where the system allows one; the neighbour
table is read, not probed).

A target is live when a connect is accepted or refused (a RST means a host is there), an echo comes back, or
the neighbour table has its MAC (on a local segment the kernel resolved it while our connects went out). Only
live hosts get the port scan and the banner probes, so a silent address costs a few rate-limited packets and
one short wait, not seven one-second timeouts. Waits follow the round-trip times measured on the replies:
the RFC 6298 estimator, bounded like nmap's timing (initial 1 s; at least 250 ms, at most 2 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import resource
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from scanner.discovery.icmp import Pinger
from scanner.discovery.ports import TokenBucket
from scanner.discovery.targets import sockaddr

SWEEP_PORTS = (80, 443)  # what nmap -sn connects to when it cannot send raw packets
INITIAL_TIMEOUT_S = 1.0  # before any reply was timed (nmap's --initial-rtt-timeout default)
# nmap's --min-rtt-timeout is 100 ms, but nmap retransmits and times packets in C; here no probe is repeated and
# the times include the event loop's own latency on a busy machine, so the floor is higher.
MIN_TIMEOUT_S = 0.25
MAX_TIMEOUT_S = 2.0
HOST_RTT_FACTOR = 4.0  # a host measured slower than the rest gets at least this many of its own round trips
FD_RESERVE = 256  # descriptors left for everything else while probes are in flight


class RttEstimator:
    """Smoothed round-trip time and its variation over every reply of a scan (RFC 6298 §2), and the wait they
    allow: srtt + 4·rttvar, clamped. Hosts slower than the rest keep their own first sample."""

    def __init__(self, initial_s: float = INITIAL_TIMEOUT_S, floor_s: float = MIN_TIMEOUT_S,
                 ceiling_s: float = MAX_TIMEOUT_S) -> None:
        self.initial_s, self.floor_s, self.ceiling_s = initial_s, floor_s, ceiling_s
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.samples = 0
        self.per_host: dict[str, float] = {}

    def add(self, rtt_s: float, host: str | None = None) -> None:
        rtt_s = max(rtt_s, 0.0)
        if self.srtt is None:
            self.srtt, self.rttvar = rtt_s, rtt_s / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt_s)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt_s
        self.samples += 1
        if host is not None:
            self.per_host.setdefault(host, rtt_s)

    @property
    def timeout_s(self) -> float:
        """How long to wait for a reply from an address nothing is known about yet."""
        if self.srtt is None:
            return self.initial_s
        return min(self.ceiling_s, max(self.floor_s, self.srtt + 4 * self.rttvar))

    def timeout_for(self, host: str) -> float:
        """The wait for a host that answered before: the scan's, or more if this host is slower than the rest."""
        own = self.per_host.get(host)
        if own is None:
            return self.timeout_s
        return min(self.ceiling_s, max(self.timeout_s, HOST_RTT_FACTOR * own))


def in_flight_budget(rate: float, ceiling_s: float = MAX_TIMEOUT_S) -> int:
    """Probes that may wait at once: enough that the rate, not the waits, sets the pace (rate × longest wait),
    within the open-file limit (raised towards the hard limit when it is lower)."""
    wanted = math.ceil(rate * ceiling_s) + 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted + FD_RESERVE:
        target = wanted + FD_RESERVE if hard == resource.RLIM_INFINITY else min(wanted + FD_RESERVE, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - FD_RESERVE))


async def tcp_ping(ip: str, port: int, timeout_s: float) -> tuple[bool, str]:
    """(alive, how): a connect accepted or refused shows a host; a timeout or an unreachable error does not."""
    loop = asyncio.get_running_loop()
    try:
        addr = sockaddr(ip, port)
    except OSError:
        return False, "bad address"
    sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, addr), timeout_s)
        return True, f"tcp/{port} open"
    except ConnectionRefusedError:
        return True, f"tcp/{port} refused"
    except TimeoutError:
        return False, "no reply"
    except OSError as exc:  # host or network unreachable (ARP or a router said so), blackholed route
        return False, exc.strerror or type(exc).__name__
    finally:
        sock.close()


@dataclass
class SweepStats:
    swept: int = 0
    live: int = 0
    probes: int = 0
    by: dict[str, int] = field(default_factory=dict)  # how live hosts showed themselves: tcp, icmp, neighbour


class Sweeper:
    """Finds the live hosts of each batch; the rate bucket is the scan's, shared with every other probe."""

    def __init__(self, bucket: TokenBucket, rtt: RttEstimator, rate: float, *, icmp: bool = True,
                 ports: tuple[int, ...] = SWEEP_PORTS,
                 neighbours: Callable[[], dict[str, str]] | None = None) -> None:
        self.bucket = bucket
        self.rtt = rtt
        self.ports = ports
        self.icmp = icmp
        self.neighbours = neighbours
        self.sem = asyncio.Semaphore(in_flight_budget(rate, rtt.ceiling_s))
        self.stats = SweepStats()
        self._pinger: Pinger | None = None
        self._pinger_tried = False

    async def _probe(self, ip: str, kind: str) -> bool:
        async with self.sem:
            await self.bucket.acquire()
            self.stats.probes += 1
            timeout = self.rtt.timeout_s
            started = time.monotonic()
            if kind == "icmp":
                assert self._pinger is not None
                rtt = await self._pinger.ping(ip, sockaddr(ip, 0), timeout)
                if rtt is None:
                    return False
                self.rtt.add(rtt, ip)
                return True
            alive, _ = await tcp_ping(ip, int(kind), timeout)
            if alive:
                self.rtt.add(time.monotonic() - started, ip)
            return alive

    async def sweep(self, hosts: Iterable[str]) -> dict[str, str]:
        """The live hosts among `hosts`, each with how it showed itself."""
        if self.icmp and not self._pinger_tried:
            self._pinger_tried = True
            self._pinger = await Pinger.open()
        host_list = list(hosts)
        self.stats.swept += len(host_list)
        live: dict[str, str] = {}
        known = self.neighbours() if self.neighbours else {}
        for ip in host_list:
            if ip in known:
                live[ip] = "neighbour table"
        kinds = [str(p) for p in self.ports]

        async def one(ip: str) -> None:
            for kind in (*kinds, "icmp"):
                if ip in live:
                    return
                if kind == "icmp" and (self._pinger is None or not self._pinger.supports(ip)):
                    return
                if await self._probe(ip, kind):
                    live.setdefault(ip, "icmp echo" if kind == "icmp" else f"tcp/{kind}")

        await asyncio.gather(*(one(ip) for ip in host_list))
        if self.neighbours:  # the kernel resolved these while our probes went out: alive, however firewalled
            for ip in (set(self.neighbours()) & set(host_list)) - set(live):
                live[ip] = "answered ARP/ND"
        for how in live.values():
            key = how.split("/")[0].split(" ")[0]
            self.stats.by[key] = self.stats.by.get(key, 0) + 1
        self.stats.live += len(live)
        return live

    def close(self) -> None:
        if self._pinger is not None:
            self._pinger.close()
