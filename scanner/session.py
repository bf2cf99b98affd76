"""A scan session: targets → discovery → identification → each device saved as it completes → resume → upload.

The one place a scan is orchestrated; the CLI and the demo both use it. Open a session (new, or resuming an
interrupted scan), `await run()`, then record the result for a site in the local inventory or upload it.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.discovery.scan import ScanOptions, ScanStats, scan
from scanner.discovery.targets import TargetSet, build_targets, local_interface_for
from scanner.identify.device import IDENTITY_FIELDS, DeviceVerdict
from scanner.storage import Inventory
from scanner.untrusted import clean_strings, sheet_cell
from scanner.upload import upload

CSV_FIELDS = (*IDENTITY_FIELDS, "flagged", "confidence", "cves", "risks", "explanation")
AUTO = "auto"  # multicast_if: the local interface whose segment holds every target, if there is one


def public_options(options: ScanOptions) -> dict[str, Any]:
    """The options as saved, uploaded and printed: credentials never appear, only whether some were given."""
    data = dataclasses.asdict(options)
    data["credentials"] = "<given>" if options.credentials is not None else None
    return data


@dataclass
class ScanResult:
    """What a finished (or timed-out, or interrupted) session found, as saved in the inventory."""

    scan_id: str
    status: str  # finished | timed-out | interrupted
    targets: list[str]
    stats: ScanStats
    options: dict[str, Any]
    devices: list[dict[str, Any]]

    @property
    def seconds(self) -> float:
        return (self.stats.finished or time.time()) - self.stats.started

    def document(self) -> dict[str, Any]:
        """The scan's header as written to JSON output and sent with an upload."""
        return {"id": self.scan_id, "status": self.status, "targets": self.targets,
                "stats": dataclasses.asdict(self.stats), "options": self.options}

    def to_json(self) -> str:
        return json.dumps({"scan": self.document(), "devices": self.devices}, indent=2, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        """One row per device: identity, verdict, CVE ids and risks (evidence stays in the JSON). Every cell goes
        through `sheet_cell`: what a device calls itself never becomes a spreadsheet formula."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for d in self.devices:
            row = {**d, "cves": " ".join(c["id"] for c in d["cves"]), "risks": " | ".join(d["risks"])}
            writer.writerow({k: sheet_cell(row.get(k)) for k in CSV_FIELDS})
        return buf.getvalue()


class ScanSession:
    """One scan, saved device by device in an inventory, resumable by its id."""

    def __init__(self, inventory: Inventory, scan_id: str, targets: list[str], target_set: TargetSet,
                 options: ScanOptions, skip: frozenset[str]) -> None:
        self.inventory = inventory
        self.scan_id = scan_id
        self.targets = targets
        self.target_set = target_set
        self.options = options
        self.skip = skip

    @classmethod
    def open(cls, inventory: Inventory, targets: Sequence[str], options: ScanOptions, *,
             exclude: Sequence[str] = (), scope: str | None = None, confirm_large: bool = False,
             resume: str | None = None) -> ScanSession:
        """A new scan of `targets`, or with `resume` the interrupted scan of that id (its own targets unless
        others are given; hosts already saved are skipped). Raises TargetError for bad or out-of-scope targets
        and KeyError for an unknown scan id. `options.multicast_if` may be AUTO."""
        target_list = list(targets)
        skip: frozenset[str] = frozenset()
        if resume:
            previous = inventory.reopen_scan(resume)
            target_list = target_list or list(previous["targets"])
            skip = inventory.done_ips(resume)
        target_set = build_targets(target_list, exclude=list(exclude), scope=scope, confirm_large=confirm_large)
        if options.multicast_if == AUTO:
            iface = local_interface_for(target_set.networks)
            options = dataclasses.replace(options, multicast_if=iface, mdns=options.mdns and iface is not None)
        scan_id = resume or inventory.start_scan(target_list, public_options(options))
        return cls(inventory, scan_id, target_list, target_set, options, skip)

    async def run(self, on_device: Callable[[DeviceVerdict], None] | None = None) -> ScanResult:
        """Scan; every device is saved the moment it is identified (then `on_device` hears of it). Cancelled,
        the scan is marked interrupted and keeps what it saved."""
        status = "interrupted"
        stats = ScanStats()

        def saved(verdict: DeviceVerdict) -> None:
            # A device names itself: control characters (NUL, escape sequences, …) never enter the records.
            self.inventory.save_device(self.scan_id, clean_strings(verdict.to_dict()))
            if on_device is not None:
                on_device(verdict)

        try:
            _, stats = await scan(self.target_set, self.options, on_device=saved, skip=self.skip)
            status = "timed-out" if stats.timed_out else "finished"
        finally:
            self.inventory.finish_scan(self.scan_id, status, dataclasses.asdict(stats))
        return ScanResult(self.scan_id, status, self.targets, stats, public_options(self.options),
                          self.inventory.scan_devices(self.scan_id))

    def record_site(self, result: ScanResult, site: str) -> None:
        """Put the scan's devices in this inventory's site view (the local dashboard and plans)."""
        self.inventory.ingest(clean_strings(site), clean_strings(result.document()), clean_strings(result.devices))

    async def upload(self, result: ScanResult, url: str, token: str, site: str) -> dict[str, Any]:
        """Send the scan to a server; raises ConnectionError / UploadError (the local copy stays either way)."""
        return await asyncio.to_thread(upload, url, token, site, result.document(), result.devices)
