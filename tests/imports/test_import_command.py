"""`sponsorwatch import` end to end: devices land in the inventory for a site (one transaction), feed the
removal plan and the upload; broken lines are reported with their numbers; a failure records nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.imports.pipeline import record, run_import
from scanner.storage import Inventory
from scanner.storage.sites import SiteInventory
from sponsorwatch.main import main
from tests.loopback_http import serving

DATA = Path(__file__).parent.parent / "data" / "imports"


def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'inv.db'}"


def test_import_records_a_site_feeds_the_plan_and_reports_bad_lines(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["import", str(DATA / "nmap" / "constructed_cameras.xml"), str(DATA / "leases" / "kea-leases4.csv"),
                 "--site", "kyiv", "--db", db(tmp_path), "-o", str(tmp_path / "out.json")])
    assert code == 1  # sponsor devices found
    err = capsys.readouterr().err
    assert "kea-leases4.csv line 3: lease with neither hwaddr nor client_id" in err
    assert "kea-leases4.csv line 4: hwaddr" in err
    inventory = Inventory(db(tmp_path))
    rows, total = inventory.list_devices(site="kyiv")
    # 3 hosts up in the nmap report, 2 Kea leases; Kea's 192.0.2.4 (client id, no MAC) is nmap's 192.0.2.4
    assert total == 4 and {r["ip"] for r in rows if r["flagged"]} == {"192.0.2.2", "192.0.2.3"}
    plan_rows, rescan, _ = inventory.plan_inputs(["kyiv"])
    assert {r["ip"] for r in plan_rows if r["flagged"]} == {"192.0.2.2", "192.0.2.3"}
    assert {d["ip"] for d in rescan} >= {"192.0.2.2", "192.0.2.3"}
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [b["line"] for b in doc["bad_lines"]] == [3, 4]
    assert doc["scan"]["options"]["import"][1] == {"file": str(DATA / "leases" / "kea-leases4.csv"),
                                                   "format": "kea", "records": 2, "bad_lines": 2}
    # importing the same files again updates the same devices (device key MAC › serial › IP), no duplicates
    assert main(["import", str(DATA / "nmap" / "constructed_cameras.xml"), "--site", "kyiv", "--db",
                 db(tmp_path)]) == 1
    assert inventory.list_devices(site="kyiv")[1] == 4


def test_nothing_is_recorded_when_a_file_fails_or_the_write_fails(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    code = main(["import", str(DATA / "leases" / "dnsmasq.leases"), str(tmp_path / "missing.xml"),
                 "--site", "s", "--db", db(tmp_path)])
    assert code == 2 and "nothing was recorded" in capsys.readouterr().err
    inventory = Inventory(db(tmp_path))
    assert inventory.list_sites() == []
    # a failure in the middle of writing the devices rolls the whole import back (one transaction)
    result = run_import([DATA / "leases" / "dnsmasq.leases"])
    real = SiteInventory._device_row
    calls = {"n": 0}

    def failing(*args: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 30:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(SiteInventory, "_device_row", staticmethod(failing))
    with pytest.raises(OSError, match="disk full"):
        record(inventory, result, "s")
    assert inventory.list_sites() == [] and inventory.site_scans("s") == []
    monkeypatch.setattr(SiteInventory, "_device_row", staticmethod(real))
    record(inventory, result, "s")
    assert inventory.list_devices(site="s")[1] == 43


def test_import_uploads_to_the_server_like_a_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[dict[str, Any]] = []

    def accept(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        doc = json.loads(body)
        received.append({"path": path, "auth": headers.get("Authorization"), **doc})
        return 201, json.dumps({"devices": len(doc["devices"])}).encode()

    monkeypatch.setenv("SPONSORWATCH_TOKEN", "sw_test")
    with serving(accept) as url:
        code = main(["import", str(DATA / "neighbours" / "debian12_iproute2-6.1_ip_neigh.out"), "--site", "lviv",
                     "--db", db(tmp_path), "--upload", url])
    assert code == 1
    (sent,) = received
    assert sent["path"] == "/api/v1/scans" and sent["auth"] == "Bearer sw_test" and sent["site"] == "lviv"
    assert sent["scan"]["stats"]["engine"] == "import" and len(sent["devices"]) == 2
    assert {e["source"] for d in sent["devices"] for e in d["evidence"]} >= {"imported:ip-neigh", "mac-oui"}


def test_an_unreachable_server_leaves_the_import_recorded_locally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SPONSORWATCH_TOKEN", "sw_test")
    code = main(["import", str(DATA / "leases" / "dnsmasq.leases"), "--site", "odesa", "--db", db(tmp_path),
                 "--upload", f"http://127.0.0.1:{port}"])
    assert code == 1
    out = capsys.readouterr().out
    assert "stays in the local inventory" in out
    assert Inventory(db(tmp_path)).list_devices(site="odesa")[1] == 43
