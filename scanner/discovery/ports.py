"""Port discovery: python-nmap when the nmap binary is present, an asyncio connect scan otherwise; both bounded."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import Callable, Iterable

from scanner.discovery.targets import sockaddr

CAMERA_PORTS = (80, 443, 554, 8000, 8080, 8443, 37777)
CONNECT_TIMEOUT_S = 1.0


class TokenBucket:
    """At most `rate` acquisitions per second on average (masscan habit: an explicit rate)."""

    def __init__(self, rate: float) -> None:
        self.rate = max(rate, 1.0)
        self.tokens = self.rate
        self.updated = time.monotonic()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


async def _probe(ip: str, port: int, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    try:
        addr = sockaddr(ip, port)
    except OSError:
        return False
    sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, addr), timeout)
    except (OSError, TimeoutError):
        return False
    finally:
        sock.close()
    return True


async def connect_scan(hosts: Iterable[str], ports: Iterable[int], *, rate: float = 2000, concurrency: int = 256,
                       timeout: float | Callable[[str], float] = CONNECT_TIMEOUT_S,
                       bucket: TokenBucket | None = None) -> dict[str, list[int]]:
    """Open TCP ports per host by full connects (no privileges needed). `timeout` may be a function of the host
    (the waits measured in host discovery); `bucket` shares one rate with the scan's other probes."""
    bucket = bucket or TokenBucket(rate)
    sem = asyncio.Semaphore(concurrency)
    found: dict[str, list[int]] = {}
    port_list = list(ports)
    wait: Callable[[str], float] = timeout if callable(timeout) else (lambda _ip: float(timeout))

    async def one(ip: str, port: int) -> None:
        async with sem:
            await bucket.acquire()
            if await _probe(ip, port, wait(ip)):
                found.setdefault(ip, []).append(port)

    await asyncio.gather(*(one(ip, p) for ip in hosts for p in port_list))
    return {ip: sorted(ps) for ip, ps in found.items()}


def nmap_available() -> bool:
    return shutil.which("nmap") is not None


def nmap_scan(hosts: list[str], ports: Iterable[int], *, rate: float = 2000, timeout: float = CONNECT_TIMEOUT_S,
              syn: bool = False) -> dict[str, list[int]]:
    """The same with python-nmap (TCP connect, or SYN when root and asked); blocking, run it in a thread."""
    import nmap

    scanner = nmap.PortScanner()
    args = (f"{'-sS' if syn else '-sT'} -Pn -n --open --max-rate {int(rate)} "
            f"--max-rtt-timeout {int(timeout * 1000)}ms --max-retries 1")
    scanner.scan(hosts=" ".join(hosts), ports=",".join(map(str, ports)), arguments=args)
    found: dict[str, list[int]] = {}
    for ip in scanner.all_hosts():
        tcp = scanner[ip].get("tcp", {})
        open_ports = sorted(p for p, info in tcp.items() if info.get("state") == "open")
        if open_ports:
            found[ip] = open_ports
    return found
