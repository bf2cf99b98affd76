"""Take the README's dashboard screenshots of a running server (after `./dev demo`): headless Chromium via Playwright.

  .venv/bin/sponsorwatch serve --port 8080       (prints a one-time login link)
  .venv/bin/python docs/screenshots.py http://127.0.0.1:8080/login/link/…    [site]

The tests take the same four pictures from their own fleets with SPONSORWATCH_SCREENSHOT_DIR=docs:
  /tmp/nt.sh .venv/bin/python -m pytest -q -p no:cacheprovider tests/server/test_dashboard_browser.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent


def main(login_link: str, site: str = "demo-lab") -> None:
    base = login_link.split("/login/", 1)[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(login_link)  # one-time: signs this browser in as an admin
        page.wait_for_url(base + "/")
        page.screenshot(path=str(HERE / "dashboard.png"))
        page.goto(f"{base}/devices?site={quote(site)}&flagged=yes&sort=ip")
        page.screenshot(path=str(HERE / "devices.png"))
        page.locator("#device-table tbody tr td.mono a").first.click()
        page.wait_for_url("**/devices/*")
        page.screenshot(path=str(HERE / "device.png"), full_page=True)
        page.goto(f"{base}/sites/{quote(site)}")
        page.screenshot(path=str(HERE / "site.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) < 2 or "/login/link/" not in sys.argv[1]:
        sys.exit("usage: docs/screenshots.py LOGIN_LINK [SITE]   (the link `sponsorwatch serve` prints)")
    main(*sys.argv[1:3])
