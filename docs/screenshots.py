"""Take the README's screenshots of a running dashboard (after `./dev demo`): headless Chromium via Playwright.

  .venv/bin/sponsorwatch serve --port 8080 &   then   .venv/bin/python docs/screenshots.py http://127.0.0.1:8080
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent


def main(base: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(base + "/")
        page.screenshot(path=str(HERE / "dashboard.png"))
        page.goto(base + "/devices?site=demo-lab")
        page.screenshot(path=str(HERE / "devices.png"))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
