"""Targets (IPs, CIDRs, ranges, hostnames, files), exclusions, and the scope guard outside which nothing is sent."""

from __future__ import annotations

import bisect
import ipaddress
import json
import os
import random
import shutil
import socket
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

SCOPE_ENV = "SPONSORWATCH_SCOPE"
MAX_UNCONFIRMED_PREFIX = 16  # targets holding more addresses than a /16, all together, need --yes
MAX_UNCONFIRMED_ADDRESSES = 2 ** (32 - MAX_UNCONFIRMED_PREFIX)
MAX_IPV6_PREFIX_ADDRESSES = 2 ** 24  # an IPv6 prefix larger than this (shorter than /104) is not enumerated
Net = ipaddress.IPv4Network | ipaddress.IPv6Network
V4_MAPPED = 0xFFFF << 32  # IPv4 addresses live at ::ffff:a.b.c.d in the one integer space of a target set
LINK_LOCAL = ipaddress.IPv6Network("fe80::/10")


class TargetError(ValueError):
    """A target cannot be parsed, resolved, or lies outside the scope."""


def split_zone(text: str) -> tuple[str, str | None]:
    """'fe80::1%eth0' → ('fe80::1', 'eth0'); the zone (interface) of an IPv6 link-local address."""
    addr, sep, zone = text.strip().partition("%")
    return addr, (zone if sep and zone else None)


def _net(text: str) -> Net:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise TargetError(f"not a network: {text!r}") from exc


def parse_scope(text: str | None) -> list[Net]:
    """'127.0.0.0/8,::1/128,fe80::/10' → networks (zones, if any, are ignored: the scope is about addresses)."""
    if not text:
        return []
    return [_net(split_zone(part)[0]) for part in text.replace(" ", ",").split(",") if part.strip()]


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


def _check_ipv6(net: ipaddress.IPv6Network, zone: str | None, original: str) -> None:
    if zone is not None and not net.subnet_of(LINK_LOCAL):
        raise TargetError(f"{original}: only link-local (fe80::/10) addresses take an interface (%zone)")
    if net.num_addresses > MAX_IPV6_PREFIX_ADDRESSES and not (zone is not None and net.subnet_of(LINK_LOCAL)):
        raise TargetError(
            f"{original} holds {net.num_addresses:,} addresses, too many to enumerate (an IPv6 target may hold at "
            f"most {MAX_IPV6_PREFIX_ADDRESSES:,}, a /{128 - MAX_IPV6_PREFIX_ADDRESSES.bit_length() + 1}); give single "
            "addresses or a /112 or longer prefix, or the link-local segment of an interface (fe80::/64%eth0), "
            "whose hosts are found by WS-Discovery multicast and the neighbour table instead")


