"""The dashboard in headless Chromium, as an IT admin works in it: sign in, filter + search + sort (kept in the URL),
mark a selection replaced and see the removal plan's progress move, export the view as CSV and XLSX and read them
back, a device page with its evidence grouped, the "new since the previous scan" view after a second lab scan with
one device added, the core forms without JavaScript, and no CSP violation anywhere. With
SPONSORWATCH_SCREENSHOT_DIR set, the README's screenshots are written there."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from scanner.discovery.scan import ScanOptions
from scanner.lab import FleetEntry, Lab, LabThread
from scanner.session import ScanSession
from scanner.storage import Inventory
from server import create_app
from tests.lab.conftest import multicast_on_loopback
from tests.server.conftest import SECRET, inventory
from tests.server.test_api import device

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT_ENV = "SPONSORWATCH_SCREENSHOT_DIR"  # set to write docs/ screenshots
ZONE = "Europe/Kyiv"
FORMULA = '=HYPERLINK("https://example.invalid/","firmware update")'  # what a hostile device may call its firmware
LAB_SITE = "kharkiv-lab"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (./dev test installs it)")


def fleet() -> list[dict[str, Any]]:
    """40 devices: Dahua cameras, Hikvision cameras (some with a KEV-listed CVE, some sold as HiWatch), others."""
    devs = []
    for i in range(1, 41):
        kind = i % 4
        if kind == 0:
            devs.append(device(f"10.40.0.{i}", vendor=None, brand=None, relation=None, flagged=False,
                               model="M3106-L Mk II", serial=None, firmware=None))
        elif kind == 1:
            devs.append(device(f"10.40.0.{i}", vendor="dahua", brand="dahua", model="IPC-HDW5421S",
                               serial=f"1F006E4PAX{i:05d}", mac=f"3c:ef:8c:00:00:{i:02x}",
                               firmware=FORMULA if i == 5 else "2.400.0.8"))
        elif kind == 2:
            devs.append(device(f"10.40.0.{i}", cves=[{"id": "CVE-2021-36260", "kev": True}]))
        else:
            devs.append(device(f"10.40.0.{i}", brand="hiwatch", relation="brand", model="DS-I200"))
    return devs


def serve(app: Any) -> tuple[str, Any]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture()
def dashboard(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A server on loopback with the 40-device fleet on two sites; (base URL, admin token, database URL)."""
    url = f"sqlite:///{tmp_path / 'dash.db'}"
    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET})
    inv = inventory(app)
    admin = inv.create_token("browser-admin", "admin")
    devs = fleet()
    inv.ingest("kyiv-hq", {"id": "dash-1"}, devs[:25])
    inv.ingest("lviv-depot", {"id": "dash-2"}, devs[25:])
    base, server = serve(app)
    try:
        yield base, admin, url
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield chromium
        chromium.close()


def open_page(browser: Any, errors: list[str], **context: Any) -> Any:
    """A fresh browser profile (its own cookies) in Kyiv's time zone; console errors (CSP violations among them)
    are collected."""
    page = browser.new_context(viewport={"width": 1400, "height": 900}, timezone_id=ZONE, **context).new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page


def sign_in(page: Any, base: str, token: str, path: str = "/") -> None:
    page.goto(base + path)
    page.wait_for_url("**/login?next=**")  # nothing is shown before signing in
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_url(base + path)


def shot(page: Any, name: str, full_page: bool = False) -> None:
    folder = os.environ.get(SCREENSHOT_ENV)
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=full_page)


