"""IPv6: targets and their limits, a device on ::1, and WS-Discovery over ff02::c on a link-local segment (a veth
pair inside a namespace of the test's own, see netns_scenarios)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.discovery.targets import TargetError, build_targets, url_host
from scanner.lab import netns

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def v6() -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = netns.run_isolated([sys.executable, "-m", "tests.discovery.netns_scenarios", "ipv6"], 300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_small_ipv6_targets_are_enumerated() -> None:
    ts = build_targets(["2001:db8::/126", "::1"], scope="2001:db8::/32,::1/128")
    assert sorted(ts.hosts()) == ["2001:db8::1", "2001:db8::2", "2001:db8::3", "::1"]  # no Subnet-Router anycast
    ts = build_targets(["127.0.0.0/30", "fe80::10%swlab0", "fe80::20/127%swlab0"], scope="127.0.0.0/8,fe80::/10")
    assert sorted(ts.hosts()) == ["127.0.0.1", "127.0.0.2", "fe80::10%swlab0", "fe80::20%swlab0", "fe80::21%swlab0"]
    assert ts.is_target("fe80::10%swlab0") and ts.is_target("fe80::10") and not ts.is_target("fe80::10%eth9")
    assert not ts.is_target("fe80::11%swlab0") and not ts.is_target("::1")
    assert len(build_targets(["2001:db8::/112"], resolve=False)) == 2**16


@pytest.mark.parametrize("target", ["2001:db8::/64", "2001:db8::/103", "::/0"])
def test_a_prefix_too_large_to_enumerate_is_refused_clearly(target: str) -> None:
    with pytest.raises(TargetError, match=r"too many to enumerate .*fe80::/64%eth0"):
        build_targets([target], resolve=False)


def test_large_and_scoped_ipv6_targets() -> None:
    with pytest.raises(TargetError, match="larger than a /16"):
        build_targets(["2001:db8::/104"], resolve=False)
    assert len(build_targets(["2001:db8::/104"], resolve=False, confirm_large=True)) == 2**24
    with pytest.raises(TargetError, match="outside the scope"):
        build_targets(["::1"], scope="127.0.0.0/8")
    with pytest.raises(TargetError, match="only link-local"):
        build_targets(["2001:db8::1%eth0"], resolve=False)
    with pytest.raises(TargetError, match="several interfaces"):
        build_targets(["fe80::1%a", "fe80::1%b"], resolve=False)
    segment = build_targets(["fe80::/64%eth0"], scope="fe80::/10")
    assert len(segment) == 0 and list(segment.hosts()) == []  # discovered on the link, never walked
    assert segment.in_segment("fe80::1234%eth0") and not segment.in_segment("fe80::1234%eth1")
    assert url_host("fe80::1%eth0", 80) == "[fe80::1%25eth0]:80" and url_host("127.0.0.1") == "127.0.0.1"


def test_the_cli_takes_ipv6_and_refuses_a_slash_64(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from sponsorwatch.main import main

    assert main(["scan", "2001:db8::/64", "--db", f"sqlite:///{tmp_path / 'inv.db'}"]) == 2
    err = capsys.readouterr().err
    assert "too many to enumerate" in err and "Traceback" not in err


def test_a_device_on_ipv6_loopback_is_identified(v6: dict[str, Any]) -> None:
    [verdict] = v6["loopback"]["verdicts"]
    assert verdict["ip"] == "::1" and verdict["flagged"] and verdict["vendor"] == "hikvision"
    assert verdict["model"] == v6["lab"]["::1"]["model"]
    assert "onvif-scope" in verdict["sources"]  # unicast WS-Discovery over IPv6 answered


def test_ws_discovery_on_ff02_c_finds_the_link_local_segment(v6: dict[str, Any]) -> None:
    link_a, link_b = v6["links"]
    assert v6["multicast_active"] == [f"wsd-ipv6@{link_b}"]
    seg = v6["segment"]
    assert seg["stats"]["swept"] == 0  # a /64 is not walked: its hosts answered the multicast probe
    found = {v["ip"]: v for v in seg["verdicts"]}
    want = {ip.replace(link_b, link_a): dev for ip, dev in v6["lab"].items() if "%" in ip}
    assert set(found) == set(want)
    for ip, dev in want.items():
        assert found[ip]["flagged"] and found[ip]["model"] == dev["model"], found[ip]
        assert "onvif-scope" in found[ip]["sources"]
    for log in v6["wsd_log"].values():
        assert ["multicast", "Probe"] in log


def test_a_single_link_local_target(v6: dict[str, Any]) -> None:
    [verdict] = v6["single"]["verdicts"]
    assert verdict["ip"].endswith(f"%{v6['links'][0]}") and verdict["flagged"]
