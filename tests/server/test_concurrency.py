"""Twenty sites uploading at once through a real HTTP server: nothing lost, nothing duplicated (SQLite and PG)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.serving import BaseWSGIServer, make_server

from scanner.upload import upload
from server import create_app
from tests.server.conftest import inventory
from tests.server.test_api import device

SITES = 20
DEVICES_PER_SITE = 60


@pytest.fixture()
def live(db_url: str) -> Iterator[tuple[str, Flask]]:
    app = create_app({"DATABASE_URL": db_url, "RATELIMIT_ENABLED": False})
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()


def test_twenty_sites_upload_at_once(live: tuple[str, Flask]) -> None:
    url, app = live
    engine = inventory(app).engine
    tokens = [inventory(app).create_token(f"agent-{n:02d}", "agent", site=f"site-{n:02d}") for n in range(SITES)]

    def site(n: int) -> None:
        devs = [device(f"10.{n}.0.{i}", mac=f"44:19:b6:{n:02x}:00:{i:02x}") for i in range(1, DEVICES_PER_SITE + 1)]
        scan = {"id": f"00000000-0000-4000-8000-{n:012d}", "status": "finished"}
        token = tokens[n]
        upload(url, token, f"site-{n:02d}", scan, devs, tries=5, backoff_s=0.2)
        upload(url, token, f"site-{n:02d}", scan, devs, tries=5, backoff_s=0.2)  # a retry after a lost answer

    with ThreadPoolExecutor(max_workers=SITES) as pool:
        list(pool.map(site, range(SITES)))
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from sites")).scalar() == SITES
        assert conn.execute(text("select count(*) from scans")).scalar() == SITES
        assert conn.execute(text("select count(*) from devices")).scalar() == SITES * DEVICES_PER_SITE
        assert conn.execute(text("select count(*) from scan_devices")).scalar() == SITES * DEVICES_PER_SITE
        per_site = conn.execute(text("select count(*) from devices group by site_id")).scalars().all()
    assert set(per_site) == {DEVICES_PER_SITE}
