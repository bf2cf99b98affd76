"""The dashboard in headless Chromium: sign in, it renders, the device table filters work, an admin marks a device
isolated from its page, a screenshot is kept."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from server import create_app
from tests.server.conftest import SECRET, inventory
from tests.server.test_api import device

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT_ENV = "SPONSORWATCH_SCREENSHOT_DIR"  # set to write docs/ screenshots


@pytest.fixture()
def dashboard(tmp_path: Path) -> Iterator[tuple[str, str]]:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'dash.db'}", "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": SECRET})
    inv = inventory(app)
    admin = inv.create_token("browser-admin", "admin")
    devs = []
    for i in range(1, 41):
        kind = i % 4
        if kind == 0:
            devs.append(device(f"10.40.0.{i}", vendor=None, brand=None, flagged=False, model="M3106-L Mk II",
                               serial=None, firmware=None))
        elif kind == 1:
            devs.append(device(f"10.40.0.{i}", vendor="dahua", brand="dahua", model="IPC-HDW5421S",
                               serial=f"1F006E4PAX{i:05d}", firmware="2.400.0.8"))
        else:
            devs.append(device(f"10.40.0.{i}", cves=[{"id": "CVE-2021-36260", "kev": True}] if kind == 2 else []))
    inv.ingest("kyiv-hq", {"id": "dash-1"}, devs[:25])
    inv.ingest("lviv-depot", {"id": "dash-2"}, devs[25:])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", admin
    finally:
        server.shutdown()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (./dev test installs it)")
def test_dashboard_renders_and_filters(dashboard: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    dashboard, admin_token = dashboard
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(dashboard + "/")
        page.wait_for_url("**/login?next=**")  # nothing is shown before signing in
        page.fill("#token", admin_token)
        page.click("#sign-in")
        page.wait_for_url(dashboard + "/")
        assert page.locator(".card.alert .num").inner_text() == "30"
        assert page.locator("svg rect.bar.hot").count() == 2
        shots = os.environ.get(SCREENSHOT_ENV)
        if shots:
            page.screenshot(path=str(Path(shots) / "dashboard.png"), full_page=True)
        page.goto(dashboard + "/devices")
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
        rows.first.locator("a").click()
        page.wait_for_url("**/devices/*")
        assert "Status history" in page.content()
        page.select_option("#status", "isolated")
        page.fill("#note", "moved to VLAN 99")
        page.click("#set-status")
        page.wait_for_load_state()
        assert "isolated by browser-admin: moved to VLAN 99" in page.locator("#history").inner_text()
        if shots:
            page.goto(dashboard + "/devices?flagged=yes")
            page.screenshot(path=str(Path(shots) / "devices.png"))
        page.click("#sign-out")
        page.wait_for_url("**/login")
        page.goto(dashboard + "/devices")
        page.wait_for_url("**/login?next=**")
        assert errors == []
        browser.close()