def parse_target_zoned(text: str, resolve: bool = True) -> tuple[list[Net], str | None]:
    """A target's networks and, for IPv6 link-local ones, the interface (zone) they are reached through."""
    text = text.strip()
    if not text:
        return [], None
    addr, zone = split_zone(text)
    if ":" in addr:
        try:
            net = ipaddress.IPv6Network(addr, strict=False)
        except ValueError as exc:
            raise TargetError(f"not an IPv6 address or prefix: {text!r}") from exc
        _check_ipv6(net, zone, text)
        return [net], zone
    if "/" in text:
        return [_net(text)], None
    if "-" in text and text.replace("-", "").replace(".", "").isdigit():
        return _range(text), None
    try:
        return [ipaddress.IPv4Network(f"{ipaddress.IPv4Address(text)}/32")], None
    except ValueError:
        pass
    if not resolve:
        raise TargetError(f"not an address: {text!r}")
    try:
        infos = socket.getaddrinfo(text, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetError(f"cannot resolve {text!r}: {exc}") from exc
    return sorted({ipaddress.IPv4Network(f"{info[4][0]}/32") for info in infos}), None


def parse_target(text: str, resolve: bool = True) -> list[Net]:
    return parse_target_zoned(text, resolve)[0]


def to_int(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    """An address in the target set's one integer space (IPv4 as IPv4-mapped IPv6)."""
    return int(addr) | V4_MAPPED if addr.version == 4 else int(addr)


def from_int(value: int, zone: str | None = None) -> str:
    """The address text again; link-local IPv6 with its zone."""
    if value >> 32 == 0xFFFF:
        return f"{(value >> 24) & 255}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
    text = str(ipaddress.IPv6Address(value))
    return f"{text}%{zone}" if zone and value >> 118 == 0xFE80 >> 6 else text


def address_of(ip: str) -> tuple[int, str | None] | None:
    """('fe80::1%eth0') → (its integer, its zone); None when it is not an address."""
    addr, zone = split_zone(ip)
    try:
        return to_int(ipaddress.ip_address(addr)), zone
    except ValueError:
        return None


def sockaddr(ip: str, port: int) -> tuple[object, ...]:
    """The socket address of an IP text (IPv6 link-local with its zone resolved to the interface index)."""
    if "%" in ip:
        return socket.getaddrinfo(ip, port, socket.AF_INET6, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)[0][4]
    if ":" in ip:
        return (ip, port, 0, 0)
    return (ip, port)


def url_host(ip: str, port: int | None = None) -> str:
    """An address as the host part of a URL or a Host header: IPv6 in brackets, the zone as %25 (RFC 6874)."""
    host = f"[{ip.replace('%', '%25')}]" if ":" in ip else ip
    return f"{host}:{port}" if port is not None else host


def _span(net: Net) -> tuple[int, int]:
    return to_int(net.network_address), to_int(net.broadcast_address)


def _prefix(net: Net) -> int:
    """The prefix length in the 128-bit space (an IPv4 /24 is a /120 of ::ffff:0:0/96)."""
    return net.prefixlen + (96 if net.version == 4 else 0)


def read_targets_file(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            return [line.split("#", 1)[0].strip() for line in fh if line.split("#", 1)[0].strip()]
    except OSError as exc:
        raise TargetError(f"targets file {path}: {exc}") from exc


class _Shuffle:
    """A seeded permutation of range(n) computed one index at a time (masscan's approach): a balanced Feistel
    network over the smallest even power of two not below n, walked until it lands inside range(n). Memory is
    constant whatever n is; the walk takes fewer than four steps on average, since the domain is under 4n."""

    ROUNDS = 4

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.half = max(1, ((n - 1).bit_length() + 1) // 2)
        self.mask = (1 << self.half) - 1
        rng = random.Random(seed)
        self.keys = [rng.getrandbits(32) for _ in range(self.ROUNDS)]

    def _encrypt(self, x: int) -> int:
        half, mask = self.half, self.mask
        left, right = x >> half, x & mask
        for key in self.keys:
            f = ((right ^ key) * 0x9E3779B1) & 0xFFFFFFFF
            f ^= f >> 15
            f = (f * 0x85EBCA6B) & 0xFFFFFFFF
            left, right = right, left ^ ((f ^ (f >> 13)) & mask)
        return (left << half) | right

    def __getitem__(self, i: int) -> int:
        x = self._encrypt(i)
        while x >= self.n:
            x = self._encrypt(x)
        return x


def _collapse(nets: Iterable[Net]) -> list[tuple[int, int]]:
    """Networks of either family as sorted, non-overlapping integer spans."""
    nets = list(nets)
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    merged: list[Net] = [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]
    return [_span(n) for n in merged]


@dataclass
class TargetSet:
    networks: list[Net]
    excluded: list[Net]
    scope: list[Net]
    zone: str | None = None  # the interface IPv6 link-local targets are reached through (one per scan)
    # Link-local prefixes too large to enumerate (fe80::/64%eth0): not walked; their hosts are those found by
    # multicast discovery and the neighbour table of the zone's interface.
    segments: list[Net] = field(default_factory=list)
    # Derived, as integer ranges: the targets without overlaps (what hosts() walks), and the networks of the
    # targets by prefix length (to tell a target's host from its network and broadcast addresses).
    _blocks: list[tuple[int, int]] = field(init=False, repr=False)
    _offsets: list[int] = field(init=False, repr=False)
    _by_prefix: dict[int, set[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._blocks = _collapse(self.networks)
        self._offsets = []
        total = 0
        for first, last in self._blocks:
            self._offsets.append(total)
            total += last - first + 1
        self._by_prefix = {}
        for n in self.networks:
            self._by_prefix.setdefault(_prefix(n), set()).add(to_int(n.network_address))

    @property
    def addresses(self) -> int:
        """Addresses the targets cover, each counted once however many targets hold it (exclusions not taken)."""
        return sum(last - first + 1 for first, last in self._blocks)

    @property
    def has_ipv6(self) -> bool:
        return bool(self.segments) or any(n.version == 6 for n in self.networks)

    def __len__(self) -> int:
        """Addresses the targets cover, each counted once, less the excluded ones."""
        out = 0
        for lo, hi in _collapse(self.excluded):
            for first, last in self._blocks:
                out += max(0, min(hi, last) - max(lo, first) + 1)
        return self.addresses - out

    def _zone_ok(self, value: int, zone: str | None) -> bool:
        """A link-local address is ours only on the targets' interface (a reply may name its zone or not)."""
        return not (value >> 118 == 0x3FA and zone is not None and self.zone is not None and zone != self.zone)

    def in_scope(self, ip: str) -> bool:
        parsed = address_of(ip)
        if parsed is None:
            return False
        value, zone = parsed
        return (self._zone_ok(value, zone) and any(lo <= value <= hi for lo, hi in map(_span, self.scope))
                and not any(lo <= value <= hi for lo, hi in map(_span, self.excluded)))

    def is_target(self, ip: str) -> bool:
        """In scope, among the targets and not excluded: what replies (multicast included) may come from."""
        parsed = address_of(ip)
        return (parsed is not None and self.in_scope(ip)
                and any(lo <= parsed[0] <= hi for lo, hi in (*self._blocks, *map(_span, self.segments))))

    def in_segment(self, ip: str) -> bool:
        """A target found on a link-local segment target (those are not walked, only discovered)."""
        parsed = address_of(ip)
        return (parsed is not None and self.is_target(ip)
                and any(lo <= parsed[0] <= hi for lo, hi in map(_span, self.segments)))

    def _is_host(self, addr: int) -> bool:
        """A host of some target: inside it and, for IPv4 targets larger than a /31, not its network or broadcast
        address (those are only skipped when no other target holds them as a host); for IPv6 ones larger than a
        /127, not the Subnet-Router anycast (network) address."""
        for prefix, starts in self._by_prefix.items():
            host_bits = 128 - prefix
            start = addr >> host_bits << host_bits
            if start not in starts:
                continue
            if prefix >= 127:  # IPv4 /31 and /32, IPv6 /127 and /128: every address is a host
                return True
            if addr >> 32 == 0xFFFF:  # IPv4: neither the network nor the broadcast address
                if start < addr < start | ((1 << host_bits) - 1):
                    return True
            elif start < addr:
                return True
        return False

    def hosts(self, seed: int = 0) -> Iterator[str]:
        """Every target address once (overlapping targets included once), in an order shuffled over all of them
        from a seed (masscan habit: no subnet is hit in a burst), out-of-scope and excluded addresses removed.
        Lazy and constant in memory: a /8 yields its first address at once, without a list of 16 million."""
        total = self.addresses
        shuffle = _Shuffle(total, seed)
        scope = [_span(n) for n in self.scope]
        excluded = [_span(n) for n in self.excluded]
        blocks, offsets = self._blocks, self._offsets
        one_block = len(blocks) == 1
        # The usual case, targets inside the scope, needs no per-address scope test.
        scoped = all(any(lo <= first and last <= hi for lo, hi in scope) for first, last in blocks)
        for i in range(total):
            index = shuffle[i]
            block = 0 if one_block else bisect.bisect_right(offsets, index) - 1
            addr = blocks[block][0] + index - offsets[block]
            if (self._is_host(addr) and (scoped or any(lo <= addr <= hi for lo, hi in scope))
                    and not any(lo <= addr <= hi for lo, hi in excluded)):
                yield from_int(addr, self.zone)


def build_targets(targets: Iterable[str], *, exclude: Iterable[str] = (), scope: str | None = None,
                  confirm_large: bool = False, resolve: bool = True) -> TargetSet:
    """Parse and check targets. The scope is --scope, else $SPONSORWATCH_SCOPE, else the targets themselves; a
    target outside an explicit scope is an error, not a silent skip. Targets that hold more addresses than a
    /16 all together (each address counted once) need `confirm_large` (--yes); an IPv6 prefix too large to
    enumerate is refused, except a link-local segment (fe80::/64%eth0), which is discovered instead."""
    nets: list[Net] = []
    segments: list[Net] = []
    zones: set[str] = set()
    for t in targets:
        found, zone = parse_target_zoned(t, resolve)
        if zone is not None:
            zones.add(zone)
        for n in found:
            (segments if n.num_addresses > MAX_IPV6_PREFIX_ADDRESSES else nets).append(n)
    if not nets and not segments:
        raise TargetError("no targets given")
    if len(zones) > 1:
        raise TargetError(f"link-local targets on several interfaces ({', '.join(sorted(zones))}); scan one "
                          "interface at a time")
    excluded = [n for t in exclude for n in parse_target(t, resolve)]
    explicit = parse_scope(scope) or parse_scope(os.environ.get(SCOPE_ENV))
    for n in (*nets, *segments):
        if explicit and not any(n.version == s.version and n.subnet_of(s) for s in explicit):  # type: ignore[arg-type]
            raise TargetError(f"target {n} is outside the scope {', '.join(map(str, explicit))}")
    target_set = TargetSet(nets, excluded, explicit or [*nets, *segments], zone=next(iter(zones), None),
                           segments=segments)
    if target_set.addresses > MAX_UNCONFIRMED_ADDRESSES and not confirm_large:
        what = f"target {nets[0]} is" if len(nets) == 1 else f"the {len(nets)} targets together are"
        raise TargetError(f"{what} larger than a /{MAX_UNCONFIRMED_PREFIX} ({target_set.addresses:,} addresses, "
                          f"more than {MAX_UNCONFIRMED_ADDRESSES:,}); confirm with --yes")
    return target_set


def _ip_addr_json(family: str) -> list[dict[str, object]]:
    if shutil.which("ip") is None:
        return []
    try:
        out = subprocess.run(["ip", "-j", family, "addr", "show"], capture_output=True, text=True, timeout=5,
                             check=True)
        links = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return []
    return links if isinstance(links, list) else []


def local_interface_for(networks: list[Net]) -> str | None:
    """The address of the local interface whose subnet holds every IPv4 target (a local segment), if any:
    multicast discovery goes out there and only there."""
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    if not v4:
        return None
    if all(n.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")) for n in v4):
        return "127.0.0.1"
    for link in _ip_addr_json("-4"):
        for addr in link.get("addr_info", []):  # type: ignore[attr-defined]
            iface = ipaddress.IPv4Interface(f"{addr['local']}/{addr['prefixlen']}")
            if all(n.subnet_of(iface.network) for n in v4):
                return str(iface.ip)
    return None


def local_interface6_for(targets: TargetSet) -> str | None:
    """The interface (name) whose segment holds every IPv6 target, for WS-Discovery on ff02::c: the zone of
    link-local targets, else the interface with a prefix holding them all (none for ::1: unicast does there)."""
    v6 = [n for n in (*targets.networks, *targets.segments) if isinstance(n, ipaddress.IPv6Network)]
    if not v6:
        return None
    if targets.zone is not None and all(n.subnet_of(LINK_LOCAL) for n in v6):
        return targets.zone
    if all(n == ipaddress.IPv6Network("::1/128") for n in v6):
        return None
    for link in _ip_addr_json("-6"):
        for addr in link.get("addr_info", []):  # type: ignore[attr-defined]
            iface = ipaddress.IPv6Interface(f"{addr['local']}/{addr['prefixlen']}")
            if iface.network.prefixlen > 0 and all(n.subnet_of(iface.network) for n in v6):
                return str(link.get("ifname")) if link.get("ifname") else None
    return None
