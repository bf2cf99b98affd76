"""Installable apart: the wheel gives the agent without Flask, and the [server] extra adds the backend.

Each test builds the wheel from this tree and installs it into a fresh virtualenv, offline, from the wheelhouse
that `./dev setup` fills before the tests enter their network namespace (no registry is reachable here).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = Path(os.environ.get("SPONSORWATCH_WHEELHOUSE", ROOT / ".venv" / "wheelhouse"))
INSTALL_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not any(WHEELHOUSE.glob("*.whl")):
        pytest.fail(f"no wheelhouse at {WHEELHOUSE}: run ./dev setup (it downloads the dependencies' wheels)")
    out = tmp_path_factory.mktemp("dist")
    build_dir = tmp_path_factory.mktemp("build")
    src = build_dir / "src"  # a copy, so building never writes build/ or *.egg-info into the checkout
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "node_modules", "instance", "build",
                                                             "*.egg-info", "__pycache__", ".mypy_cache",
                                                             ".ruff_cache", ".hypothesis"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(out), str(src)], check=True, capture_output=True, timeout=INSTALL_TIMEOUT_S)
    (found,) = out.glob("sponsorwatch-*.whl")
    return found


def _venv(path: Path, requirement: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True, timeout=120)
    proc = subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
                           "--disable-pip-version-check", "--find-links", str(WHEELHOUSE), requirement],
                          capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return path / "bin"


def _run(bindir: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run([str(bindir / "sponsorwatch"), *argv], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)


def test_the_agent_installs_without_the_server(wheel: Path, tmp_path: Path) -> None:
    bindir = _venv(tmp_path / "agent", str(wheel))
    looked = _run(bindir, "lookup", "--json", "Hikvision DS-2CD2143G2-I", cwd=tmp_path)
    assert looked.returncode == 1, looked.stderr  # exit status 1: something flagged
    assert json.loads(looked.stdout)["vendor"] == "hikvision"
    assert _run(bindir, "scan", "--help", cwd=tmp_path).returncode == 0
    assert _run(bindir, "--version", cwd=tmp_path).stdout.startswith("sponsorwatch ")
    assert _run(bindir, "kb", "check", cwd=tmp_path).returncode == 0
    for module in ("flask", "gunicorn", "psycopg", "flask_limiter"):
        probe = subprocess.run([str(bindir / "python"), "-c", f"import {module}"], capture_output=True, timeout=60)
        assert probe.returncode != 0, f"{module} is importable in the agent-only install"
    served = _run(bindir, "serve", "--port", "1", cwd=tmp_path)
    assert served.returncode == 2 and "pip install 'sponsorwatch[server]'" in served.stderr


@pytest.fixture()
def free_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


def test_the_server_extra_adds_the_backend(wheel: Path, tmp_path: Path, free_port: int) -> None:
    bindir = _venv(tmp_path / "server", f"sponsorwatch[server] @ {wheel.as_uri()}")
    db = f"sqlite:///{tmp_path / 'server.db'}"
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.Popen([str(bindir / "sponsorwatch"), "serve", "--host", "127.0.0.1", "--port",
                             str(free_port), "--db", db], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{free_port}/api/v1/lookup?q=Dahua+IPC-HDW5421S",
                                            timeout=5) as resp:
                    body = json.loads(resp.read())
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "serve exited"
                assert time.monotonic() < deadline, "serve did not answer within 60 s"
                time.sleep(0.3)
        assert body["result"]["vendor"] == "dahua" and body["result"]["flagged"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
