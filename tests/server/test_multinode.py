"""Several server nodes on existing engines: two gunicorn processes, one PostgreSQL, the rate limiter on Redis.

Everything runs on loopback inside the test's network namespace: a PostgreSQL cluster and a Redis server
started here, two `gunicorn 'server:create_app()'` nodes sharing them and one secret key. Forty sites upload
through both nodes at once (each upload sent twice, as an agent retrying after a lost answer); then the
faults: PostgreSQL restarted during a burst of uploads, and a node killed in the middle of one.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from scanner.storage import Inventory
from scanner.upload import upload
from tests.server.conftest import _as_postgres, _pg_bin
from tests.server.test_api import device

ROOT = Path(__file__).resolve().parents[2]
SITES = 40
DEVICES_PER_SITE = 50
SECRET = "multi-node-test-secret-0123456789abcdef"
RATE = 20  # lookups per minute per client address, counted across nodes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: object, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not come up within {timeout_s:.0f} s")


@dataclass
class Postgres:
    bindir: str
    data: str
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://sw@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([f"{self.bindir}/pg_ctl", "-D", self.data, *args]), check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        self.ctl("-w", "-l", f"{self.data}/log", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off "
                 "-c max_connections=300", "start")

    def restart(self) -> None:
        # -l: the restarted server writes to its log file, not to this process's captured pipes.
        self.ctl("-w", "-m", "fast", "-l", f"{self.data}/log", "restart")


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bindir = _pg_bin()
    data = tempfile.mkdtemp(prefix="sw-pg-multi-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "sw", "-E", "UTF8"]),
                   check=True, capture_output=True)
    pg = Postgres(bindir, data, free_port())
    pg.start()
    try:
        yield pg
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def redis() -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server not found; ./dev test installs the 'redis-server' package")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="sw-redis-")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pong() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    try:
        wait_for(pong, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


class Node:
    """One server node: gunicorn with two workers, the shared database, Redis and secret key."""

    def __init__(self, db: str, redis_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": db, "SPONSORWATCH_RATELIMIT_STORAGE_URI": redis_url,
               "SPONSORWATCH_RATELIMIT_DEFAULT": f"{RATE} per minute", "SPONSORWATCH_SECRET_KEY": SECRET}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{self.port}", "--log-level",
                                      "warning", "--graceful-timeout", "2", "server:create_app()"],
                                     env=env, cwd=ROOT, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: httpx.get(f"{self.url}/api/v1/catalog/snapshot", timeout=2).status_code == 200,
                 f"node on port {self.port}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the node: the master and its workers (SIGKILL: the whole process group, as a crash would)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)


@pytest.fixture()
def cluster(postgres: Postgres, redis: str, tmp_path: Path) -> Iterator[tuple[str, list[Node], Inventory]]:
    name = f"multi_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    admin = create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    db = postgres.url.rsplit("/", 1)[0] + f"/{name}"
    inventory = Inventory(db)  # migrations run once, before the nodes start (the nodes then only check them)
    nodes = [Node(db, redis), Node(db, redis)]
    try:
        yield db, nodes, inventory
    finally:
        for node in nodes:
            node.stop()
        inventory.engine.dispose()


def counts(inventory: Inventory) -> tuple[int, int, int]:
    with inventory.engine.connect() as conn:
        return tuple(int(conn.execute(text(f"select count(*) from {t}")).scalar_one())  # type: ignore[return-value]
                     for t in ("sites", "scans", "devices"))


def site_devices(n: int) -> list[dict[str, object]]:
    return [device(f"10.{n}.0.{i}", mac=f"44:19:b6:{n:02x}:00:{i:02x}") for i in range(1, DEVICES_PER_SITE + 1)]


def test_forty_sites_upload_through_two_nodes_and_the_limit_is_shared(
        cluster: tuple[str, list[Node], Inventory]) -> None:
    _, nodes, inventory = cluster
    tokens = [inventory.create_token(f"agent-{n:02d}", "agent", site=f"site-{n:02d}") for n in range(SITES)]

    def site(n: int) -> None:
        scan = {"id": f"00000000-0000-4000-8000-{n:012d}", "status": "finished"}
        devs = site_devices(n)
        # The same upload twice, once through each node: an agent retrying after a lost answer.
        upload(nodes[n % 2].url, tokens[n], f"site-{n:02d}", scan, devs, tries=5, backoff_s=0.2)
        upload(nodes[(n + 1) % 2].url, tokens[n], f"site-{n:02d}", scan, devs, tries=5, backoff_s=0.2)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(site, range(SITES)))
    elapsed = time.monotonic() - started
    assert counts(inventory) == (SITES, SITES, SITES * DEVICES_PER_SITE)
    sites, _ = inventory.list_devices(site="site-07", limit=1000)
    assert len(sites) == DEVICES_PER_SITE and all(d["site"] == "site-07" for d in sites)
    print(f"{2 * SITES} uploads ({2 * SITES * DEVICES_PER_SITE} devices) through two nodes in {elapsed:.1f} s: "
          f"{2 * SITES / elapsed:.1f} uploads/s")

    # A dashboard session made on one node works on the other (one shared secret key, no node-local state).
    admin = inventory.create_token("admin-person", "admin")
    with httpx.Client(base_url=nodes[0].url, follow_redirects=False, timeout=10) as first:
        form = first.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        signed_in = first.post("/login", data={"csrf_token": csrf.group(1), "token": admin, "username": "",
                                               "password": ""})
        assert signed_in.status_code in (302, 303), signed_in.text[:300]
        cookies = first.cookies
    with httpx.Client(base_url=nodes[1].url, cookies=cookies, follow_redirects=False, timeout=10) as second:
        page = second.get("/devices?site=site-07")
        assert page.status_code == 200 and "10.7.0.1" in page.text
    with httpx.Client(base_url=nodes[1].url, follow_redirects=False, timeout=10) as stranger:
        assert stranger.get("/devices").status_code in (302, 303, 401)  # and without it, no way in

    # The public lookup limit is counted once across both nodes (Redis), not once per node.
    statuses = [httpx.get(f"{nodes[i % 2].url}/api/v1/lookup", params={"q": f"Hikvision {i}"}, timeout=10)
                .status_code for i in range(RATE + 10)]
    assert statuses.count(200) == RATE and statuses.count(429) == 10, statuses


def test_postgresql_restart_during_a_burst_loses_nothing(postgres: Postgres,
                                                         cluster: tuple[str, list[Node], Inventory]) -> None:
    _, nodes, inventory = cluster
    tokens = [inventory.create_token(f"agent-{n:02d}", "agent", site=f"site-{n:02d}") for n in range(SITES)]
    errors: list[BaseException] = []

    def site(n: int) -> None:
        try:
            upload(nodes[n % 2].url, tokens[n], f"site-{n:02d}", {"id": f"10000000-0000-4000-8000-{n:012d}"},
                   site_devices(n), tries=8, backoff_s=0.5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=site, args=(n,)) for n in range(SITES)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    postgres.restart()  # in the middle of the burst
    for t in threads:
        t.join(timeout=180)
    assert errors == []
    assert counts(inventory) == (SITES, SITES, SITES * DEVICES_PER_SITE)


def test_a_node_killed_mid_upload_then_the_retry_lands_once(cluster: tuple[str, list[Node], Inventory]) -> None:
    _, nodes, inventory = cluster
    token = inventory.create_token("agent-big", "agent", site="big-site")
    devs = [device(f"10.200.{i // 250}.{i % 250}", mac=f"44:19:b6:c8:{i // 250:02x}:{i % 250:02x}")
            for i in range(5000)]
    scan = {"id": "20000000-0000-4000-8000-000000000001", "status": "finished"}
    killer = threading.Timer(0.05, nodes[0].stop, kwargs={"sig": signal.SIGKILL})
    killer.start()
    # The node dies while this upload is in flight (or just before it): either way it may not have landed.
    with contextlib.suppress(ConnectionError, RuntimeError, httpx.HTTPError):
        upload(nodes[0].url, token, "big-site", scan, devs, tries=1)
    killer.join()
    assert nodes[0].proc.poll() is not None
    result = upload(nodes[1].url, token, "big-site", scan, devs, tries=5, backoff_s=0.5)
    assert result["devices"] == 5000
    upload(nodes[1].url, token, "big-site", scan, devs, tries=5, backoff_s=0.5)  # and once more: idempotent
    assert counts(inventory) == (1, 1, 5000)
