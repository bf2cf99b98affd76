"""The scan: find hosts (TCP ports, UDP discovery, mDNS), probe what answered, fuse into device verdicts.

Bounded: an explicit rate and concurrency, per-probe timeouts and a deadline for the whole scan. Each host is
reported (and can be saved) as soon as it is done, so an interrupted scan keeps what it found.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

from scanner.discovery.authprobes import Credentials, run_authenticated
from scanner.discovery.neighbours import neighbour_table
from scanner.discovery.ports import (
    CAMERA_PORTS,
    CONNECT_TIMEOUT_S,
    TokenBucket,
    connect_scan,
    nmap_available,
    nmap_scan,
)
from scanner.discovery.probes import HTTP_PORTS, port_jobs
from scanner.discovery.sweep import RttEstimator, Sweeper, in_flight_budget
from scanner.discovery.targets import TargetSet, address_of, local_interface6_for
from scanner.discovery.udp import mdns_browse, udp_discovery
from scanner.identify import default_identifier
from scanner.identify.device import DeviceIdentifier, DeviceVerdict, Observation
from scanner.knowledge import load

HOST_TIMEOUT_S = 30.0  # no single host may hold the scan longer than this
BATCH_HOSTS = 4096  # targets are swept, port-scanned and probed by discovery this many addresses at a time
MAX_DEPTH_STAGES = 2  # batches whose live hosts are port-scanned while the next batch is swept


@dataclass
class ScanOptions:
    ports: tuple[int, ...] = CAMERA_PORTS
    rate: float = 2000.0  # probes per second, TCP connects, ICMP echoes and UDP datagrams alike, all together
    concurrency: int = 64  # hosts probed at once
    max_duration_s: float = 900.0
    udp_window_s: float = 2.0
    multicast_if: str | None = None  # an interface address: multicast probes go out (and only out) there
    multicast6_if: str | None = None  # an interface name, or "auto": WS-Discovery to ff02::c goes out there
    mdns: bool = False
    engine: str = "auto"  # auto | nmap | asyncio
    credentials: Credentials | None = field(default=None, repr=False)
    rpc2_login: bool = False
    seed: int = 0
    host_discovery: bool = True  # False: every address gets the port scan (nmap -Pn), not only live ones


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
    swept: int = 0  # addresses host discovery looked at
    live: int = 0  # of which alive (probed in depth)
    live_by: dict[str, int] = field(default_factory=dict)  # how they showed themselves: tcp, icmp, neighbour, …
    sweep_probes: int = 0
    rtt_timeout_s: float | None = None  # the wait the measured round trips allowed at the end


@lru_cache(maxsize=1)
def device_identifier() -> DeviceIdentifier:
    return DeviceIdentifier(load(), default_identifier())


def neighbour_macs(accept: Callable[[str], bool], ipv6_dev: str | None = None) -> dict[str, str]:
    """MACs the system already knows (its neighbour table, per platform); nothing is sent to learn them."""
    return neighbour_table(accept, ipv6_dev)


async def _ports(hosts: list[str], options: ScanOptions, stats: ScanStats, bucket: TokenBucket,
                 rtt: RttEstimator) -> dict[str, list[int]]:
    """The port scan of live hosts: nmap for IPv4 when present (its own --max-rate), else asyncio connects that
    share the scan's rate. Live hosts are few: their ports get the full second (more for a host measured slow)."""
    use_nmap = options.engine == "nmap" or (options.engine == "auto" and nmap_available())
    stats.probes_sent += len(hosts) * len(options.ports)
    v4 = [h for h in hosts if ":" not in h]
    rest = [h for h in hosts if ":" in h]
    found: dict[str, list[int]] = {}
    if use_nmap and v4:
        stats.engine = "nmap"
        found.update(await asyncio.to_thread(nmap_scan, v4, options.ports, rate=options.rate))
    else:
        rest = hosts
        stats.engine = stats.engine or "asyncio"
    if rest:
        found.update(await connect_scan(rest, options.ports, rate=options.rate, bucket=bucket,
                                        concurrency=max(options.concurrency * 4, in_flight_budget(options.rate)),
                                        timeout=lambda ip: max(CONNECT_TIMEOUT_S, rtt.timeout_for(ip))))
    return found


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


def _ip_key(ip: str) -> tuple[int, int]:
    parsed = address_of(ip)
    return (0, parsed[0]) if parsed is not None else (1, 0)


