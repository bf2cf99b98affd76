"""The scan: find hosts (TCP ports, UDP discovery, mDNS), probe what answered, fuse into device verdicts.

Bounded: an explicit rate and concurrency, per-probe timeouts and a deadline for the whole scan. Each host is
reported (and can be saved) as soon as it is done, so an interrupted scan keeps what it found.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

from scanner.discovery.authprobes import Credentials, run_authenticated
from scanner.discovery.ports import CAMERA_PORTS, connect_scan, nmap_available, nmap_scan
from scanner.discovery.probes import HTTP_PORTS, port_jobs
from scanner.discovery.targets import TargetSet
from scanner.discovery.udp import mdns_browse, udp_discovery
from scanner.identify import default_identifier
from scanner.identify.device import DeviceIdentifier, DeviceVerdict, Observation
from scanner.knowledge import load

HOST_TIMEOUT_S = 30.0  # no single host may hold the scan longer than this
BATCH_HOSTS = 4096  # targets are port-scanned and probed by discovery this many addresses at a time


@dataclass
class ScanOptions:
    ports: tuple[int, ...] = CAMERA_PORTS
    rate: float = 2000.0  # probes per second, TCP connects and UDP datagrams alike
    concurrency: int = 64  # hosts probed at once
    max_duration_s: float = 900.0
    udp_window_s: float = 2.0
    multicast_if: str | None = None  # an interface address: multicast probes go out (and only out) there
    mdns: bool = False
    engine: str = "auto"  # auto | nmap | asyncio
    credentials: Credentials | None = field(default=None, repr=False)
    rpc2_login: bool = False
    seed: int = 0


@dataclass
class ScanStats:
    targeted: int = 0
    candidates: int = 0
    devices: int = 0
    flagged: int = 0
    probes_sent: int = 0
    timed_out: bool = False
    engine: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None


@lru_cache(maxsize=1)
def device_identifier() -> DeviceIdentifier:
    return DeviceIdentifier(load(), default_identifier())


def neighbour_macs(accept: Callable[[str], bool]) -> dict[str, str]:
    """MACs the kernel already knows (Linux /proc/net/arp); nothing is sent to learn them."""
    out = {}
    try:
        with open("/proc/net/arp", encoding="ascii") as fh:
            next(fh, None)
            for line in fh:
                parts = line.split()
                if len(parts) >= 4 and parts[3] != "00:00:00:00:00:00" and accept(parts[0]):
                    out[parts[0]] = parts[3].lower()
    except OSError:
        pass
    return out


async def _ports(hosts: list[str], options: ScanOptions, stats: ScanStats) -> dict[str, list[int]]:
    use_nmap = options.engine == "nmap" or (options.engine == "auto" and nmap_available())
    stats.probes_sent += len(hosts) * len(options.ports)
    if use_nmap and hosts:
        stats.engine = "nmap"
        return await asyncio.to_thread(nmap_scan, hosts, options.ports, rate=options.rate)
    stats.engine = "asyncio"
    return await connect_scan(hosts, options.ports, rate=options.rate, concurrency=options.concurrency * 4)


async def probe_host(ip: str, open_ports: list[int], found: list[Observation], options: ScanOptions,
                     stats: ScanStats) -> DeviceVerdict:
    observations = list(found)
    jobs, requests = port_jobs(ip, open_ports)
    stats.probes_sent += requests
    for result in await asyncio.gather(*jobs):
        observations.extend(result)
    identifier = device_identifier()
    verdict = identifier.identify(ip, observations, open_ports)
    http_port = next((p for p in open_ports if p in HTTP_PORTS), None)
    if http_port is not None and (options.credentials is not None or options.rpc2_login):
        onvif_seen = any(o.source in ("onvif-service", "onvif-scope") for o in observations)
        extra = await run_authenticated(ip, http_port, options.credentials, verdict.vendor, onvif_seen,
                                        options.rpc2_login)
        stats.probes_sent += len(extra)
        if extra:
            verdict = identifier.identify(ip, observations + extra, open_ports)
    return verdict


def host_batches(hosts: Iterator[str], skip: AbstractSet[str], size: int) -> Iterator[list[str]]:
    """The hosts to probe, `size` at a time, leaving out those in `skip` (a set that may grow meanwhile); at least
    one batch, maybe empty (the multicast and mDNS discovery of a fully resumed scan still runs)."""
    batch: list[str] = []
    sent = False
    for ip in hosts:
        if ip in skip:
            continue
        batch.append(ip)
        if len(batch) == size:
            yield batch
            sent = True
            batch = []
    if batch or not sent:
        yield batch


async def scan(targets: TargetSet, options: ScanOptions,
               on_device: Callable[[DeviceVerdict], Awaitable[None] | None] | None = None,
               skip: frozenset[str] = frozenset()) -> tuple[list[DeviceVerdict], ScanStats]:
    """Scan the targets; `on_device` is called as each device is done (persist it there). Hosts in `skip`
    (already done in an interrupted scan being resumed) are not probed again.

    The targets are walked lazily, BATCH_HOSTS addresses at a time (port scan and unicast discovery of a batch
    together; multicast and mDNS once, with the first), so memory stays bounded whatever their size: a /8 is
    never listed. Hosts found in a batch are probed while the next batch is scanned; a target that answered
    multicast before its batch came is port-scanned at once and left out of its batch."""
    stats = ScanStats()
    results: list[DeviceVerdict] = []
    accept = targets.is_target  # multicast and mDNS replies from anything else are dropped unread
    sem = asyncio.Semaphore(options.concurrency)

    async def one(ip: str, ports: list[int], seen: list[Observation]) -> None:
        async with sem:
            try:
                verdict = await asyncio.wait_for(probe_host(ip, ports, seen, options, stats), HOST_TIMEOUT_S)
            except TimeoutError:
                verdict = device_identifier().identify(ip, seen, ports)
                verdict.risks.append("probing took too long and was cut short; the verdict uses discovery only")
        results.append(verdict)
        stats.devices += 1
        stats.flagged += verdict.flagged
        if on_device is not None:
            maybe = on_device(verdict)
            if inspect.isawaitable(maybe):
                await maybe

    async def run() -> None:
        probing: list[asyncio.Task[None]] = []
        probed: set[str] = set(skip)
        try:
            for number, hosts in enumerate(host_batches(targets.hosts(options.seed), probed, BATCH_HOSTS)):
                first = number == 0
                stats.targeted += len(hosts)
                udp_task = udp_discovery(hosts, accept, rate=options.rate, window_s=options.udp_window_s,
                                         multicast_if=options.multicast_if if first else None)
                mdns_task = (mdns_browse(options.multicast_if, accept, options.udp_window_s)
                             if first and options.mdns and options.multicast_if else asyncio.sleep(0, result={}))
                open_ports, (udp_found, sent), mdns_found = await asyncio.gather(
                    _ports(hosts, options, stats), udp_task, mdns_task)
                stats.probes_sent += sent
                found: dict[str, list[Observation]] = {}
                for source in (udp_found, mdns_found):
                    for ip, obs in source.items():
                        if ip not in probed:
                            found.setdefault(ip, []).extend(obs)
                early = sorted(set(found) - set(hosts))  # answered multicast; their batch is still to come
                if early:
                    stats.targeted += len(early)
                    open_ports.update(await _ports(early, options, stats))
                for ip, mac in neighbour_macs(accept).items():
                    if ip in found or (ip in open_ports and ip not in probed):
                        found.setdefault(ip, []).append(Observation("neighbour", mac, {"mac": mac}, "ARP table"))
                candidates = sorted((set(open_ports) | set(found)) - probed,
                                    key=lambda a: tuple(int(x) for x in a.split(".")))
                stats.candidates += len(candidates)
                probed.update(candidates)
                probing += [asyncio.create_task(one(ip, open_ports.get(ip, []), found.get(ip, [])))
                            for ip in candidates]
            await asyncio.gather(*probing)
        finally:
            for task in probing:
                task.cancel()

    try:
        await asyncio.wait_for(run(), options.max_duration_s)
    except TimeoutError:
        stats.timed_out = True
    stats.finished = time.time()
    return results, stats
