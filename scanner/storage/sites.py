"""The inventory across sites: idempotent ingest of scans, device browsing, status changes, diffs, plan inputs."""

from __future__ import annotations

import json
import socket
import uuid
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Integer, and_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scanner.identify.device import IDENTITY_FIELDS, device_key
from scanner.storage.access import audit_row
from scanner.storage.alerts import Alerts
from scanner.storage.engine import now
from scanner.storage.schema import audit, device_status, devices, meta, scan_devices, scans, sites

STATUSES = ("active", "replaced", "isolated", "risk-accepted")
DEVICE_ROW_FIELDS = ("id", *IDENTITY_FIELDS, "flagged", "confidence", "kev", "status", "last_scan_id")
DIFF_FIELDS = (*IDENTITY_FIELDS, "flagged")
CHUNK = 500
# Orders the device table offers: each a column (or two) of the inventory; ties go by site, then address.
SORTS = {"site": ("site",), "ip": ("ip",), "maker": ("vendor", "brand"), "model": ("model",), "serial": ("serial",),
         "firmware": ("firmware",), "class": ("device_class",), "status": ("status",),
         "confidence": ("confidence",), "flagged": ("flagged", "confidence"), "last_seen": ("last_seen",),
         "first_seen": ("first_seen",)}
SEARCHED = ("ip", "mac", "serial", "model", "brand", "vendor", "firmware")  # and the site's name
VERSION_KEY = "inventory_version"
Rows = list[dict[str, Any]]


