"""A network namespace of the lab's own, for tests and benchmarks that need more than 127.0.0.x answering: silent
addresses (dropped with nftables, as on a routed network) and an IPv6 link-local segment (a veth pair).

Everything here refuses to touch a namespace that has any interface besides loopback and the lab's own
(`swlab*`): it never changes the machine's real network. `run_isolated` re-runs a command in a fresh namespace
(`unshare --net`, or `unshare -rn` without root), where it may then set itself up.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from scanner.lab.profiles import LabError

PREFIX = "swlab"  # the lab's interfaces; nothing else may exist in the namespace but lo
NFT_TABLE = "swlab"
LINK_A, LINK_B = f"{PREFIX}0", f"{PREFIX}1"  # the scanner's side and the devices' side of the veth pair
LINK_A_ADDR = "fe80::5:1"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=10)


def interfaces() -> list[str]:
    out = subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True, check=True, timeout=10)
    return [str(link.get("ifname", "")) for link in json.loads(out.stdout)]


def in_fresh_namespace() -> bool:
    """True in a namespace holding only loopback and the lab's own links: nothing here can reach a real network."""
    try:
        names = interfaces()
    except (OSError, subprocess.SubprocessError, ValueError):
        return False
    return "lo" in names and all(n == "lo" or n.startswith(PREFIX) for n in names)


def _require_fresh() -> None:
    if not in_fresh_namespace():
        raise LabError("refusing to change the network outside a namespace of our own (interfaces: "
                       f"{', '.join(interfaces())}); run through scanner.lab.netns.run_isolated or unshare --net")


def unshare_prefix() -> list[str]:
    """The command that runs the rest in a fresh network namespace."""
    if shutil.which("unshare") is None:
        raise LabError("unshare (util-linux) is needed to make a network namespace")
    return ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "-rn"]


def run_isolated(argv: Sequence[str], timeout_s: float, env: dict[str, str] | None = None
                 ) -> subprocess.CompletedProcess[str]:
    """Run `argv` in a fresh network namespace and return what it printed."""
    return subprocess.run([*unshare_prefix(), *argv], capture_output=True, text=True, timeout=timeout_s, env=env,
                          check=False)


def reexec_isolated() -> None:
    """Re-run this Python program in a fresh namespace unless it already runs in one (benchmarks call this)."""
    if in_fresh_namespace():
        return
    os.execvp(unshare_prefix()[0], [*unshare_prefix(), sys.executable, *sys.argv])


def setup_loopback() -> None:
    """lo up with multicast, IPv4 groups routed to it (IPv6 multicast is tested on a veth pair instead)."""
    _require_fresh()
    _ip("link", "set", "lo", "up")
    _ip("link", "set", "lo", "multicast", "on")
    subprocess.run(["ip", "route", "replace", "224.0.0.0/4", "dev", "lo"], check=True, capture_output=True,
                   timeout=10)


def add_silent(network: str, answering: Sequence[str] = ()) -> None:
    """Make `network` exist in this namespace (routed to lo) and drop every packet to it with nftables, as a
    routed network drops packets to empty addresses: a sender sees no reply and no error. Addresses in
    `answering` are left alone (they answer like a host with closed ports: a RST)."""
    _require_fresh()
    net = ipaddress.ip_network(network)
    if shutil.which("nft") is None:
        raise LabError("nft (Debian package nftables) is needed to make silent addresses")
    family = "ip6" if net.version == 6 else "ip"
    subprocess.run(["ip", f"-{net.version}", "route", "replace", "local", str(net), "dev", "lo", "table", "local"],
                   check=True, capture_output=True, timeout=10)
    keep = ", ".join(answering)
    rules = [f"add table inet {NFT_TABLE}",
             f"add chain inet {NFT_TABLE} input {{ type filter hook input priority 0; policy accept; }}"]
    if keep:
        rules.append(f"add rule inet {NFT_TABLE} input {family} daddr {{ {keep} }} accept")
    icmp = "icmpv6 type echo-request" if net.version == 6 else "icmp type echo-request"
    rules += [f"add rule inet {NFT_TABLE} input {family} daddr {net} tcp dport {{ 80, 443 }} counter drop "
              'comment "sweep tcp"',
              f'add rule inet {NFT_TABLE} input {family} daddr {net} {icmp} counter drop comment "sweep icmp"',
              f'add rule inet {NFT_TABLE} input {family} daddr {net} counter drop comment "deep"']
    subprocess.run(["nft", "-f", "-"], input="\n".join(rules) + "\n", check=True, capture_output=True, text=True,
                   timeout=10)


def drop_counters() -> dict[str, int]:
    """Packets dropped so far, by rule comment: "sweep tcp" (connects to 80 and 443), "sweep icmp" (echo
    requests) and "deep" (everything else: the other ports, discovery datagrams); silent networks add up."""
    out = subprocess.run(["nft", "-j", "list", "table", "inet", NFT_TABLE], capture_output=True, text=True,
                         check=True, timeout=10)
    counts: dict[str, int] = {}
    for item in json.loads(out.stdout).get("nftables", []):
        rule = item.get("rule")
        if not rule or "comment" not in rule:
            continue
        for expr in rule.get("expr", []):
            if "counter" in expr:
                counts[rule["comment"]] = counts.get(rule["comment"], 0) + int(expr["counter"]["packets"])
    return counts


def add_link_local_pair(device_addrs: Sequence[str]) -> tuple[str, str]:
    """A veth pair inside the namespace: LINK_A (the scanner's side, fe80::5:1) and LINK_B (the devices' side,
    holding `device_addrs`, link-local addresses without a zone). Duplicate address detection is off, so the
    addresses are usable at once. Returns the two interface names."""
    _require_fresh()
    for addr in device_addrs:
        if not ipaddress.IPv6Address(addr).is_link_local:
            raise LabError(f"{addr} is not a link-local address")
    _ip("link", "add", LINK_A, "type", "veth", "peer", "name", LINK_B)
    for link in (LINK_A, LINK_B):
        subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{link}.addr_gen_mode=1"], check=False, capture_output=True,
                       timeout=10)
        _ip("link", "set", link, "up")
    _ip("-6", "addr", "add", f"{LINK_A_ADDR}/64", "dev", LINK_A, "nodad")
    for addr in device_addrs:
        _ip("-6", "addr", "add", f"{addr}/64", "dev", LINK_B, "nodad")
    return LINK_A, LINK_B