def table_ips(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#device-table tbody tr td.mono a").all_inner_texts()]


def plan_progress(page: Any, base: str, site: str) -> dict[str, int]:
    """The removal plan's progress row of a site, as the /plan page shows it."""
    page.goto(base + "/plan")
    row = page.locator("table", has=page.locator("th", has_text="Remaining")).locator("tbody tr", has_text=site)
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    return dict(zip(("flagged", "replaced", "isolated", "risk-accepted", "remaining"), map(int, cells[1:]),
                    strict=True))


def test_dashboard_renders_and_filters(dashboard: tuple[str, str, str], browser: Any) -> None:
    base, admin_token, _ = dashboard
    errors: list[str] = []
    page = open_page(browser, errors)
    sign_in(page, base, admin_token)
    assert page.locator(".card.alert .num").inner_text() == "30"
    assert page.locator("svg rect.bar.hot").count() == 2
    assert "30 of 40 devices on 2 sites are Hikvision or Dahua hardware" in page.locator("#overview-summary").inner_text()
    page.goto(base + "/devices")
    assert page.locator("#device-table tbody tr").count() == 40
    page.select_option("#f-vendor", "dahua")
    page.click("#apply")
    page.wait_for_url("**vendor=dahua**")
    vendors = page.locator("#device-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.vendor)")
    assert vendors and set(vendors) == {"dahua"} and len(vendors) == 10
    page.select_option("#f-vendor", "")
    page.select_option("#f-cve", "CVE-2021-36260")
    page.select_option("#f-site", "kyiv-hq")
    page.click("#apply")
    page.wait_for_url("**cve=CVE-2021-36260**")
    rows = page.locator("#device-table tbody tr")
    assert rows.count() == 6 and all("KEV" in t for t in rows.all_inner_texts())
    rows.first.locator("td.mono a").click()
    page.wait_for_url("**/devices/*")
    page.select_option("#status", "isolated")
    page.fill("#note", "moved to VLAN 99")
    page.click("#set-status")
    page.wait_for_load_state()
    history = page.locator("#history tbody tr").first.inner_text()
    assert "isolated" in history and "browser-admin" in history and "moved to VLAN 99" in history
    page.click("#sign-out")
    page.wait_for_url("**/login")
    page.goto(base + "/devices")
    page.wait_for_url("**/login?next=**")
    assert errors == []


def test_admin_finds_marks_replaced_and_exports(dashboard: tuple[str, str, str], browser: Any,
                                                tmp_path: Path) -> None:
    base, admin_token, _ = dashboard
    errors: list[str] = []
    page = open_page(browser, errors)
    sign_in(page, base, admin_token, "/devices")
    before = plan_progress(page, base, "kyiv-hq")
    assert before["replaced"] == 0 and before["remaining"] == before["flagged"] == 19

    # Find: search, filters and a sort, all in the URL.
    page.goto(base + "/devices")
    page.fill("#q", "ipc-hdw")
    page.select_option("#f-site", "kyiv-hq")
    page.select_option("#f-flagged", "yes")
    page.click("#apply")
    page.wait_for_url("**q=ipc-hdw**")
    page.click("#sort-ip")
    page.wait_for_url("**sort=ip**")
    page.click("#sort-ip")  # again: descending
    page.wait_for_url("**dir=desc**")
    wanted = [f"10.40.0.{i}" for i in (25, 21, 17, 13, 9, 5, 1)]  # numeric order, not text order
    assert table_ips(page) == wanted
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("IP")
    shared = page.url
    other = open_page(browser, errors)  # the same view, opened from a shared link by another admin
    sign_in(other, base, admin_token, shared.removeprefix(base))
    assert table_ips(other) == wanted
    other.context.close()

    # Act: three devices marked replaced from the table, with a note.
    assert page.locator("#select-all").is_visible()  # the script's "select all" (the form works without it)
    for i in range(3):
        page.locator("#device-table tbody tr input.pick").nth(i).check()
    page.select_option("#bulk-status", "replaced")
    page.fill("#bulk-note", "swapped for non-sponsor cameras, ticket 4411")
    page.click("#bulk-apply")
    page.wait_for_load_state()
    assert page.url == shared  # back on the same filtered, sorted view
    assert "Marked 3 devices replaced: swapped for non-sponsor cameras, ticket 4411." in \
        page.locator(".notice.ok").inner_text()
    statuses = dict(zip(table_ips(page), (t.strip() for t in page.locator(
        "#device-table tbody tr td:nth-child(11)").all_inner_texts()), strict=True))
    assert [statuses[ip] for ip in wanted] == ["replaced"] * 3 + ["active"] * 4
    shot(page, "devices.png")

    # The plan's progress moved, and the site page says so too.
    after = plan_progress(page, base, "kyiv-hq")
    assert (after["replaced"], after["remaining"]) == (3, before["remaining"] - 3)
    assert plan_progress(page, base, "lviv-depot")["replaced"] == 0
    page.goto(base + "/sites/kyiv-hq")
    assert "3 of 19 replaced" in page.locator("#site-progress").inner_text()
    assert "3 replaced, 0 isolated, 0 risk-accepted: 16 still to replace" in page.locator("#site-summary").inner_text()
    page.goto(base + "/")
    assert "3 replaced so far; 27 still to replace" in page.locator("#overview-summary").inner_text()
    shot(page, "dashboard.png")

    # Take it away: what the filter shows, as CSV and XLSX, formulas defused.
    page.goto(shared)
    with page.expect_download() as got:
        page.click("#export-csv")
    rows = list(csv.DictReader(Path(got.value.path()).read_text(encoding="utf-8").splitlines()))
    assert sorted(r["IP"] for r in rows) == sorted(wanted)
    assert sum(r["Status"] == "replaced" for r in rows) == 3
    assert {r["Maker · label"] for r in rows} == {"Dahua"} and {r["Class"] for r in rows} == {"IP camera"}
    hostile = next(r for r in rows if r["IP"] == "10.40.0.5")
    assert hostile["Firmware"] == "'" + FORMULA  # a leading quote: text, never a formula
    # The browser's own name of the zone (Chromium's ICU still says Europe/Kiev), as its script told the server.
    zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert zone in (ZONE, "Europe/Kiev") and hostile[f"Last seen ({zone})"]
    with page.expect_download() as got:
        page.click("#export-xlsx")
    xlsx = tmp_path / "view.xlsx"
    got.value.save_as(xlsx)
    sheet = load_workbook(xlsx)["Devices"]
    header = [c.value for c in sheet[2]]
    body = [{h: c for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(min_row=3)]
    assert sorted(r["IP"].value for r in body) == sorted(wanted)
    cell = next(r["Firmware"] for r in body if r["IP"].value == "10.40.0.5")
    assert cell.data_type == "s" and cell.value == "'" + FORMULA
    assert "q=ipc-hdw" in str(sheet["A1"].value)

    # The device page: the history names who, when and why; the same page as JSON.
    page.locator("#device-table tbody tr td.mono a", has_text="10.40.0.25").click()
    page.wait_for_url("**/devices/*")
    entry = page.locator("#history tbody tr").first
    assert "replaced" in entry.inner_text() and "browser-admin" in entry.inner_text()
    assert "ticket 4411" in entry.inner_text()
    assert entry.locator("time").get_attribute("title").endswith(f"({zone})")  # the browser's zone, via the script
    assert page.locator("html").get_attribute("data-tz") == zone
    device_id = page.url.rsplit("/", 1)[1]
    doc = json.loads(page.request.get(f"{base}/devices/{device_id}.json").text())
    assert doc["ip"] == "10.40.0.25" and doc["status"] == "replaced" and doc["history"][0]["actor"] == "browser-admin"
    assert doc["summary"] == "Dahua-made IP camera, identified by 1 independent signal"
    assert errors == []


LAB_TARGETS = ["127.0.9.10", "127.0.9.11", "127.0.9.12", "127.0.9.13", "127.0.9.40"]


def lab_scan(url: str, site: str) -> None:
    """Scan the lab's addresses (loopback only) and record the devices for the site, as `sponsorwatch scan --site`
    does."""
    mc = "127.0.0.1" if multicast_on_loopback() else None
    inv = Inventory(url)
    session = ScanSession.open(inv, LAB_TARGETS, ScanOptions(
        multicast_if=mc, mdns=False, engine="asyncio", udp_window_s=1.5, max_duration_s=60.0), scope="127.0.0.0/8")
    with ThreadPoolExecutor(1) as pool:  # its own thread: Playwright's sync API holds this thread's event loop
        result = pool.submit(asyncio.run, session.run()).result()
    assert result.status == "finished"
    session.record_site(result, site)
    inv.engine.dispose()


def test_lab_scans_new_since_and_grouped_evidence(dashboard: tuple[str, str, str], browser: Any) -> None:
    base, admin_token, url = dashboard
    mc = multicast_on_loopback()
    first = Lab([FleetEntry(p, 1) for p in ("hikvision-ipc", "dahua-ipc", "hikvision-oem", "axis-like")],
                base="127.0.9.10", multicast=mc)
    added = Lab([FleetEntry("hikvision-nvr", 1)], base="127.0.9.40", multicast=mc)
    with LabThread(first):
        lab_scan(url, LAB_SITE)
        with LabThread(added):  # a recorder plugged in between the two scans
            lab_scan(url, LAB_SITE)
    nvr = added.devices[0]

    errors: list[str] = []
    page = open_page(browser, errors)
    sign_in(page, base, admin_token, f"/sites/{LAB_SITE}")
    assert page.locator("#scans tbody tr").count() == 2
    new = page.locator("#new-devices tbody tr")
    assert new.count() == 1 and nvr.ip in new.inner_text() and "Hikvision" in new.inner_text()
    assert "Nothing is gone." in page.locator("#gone-devices").inner_text()
    assert "5 devices, 4 of them Hikvision or Dahua hardware" in page.locator("#site-summary").inner_text()
    shot(page, "site.png", full_page=True)
    assert page.request.get(f"{base}/sites/{LAB_SITE}?scan=no-such-scan").status == 404

    new.locator("a").click()
    page.wait_for_url("**/devices/*")
    summary = page.locator("#summary").inner_text()
    assert summary.startswith("Hikvision-made network video recorder, identified by ") and "independent signals" in summary
    facts = page.locator("#evidence tbody tr")
    texts = [r.locator("td").first.inner_text() for r in facts.all()]
    assert len(texts) == len(set(texts)) > 3  # one line per distinct fact
    replies = [int(r.locator("td").nth(2).inner_text()) for r in facts.all()]
    doc = json.loads(page.request.get(page.url + ".json").text())
    assert sum(replies) == len(doc["detail"]["evidence"]) > len(texts)  # the repeats are counted, not listed
    realm = facts.filter(has=page.locator("td:first-child", has_text="digest realm with the end of the serial"))
    assert realm.count() == 1 and "HTTP, RTSP" in realm.inner_text()  # one fact, said over two protocols
    assert page.locator("dl.facts dd").first.inner_text() == "Hikvision"
    assert not re.search(r"\d{4}-\d\d-\d\dT", page.locator("#seen").inner_text())  # human dates, not ISO
    shot(page, "device.png", full_page=True)
    assert errors == []


def test_core_tasks_work_without_javascript(dashboard: tuple[str, str, str], browser: Any) -> None:
    base, admin_token, _ = dashboard
    errors: list[str] = []
    page = open_page(browser, errors, java_script_enabled=False)
    sign_in(page, base, admin_token, "/devices?site=lviv-depot&flagged=yes&sort=ip")
    assert not page.locator("#select-all").is_visible()  # "select all" needs the script; the boxes do not
    assert page.locator("html").get_attribute("data-tz") == "UTC"  # no script: no zone from the browser
    boxes = page.locator("#device-table tbody tr input.pick")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("#bulk-status", "isolated")
    page.click("#bulk-apply")
    page.wait_for_load_state()
    assert "Marked 2 devices isolated." in page.locator(".notice.ok").inner_text()
    page.click("#bulk-apply")  # nothing selected: said so, nothing changed
    page.wait_for_load_state()
    assert "Select at least one device" in page.locator(".notice.error").inner_text()
    page.goto(base + "/preferences")
    page.select_option("#tz", ZONE)
    page.click("#tz-save")
    page.wait_for_load_state()
    assert page.locator("#tz-link").inner_text() == ZONE
    page.goto(base + "/devices?status=isolated")
    assert len(table_ips(page)) == 2
    assert errors == []