class ScanConflict(ValueError):
    """A scan id that already belongs to another site: a scan is never moved between sites."""


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _str(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if value is not None and value != "" else None


def _device_row(r: Any) -> dict[str, Any]:
    out = {k: r[k] for k in DEVICE_ROW_FIELDS}
    out["site"] = r["site"]
    out["cves"] = json.loads(r["cves"])
    out["first_seen"] = r["first_seen"].isoformat() if r["first_seen"] else None
    out["last_seen"] = r["last_seen"].isoformat() if r["last_seen"] else None
    return out


def address_key(ip: str) -> tuple[int, int, str]:
    """An address in numeric order (10.0.0.2 before 10.0.0.10); a name that is no address sorts after them."""
    for family, version in ((socket.AF_INET, 0), (socket.AF_INET6, 1)):  # inet_pton: C speed, 20,000 rows a page
        try:
            return (0, version << 128 | int.from_bytes(socket.inet_pton(family, ip), "big"), "")
        except (OSError, ValueError):
            continue
    return (1, 0, ip)


def _ordered(found: list[Any], fields: tuple[str, ...], descending: bool) -> None:
    """Sort rows in place by `fields` (empty values last either way), ties by site and address ascending."""
    addr = {r["id"]: address_key(r["ip"]) for r in found}
    found.sort(key=lambda r: (r["site"], addr[r["id"]]))

    def key(r: Any) -> tuple[Any, ...]:
        return tuple(addr[r["id"]] if f == "ip" else ((r[f] is None) != descending, r[f] if r[f] is not None
                                                       else 0) for f in fields)

    found.sort(key=key, reverse=descending)  # stable: the tie-break order survives


def _search(text: str) -> Any:
    """Devices whose address, MAC, serial, model, brand, maker, firmware or site contains `text` (any case); a MAC
    typed with dashes (E8-A0-ED) finds the stored e8:a0:ed."""
    needle = text.strip().lower()
    needles = {needle, needle.replace("-", ":")}
    return or_(*(func.lower(col).contains(n, autoescape=True) for n in needles
                 for col in (*(devices.c[f] for f in SEARCHED), sites.c.name)))


class SiteInventory(Alerts):
    """Devices per site as the server (or the agent's own dashboard) keeps them, keyed by device_key."""

    def _site_id(self, conn: Any, name: str) -> int:
        conn.execute(self.insert_ignore(sites, {"name": name, "created_at": now()}, ["name"]))
        return int(conn.execute(select(sites.c.id).where(sites.c.name == name)).scalar_one())

    def ingest(self, site: str, scan: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
        """Store one scan of a site. Idempotent: the scan id and each device's key are upsert keys, so a
        retried upload (same scan id) changes nothing and duplicates nothing."""
        scan_id = str(scan.get("id") or uuid.uuid5(uuid.NAMESPACE_URL, json.dumps([site, scan, items],
                                                                                  sort_keys=True)))
        stamp = now()
        with self.engine.begin() as conn:
            site_id = self._site_id(conn, site)
            values = {"id": scan_id, "site_id": site_id, "started_at": stamp, "finished_at": stamp,
                      "status": str(scan.get("status", "finished"))[:16],
                      "targets": json.dumps(scan.get("targets", [])), "options": json.dumps(scan.get("options", {})),
                      "stats": json.dumps(scan.get("stats", {})), "uploaded_at": stamp}
            # The scan row: a retry of the same scan updates it; a scan the agent saved without a site (its own
            # local copy) takes this one; a scan of another site is refused, never moved.
            stmt = (pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert)(scans).values(**values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={
                "site_id": func.coalesce(scans.c.site_id, stmt.excluded.site_id), "status": stmt.excluded.status,
                "stats": stmt.excluded.stats, "uploaded_at": stmt.excluded.uploaded_at}))
            owner = conn.execute(select(scans.c.site_id).where(scans.c.id == scan_id)).scalar_one()
            if owner != site_id:
                raise ScanConflict(f"scan {scan_id} belongs to another site; a scan id is uploaded for one site only")
            seen_stmt = self.upsert(scan_devices, None, ["scan_id", "ip"], ["device", "saved_at"])
            device_stmt = self.upsert(devices, None, ["site_id", "key"],
                                      [*IDENTITY_FIELDS, "flagged", "confidence", "cves", "kev", "detail", "last_seen",
                                       "last_scan_id"])
            by_ip = {d["ip"]: d for d in items}  # one row per address and per key, last one wins
            by_key = {device_key(d): d for d in items}
            # Rows are made a chunk at a time: a 10,000-device upload never holds its JSON twice over in memory.
            seen_rows = ({"scan_id": scan_id, "ip": ip, "device": json.dumps(d), "saved_at": stamp}
                         for ip, d in by_ip.items())
            for chunk in _chunks(seen_rows):
                conn.execute(seen_stmt, chunk)
            for chunk in _chunks(self._device_row(site_id, scan_id, stamp, key, d) for key, d in by_key.items()):
                conn.execute(device_stmt, chunk)
            alerts = self.raise_alerts(conn, site_id, site, scan_id, stamp)  # in this transaction: scan and alerts
            self._bump(conn)
        return {"scan_id": scan_id, "site": site, "devices": len(items), "alerts": alerts}

    @staticmethod
    def _device_row(site_id: int, scan_id: str, stamp: Any, key: str, d: dict[str, Any]) -> dict[str, Any]:
        cves = d.get("cves") or []
        row = {
            "site_id": site_id, "key": key, **{c: _str(d.get(c), 128) for c in IDENTITY_FIELDS},
            "flagged": bool(d.get("flagged")), "confidence": float(d.get("confidence") or 0.0),
            "cves": json.dumps([c.get("id") for c in cves if isinstance(c, dict)]),
            "kev": any(isinstance(c, dict) and c.get("kev") for c in cves), "detail": json.dumps(d),
            "status": "active", "first_seen": stamp, "last_seen": stamp, "last_scan_id": scan_id,
        }
        row["ip"] = row["ip"] or ""
        return row

    @staticmethod
    def _bump(conn: Any) -> None:
        """Move the inventory version on (in the transaction of the change), so cached plans are renewed."""
        conn.execute(update(meta).where(meta.c.key == VERSION_KEY).values(value=meta.c.value + 1))

    def version(self) -> int:
        """The inventory version: it changes with every ingest and status change, on whichever node made it."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(meta.c.value).where(meta.c.key == VERSION_KEY)).scalar() or 0)

    def list_devices(self, *, site: str | None = None, vendor: str | None = None, device_class: str | None = None,
                     flagged: bool | None = None, cve: str | None = None, status: str | None = None,
                     limit: int = 100, offset: int = 0, search: str | None = None, sort: str | None = None,
                     descending: bool = False) -> tuple[Rows, int]:
        """Devices matching every filter given (`search`: a text in address, MAC, serial, model, brand, maker,
        firmware or site), a page of them and how many match. `sort` is one of SORTS (addresses in numeric
        order); without it, by site and address as text."""
        conds = []
        if search and search.strip():
            conds.append(_search(search))
        if site:
            conds.append(sites.c.name == site)
        if vendor:
            conds.append(devices.c.vendor == vendor)
        if device_class:
            conds.append(devices.c.device_class == device_class)
        if flagged is not None:
            conds.append(devices.c.flagged == flagged)
        if status:
            conds.append(devices.c.status == status)
        if cve:
            conds.append(devices.c.cves.contains(json.dumps(cve)))
        base = select(devices, sites.c.name.label("site")).join(sites, sites.c.id == devices.c.site_id)
        where = and_(*conds) if conds else None
        q = base.where(where) if where is not None else base
        count_q = select(func.count()).select_from(devices.join(sites, sites.c.id == devices.c.site_id))
        if where is not None:
            count_q = count_q.where(where)
        if sort is not None:
            return self._sorted_page(where, sort, descending, limit, offset)
        with self.engine.connect() as conn:
            total = int(conn.execute(count_q).scalar_one())
            rows = conn.execute(q.order_by(sites.c.name, devices.c.ip, devices.c.id).limit(limit)
                                .offset(offset)).mappings()
            return [_device_row(r) for r in rows], total

    def _sorted_page(self, where: Any, sort: str, descending: bool, limit: int, offset: int) -> tuple[Rows, int]:
        """One page in the order asked for: the sort columns of every matching device are read and ordered here
        (addresses numerically, which neither SQLite nor PostgreSQL text order does), then the page's rows."""
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        cols = {f for f in SORTS[sort] if f != "site"}
        keys = select(devices.c.id, devices.c.ip, sites.c.name.label("site"),
                      *(devices.c[f] for f in sorted(cols - {"ip"}))).join(sites, sites.c.id == devices.c.site_id)
        with self.engine.connect() as conn:
            found = list(conn.execute(keys.where(where) if where is not None else keys).mappings())
            _ordered(found, SORTS[sort], descending)
            ids = [r["id"] for r in found[offset:offset + limit]]
            rows: dict[int, dict[str, Any]] = {}
            for start in range(0, len(ids), CHUNK):  # bound parameters per statement stay few (an export: all)
                rows.update({r["id"]: _device_row(r) for r in conn.execute(
                    select(devices, sites.c.name.label("site")).join(sites, sites.c.id == devices.c.site_id)
                    .where(devices.c.id.in_(ids[start:start + CHUNK]))).mappings()})
        return [rows[i] for i in ids if i in rows], len(found)

    def device_detail(self, device_id: int, site: str | None = None) -> dict[str, Any] | None:
        """One device with its record and status history; None if there is none (or none of `site`)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(devices, sites.c.name.label("site"))
                               .join(sites, sites.c.id == devices.c.site_id)
                               .where(devices.c.id == device_id)).mappings().first()
            if row is None or (site is not None and row["site"] != site):
                return None
            history = conn.execute(select(device_status).where(device_status.c.device_id == device_id)
                                   .order_by(device_status.c.id)).mappings()
            out = _device_row(row)
            out["detail"] = json.loads(row["detail"])
            out["history"] = [{"status": h["status"], "actor": h["actor"], "note": h["note"],
                               "at": h["at"].isoformat()} for h in history]
            return out

    def set_status(self, device_id: int, status: str, actor: str, note: str, *, audit_actor: str | None = None,
                   address: str | None = None) -> dict[str, Any] | None:
        """Mark a device; the history names `actor`, the audit log `audit_actor` (e.g. user:NAME) and the address."""
        if self.set_statuses([device_id], status, actor, note, audit_actor=audit_actor, address=address) is None:
            return None
        return self.device_detail(device_id)

    def set_statuses(self, device_ids: list[int], status: str, actor: str, note: str, *,
                     audit_actor: str | None = None, address: str | None = None) -> int | None:
        """Mark several devices in one transaction (each gets its history entry and audit row); None, and nothing
        changed, if any of them does not exist. Returns how many were marked."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        wanted = sorted(set(device_ids))
        stamp = now()
        with self.engine.begin() as conn:
            found = conn.execute(select(devices.c.id, devices.c.ip, sites.c.name)
                                 .join(sites, sites.c.id == devices.c.site_id)
                                 .where(devices.c.id.in_(wanted))).all() if wanted else []
            if not wanted or len(found) != len(wanted):
                return None
            conn.execute(update(devices).where(devices.c.id.in_(wanted)).values(status=status))
            conn.execute(insert(device_status), [{"device_id": i, "status": status, "actor": actor[:128],
                                                  "note": note[:2000], "at": stamp} for i, _, _ in found])
            conn.execute(insert(audit), [audit_row(audit_actor or actor, "device.status", f"device:{i}",
                                                   {"status": status, "note": note[:2000], "ip": ip, "site": site},
                                                   address) for i, ip, site in found])
            self._bump(conn)
        return len(found)

    def overview(self, site: str | None = None) -> dict[str, Any]:
        """Counts by site, vendor, class, status and CVE (of one site when given)."""
        q = select(devices.c.vendor, devices.c.device_class, devices.c.flagged, devices.c.kev, devices.c.cves,
                   devices.c.status, sites.c.name).join(sites, sites.c.id == devices.c.site_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q.where(sites.c.name == site) if site is not None else q).all()
        by_site: dict[str, Counter[str]] = {}
        cves: Counter[str] = Counter()
        for _vendor, _cls, flagged, kev, cve_json, status, site in rows:
            c = by_site.setdefault(site, Counter())
            c["devices"] += 1
            c["flagged"] += bool(flagged)
            c["kev"] += bool(kev)
            c[f"status:{status}"] += 1
            cves.update(json.loads(cve_json))
        return {
            "devices": len(rows), "flagged": sum(1 for r in rows if r[2]), "kev": sum(1 for r in rows if r[3]),
            "by_vendor": dict(Counter(r[0] or "unknown" for r in rows).most_common()),
            "by_class": dict(Counter(r[1] or "unknown" for r in rows).most_common()),
            "by_status": dict(Counter(r[5] for r in rows).most_common()),
            "by_cve": dict(cves.most_common()),
            "sites": {name: dict(c) for name, c in sorted(by_site.items())},
        }

    def scan_diff(self, scan_id: str, against: str | None, site: str | None = None) -> dict[str, Any] | None:
        """Appeared, disappeared and changed devices between a scan and an earlier one of the same site. With
        `site`, both scans must belong to it (None otherwise)."""
        with self.engine.connect() as conn:
            scan = conn.execute(select(scans).where(scans.c.id == scan_id)).mappings().first()
            if scan is None:
                return None
            if site is not None:
                allowed = conn.execute(select(sites.c.id).where(sites.c.name == site)).scalar()
                owner = {sid: owner_id for sid, owner_id in conn.execute(select(scans.c.id, scans.c.site_id).where(
                    scans.c.id.in_([scan_id, against] if against else [scan_id])))}
                if allowed is None or owner.get(scan_id) != allowed or (against and owner.get(against) != allowed):
                    return None
            if against is None:
                against = conn.execute(select(scans.c.id).where(and_(scans.c.site_id == scan["site_id"],
                                                                     scans.c.id != scan_id,
                                                                     scans.c.started_at <= scan["started_at"]))
                                       .order_by(scans.c.started_at.desc()).limit(1)).scalar()

            def load(sid: str | None) -> dict[str, dict[str, Any]]:
                if sid is None:
                    return {}
                rows = conn.execute(select(scan_devices.c.device).where(scan_devices.c.scan_id == sid))
                out = {}
                for (doc,) in rows:
                    d = json.loads(doc)
                    out[device_key(d)] = d
                return out

            new, old = load(scan_id), load(against)
        changed = []
        for key in sorted(new.keys() & old.keys()):
            delta = {f: [old[key].get(f), new[key].get(f)] for f in DIFF_FIELDS if old[key].get(f) != new[key].get(f)}
            if delta:
                changed.append({"key": key, "ip": new[key].get("ip"), "changes": delta})
        return {"scan": scan_id, "against": against,
                "appeared": [new[k] for k in sorted(new.keys() - old.keys())],
                "disappeared": [old[k] for k in sorted(old.keys() - new.keys())], "changed": changed}

    def removal_progress(self) -> dict[str, dict[str, int]]:
        """Per site, the flagged devices by status: the removal plan's progress figures (build_plan's `progress`),
        counted in SQL so a page can show them without building the plan."""
        q = (select(sites.c.name, devices.c.status, func.count()).join(sites, sites.c.id == devices.c.site_id)
             .where(devices.c.flagged.is_(True)).group_by(sites.c.name, devices.c.status))
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for site, status, n in conn.execute(q):
                c = out.setdefault(site, {"flagged": 0, "replaced": 0, "isolated": 0, "risk-accepted": 0})
                c["flagged"] += int(n)
                if status in c:
                    c[status] += int(n)
        for c in out.values():
            c["remaining"] = c["flagged"] - c["replaced"]
        return dict(sorted(out.items()))

    def site_scans(self, site: str, limit: int = 20) -> Rows:
        """A site's newest scans first: id, when, status and how many devices each saw."""
        seen = (select(scan_devices.c.scan_id, func.count().label("n")).group_by(scan_devices.c.scan_id)
                .subquery())
        q = (select(scans.c.id, scans.c.started_at, scans.c.finished_at, scans.c.status, seen.c.n)
             .join(sites, sites.c.id == scans.c.site_id).outerjoin(seen, seen.c.scan_id == scans.c.id)
             .where(sites.c.name == site).order_by(scans.c.started_at.desc(), scans.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [{"id": sid, "started_at": started.isoformat(), "finished_at": done.isoformat() if done else None,
                     "status": status, "devices": int(n or 0)} for sid, started, done, status, n in conn.execute(q)]

    def device_ids(self, site: str, keys: list[str]) -> dict[str, int]:
        """The inventory's device ids of a site by device key (device_key), for the keys it holds."""
        out: dict[str, int] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), CHUNK):
                out.update({key: int(did) for key, did in conn.execute(
                    select(devices.c.key, devices.c.id).join(sites, sites.c.id == devices.c.site_id)
                    .where(and_(sites.c.name == site, devices.c.key.in_(keys[start:start + CHUNK]))))})
        return out

    def list_sites(self, site: str | None = None) -> Rows:
        """Sites with their device and flagged counts (only `site` when given)."""
        with self.engine.connect() as conn:
            flagged = func.sum(func.cast(devices.c.flagged, Integer))
            q = (select(sites.c.name, func.count(devices.c.id), flagged)
                 .select_from(sites.outerjoin(devices, devices.c.site_id == sites.c.id)))
            if site is not None:
                q = q.where(sites.c.name == site)
            rows = conn.execute(q.group_by(sites.c.name).order_by(sites.c.name)).all()
        return [{"name": n, "devices": int(c or 0), "flagged": int(f or 0)} for n, c, f in rows]

    def plan_inputs(self, only_sites: list[str] | None = None) -> tuple[Rows, Rows, Rows]:
        """What a removal plan is built from: inventory rows (with status and detail), the newest scan of every
        site (for re-scan verification) and the status history (for the burn-down)."""
        rows, _ = self.list_devices(limit=10**9)
        with self.engine.connect() as conn:
            details = {r[0]: r[1] for r in conn.execute(select(devices.c.id, devices.c.detail))}
            latest: dict[str, str] = {}
            for site, scan_id in conn.execute(select(sites.c.name, scans.c.id)
                                              .join(scans, scans.c.site_id == sites.c.id)
                                              .order_by(scans.c.started_at)):
                latest[site] = scan_id
            rescan = []
            for site, scan_id in latest.items():
                for (doc,) in conn.execute(select(scan_devices.c.device).where(scan_devices.c.scan_id == scan_id)):
                    rescan.append({**json.loads(doc), "site": site})
            history = [{"site": site, "status": status, "at": at.isoformat()} for site, status, at in conn.execute(
                select(sites.c.name, device_status.c.status, device_status.c.at)
                .join(devices, devices.c.id == device_status.c.device_id)
                .join(sites, sites.c.id == devices.c.site_id))]
        for row in rows:
            row["detail"] = json.loads(details.get(row["id"], "{}"))
        if only_sites:
            rows = [r for r in rows if r["site"] in only_sites]
        return rows, rescan, history
