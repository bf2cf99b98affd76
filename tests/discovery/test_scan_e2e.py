"""End to end: scan lab fleets on loopback and check verdicts, bounds, scope and what was sent."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.discovery import scan as scan_module
from scanner.discovery.authprobes import Credentials
from scanner.discovery.probes import PORT_PROBES, UDP_PROBES
from scanner.discovery.scan import ScanOptions, scan
from scanner.discovery.targets import build_targets
from scanner.identify.device import DeviceVerdict
from scanner.lab import FleetEntry, Lab, LabThread
from scanner.session import ScanSession
from scanner.storage import Inventory
from tests.lab.conftest import ALL_PROFILES, PASSWORD, USER, multicast_on_loopback

BOUND_S = 60.0
SPONSOR_STACKS = ("hikvision", "dahua")
LABELS = {"hikvision-oem": "lts", "dahua-oem": "cp-plus", "lorex-nvr": "lorex"}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    mc = multicast_on_loopback()
    fleet = Lab([FleetEntry(p, 1) for p in ALL_PROFILES], base="127.0.6.10", multicast=mc, mdns=mc)
    with LabThread(fleet):
        yield fleet


def _scan(options: ScanOptions, target: str = "127.0.6.0/24", **kw: object) -> tuple[list[DeviceVerdict], object]:
    targets = build_targets([target], scope="127.0.0.0/8", **kw)  # type: ignore[arg-type]
    return asyncio.run(scan(targets, options))


def _options(**kw: object) -> ScanOptions:
    mc = "127.0.0.1" if multicast_on_loopback() else None
    base: dict[str, object] = {"multicast_if": mc, "mdns": mc is not None, "max_duration_s": BOUND_S,
                               "engine": "asyncio", "udp_window_s": 1.5}
    base.update(kw)
    return ScanOptions(**base)  # type: ignore[arg-type]


def test_full_scan_with_credentials_identifies_every_sponsor_device(lab: Lab) -> None:
    started = time.monotonic()
    results, stats = _scan(_options(credentials=Credentials(USER, PASSWORD)))
    elapsed = time.monotonic() - started
    by_ip = {v.ip: v for v in results}
    assert not stats.timed_out and elapsed < BOUND_S  # type: ignore[attr-defined]
    for dev in lab.devices:
        v = by_ip.get(dev.ip)
        assert v is not None, dev.profile.id
        if dev.profile.stack in SPONSOR_STACKS:
            expected_vendor = "dahua" if dev.profile.stack == "dahua" else "hikvision"
            assert v.flagged and v.vendor == expected_vendor, (dev.profile.id, v.explanation)
            assert v.brand == LABELS.get(dev.profile.id, expected_vendor), (dev.profile.id, v.brand)
            if dev.profile.behaviour is None:
                want_model = "DHI-NVR4108HS-8P-4KS2" if dev.profile.id == "lorex-nvr" else dev.identity.model
                assert (v.model, v.serial) == (want_model, dev.identity.serial), dev.profile.id
                assert v.mac == dev.identity.mac and v.firmware, dev.profile.id
        else:
            assert not v.flagged and v.vendor is None, (dev.profile.id, v.explanation)
    nvr = by_ip[next(d.ip for d in lab.devices if d.profile.id == "hikvision-nvr")]
    assert any(e["source"] == "tls-subject" for e in nvr.evidence)  # the certificate on 443 was read
    # Hostile devices neither stopped nor hung the scan, and their markup arrives as data, not as a verdict.
    html = by_ip[next(d.ip for d in lab.devices if d.profile.behaviour == "html-name")]
    assert html.flagged and "<b onmouseover" in (html.model or "")
    json.dumps([v.to_dict() for v in results])


def test_nothing_forbidden_and_no_login_without_credentials(lab: Lab) -> None:
    for dev in lab.devices:
        dev.log.clear()
    results, _ = _scan(_options())
    assert sum(v.flagged for v in results) == sum(d.profile.stack in SPONSOR_STACKS for d in lab.devices)
    for dev in lab.devices:
        for entry in dev.log:
            assert entry.authorized is None, (dev.profile.id, entry)
            assert not (entry.protocol == "http" and entry.target.startswith("/SDK/")), entry
            assert entry.target != "/RPC2_Login", entry
            if entry.protocol == "sadp":
                assert entry.target in ("inquiry", "inquiry_v32"), entry
            if entry.protocol == "dhip":
                assert entry.target == "DHDiscover.search", entry
            if entry.protocol == "onvif":
                assert entry.method == "GetSystemDateAndTime", entry


def test_rpc2_login_only_with_opt_in(lab: Lab) -> None:
    dahua = next(d for d in lab.devices if d.profile.id == "dahua-ipc")
    dahua.log.clear()
    results, _ = _scan(_options(rpc2_login=True, udp_window_s=0.5), target=f"{dahua.ip}/32")
    assert any(e.target == "/RPC2_Login" for e in dahua.log)
    assert results[0].mac == dahua.identity.mac


def test_multicast_replies_outside_the_targets_are_ignored(lab: Lab) -> None:
    if not multicast_on_loopback():
        pytest.skip("no multicast on loopback here")
    results, _ = _scan(_options(), target="127.0.6.9-14")  # every lab device hears the multicast probes
    assert {v.ip for v in results} <= {f"127.0.6.{i}" for i in range(9, 15)}


def test_interrupted_session_keeps_its_devices_and_resumes(lab: Lab, tmp_path: Path) -> None:
    inventory = Inventory(f"sqlite:///{tmp_path / 'inv.db'}")
    session = ScanSession.open(inventory, ["127.0.6.0/24"], _options(udp_window_s=0.5), scope="127.0.0.0/8")

    async def interrupted() -> None:
        task = asyncio.current_task()
        saved = 0

        def on_device(_: DeviceVerdict) -> None:
            nonlocal saved
            saved += 1
            if saved == 5 and task is not None:
                task.cancel()

        await session.run(on_device=on_device)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(interrupted())
    kept = inventory.done_ips(session.scan_id)
    assert len(kept) >= 5
    resumed = ScanSession.open(inventory, [], _options(udp_window_s=0.5), scope="127.0.0.0/8",
                               resume=session.scan_id)
    assert resumed.targets == ["127.0.6.0/24"] and resumed.skip == kept  # its own targets, finished hosts skipped
    probed: list[str] = []
    result = asyncio.run(resumed.run(on_device=lambda v: probed.append(v.ip)))
    assert result.status == "finished" and not set(probed) & kept
    assert {d["ip"] for d in result.devices} == {d.ip for d in lab.devices}
    inventory.save_device(result.scan_id, result.devices[0])  # a retried save never duplicates
    assert len(inventory.scan_devices(result.scan_id)) == len(lab.devices)
    resumed.record_site(result, "resumed-site")
    assert inventory.list_devices(site="resumed-site")[1] == len(lab.devices)


def test_the_probe_table_counts_what_is_sent(lab: Lab) -> None:
    dev = next(d for d in lab.devices if d.profile.id == "hikvision-ipc")
    dev.log.clear()
    _, stats = _scan(_options(udp_window_s=0.3, multicast_if=None, mdns=False), target=f"{dev.ip}/32")
    sent_http = [e for e in dev.log if e.protocol in ("http", "onvif")]
    assert len(sent_http) == len(PORT_PROBES["http"].requests)
    udp = sum(p.count for p in UDP_PROBES.values())
    port_requests = sum(len(p.requests) for p in PORT_PROBES.values() for port in dev.ports.values()
                        if port in p.ports)
    # Host discovery first: one connect to port 80 showed the device alive, so no other sweep probe went out.
    assert (stats.swept, stats.live, stats.sweep_probes) == (1, 1, 1)  # type: ignore[attr-defined]
    assert stats.probes_sent == 1 + len(_options().ports) + udp + port_requests  # type: ignore[attr-defined]


def test_scan_command_json_contract_and_csv(lab: Lab, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("sponsorwatch")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    out = subprocess.run([str(exe), "scan", "127.0.6.10-20", "--scope", "127.0.0.0/8", "--format", "json",
                          "--db", db, "--udp-window", "1", "--engine", "asyncio"],
                         capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 1, out.stderr  # 1: sponsor devices found
    doc = json.loads(out.stdout)
    assert doc["scan"]["status"] == "finished" and len(doc["devices"]) == 11
    for d in doc["devices"]:
        for key in ("ip", "mac", "vendor", "brand", "model", "serial", "firmware", "device_class", "flagged",
                    "confidence", "evidence", "cves"):
            assert key in d
        assert all({"source", "detail"} <= set(e) for e in d["evidence"])
    csv_path = tmp_path / "inv.csv"
    out = subprocess.run([str(exe), "scan", "127.0.6.10-12", "--scope", "127.0.0.0/8", "--format", "csv", "-o",
                          str(csv_path), "--db", db, "--udp-window", "0.5"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("ip,mac,vendor,brand") and len(lines) == 4


def test_scan_command_refuses_out_of_scope_and_redacts_credentials(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("sponsorwatch")
    out = subprocess.run([str(exe), "scan", "198.51.100.0/24", "--scope", "127.0.0.0/8"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "outside the scope" in out.stderr
    creds = tmp_path / "creds"
    creds.write_text("admin:s3cret-Passw0rd\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    out = subprocess.run([str(exe), "scan", "127.0.6.250", "--scope", "127.0.0.0/8", "--credentials", str(creds),
                          "--format", "json", "--db", db, "--udp-window", "0.3"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "s3cret" not in out.stdout + out.stderr
    assert json.loads(out.stdout)["scan"]["options"]["credentials"] == "<given>"
    assert b"s3cret" not in (tmp_path / "r.db").read_bytes()


def test_a_scan_in_several_batches_finds_what_one_batch_finds(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large targets are walked in batches; devices that answer multicast before their batch comes are still
    port-scanned and probed fully, and nothing is probed twice."""
    whole, _ = _scan(_options())
    monkeypatch.setattr(scan_module, "BATCH_HOSTS", 64)  # 254 hosts: four batches
    probed: list[str] = []

    async def batched() -> tuple[list[DeviceVerdict], object]:
        targets = build_targets(["127.0.6.0/24"], scope="127.0.0.0/8")
        return await scan(targets, _options(), on_device=lambda v: probed.append(v.ip))

    parts, stats = asyncio.run(batched())
    assert len(probed) == len(set(probed))

    def summary(results: list[DeviceVerdict]) -> dict[str, tuple[object, ...]]:
        """What the port scan and the probes decide (the open ports, the verdict; a sponsor's model and serial),
        for the well-behaved devices (hostile ones may time out either way)."""
        return {v.ip: (v.vendor, v.flagged, tuple(v.ports), *((v.brand, v.model, v.serial) if v.flagged else ()))
                for v in results if not next(d for d in lab.devices if d.ip == v.ip).profile.behaviour}

    assert summary(parts) == summary(whole)
    assert stats.targeted == 254  # type: ignore[attr-defined]  # every host once: in its batch, or early
