"""Plan outputs from a real inventory: HTML (in headless Chromium), CSV, JSON, XLSX (read back), redaction."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scanner.storage import Inventory
from sponsorwatch.main import main

SECRET = "s3cretPassw0rd"


@pytest.fixture()
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    devices = [
        {"ip": "10.0.0.1", "vendor": "hikvision", "brand": "hikvision", "model": "DS-2CD2142FWD-I", "serial": "A1",
         "device_class": "ip-camera", "flagged": True, "confidence": 0.99,
         "cves": [{"id": "CVE-2021-36260", "kev": True, "confidence": "low"}],
         "evidence": [{"source": "rtsp", "detail": f"rtsp://admin:{SECRET}@10.0.0.1/"}]},
        {"ip": "10.0.0.2", "vendor": "dahua", "brand": "dahua", "model": f"NVR rtsp://admin:{SECRET}@x", "serial": "B2",
         "device_class": "nvr", "flagged": True, "confidence": 0.99, "cves": []},
        {"ip": "10.0.0.3", "vendor": None, "brand": "AXIS", "model": "M3106-L", "device_class": "ip-camera",
         "flagged": False, "confidence": 0.0, "cves": []},
    ]
    Inventory(url).ingest("kyiv-hq", {"id": "plan-scan", "options": {"credentials": f"admin:{SECRET}"}}, devices)
    return url


@pytest.mark.parametrize("fmt", ["html", "csv", "json", "xlsx"])
def test_every_format_renders_and_leaks_no_secret(db: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"plan.{fmt}"
    assert main(["plan", "--db", db, "-o", str(out)]) == 0
    data = out.read_bytes()
    assert SECRET.encode() not in data
    if fmt == "json":
        doc = json.loads(data)
        assert doc["devices"] == 2 and [p["title"] for p in doc["phases"]] == ["Urgent: exploited or exposed",
                                                                               "Recorders first"]
        assert doc["total_cost"] == pytest.approx((180 + 90) + (450 + 240))
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        assert [r["ip"] for r in rows] == ["10.0.0.1", "10.0.0.2"] and rows[0]["phase"] == "1"
    elif fmt == "xlsx":
        wb = load_workbook(io.BytesIO(data), read_only=True)
        assert wb.sheetnames == ["Summary", "Bill of materials", "Devices", "Progress"]
        devices = list(wb["Devices"].iter_rows(values_only=True))
        assert devices[0][:4] == ("phase", "tier", "site", "ip") and len(devices) == 3
        summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
        assert summary["Devices to replace"] == 2 and summary["Total cost (USD)"] == pytest.approx(960)
        bom = list(wb["Bill of materials"].iter_rows(values_only=True))
        assert (str(bom[1][0]), bom[1][1], bom[1][2]) == ("1", "kyiv-hq", "ip-camera")
    else:
        assert b"Removal plan for Hikvision and Dahua hardware" in data


def test_unknown_format_and_bad_plan_file(db: str, tmp_path: Path) -> None:
    assert main(["plan", "--db", db, "-o", str(tmp_path / "plan.pdf")]) == 2
    bad = tmp_path / "costs.toml"
    bad.write_text('budget_per_phase = "lots"\n', encoding="utf-8")
    assert main(["plan", "--db", db, "--costs", str(bad), "-o", str(tmp_path / "p.json")]) == 2


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (./dev test installs it)")
def test_html_plan_renders_in_headless_chromium(db: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    out = tmp_path / "plan.html"
    assert main(["plan", "--db", db, "-o", str(out)]) == 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(out.as_uri())
        assert page.locator("h1").inner_text() == "Removal plan for Hikvision and Dahua hardware"
        assert page.locator("section.phase").count() == 2
        assert "KEV-listed" in page.locator("section.phase").first.inner_text()
        pdf = page.pdf()  # printable
        assert pdf[:4] == b"%PDF" and len(pdf) > 5000
        assert errors == []
        browser.close()


def test_dashboard_plan_page(db: str) -> None:
    from server import create_app

    client = create_app({"DATABASE_URL": db, "RATELIMIT_ENABLED": False}).test_client()
    page = client.get("/plan")
    assert page.status_code == 200 and b"Recorders first" in page.data and SECRET.encode() not in page.data
    assert b"Removal plan" in client.get("/").data
