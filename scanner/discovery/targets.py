"""Targets (IPs, CIDRs, ranges, hostnames, files), exclusions, and the scope guard outside which nothing is sent."""

from __future__ import annotations

import ipaddress
import json
import os
import random
import shutil
import socket
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

SCOPE_ENV = "SPONSORWATCH_SCOPE"
MAX_UNCONFIRMED_PREFIX = 16  # larger than a /16 needs --yes
IPv4 = ipaddress.IPv4Address
Net = ipaddress.IPv4Network


class TargetError(ValueError):
    """A target cannot be parsed, resolved, or lies outside the scope."""


def _net(text: str) -> Net:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)  # type: ignore[return-value]
    except ValueError as exc:
        raise TargetError(f"not a network: {text!r}") from exc


def parse_scope(text: str | None) -> list[Net]:
    """'127.0.0.0/8,10.20.0.0/22' → networks (IPv4 only for now)."""
    if not text:
        return []
    nets = [_net(part) for part in text.replace(" ", ",").split(",") if part.strip()]
    for n in nets:
        if n.version != 4:
            raise TargetError(f"only IPv4 scopes are supported: {n}")
    return nets


def _range(text: str) -> list[Net]:
    start_s, _, end_s = text.partition("-")
    try:
        start = ipaddress.IPv4Address(start_s.strip())
        end_part = end_s.strip()
        if "." not in end_part:  # 10.0.0.1-20
            end = ipaddress.IPv4Address(".".join([*start_s.strip().split(".")[:3], end_part]))
        else:
            end = ipaddress.IPv4Address(end_part)
    except ValueError as exc:
        raise TargetError(f"not an address range: {text!r}") from exc
    if end < start:
        raise TargetError(f"range ends before it starts: {text!r}")
    return list(ipaddress.summarize_address_range(start, end))


def parse_target(text: str, resolve: bool = True) -> list[Net]:
    text = text.strip()
    if not text:
        return []
    if "/" in text:
        return [_net(text)]
    if "-" in text and text.replace("-", "").replace(".", "").isdigit():
        return _range(text)
    try:
        return [Net(f"{ipaddress.IPv4Address(text)}/32")]
    except ValueError:
        pass
    if not resolve:
        raise TargetError(f"not an address: {text!r}")
    try:
        infos = socket.getaddrinfo(text, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetError(f"cannot resolve {text!r}: {exc}") from exc
    return sorted({Net(f"{info[4][0]}/32") for info in infos})


def read_targets_file(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            return [line.split("#", 1)[0].strip() for line in fh if line.split("#", 1)[0].strip()]
    except OSError as exc:
        raise TargetError(f"targets file {path}: {exc}") from exc


@dataclass
class TargetSet:
    networks: list[Net]
    excluded: list[Net]
    scope: list[Net]

    def __len__(self) -> int:
        return sum(n.num_addresses for n in self.networks) - sum(
            (n.num_addresses for n in self.excluded if any(n.subnet_of(t) for t in self.networks)), 0)

    def in_scope(self, ip: str) -> bool:
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError:
            return False
        return any(addr in n for n in self.scope) and not any(addr in n for n in self.excluded)

    def is_target(self, ip: str) -> bool:
        """In scope, among the targets and not excluded: what replies (multicast included) may come from."""
        return self.in_scope(ip) and any(ipaddress.IPv4Address(ip) in n for n in self.networks)

    def hosts(self, seed: int = 0) -> Iterator[str]:
        """Every target address once, in a shuffled order from a seed (masscan habit), exclusions removed."""
        order = list(self.networks)
        random.Random(seed).shuffle(order)
        for net in order:
            addrs = [net.network_address] if net.num_addresses == 1 else list(net.hosts())
            random.Random(seed + int(net.network_address)).shuffle(addrs)
            for addr in addrs:
                ip = str(addr)
                if self.in_scope(ip):
                    yield ip


def build_targets(targets: Iterable[str], *, exclude: Iterable[str] = (), scope: str | None = None,
                  confirm_large: bool = False, resolve: bool = True) -> TargetSet:
    """Parse and check targets. The scope is --scope, else $SPONSORWATCH_SCOPE, else the targets themselves; a
    target outside an explicit scope is an error, not a silent skip."""
    nets = [n for t in targets for n in parse_target(t, resolve)]
    if not nets:
        raise TargetError("no targets given")
    excluded = [n for t in exclude for n in parse_target(t, resolve)]
    explicit = parse_scope(scope) or parse_scope(os.environ.get(SCOPE_ENV))
    for n in nets:
        if explicit and not any(n.subnet_of(s) for s in explicit):
            raise TargetError(f"target {n} is outside the scope {', '.join(map(str, explicit))}")
        if n.prefixlen < MAX_UNCONFIRMED_PREFIX and not confirm_large:
            raise TargetError(f"target {n} is larger than a /{MAX_UNCONFIRMED_PREFIX}; confirm with --yes")
    return TargetSet(nets, excluded, explicit or nets)


def local_interface_for(networks: list[Net]) -> str | None:
    """The address of the local interface whose subnet holds every target (a local segment), if any: multicast
    discovery goes out there and only there."""
    if all(n.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")) for n in networks):
        return "127.0.0.1"
    if shutil.which("ip") is None:
        return None
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr", "show"], capture_output=True, text=True, timeout=5, check=True)
        links = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    for link in links:
        for addr in link.get("addr_info", []):
            iface = ipaddress.IPv4Interface(f"{addr['local']}/{addr['prefixlen']}")
            if all(n.subnet_of(iface.network) for n in networks):
                return str(iface.ip)
    return None
