"""Plan outputs from a real inventory: HTML (in headless Chromium), CSV, JSON, XLSX (read back), redaction."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
from pathlib import Path
from typing import Any

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


def _dashboard(db: str) -> Any:
    from server import create_app

    return create_app({"DATABASE_URL": db, "RATELIMIT_ENABLED": False, "SECRET_KEY": "plan-tests-" + "k" * 32})


def _signed_in_client(db: str) -> Any:
    """A test client signed in to the dashboard with a viewer token, through the login form."""
    client = _dashboard(db).test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf_token, form[:300]
    token = Inventory(db).create_token("plan-viewer", "viewer")
    signed = client.post("/login", data={"csrf_token": csrf_token.group(1), "token": token, "next": "/plan"})
    assert signed.status_code in (302, 303), signed.status_code
    return client


def test_dashboard_plan_page(db: str) -> None:
    client = _signed_in_client(db)
    page = client.get("/plan")
    assert page.status_code == 200 and b"Recorders first" in page.data and SECRET.encode() not in page.data
    assert b"Removal plan" in client.get("/").data


def _inline_styles(html: str) -> list[str]:
    return re.findall(r"<style>(.*?)</style>", html, flags=re.S)


def test_the_dashboard_plan_links_its_stylesheet_and_the_file_keeps_it_inline(db: str, tmp_path: Path) -> None:
    """The dashboard's CSP (style-src 'self') blocks inline styles, so the dashboard's plan links
    /plan.css; the plan written to a file stays one self-contained, printable page with the same styles."""
    client = _signed_in_client(db)
    page = client.get("/plan").get_data(as_text=True)
    assert "style-src 'self'" in client.get("/plan").headers["Content-Security-Policy"]
    assert _inline_styles(page) == [] and ' style="' not in page
    assert re.search(r'<link rel="stylesheet" href="/plan.css">', page)
    css = client.get("/plan.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    out = tmp_path / "plan.html"
    assert main(["plan", "--db", db, "-o", str(out)]) == 0
    standalone = out.read_text(encoding="utf-8")
    assert "<link" not in standalone and len(_inline_styles(standalone)) == 1
    assert _inline_styles(standalone)[0].strip() == css.get_data(as_text=True).strip()  # one stylesheet, two homes


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (./dev test installs it)")
def test_dashboard_plan_in_headless_chromium_breaks_no_csp_rule(db: str) -> None:
    """The dashboard served on loopback; Chromium signs in with a viewer token and opens /plan: no CSP violation
    is reported and the plan's styles apply."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    app = _dashboard(db)
    token = Inventory(db).create_token("plan-browser", "viewer")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route("**/favicon.ico", lambda route: route.fulfill(status=204))  # the dashboard has none
            page.add_init_script("window.__violations = []; document.addEventListener('securitypolicyviolation',"
                                 " (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));")
            page.goto(f"{base}/login?next=/plan")
            page.fill("#token", token)
            page.click("#sign-in")
            page.wait_for_url(f"{base}/plan")
            page.wait_for_load_state("load")
            assert page.locator("h1").inner_text() == "Removal plan for Hikvision and Dahua hardware"
            page.wait_for_timeout(300)  # violation events are dispatched asynchronously
            violations = page.evaluate("window.__violations")
            assert violations == [] and errors == []
            h2 = page.locator("h2").first
            assert h2.evaluate("e => getComputedStyle(e).borderBottomColor") == "rgb(31, 78, 140)"  # plan.css applied
            assert page.locator("table").first.evaluate("e => getComputedStyle(e).borderCollapse") == "collapse"
            browser.close()
    finally:
        server.shutdown()


# Cells a spreadsheet would run as formulas (OWASP CSV injection): what a hostile device or a site name can carry.
HOSTILE = {
    "site": "=HYPERLINK(\"https://x.example/\",\"open\")",
    "model": "+cmd|' /C calc'!A0",
    "serial": "-2+3+cmd|' /C calc'!A0",
    "firmware": "@SUM(1+1)*cmd|' /C calc'!A0",
    "brand": "\t=1+1",
    "vendor": "hikvision",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture()
def hostile_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    devices = [
        {"ip": "10.0.0.7", "vendor": HOSTILE["vendor"], "brand": HOSTILE["brand"], "model": HOSTILE["model"],
         "serial": HOSTILE["serial"], "firmware": HOSTILE["firmware"], "device_class": "nvr", "flagged": True,
         "confidence": 0.99, "cves": []},
        {"ip": "10.0.0.8", "vendor": "dahua", "brand": "dahua", "model": "\rDH-IPC\x00\x1b[31m\x07", "serial": "C3",
         "device_class": "ip-camera", "flagged": True, "confidence": 0.99, "cves": []},
    ]
    Inventory(url).ingest(HOSTILE["site"], {"id": "hostile-scan"}, devices)
    return url


def test_plan_csv_neutralises_formulas_from_devices_and_site_names(hostile_db: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    assert main(["plan", "--db", hostile_db, "-o", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode(), newline="")))
    cells = [c for row in rows for c in row]
    assert [c for c in cells if c.startswith(FORMULA_START)] == []
    by_ip = {r[3]: r for r in rows[1:]}
    # The text is kept, behind the quote a spreadsheet shows as text (OWASP's advice).
    assert by_ip["10.0.0.7"][2] == "'" + HOSTILE["site"] and by_ip["10.0.0.7"][6] == "'" + HOSTILE["model"]
    assert by_ip["10.0.0.7"][7] == "'" + HOSTILE["serial"] and by_ip["10.0.0.7"][8] == "'" + HOSTILE["firmware"]
    assert by_ip["10.0.0.8"][6] == "'\rDH-IPC[31m"  # NUL, ESC and BEL (XML forbids them) are dropped


def test_plan_xlsx_has_no_formula_cell_and_keeps_the_text(hostile_db: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    assert main(["plan", "--db", hostile_db, "-o", str(out)]) == 0  # a NUL or ESC in a model no longer breaks it
    wb = load_workbook(out)  # not read-only: data_type tells a formula ("f") from a string ("s")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_START)] == []
    texts = {c.value for c in cells}
    assert {"'" + HOSTILE[k] for k in ("site", "model", "serial", "firmware")} <= texts
    devices = list(wb["Devices"].iter_rows(values_only=True))
    assert devices[1][0] == 1 and isinstance(devices[1][11], (int, float))  # numbers stay numbers


def test_the_html_plan_reads_like_the_dashboard_and_prints_a_phase_per_page(db: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    assert main(["plan", "--db", db, "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    css = _inline_styles(page)[0]
    # the dashboard's palette, and a print layout: each phase starts a page, table headers repeat
    assert "--accent: #1f4e8c" in css and "@media print" in css
    print_rules = css[css.index("@media print"):]
    assert "section.phase { break-before: page" in print_rules and "table-header-group" in print_rules
    # makers by their names, never their ids
    assert ">Hikvision" in page and "<td>hikvision" not in page
    assert page.count('<section class="phase">') >= 1 and '<div class="cards">' in page
