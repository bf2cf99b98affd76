"""Every probe the scanner sends, as one table: discovery dispatches from it and the probe counter reads it.

UDP discovery probes go to every target (and to the multicast group on a local segment); port probes go to
each open port they serve. The request lists are the banner modules' own, so a count never drifts from what
is actually sent. Nothing here logs in: credentialed probes are in authprobes and run only when asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from scanner.discovery import banners
from scanner.identify.device import Observation
from scanner.wire import dhip, sadp, wsd


@dataclass(frozen=True)
class UdpProbe:
    """A discovery protocol: its port and multicast group, and the datagrams one probe of a host sends."""

    port: int
    group: str
    payloads: Callable[[], list[bytes]]
    count: int  # datagrams per host (len(payloads()))
    group6: str | None = None  # its IPv6 multicast group; None: an IPv4-only protocol, not sent to IPv6 hosts


@dataclass(frozen=True)
class PortProbe:
    """Active probes of an open TCP port: which ports, what is sent, and the coroutine that sends it."""

    ports: tuple[int, ...]
    requests: dict[str, banners.Request]
    run: Callable[[str, int], Awaitable[list[Observation]]]


UDP_PROBES: dict[str, UdpProbe] = {
    "sadp": UdpProbe(sadp.PORT, sadp.MULTICAST_GROUP, lambda: [sadp.probe()], 1),
    "dhip": UdpProbe(dhip.PORT, dhip.MULTICAST_GROUP, lambda: [dhip.probe()], 1),
    # untyped (as nmap's wsdd sends) and NetworkVideoTransmitter-typed: some cameras answer only the latter
    "wsd": UdpProbe(wsd.PORT, wsd.MULTICAST_GROUP, lambda: [wsd.probe(False), wsd.probe(True)], 2,
                    wsd.MULTICAST_GROUP6),
}
PORT_PROBES: dict[str, PortProbe] = {
    "http": PortProbe((80, 8080), banners.HTTP_REQUESTS, banners.http_probes),
    "rtsp": PortProbe((554,), banners.RTSP_REQUESTS, banners.rtsp_probes),
    "tls": PortProbe((443, 8443), banners.TLS_REQUESTS, banners.tls_probes),
}
HTTP_PORTS = PORT_PROBES["http"].ports


def port_jobs(ip: str, open_ports: Iterable[int]) -> tuple[list[Awaitable[list[Observation]]], int]:
    """The probe coroutines for a host's open ports, and how many requests they will send."""
    jobs: list[Awaitable[list[Observation]]] = []
    requests = 0
    for port in open_ports:
        for probe in PORT_PROBES.values():
            if port in probe.ports:
                jobs.append(probe.run(ip, port))
                requests += len(probe.requests)
    return jobs, requests