async def scan(targets: TargetSet, options: ScanOptions,
               on_device: Callable[[DeviceVerdict], Awaitable[None] | None] | None = None,
               skip: frozenset[str] = frozenset()) -> tuple[list[DeviceVerdict], ScanStats]:
    """Scan the targets; `on_device` is called as each device is done (persist it there). Hosts in `skip`
    (already done in an interrupted scan being resumed) are not probed again.

    The targets are walked lazily, BATCH_HOSTS addresses at a time, so memory stays bounded whatever their
    size: a /8 is never listed. Each batch is swept for live hosts first (sweep.py: at the scan's rate, waits
    from measured round trips); only those get the port scan and unicast discovery, while the next batch is
    swept. Multicast and mDNS run once, with the first batch, which finishes before the next begins: a target
    that answered multicast before its batch came is port-scanned at once and left out of its batch."""
    stats = ScanStats()
    results: list[DeviceVerdict] = []
    accept = targets.is_target  # multicast and mDNS replies from anything else are dropped unread
    sem = asyncio.Semaphore(options.concurrency)
    bucket = TokenBucket(options.rate)  # one rate for every probe of the scan
    rtt = RttEstimator()
    if options.multicast6_if == "auto":  # the interface whose segment holds the IPv6 targets, if there is one
        options = dataclasses.replace(options, multicast6_if=local_interface6_for(targets))
    ipv6_dev = options.multicast6_if if targets.has_ipv6 else None
    sweeper = (Sweeper(bucket, rtt, options.rate, neighbours=lambda: neighbour_macs(accept, ipv6_dev))
               if options.host_discovery else None)

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

    probing: list[asyncio.Task[None]] = []
    probed: set[str] = set(skip)

    async def depth(hosts: list[str], first: bool) -> None:
        """Port scan and unicast discovery of a batch's live hosts (with multicast and mDNS for the first)."""
        if not hosts and not first:
            return
        udp_task = udp_discovery(hosts, accept, rate=options.rate, window_s=options.udp_window_s, bucket=bucket,
                                 multicast_if=options.multicast_if if first else None,
                                 multicast6_if=options.multicast6_if if first else None)
        mdns_task = (mdns_browse(options.multicast_if, accept, options.udp_window_s)
                     if first and options.mdns and options.multicast_if else asyncio.sleep(0, result={}))
        open_ports, (udp_found, sent), mdns_found = await asyncio.gather(
            _ports(hosts, options, stats, bucket, rtt), udp_task, mdns_task)
        stats.probes_sent += sent
        found: dict[str, list[Observation]] = {}
        for source in (udp_found, mdns_found):
            for ip, obs in source.items():
                if ip not in probed:
                    found.setdefault(ip, []).extend(obs)
        macs = neighbour_macs(accept, ipv6_dev)
        if first:  # a link-local segment is not walked: its hosts are those the neighbour table knows too
            for ip in macs:
                if targets.in_segment(ip) and ip not in probed:
                    found.setdefault(ip, [])
        early = sorted(set(found) - set(hosts), key=_ip_key)  # answered multicast; their batch is still to come
        if early:
            stats.targeted += len(early)
            open_ports.update(await _ports(early, options, stats, bucket, rtt))
        for ip, mac in macs.items():
            if ip in found or (ip in open_ports and ip not in probed):
                found.setdefault(ip, []).append(Observation("neighbour", mac, {"mac": mac}, "neighbour table"))
        candidates = sorted((set(open_ports) | set(found)) - probed, key=_ip_key)
        stats.candidates += len(candidates)
        probed.update(candidates)
        probing.extend(asyncio.create_task(one(ip, open_ports.get(ip, []), found.get(ip, [])))
                       for ip in candidates)

    async def run() -> None:
        stages: list[asyncio.Task[None]] = []
        try:
            for number, hosts in enumerate(host_batches(targets.hosts(options.seed), probed, BATCH_HOSTS)):
                stats.targeted += len(hosts)
                if sweeper is not None:
                    alive = await sweeper.sweep(hosts)
                    hosts = [h for h in hosts if h in alive]
                if number == 0:
                    await depth(hosts, True)
                    continue
                while sum(not t.done() for t in stages) >= MAX_DEPTH_STAGES:
                    await asyncio.wait([t for t in stages if not t.done()], return_when=asyncio.FIRST_COMPLETED)
                stages.append(asyncio.create_task(depth(hosts, False)))
            await asyncio.gather(*stages)
            await asyncio.gather(*probing)
        finally:
            for task in (*stages, *probing):
                task.cancel()

    try:
        await asyncio.wait_for(run(), options.max_duration_s)
    except TimeoutError:
        stats.timed_out = True
    finally:
        if sweeper is not None:
            sweeper.close()
            stats.swept, stats.live, stats.live_by = sweeper.stats.swept, sweeper.stats.live, dict(sweeper.stats.by)
            stats.sweep_probes = sweeper.stats.probes
            stats.probes_sent += sweeper.stats.probes
        stats.rtt_timeout_s = round(rtt.timeout_s, 4)
    stats.finished = time.time()
    return results, stats
