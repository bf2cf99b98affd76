"""Which neighbour table each platform reads, and what comes out of it, on captured outputs (the samples of
tests/data/imports/neighbours, with their sources in its README). Commands run with a timeout."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from scanner.discovery import neighbours
from scanner.discovery.neighbours import PROC_ARP, neighbour_table, parse_proc_arp, read_source, table_sources

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "imports" / "neighbours"
# /proc/net/arp as Linux formats it (net/ipv4/arp.c, arp_format_neigh_entry); an incomplete entry has no MAC.
PROC_SAMPLE = """IP address       HW type     Flags       HW address            Mask     Device
192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
192.0.2.7        0x1         0x0         00:00:00:00:00:00     *        eth0
192.0.2.9        0x1         0x2         28:57:BE:00:00:01     *        eth0
"""


def _which(*present: str):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_each_platform_reads_its_own_table() -> None:
    def argv(system: str, proc: bool, which: object, dev: str | None = None) -> list[str]:
        return [str(s) for s in table_sources(system, proc, which, dev)]  # type: ignore[arg-type]

    assert argv("Linux", True, _which("ip", "arp")) == [PROC_ARP]
    assert argv("Linux", True, _which("ip"), "eth0") == [PROC_ARP, "ip -6 neigh show dev eth0"]
    assert argv("Linux", False, _which("ip", "arp")) == ["ip -4 neigh show"]  # no /proc (a container, Android)
    assert argv("Linux", False, _which("arp")) == ["arp -an"]
    assert argv("Linux", False, _which()) == []
    assert argv("Windows", False, _which()) == ["arp -a"]
    assert argv("Darwin", False, _which("arp")) == ["arp -an"]
    assert argv("FreeBSD", False, _which("arp")) == ["arp -an"]


@pytest.mark.parametrize(("system", "sample", "expected"), [
    ("Windows", "windows_10_arp_-a.out", ("10.0.0.1", "6a:d7:9a:29:2b:82")),
    ("Darwin", "macos_10.12.6_arp_-an.out", ("10.0.2.2", "52:54:00:12:35:02")),
    ("FreeBSD", "freebsd11_arp_-a.out", None),
])
def test_captured_outputs_through_the_chosen_parser(system: str, sample: str, expected: tuple[str, str] | None
                                                    ) -> None:
    [source] = table_sources(system, False, _which("arp"))
    pairs = source.parse((SAMPLES / sample).read_text(encoding="utf-8"))
    assert pairs and all(mac == mac.lower() and len(mac) == 17 for _, mac in pairs)
    assert not any(ip.startswith("224.") or mac.startswith("01:00:5e") for ip, mac in pairs)  # groups name no device
    if expected is not None:
        assert expected in pairs


def test_linux_without_proc_and_ipv6_neighbours() -> None:
    text = (SAMPLES / "debian12_iproute2-6.1_ip_neigh.out").read_text(encoding="utf-8")
    [v4] = table_sources("Linux", False, _which("ip"))
    pairs = v4.parse(text)
    assert ("10.9.0.5", "28:57:be:00:00:01") in pairs and not any(ip in ("10.9.0.7", "10.9.0.8") for ip, _ in pairs)
    assert parse_proc_arp(PROC_SAMPLE) == [("192.0.2.1", "02:fc:00:00:00:05"), ("192.0.2.9", "28:57:be:00:00:01")]


def _shim(tmp_path: Path, name: str, body: str) -> None:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_the_command_is_run_and_filtered_by_the_scope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`arp -a` as Windows prints it, from a stand-in `arp` on PATH (the real one does not run on Linux)."""
    _shim(tmp_path, "arp", f"cat '{SAMPLES / 'windows_10_arp_-a.out'}'")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    table = neighbour_table(lambda ip: ip.startswith("10.0.0."), system="Windows")
    assert table and all(ip.startswith("10.0.0.") for ip in table)
    assert table["10.0.0.1"] == "6a:d7:9a:29:2b:82"


def test_a_hung_or_missing_command_gives_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _shim(tmp_path, "arp", "sleep 30")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(neighbours, "COMMAND_TIMEOUT_S", 0.5)
    assert neighbour_table(lambda ip: True, system="Windows") == {}
    missing = neighbours.TableSource(("sponsorwatch-no-such-command",), neighbours.parse_arp_a)
    assert read_source(missing) == []
