"""Benchmark the server through HTTP with gunicorn: lookups per second and p50/p99 latency for batches of 50
titles, and the ingestion time of one 10,000-device scan.

Run inside a network namespace (or anywhere: it only talks to 127.0.0.1):
  .venv/bin/python bench/server_bench.py [--workers 2] [--clients 8] [--seconds 15]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from lookup_bench import load_titles  # the labelled corpus, as the engine benchmark reads it

ROOT = Path(__file__).resolve().parents[1]
BATCH = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--devices", type=int, default=10_000)
    args = parser.parse_args()
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="sw-bench-")
    db = f"sqlite:///{tmp}/bench.db"
    env = {**os.environ, "DATABASE_URL": db, "SPONSORWATCH_RATELIMIT_DEFAULT": "100000000 per minute"}
    subprocess.run([sys.executable, "-m", "sponsorwatch", "db", "upgrade", "--db", db], check=True, env=env,
                   capture_output=True)
    token = subprocess.run([sys.executable, "-m", "sponsorwatch", "token", "create", "bench", "--role", "agent",
                            "--site", "bench", "--db", db], check=True, env=env, capture_output=True,
                           text=True).stdout.strip()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--log-level",
                               "warning", "server:create_app()"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/v1/lookup", params={"q": "warm-up"}, timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        corpus = load_titles()
        latencies: list[float] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def client(n: int) -> None:
            with httpx.Client(timeout=30) as http:
                i = n * 997
                while time.monotonic() < stop:
                    batch = [f"{corpus[(i + k) % len(corpus)]} #{i + k}" for k in range(BATCH)]
                    i += BATCH
                    t0 = time.perf_counter()
                    resp = http.post(f"{base}/api/v1/lookup", json={"items": batch})
                    elapsed = time.perf_counter() - t0
                    resp.raise_for_status()
                    with lock:
                        latencies.append(elapsed)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
        latencies.sort()
        requests = len(latencies)
        print(f"gunicorn {args.workers} workers, {args.clients} clients, {wall:.1f} s, batches of {BATCH} titles:")
        print(f"  {requests / wall:,.1f} requests/s = {requests * BATCH / wall:,.0f} lookups/s; latency per batch "
              f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {latencies[int(requests * 0.99)] * 1000:.1f} ms")

        devices = [{"ip": f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}", "mac": f"44:19:b6:{i // 65536:02x}:"
                    f"{(i // 256) % 256:02x}:{i % 256:02x}", "vendor": "hikvision", "brand": "hikvision",
                    "model": "DS-2CD2142FWD-I", "serial": f"DS-2CD2142FWD-I2018{i:010d}",
                    "firmware": "V5.5.0 build 170725",
                    "device_class": "ip-camera", "flagged": True, "confidence": 0.99,
                    "evidence": [{"source": "sadp", "detail": "SADP ProbeMatch"}], "cves": []}
                   for i in range(args.devices)]
        t0 = time.perf_counter()
        resp = httpx.post(f"{base}/api/v1/scans", json={"site": "bench", "scan": {"id": "bench-scan-1"},
                                                        "devices": devices},
                          headers={"Authorization": f"Bearer {token}"}, timeout=600)
        resp.raise_for_status()
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        httpx.post(f"{base}/api/v1/scans", json={"site": "bench", "scan": {"id": "bench-scan-1"}, "devices": devices},
                   headers={"Authorization": f"Bearer {token}"}, timeout=600).raise_for_status()
        again = time.perf_counter() - t0
        print(f"ingestion of one {args.devices:,}-device scan (SQLite): {first:.1f} s; the same upload retried "
              f"(idempotent upsert): {again:.1f} s")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
