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
IPv4 = ipaddress.IPv4Address
Net = ipaddress.IPv4Network


class TargetError(ValueError):
    """A target cannot be parsed, resolved, or lies outside the scope."""


IPV6_UNSUPPORTED = "the scanner speaks IPv4 only for now"


def _net(text: str) -> Net:
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise TargetError(f"not a network: {text!r}") from exc
    if not isinstance(net, Net):
        raise TargetError(f"{text.strip()} is an IPv6 network; {IPV6_UNSUPPORTED}")
    return net


def parse_scope(text: str | None) -> list[Net]:
    """'127.0.0.0/8,10.20.0.0/22' → networks (IPv4 only for now)."""
    if not text:
        return []
    return [_net(part) for part in text.replace(" ", ",").split(",") if part.strip()]


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
    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        pass
    else:
        raise TargetError(f"{text} is an IPv6 address; {IPV6_UNSUPPORTED}")
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


def _span(net: Net) -> tuple[int, int]:
    return int(net.network_address), int(net.broadcast_address)


@dataclass
class TargetSet:
    networks: list[Net]
    excluded: list[Net]
    scope: list[Net]
    # Derived, as integer ranges: the targets without overlaps (what hosts() walks), and the networks of the
    # targets by prefix length (to tell a target's host from its network and broadcast addresses).
    _blocks: list[tuple[int, int]] = field(init=False, repr=False)
    _offsets: list[int] = field(init=False, repr=False)
    _by_prefix: dict[int, set[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._blocks = [_span(n) for n in ipaddress.collapse_addresses(self.networks)]
        self._offsets = []
        total = 0
        for first, last in self._blocks:
            self._offsets.append(total)
            total += last - first + 1
        self._by_prefix = {}
        for n in self.networks:
            self._by_prefix.setdefault(n.prefixlen, set()).add(int(n.network_address))

    @property
    def addresses(self) -> int:
        """Addresses the targets cover, each counted once however many targets hold it (exclusions not taken)."""
        return sum(last - first + 1 for first, last in self._blocks)

    def __len__(self) -> int:
        """Addresses the targets cover, each counted once, less the excluded ones."""
        out = 0
        for ex in ipaddress.collapse_addresses(self.excluded):
            lo, hi = _span(ex)
            for first, last in self._blocks:
                out += max(0, min(hi, last) - max(lo, first) + 1)
        return self.addresses - out

    def in_scope(self, ip: str) -> bool:
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError:
            return False
        return any(addr in n for n in self.scope) and not any(addr in n for n in self.excluded)

    def is_target(self, ip: str) -> bool:
        """In scope, among the targets and not excluded: what replies (multicast included) may come from."""
        return self.in_scope(ip) and any(ipaddress.IPv4Address(ip) in n for n in self.networks)

    def _is_host(self, addr: int) -> bool:
        """A host of some target: inside it and, for targets larger than a /31, not its network or broadcast
        address (those are only skipped when no other target holds them as a host)."""
        for prefix, starts in self._by_prefix.items():
            start = addr & ((0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF)
            if start in starts and (prefix >= 31 or start < addr < start | (0xFFFFFFFF >> prefix)):
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
                yield f"{addr >> 24}.{(addr >> 16) & 255}.{(addr >> 8) & 255}.{addr & 255}"


def build_targets(targets: Iterable[str], *, exclude: Iterable[str] = (), scope: str | None = None,
                  confirm_large: bool = False, resolve: bool = True) -> TargetSet:
    """Parse and check targets. The scope is --scope, else $SPONSORWATCH_SCOPE, else the targets themselves; a
    target outside an explicit scope is an error, not a silent skip. Targets that hold more addresses than a
    /16 all together (each address counted once) need `confirm_large` (--yes)."""
    nets = [n for t in targets for n in parse_target(t, resolve)]
    if not nets:
        raise TargetError("no targets given")
    excluded = [n for t in exclude for n in parse_target(t, resolve)]
    explicit = parse_scope(scope) or parse_scope(os.environ.get(SCOPE_ENV))
    for n in nets:
        if explicit and not any(n.subnet_of(s) for s in explicit):
            raise TargetError(f"target {n} is outside the scope {', '.join(map(str, explicit))}")
    target_set = TargetSet(nets, excluded, explicit or nets)
    if target_set.addresses > MAX_UNCONFIRMED_ADDRESSES and not confirm_large:
        what = f"target {nets[0]} is" if len(nets) == 1 else f"the {len(nets)} targets together are"
        raise TargetError(f"{what} larger than a /{MAX_UNCONFIRMED_PREFIX} ({target_set.addresses:,} addresses, "
                          f"more than {MAX_UNCONFIRMED_ADDRESSES:,}); confirm with --yes")
    return target_set


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
