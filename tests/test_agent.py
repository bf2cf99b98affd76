"""`sponsorwatch agent` as a real process against the simulated lab and a loopback server: scheduled scans and
imports uploaded, one instance at a time, a clean stop on SIGTERM, and uploads spooled while the server is away
and sent when it appears. (Tests run in their own network namespace: ./dev test, or /tmp/nt.sh.)"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from scanner.agent import AgentError, duration_s, load_config
from scanner.lab import FleetEntry, Lab, LabThread
from scanner.storage import Inventory

REPO = Path(__file__).parent.parent
LEASES = REPO / "tests" / "data" / "imports" / "leases" / "dnsmasq.leases"
STOP_BOUND_S = 20.0


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    fleet = Lab([FleetEntry("hikvision-ipc", 1), FleetEntry("dahua-ipc", 1), FleetEntry("printer", 1)],
                base="127.0.7.10", multicast=False, mdns=False)
    with LabThread(fleet):
        yield fleet


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Collector:
    """A real HTTP server on 127.0.0.1:port accepting uploads (201) and keeping their bodies."""

    def __init__(self, port: int) -> None:
        self.bodies: list[dict[str, Any]] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                bodies.append(body)
                answer = json.dumps({"devices": len(body["devices"])}).encode()
                self.send_response(201)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_config(tmp_path: Path, port: int, *, scan_every: str = "2s", leases: Path | None = None) -> Path:
    (tmp_path / "token").write_text("sw_agent_test\n", encoding="utf-8")
    parts = [f'site = "agent-test"\nstate_dir = "state"\ndb = "sqlite:///{tmp_path / "agent.db"}"\nretry = 1\n',
             f'[server]\nurl = "http://127.0.0.1:{port}"\ntoken_file = "token"\n',
             f'[[scan]]\ntargets = ["127.0.7.10-12"]\nevery = "{scan_every}"\nmulticast = false\nudp_window = 0.3\n'
             'engine = "asyncio"\nmax_duration = 60\n']
    if leases is not None:
        parts.append(f'[[import]]\nfiles = ["{leases}"]\nevery = 1\n')
    path = tmp_path / "agent.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def start_agent(config: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SPONSORWATCH_TOKEN", None)
    return subprocess.Popen([sys.executable, "-m", "sponsorwatch", "agent", "--config", str(config), *extra],
                            cwd=config.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(check: Callable[[], bool], bound_s: float, what: str) -> None:
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=STOP_BOUND_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"agent did not stop on SIGTERM: {err}") from None
    return proc.returncode, err


def test_scheduled_scans_upload_and_sigterm_stops_cleanly(lab: Lab, tmp_path: Path) -> None:
    port = free_port()
    collector = Collector(port)
    proc = start_agent(write_config(tmp_path, port))
    try:
        wait_for(lambda: len(collector.bodies) >= 2, 90, "two scheduled scans to be uploaded")
    finally:
        code, err = stop(proc)
        collector.close()
    assert code == 0, err
    assert "stopped" in err.splitlines()[-1]
    first, second = collector.bodies[:2]
    assert first["site"] == "agent-test" and first["scan"]["id"] != second["scan"]["id"]
    flagged = {d["vendor"] for d in first["devices"] if d["flagged"]}
    assert flagged == {"hikvision", "dahua"}
    assert not list((tmp_path / "state" / "spool").glob("*.json"))  # everything sent, nothing waiting
    assert (tmp_path / "state" / "agent.lock").read_text(encoding="ascii") == ""  # released
    sites = Inventory(f"sqlite:///{tmp_path / 'agent.db'}").list_sites()
    assert sites[0]["name"] == "agent-test" and sites[0]["flagged"] == 2


def test_a_second_instance_is_refused_while_the_first_runs(lab: Lab, tmp_path: Path) -> None:
    config = write_config(tmp_path, free_port(), scan_every="1h")
    first = start_agent(config)
    try:
        wait_for(lambda: (tmp_path / "state" / "agent.lock").exists()
                 and (tmp_path / "state" / "agent.lock").read_text(encoding="ascii").strip() == str(first.pid),
                 30, "the first agent to take the lock")
        second = subprocess.run([sys.executable, "-m", "sponsorwatch", "agent", "--config", str(config)],
                                cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 2
        assert f"another agent (pid {first.pid}) is running" in second.stderr
    finally:
        code, err = stop(first)
    assert code == 0, err
    # once the first has stopped, the lock is free again: --once runs every job and exits
    once = subprocess.run([sys.executable, "-m", "sponsorwatch", "agent", "--config", str(config), "--once"],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          timeout=120)
    assert once.returncode == 0, once.stderr
    assert "server unreachable" in once.stderr and list((tmp_path / "state" / "spool").glob("*.json"))


def test_uploads_wait_in_the_spool_until_the_server_appears(lab: Lab, tmp_path: Path) -> None:
    port = free_port()
    leases = tmp_path / "dnsmasq.leases"
    leases.write_bytes(LEASES.read_bytes())
    proc = start_agent(write_config(tmp_path, port, scan_every="1h", leases=leases))
    spool = tmp_path / "state" / "spool"
    collector = None
    try:
        wait_for(lambda: len(list(spool.glob("*.json"))) >= 2, 90, "the scan and the import to be spooled")
        # the leases file changes: the agent imports it again (still spooled)
        with leases.open("a", encoding="utf-8") as fh:
            fh.write("1750000000 28:57:be:00:00:99 172.17.9.9 new-camera *\n")
        wait_for(lambda: len(list(spool.glob("*.json"))) >= 3, 30, "the changed file to be imported again")
        collector = Collector(port)
        wait_for(lambda: len(collector.bodies) >= 3 and not list(spool.glob("*.json")), 30,
                 "the spool to be sent once the server answers")
    finally:
        code, err = stop(proc)
        if collector is not None:
            collector.close()
    assert code == 0, err
    engines = [b["scan"]["stats"].get("engine") for b in collector.bodies]
    assert engines.count("import") == 2 and len(engines) == 3  # scan, import, re-import: each once, in order
    last = collector.bodies[-1]
    assert any(d["ip"] == "172.17.9.9" and d["flagged"] for d in last["devices"])
    assert "server unreachable" in err


def test_config_mistakes_are_named(tmp_path: Path) -> None:
    assert duration_s("5m", "x") == 300 and duration_s(90, "x") == 90 and duration_s("1d", "x") == 86400
    with pytest.raises(AgentError, match="not a duration"):
        duration_s("soon", "every")
    cases = {
        'site = ""\n[[scan]]\ntargets=["127.0.0.1"]\n': "site",
        'site = "a"\n': "nothing to do",
        'site = "a"\n[[scan]]\ntargets = "127.0.0.1"\n': "targets must be a list",
        'site = "a"\n[server]\nurl = "http://127.0.0.1:1"\n[[scan]]\ntargets=["127.0.0.1"]\n': "token_file",
        'site = "a"\n[[import]]\nfiles = ["x"]\nmap = "colour=red"\n': "FIELD=COLUMN",
        'site = "a"\n[[scan]]\ntargets=["127.0.0.1"]\nevery = "0.1s"\n': "shorter than",
        'site = [\n': "agent.toml",
    }
    for text, message in cases.items():
        path = tmp_path / "agent.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(AgentError, match=message):
            load_config(path)
