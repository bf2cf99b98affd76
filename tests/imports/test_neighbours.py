"""Neighbour-table parsers on real captured `ip neigh` and `arp -a` outputs (sources in tests/data/imports/neighbours/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.imports.neighbours import normalise_mac, parse_arp_a, parse_ip_neigh

DATA = Path(__file__).parent.parent / "data" / "imports" / "neighbours"


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_windows_arp_a_keeps_dynamic_unicast_entries_only() -> None:
    # the broadcast and 01-00-5e multicast rows Windows lists as "static" name no device
    assert parse_arp_a(_read("windows_10_arp_-a.out")) == [
        ("10.0.0.1", "6a:d7:9a:29:2b:82"),
        ("10.0.0.175", "78:28:ca:c4:66:fe"),
        ("10.0.0.187", "5c:aa:fd:5e:49:48"),
        ("10.0.0.198", "b8:e9:37:46:ff:76"),
    ]


def test_macos_arp_a_pads_the_octets_it_shortens() -> None:
    assert parse_arp_a(_read("macos_15.7.9_arp_-a.out")) == [("198.51.100.1", "12:34:56:00:a0:20")]
    assert parse_arp_a(_read("macos_10.12.6_arp_-an.out")) == [
        ("10.0.2.2", "52:54:00:12:35:02"),
        ("10.0.2.3", "52:54:00:12:35:03"),
    ]


def test_freebsd_and_linux_net_tools_arp_a() -> None:
    assert parse_arp_a(_read("freebsd11_arp_-a.out")) == [
        ("10.0.2.15", "08:00:27:ab:b0:67"),
        ("10.0.2.2", "52:54:00:12:35:02"),
        ("10.0.2.3", "52:54:00:12:35:03"),
    ]
    assert parse_arp_a(_read("ubuntu_18.04_arp_-a.out")) == [
        ("192.168.16.254", "00:50:56:e1:2f:51"),
        ("192.168.16.2", "00:50:56:f1:4c:50"),
    ]


def test_ip_neigh_ipv4_and_ipv6_router_entries() -> None:
    assert parse_ip_neigh(_read("android_9_ip_neighbor.out")) == [
        ("192.168.232.1", "02:00:00:00:01:00"),
        ("192.168.200.1", "8e:8f:aa:c9:d2:8b"),
        ("fe80::ff:fe00:100", "02:00:00:00:01:00"),
        ("fe80::8c8f:aaff:fec9:d28b", "8e:8f:aa:c9:d2:8b"),
    ]
    assert parse_ip_neigh(_read("android_6_ip_neighbor.out")) == [
        ("fe80::2", "52:56:00:00:00:02"),
        ("10.0.2.2", "52:55:0a:00:02:02"),
    ]


def test_ip_neigh_skips_incomplete_and_failed_entries() -> None:
    assert parse_ip_neigh(_read("debian12_iproute2-6.1_ip_neigh.out")) == [
        ("10.9.0.5", "28:57:be:00:00:01"),
        ("10.9.0.6", "3c:ef:8c:00:00:02"),
        ("fe80::3eef:8cff:fe00:2", "3c:ef:8c:00:00:02"),
    ]


def test_each_parser_ignores_the_other_format() -> None:
    # an admin who picks the wrong --format gets nothing rather than half-parsed rows
    assert parse_ip_neigh(_read("windows_10_arp_-a.out")) == []
    assert parse_arp_a(_read("debian12_iproute2-6.1_ip_neigh.out")) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("00-1B-0C-AA-BB-CC", "00:1b:0c:aa:bb:cc"),
    ("0:1b:c:aa:b:c", "00:1b:0c:aa:0b:0c"),
    ("001b.0caa.bbcc", "00:1b:0c:aa:bb:cc"),
    ("00:1b:0c:aa:bb", None),
    ("00:1b:0c:aa:bb:cc:dd", None),
    ("zz:1b:0c:aa:bb:cc", None),
    ("(incomplete)", None),
])
def test_normalise_mac(text: str, expected: str | None) -> None:
    assert normalise_mac(text) == expected


def test_hostile_input_is_bounded_and_garbage_yields_nothing() -> None:
    junk = "\x00\xff" * 10_000 + "\n" + "1.2.3.4 " * 5000 + "lladdr 00:11:22:33:44:55\n" + "? (999.1.1.1) at 00:11:22:33:44:55\n"
    assert parse_ip_neigh(junk) == []
    assert parse_arp_a(junk) == []
