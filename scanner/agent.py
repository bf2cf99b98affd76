"""The watching agent: scheduled scans and imports of changed files, each recorded for the site and uploaded;
uploads that fail wait in a spool directory and are sent when the server answers again. One instance at a time
(a lock file); SIGTERM stops it cleanly (a running scan is saved as interrupted, nothing half-sent).

Config (TOML):

    site = "kyiv-office"                    # required
    state_dir = "/var/lib/sponsorwatch"     # lock, spool and file checksums (default: ./sponsorwatch-agent)
    db = "sqlite:////var/lib/sponsorwatch/agent.db"   # optional, default $DATABASE_URL or instance/
    [server]                                # optional: without it the agent only records locally
    url = "https://sponsorwatch.example.org"
    token_file = "/etc/sponsorwatch/token"  # or $SPONSORWATCH_TOKEN
    [[scan]]
    targets = ["10.0.0.0/24"]
    every = "6h"                            # s, m, h, d, or seconds as a number
    # exclude, scope, ports, rate, concurrency, max_duration, udp_window, multicast, mdns, engine
    [[import]]
    files = ["/var/lib/misc/dnsmasq.leases"]
    every = "5m"                            # how often to look; imported only when a file's content changed
    format = "auto"                         # and optionally map = "ip=IP,mac=MAC"
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.discovery.ports import CAMERA_PORTS
from scanner.discovery.scan import ScanOptions
from scanner.imports.pipeline import record, run_import
from scanner.imports.records import ImportFailure
from scanner.imports.tables import parse_mapping
from scanner.session import AUTO, ScanSession
from scanner.storage import Inventory
from scanner.untrusted import clean_strings
from scanner.upload import UploadError, upload

TOKEN_ENV = "SPONSORWATCH_TOKEN"
RETRY_SPOOL_S = 30.0  # how often spooled uploads are tried again while the server is away
MIN_EVERY_S = 1.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class AgentError(ValueError):
    """A configuration the agent cannot run with, or a second instance."""


def duration_s(value: Any, where: str) -> float:
    """`90`, `"90s"`, `"5m"`, `"6h"`, `"1d"` → seconds."""
    m = _DURATION.match(str(value))
    if m is None or isinstance(value, bool):
        raise AgentError(f"{where}: {value!r} is not a duration (e.g. 90, \"5m\", \"6h\", \"1d\")")
    seconds = float(m.group(1)) * _UNIT_S[m.group(2)]
    if seconds < MIN_EVERY_S:
        raise AgentError(f"{where}: {value!r} is shorter than {MIN_EVERY_S:g} s")
    return seconds


@dataclass
class Job:
    kind: str  # scan | import
    name: str
    every_s: float
    spec: dict[str, Any]
    due: float = 0.0  # monotonic time of the next run; 0: at once


@dataclass
class AgentConfig:
    site: str
    state_dir: Path
    db: str | None
    server_url: str | None
    token: str | None
    jobs: list[Job] = field(default_factory=list)
    retry_s: float = RETRY_SPOOL_S


def _read_token(server: dict[str, Any], base: Path) -> str | None:
    if "token_file" in server:
        path = base / str(server["token_file"])
        try:
            token = path.read_text(encoding="utf-8").splitlines()[0].strip() if path.stat().st_size else ""
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise AgentError(f"[server] token_file {path}: {exc}") from exc
        if not token:
            raise AgentError(f"[server] token_file {path} is empty")
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


def load_config(path: str | os.PathLike[str]) -> AgentConfig:
    """Read and check an agent.toml; every mistake is an AgentError naming the key."""
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AgentError(f"{p}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise AgentError(f"{p}: {exc}") from exc
    base = p.resolve().parent
    site = doc.get("site")
    if not isinstance(site, str) or not site.strip():
        raise AgentError(f"{p}: `site = \"…\"` is required")
    server = doc.get("server") or {}
    url = server.get("url")
    token = _read_token(server, base) if url else None
    if url and not token:
        raise AgentError(f"{p}: [server] needs token_file, or ${TOKEN_ENV} in the environment")
    config = AgentConfig(site=site.strip(), state_dir=base / str(doc.get("state_dir", "sponsorwatch-agent")),
                         db=doc.get("db"), server_url=url, token=token,
                         retry_s=duration_s(doc.get("retry", RETRY_SPOOL_S), "retry"))
    for i, scan in enumerate(doc.get("scan", [])):
        where = f"[[scan]] #{i + 1}"
        targets = scan.get("targets")
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
            raise AgentError(f"{where}: targets must be a list of addresses, networks or ranges")
        config.jobs.append(Job("scan", f"scan {' '.join(targets)[:60]}", duration_s(scan.get("every", "6h"), where),
                               scan))
    for i, imp in enumerate(doc.get("import", [])):
        where = f"[[import]] #{i + 1}"
        files = imp.get("files")
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            raise AgentError(f"{where}: files must be a list of paths")
        imp = {**imp, "files": [str(base / f) for f in files]}
        if imp.get("map"):
            try:
                parse_mapping(str(imp["map"]))  # fails now, not at 3 a.m.
            except ImportFailure as exc:
                raise AgentError(f"{where}: {exc}") from exc
        config.jobs.append(Job("import", f"import {', '.join(files)[:60]}",
                               duration_s(imp.get("every", "5m"), where), imp))
    if not config.jobs:
        raise AgentError(f"{p}: nothing to do: add a [[scan]] or an [[import]] section")
    return config


class InstanceLock:
    """An exclusive lock on state_dir/agent.lock held for the agent's life (released by the OS if it dies)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - held until release()
        try:
            if os.name == "nt":
                import msvcrt
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise AgentError(f"another agent (pid {holder}) is running with {self.path}; one instance at a "
                             "time") from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.close()  # closing drops the lock
            self._fh = None


