"""Targets, exclusions and the scope guard."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.discovery.targets import TargetError, TargetSet, build_targets, parse_target, read_targets_file


def test_target_forms() -> None:
    assert [str(n) for n in parse_target("127.0.0.5")] == ["127.0.0.5/32"]
    assert [str(n) for n in parse_target("127.0.0.0/30")] == ["127.0.0.0/30"]
    assert [str(n) for n in parse_target("127.0.0.10-13")] == ["127.0.0.10/31", "127.0.0.12/31"]
    assert [str(n) for n in parse_target("127.0.0.254-127.0.1.1")] == ["127.0.0.254/31", "127.0.1.0/31"]
    assert [str(n) for n in parse_target("localhost")] == ["127.0.0.1/32"]
    for bad in ("127.0.0.300", "127.0.0.9-3", "not a host.invalid"):
        with pytest.raises(TargetError):
            parse_target(bad)


def test_hosts_are_shuffled_deterministically_and_exclusions_removed() -> None:
    ts = build_targets(["127.0.0.0/28"], exclude=["127.0.0.5", "127.0.0.8/30"], scope="127.0.0.0/8")
    hosts = list(ts.hosts(seed=7))
    assert hosts == list(ts.hosts(seed=7)) and hosts != sorted(hosts, key=lambda a: int(a.split(".")[-1]))
    assert "127.0.0.5" not in hosts and not {"127.0.0.8", "127.0.0.9", "127.0.0.10", "127.0.0.11"} & set(hosts)
    assert len(hosts) == 14 - 5


def test_scope_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TargetError, match="outside the scope"):
        build_targets(["127.0.1.0/24"], scope="127.0.0.0/24")
    monkeypatch.setenv("SPONSORWATCH_SCOPE", "127.0.0.0/8")
    with pytest.raises(TargetError, match="outside the scope"):
        build_targets(["198.51.100.7"])  # documentation range: refused before anything is sent
    ts = build_targets(["127.0.0.0/24"])
    assert ts.in_scope("127.0.0.9") and not ts.in_scope("198.51.100.7") and not ts.in_scope("garbage")


def test_large_targets_need_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPONSORWATCH_SCOPE", raising=False)
    with pytest.raises(TargetError, match="larger than a /16"):
        build_targets(["127.0.0.0/15"])
    assert len(build_targets(["127.0.0.0/15"], confirm_large=True)) == 2**17


def test_targets_file(tmp_path: Path) -> None:
    path = tmp_path / "targets.txt"
    path.write_text("# cameras\n127.0.0.10\n\n127.0.0.20-21  # NVRs\n", encoding="utf-8")
    assert read_targets_file(str(path)) == ["127.0.0.10", "127.0.0.20-21"]
    with pytest.raises(TargetError):
        read_targets_file(str(path) + ".missing")


def _reference_hosts(ts: TargetSet) -> set[str]:
    """Every target's hosts by the book (ipaddress), each once, minus what is out of scope or excluded."""
    out = set()
    for net in ts.networks:
        addrs = [net.network_address] if net.num_addresses == 1 else list(net.hosts())
        out |= {str(a) for a in addrs if ts.in_scope(str(a))}
    return out


@pytest.mark.parametrize(("targets", "exclude", "scope"), [
    (["127.0.0.0/24"], [], None),
    (["127.0.0.0/25", "127.0.0.128/25"], [], None),  # each half keeps its own network and broadcast out
    (["127.0.0.0/24", "127.0.0.0/25", "127.0.0.64/26"], [], None),  # overlapping targets: each address once
    (["127.0.0.10-13", "127.0.0.5", "127.0.0.254-127.0.1.1"], [], None),  # /31s and /32s are all hosts
    (["127.0.0.0/22"], ["127.0.1.0/24", "127.0.2.7"], None),
    (["127.0.0.0/23", "127.0.4.0/24"], ["127.0.0.128/25"], "127.0.0.0/8"),
    (["127.1.0.0/20", "127.1.2.0/24", "127.3.0.1"], ["127.1.3.3"], None),
])
def test_hosts_are_every_target_host_once_whatever_the_seed(targets: list[str], exclude: list[str],
                                                            scope: str | None) -> None:
    ts = build_targets(targets, exclude=exclude, scope=scope, resolve=False)
    want = _reference_hosts(ts)
    for seed in (0, 1, 12345):
        hosts = list(ts.hosts(seed))
        assert len(hosts) == len(set(hosts)) and set(hosts) == want
    assert list(ts.hosts(5)) != list(ts.hosts(6))


