"""Targets, exclusions and the scope guard."""

from __future__ import annotations

import pytest

from scanner.discovery.targets import TargetError, build_targets, parse_target, read_targets_file


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


def test_targets_file(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "targets.txt"  # type: ignore[operator]
    path.write_text("# cameras\n127.0.0.10\n\n127.0.0.20-21  # NVRs\n", encoding="utf-8")
    assert read_targets_file(str(path)) == ["127.0.0.10", "127.0.0.20-21"]
    with pytest.raises(TargetError):
        read_targets_file(str(path) + ".missing")
