"""The agent's side of the inventory: a scan's record and each device saved as soon as it is identified."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select, update

from scanner.storage.engine import Store, now
from scanner.storage.schema import scan_devices, scans


class ScanLog(Store):
    """Scans and their devices as the scanner saves them: each device in its own short transaction, so an
    interrupted scan keeps everything found before the interruption."""

    def start_scan(self, targets: list[str], options: dict[str, Any], scan_id: str | None = None) -> str:
        scan_id = scan_id or str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(scans.insert().values(id=scan_id, started_at=now(), status="running",
                                               targets=json.dumps(targets), options=json.dumps(options)))
        return scan_id

    def reopen_scan(self, scan_id: str) -> dict[str, Any]:
        """A scan to resume: its targets and options; marks it running again."""
        with self.engine.begin() as conn:
            row = conn.execute(select(scans).where(scans.c.id == scan_id)).mappings().first()
            if row is None:
                raise KeyError(f"no scan {scan_id!r} in the inventory")
            conn.execute(update(scans).where(scans.c.id == scan_id).values(status="running", finished_at=None))
        return {"targets": json.loads(row["targets"]), "options": json.loads(row["options"])}

    def save_device(self, scan_id: str, device: dict[str, Any]) -> None:
        values = {"scan_id": scan_id, "ip": device["ip"], "device": json.dumps(device), "saved_at": now()}
        with self.engine.begin() as conn:
            conn.execute(self.upsert(scan_devices, values, ["scan_id", "ip"], ["device", "saved_at"]))

    def finish_scan(self, scan_id: str, status: str, stats: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(scans).where(scans.c.id == scan_id).values(
                status=status, finished_at=now(), stats=json.dumps(stats)))

    def done_ips(self, scan_id: str) -> frozenset[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(scan_devices.c.ip).where(scan_devices.c.scan_id == scan_id))
            return frozenset(r[0] for r in rows)

    def scan_devices(self, scan_id: str) -> list[dict[str, Any]]:
        """The device records saved for one scan."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(scan_devices.c.device).where(scan_devices.c.scan_id == scan_id))
            return [json.loads(r[0]) for r in rows]
