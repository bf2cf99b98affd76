"""Host discovery before port probes: silent addresses cost only the sweep, live hosts are probed in depth, and
waits follow measured round trips. Socket tests run in a namespace of their own (netns_scenarios), where
nftables drops everything sent to 127.0.250.0/24 and counts what it dropped."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.discovery import icmp
from scanner.discovery.sweep import INITIAL_TIMEOUT_S, MAX_TIMEOUT_S, MIN_TIMEOUT_S, RttEstimator
from scanner.lab import netns

ROOT = Path(__file__).resolve().parents[2]


def scenario(name: str) -> dict[str, Any]:
    if shutil.which("nft") is None:
        pytest.skip("nft (Debian package nftables) is not installed; ./dev setup installs it")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = netns.run_isolated([sys.executable, "-m", "tests.discovery.netns_scenarios", name], 300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def swept() -> dict[str, Any]:
    return scenario("sweep")


def test_silent_addresses_get_the_sweep_and_nothing_more(swept: dict[str, Any]) -> None:
    stats, drops = swept["stats"], swept["drops"]
    assert stats["swept"] == 254 + 14 and stats["live"] == 14  # 127.0.251.1-14 answer (RST or open), .250.x not
    assert drops["deep"] == 0  # not one port-scan connect or discovery datagram reached a silent address
    assert drops["sweep tcp"] >= 2 * 254  # each silent address got its connects to 80 and 443
    assert drops["sweep icmp"] in (0, 254)  # and one echo request where the system lets us send one
    assert stats["sweep_probes"] == 2 * 254 + (254 if drops["sweep icmp"] else 0) + 14  # a live host: one probe


def test_only_live_hosts_are_probed_in_depth_and_identified(swept: dict[str, Any]) -> None:
    by_ip = {v["ip"]: v for v in swept["verdicts"]}
    assert set(by_ip) == set(swept["lab"])  # the devices, nothing from the silent range
    for ip, dev in swept["lab"].items():
        if dev["profile"] != "printer":
            assert by_ip[ip]["flagged"] and by_ip[ip]["serial"] == dev["serial"], (ip, by_ip[ip])
    assert swept["stats"]["live_by"] == {"tcp": 14}


def test_without_host_discovery_silent_addresses_get_every_probe() -> None:
    """The control: the counter that stays at zero above does count port probes when they are sent."""
    off = scenario("sweep-off")
    assert off["stats"]["swept"] == 0 and off["drops"]["deep"] >= 254 * 5  # 554, 8000, 8080, 8443, 37777, UDP
    assert {v["ip"] for v in off["verdicts"]} == set(off["lab"])


def test_the_wait_follows_the_measured_round_trips(swept: dict[str, Any]) -> None:
    # Loopback replies come back in well under a millisecond: the wait fell from the initial second to the floor.
    assert swept["stats"]["rtt_timeout_s"] == MIN_TIMEOUT_S < INITIAL_TIMEOUT_S


def test_rtt_estimator() -> None:
    rtt = RttEstimator()
    assert rtt.timeout_s == INITIAL_TIMEOUT_S  # nothing measured yet
    rtt.add(0.2)
    assert rtt.srtt == 0.2 and rtt.rttvar == 0.1 and rtt.timeout_s == pytest.approx(0.6)  # RFC 6298 (2.2)
    rtt.add(0.4)  # (2.3): rttvar = 3/4·0.1 + 1/4·|0.2-0.4|, srtt = 7/8·0.2 + 1/8·0.4
    assert rtt.rttvar == pytest.approx(0.125) and rtt.srtt == pytest.approx(0.225)
    assert rtt.timeout_s == pytest.approx(0.725)
    for _ in range(50):
        rtt.add(0.0001, "127.0.0.2")
    assert rtt.timeout_s == MIN_TIMEOUT_S  # clamped below
    rtt.add(0.3, "10.9.9.9")  # a host slower than the rest keeps a wait of its own
    assert rtt.timeout_for("10.9.9.9") == pytest.approx(1.2)
    assert rtt.timeout_for("127.0.0.9") == rtt.timeout_s < 1.0
    slow = RttEstimator()
    slow.add(5.0, "10.1.1.1")
    assert slow.timeout_s == slow.timeout_for("10.1.1.1") == MAX_TIMEOUT_S  # clamped above


def test_icmp_codec() -> None:
    packet = icmp.echo_request(socket.AF_INET, 0x1234, 7)
    assert packet[0] == 8 and icmp.checksum(packet) == 0  # a valid checksum sums to zero
    reply = bytes([0, 0]) + packet[2:]
    assert icmp.parse_echo_reply(socket.AF_INET, reply, raw=False) == (0x1234, 7)
    ip_header = bytes([0x45]) + bytes(19)
    assert icmp.parse_echo_reply(socket.AF_INET, ip_header + reply, raw=True) == (0x1234, 7)
    assert icmp.parse_echo_reply(socket.AF_INET, packet, raw=False) is None  # a request is not a reply
    assert icmp.parse_echo_reply(socket.AF_INET6, bytes([129, 0, 0, 0, 0, 1, 0, 2]), raw=True) == (1, 2)
    assert icmp.parse_echo_reply(socket.AF_INET6, b"\x81", raw=False) is None  # truncated