class Spool:
    """Uploads waiting for the server: one JSON file per scan, written atomically, removed once accepted."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)

    def put(self, site: str, scan: dict[str, Any], devices: list[dict[str, Any]]) -> Path:
        path = self.dir / f"{time.time_ns():020d}-{re.sub(r'[^0-9A-Za-z-]', '', str(scan.get('id')))[:40]}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(clean_strings({"site": site, "scan": scan, "devices": devices})), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def pending(self) -> list[Path]:
        return sorted(self.dir.glob("*.json"))


Log = Callable[[str], None]


class Agent:
    """Runs the jobs of a config until stopped; `run_once` runs each once (the cron form)."""

    def __init__(self, config: AgentConfig, log: Log) -> None:
        self.config = config
        self.log = log
        self.inventory = Inventory(config.db)
        self.spool = Spool(config.state_dir / "spool")
        self.seen_path = config.state_dir / "files.json"
        self.stop = asyncio.Event()
        self.next_spool_try = 0.0

    # -- uploads --------------------------------------------------------------------------------------------
    def _send(self, site: str, scan: dict[str, Any], devices: list[dict[str, Any]]) -> None:
        assert self.config.server_url and self.config.token
        upload(self.config.server_url, self.config.token, site, scan, devices, tries=1)

    async def deliver(self, scan: dict[str, Any], devices: list[dict[str, Any]]) -> None:
        """Upload now, or spool for later; spooled uploads go first so the server sees scans in order."""
        if not self.config.server_url:
            return
        self.spool.put(self.config.site, scan, devices)
        await self.flush_spool()

    async def flush_spool(self) -> None:
        if not self.config.server_url:
            return
        for path in self.spool.pending():
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
                await asyncio.to_thread(self._send, body["site"], body["scan"], body["devices"])
            except (ConnectionError, OSError) as exc:
                self.log(f"server unreachable ({exc.__class__.__name__}): {len(self.spool.pending())} upload(s) "
                         f"kept in {self.spool.dir}, retried every {self.config.retry_s:g} s")
                self.next_spool_try = time.monotonic() + self.config.retry_s
                return
            except UploadError as exc:
                path.rename(path.with_suffix(".refused"))
                self.log(f"upload refused, kept as {path.with_suffix('.refused').name}: {exc}")
                continue
            except (ValueError, KeyError) as exc:
                path.rename(path.with_suffix(".broken"))
                self.log(f"spooled upload {path.name} unreadable ({exc}); set aside")
                continue
            path.unlink()
            self.log(f"uploaded {len(body['devices'])} devices (scan {body['scan'].get('id')})")
        self.next_spool_try = 0.0

    # -- jobs -----------------------------------------------------------------------------------------------
    async def run_scan(self, spec: dict[str, Any]) -> None:
        options = ScanOptions(
            ports=tuple(int(p) for p in spec.get("ports", CAMERA_PORTS)), rate=float(spec.get("rate", 2000.0)),
            concurrency=int(spec.get("concurrency", 64)), max_duration_s=float(spec.get("max_duration", 900.0)),
            udp_window_s=float(spec.get("udp_window", 2.0)),
            multicast_if=AUTO if spec.get("multicast", True) else None, mdns=bool(spec.get("mdns", False)),
            engine=str(spec.get("engine", "auto")))
        session = ScanSession.open(self.inventory, spec["targets"], options, exclude=spec.get("exclude", []),
                                   scope=spec.get("scope"), confirm_large=bool(spec.get("confirm_large", False)))
        result = await session.run()
        session.record_site(result, self.config.site)
        flagged = sum(1 for d in result.devices if d["flagged"])
        self.log(f"scan {result.scan_id}: {result.status}, {len(result.devices)} devices, {flagged} flagged")
        await self.deliver(result.document(), result.devices)

    def _fingerprints(self, files: list[str]) -> dict[str, str]:
        out = {}
        for f in files:
            h = hashlib.sha256()
            try:
                with open(f, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        h.update(chunk)
            except OSError:
                out[f] = "missing"
                continue
            out[f] = h.hexdigest()
        return out

    async def run_import_job(self, spec: dict[str, Any]) -> None:
        files = list(spec["files"])
        now = await asyncio.to_thread(self._fingerprints, files)
        seen = self._load_seen()
        key = "\n".join(files)
        if seen.get(key) == now:
            return
        present = [f for f in files if now[f] != "missing"]
        if not present:
            self.log(f"import: none of {', '.join(files)} exists yet")
            return
        mapping = parse_mapping(str(spec["map"])) if spec.get("map") else None
        result = await asyncio.to_thread(run_import, present, str(spec.get("format", "auto")), mapping)
        if result.devices:
            await asyncio.to_thread(record, self.inventory, result, self.config.site)
        bad = result.bad_lines
        flagged = sum(1 for d in result.devices if d["flagged"])
        self.log(f"import {result.scan_id}: {len(result.devices)} devices, {flagged} flagged, {bad} bad lines")
        seen[key] = now
        self._save_seen(seen)
        if result.devices:
            await self.deliver(result.document(), result.devices)

    def _load_seen(self) -> dict[str, Any]:
        try:
            data = json.loads(self.seen_path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save_seen(self, seen: dict[str, Any]) -> None:
        tmp = self.seen_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(seen), encoding="utf-8")
        os.replace(tmp, self.seen_path)

    async def run_job(self, job: Job) -> None:
        try:
            if job.kind == "scan":
                await self.run_scan(job.spec)
            else:
                await self.run_import_job(job.spec)
        except asyncio.CancelledError:
            raise
        except (ImportFailure, ValueError, KeyError, OSError) as exc:  # the next round may succeed
            self.log(f"{job.name}: failed: {exc}")

    async def run_once(self) -> None:
        for job in self.config.jobs:
            if self.stop.is_set():
                return
            await self.run_job(job)
        await self.flush_spool()

    async def run_forever(self) -> None:
        """Each job when due, spooled uploads retried, until `stop` is set; a running job is cancelled then."""
        while not self.stop.is_set():
            now = time.monotonic()
            for job in self.config.jobs:
                if job.due <= now and not self.stop.is_set():
                    job.due = now + job.every_s
                    task = asyncio.ensure_future(self.run_job(job))
                    stopper = asyncio.ensure_future(self.stop.wait())
                    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    stopper.cancel()
                    if not task.done():
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                        return
            if self.next_spool_try and time.monotonic() >= self.next_spool_try:
                await self.flush_spool()
            wake = min([j.due for j in self.config.jobs] + ([self.next_spool_try] if self.next_spool_try else []))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), max(0.05, wake - time.monotonic()))


def describe(config: AgentConfig) -> str:
    jobs = "; ".join(f"{j.name} every {j.every_s:g} s" for j in config.jobs)
    return f"site {config.site!r}: {jobs}; server {config.server_url or 'none (local only)'}"


__all__ = ["Agent", "AgentConfig", "AgentError", "InstanceLock", "Spool", "describe", "load_config"]