def test_hosts_are_shuffled_across_all_targets_not_target_by_target() -> None:
    ts = build_targets(["127.0.0.0/24", "127.0.1.0/24"], resolve=False)
    first = list(itertools.islice(ts.hosts(seed=1), 64))
    assert {h.rsplit(".", 2)[1] for h in first} == {"0", "1"}  # both networks early on, not one after the other


def test_the_first_hosts_of_a_slash_8_come_without_building_its_list() -> None:
    """Building the first 1,000 hosts of a /8 used to list all 16.7 million (about 1.4 GB and 40 s of CPU first);
    now the walk is lazy. Run under an address-space limit far below that list."""
    code = ("import itertools, resource\n"
            "from scanner.discovery.targets import build_targets\n"
            "limit = 256 * 2**20 + int(open('/proc/self/statm').read().split()[5]) * resource.getpagesize()\n"
            "ts = build_targets(['10.0.0.0/8'], confirm_large=True, resolve=False, scope='10.0.0.0/8')\n"
            "resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))\n"
            "first = list(itertools.islice(ts.hosts(seed=3), 1000))\n"
            "peak = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')][0]\n"
            "print(len(set(first)), all(h.startswith('10.') for h in first), int(peak) // 1024)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    count, inside, max_rss_mb = out.stdout.split()
    assert (count, inside) == ("1000", "True") and int(max_rss_mb) < 100


def test_the_size_guard_counts_every_target_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPONSORWATCH_SCOPE", raising=False)
    many = [f"10.{i}.0.0/16" for i in range(256)]  # a /8 given as /16s
    with pytest.raises(TargetError, match=r"256 targets together are larger than a /16 \(16,777,216 addresses"):
        build_targets(many, resolve=False)
    with pytest.raises(TargetError, match="larger than a /16"):
        build_targets(["10.0.0.0/17", "10.1.0.0/17", "10.2.0.0/17"], resolve=False)
    assert len(build_targets(many, confirm_large=True, resolve=False)) == 2**24
    assert len(build_targets(["10.0.0.0/17", "10.1.0.0/17"], resolve=False)) == 2**16  # exactly a /16 is fine
    assert len(build_targets(["10.0.0.0/16", "10.0.0.0/16", "10.0.3.0/24"], resolve=False)) == 2**16  # overlaps once
    assert len(build_targets(["10.0.0.0/16"], exclude=["10.0.1.0/24", "10.0.1.0/25"], resolve=False)) == 2**16 - 256


def test_a_scan_of_a_slash_8_runs_in_bounded_memory() -> None:
    """The scan walks the targets in batches: a /8 of loopback (sockets on loopback only) scanned for a few
    seconds under an address-space limit that its list of hosts alone would exceed several times over."""
    code = ("import asyncio, resource\n"
            "from scanner.discovery.scan import ScanOptions, scan\n"
            "from scanner.discovery.targets import build_targets\n"
            "ts = build_targets(['127.0.0.0/8'], confirm_large=True, resolve=False, scope='127.0.0.0/8')\n"
            "limit = 300 * 2**20 + int(open('/proc/self/statm').read().split()[5]) * resource.getpagesize()\n"
            "resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))\n"
            "options = ScanOptions(engine='asyncio', max_duration_s=3, udp_window_s=0.2, multicast_if=None)\n"
            "_, stats = asyncio.run(scan(ts, options))\n"
            "print(stats.timed_out, stats.targeted)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    timed_out, targeted = out.stdout.split()
    assert timed_out == "True" and 0 < int(targeted) < 2**24
