"""Alerts: what changed at a site that an admin must hear about, and the webhooks that tell them.

Three events, each raised exactly once (a unique key per event; raising again is a no-op, so a retried upload or a
second server node never repeats one):

- ``new-sponsor-device``: a flagged device seen at a site for the first time (key: site + device key). The first
  scan of a site raises one ``site-baseline`` alert that counts them instead of one alert per device.
- ``replaced-reappeared``: a device marked *replaced* answers again (key: the status change, so marking it replaced
  again and seeing it again raises a new alert).
- ``kev-firmware``: a device's firmware now carries a CVE in CISA's Known Exploited Vulnerabilities catalog (key:
  device + CVE).

Alerts are raised inside the ingest transaction, so an alert exists if and only if its scan was stored. Each alert
gets one delivery row per active webhook; a dispatcher (server/alerts.py) claims due deliveries, posts them and
records the outcome, retrying with backoff.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import and_, func, insert, select, update

from scanner.knowledge import load
from scanner.storage.engine import Store, now
from scanner.storage.schema import alert_deliveries, alerts, device_status, devices, scans, sites, webhooks

ALERT_KINDS = ("new-sponsor-device", "site-baseline", "replaced-reappeared", "kev-firmware")
WEBHOOK_FORMATS = ("json", "slack", "teams")
MAX_ATTEMPTS = 8
Rows = list[dict[str, Any]]


def _name(entity: str | None) -> str:
    entities = load().entities
    return entities[entity].display if entity and entity in entities else (entity or "unknown maker")


def _device_words(d: dict[str, Any]) -> str:
    """'Hikvision ip-camera DS-2CD2143G2-I at 10.0.0.5' from a device row."""
    maker = _name(d.get("vendor"))
    if d.get("brand") and d["brand"] != d.get("vendor"):
        maker += f" ({_name(d['brand'])} brand)"
    parts = [maker, (d.get("device_class") or "device").replace("-", " "), d.get("model") or ""]
    return " ".join(p for p in parts if p) + f" at {d.get('ip') or '?'}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else None


class Alerts(Store):
    """Alerts, webhooks and deliveries of the inventory."""

    # ------------------------------------------------------------------ raising (inside ingest's transaction)
    def raise_alerts(self, conn: Any, site_id: int, site: str, scan_id: str, stamp: dt.datetime) -> int:
        """Raise this scan's alerts; returns how many are new. Called by ingest in its own transaction."""
        cols = [devices.c.id, devices.c.key, devices.c.ip, devices.c.vendor, devices.c.brand, devices.c.model,
                devices.c.device_class, devices.c.flagged, devices.c.status, devices.c.detail]
        seen = [dict(r._mapping) for r in conn.execute(
            select(*cols).where(devices.c.site_id == site_id, devices.c.last_scan_id == scan_id))]
        earlier_scans = conn.execute(select(func.count()).select_from(scans).where(
            scans.c.site_id == site_id, scans.c.id != scan_id, scans.c.started_at < stamp)).scalar_one()
        # New: first seen by this very ingest (compared in SQL: SQLite hands datetimes back without their zone).
        fresh_ids = set(conn.execute(select(devices.c.id).where(
            devices.c.site_id == site_id, devices.c.last_scan_id == scan_id, devices.c.first_seen == stamp)).scalars())
        new = [d for d in seen if d["flagged"] and d["id"] in fresh_ids]
        rows: Rows = []
        if new and earlier_scans == 0:
            listed = "; ".join(_device_words(d) for d in new[:20]) + ("; …" if len(new) > 20 else "")
            rows.append(self._alert("site-baseline", f"baseline:{site_id}", site_id, None, scan_id, stamp,
                                    f"First scan of site {site}: {len(new)} Hikvision/Dahua-made devices ({listed})",
                                    {"devices": [d["id"] for d in new], "count": len(new)}))
        else:
            for d in new:
                rows.append(self._alert("new-sponsor-device", f"new:{site_id}:{d['key']}", site_id, d["id"], scan_id,
                                        stamp, f"New at site {site}: {_device_words(d)}", {"key": d["key"]}))
        replaced = [d for d in seen if d["status"] == "replaced"]
        if replaced:
            marks = {r.device_id: r.id for r in conn.execute(
                select(device_status.c.device_id, func.max(device_status.c.id).label("id"))
                .where(device_status.c.device_id.in_([d["id"] for d in replaced]),
                       device_status.c.status == "replaced")
                .group_by(device_status.c.device_id))}
            for d in replaced:
                rows.append(self._alert(
                    "replaced-reappeared", f"reappeared:{d['id']}:{marks.get(d['id'], 0)}", site_id, d["id"],
                    scan_id, stamp, f"Marked replaced but answering again at site {site}: {_device_words(d)}",
                    {"status_change": marks.get(d["id"])}))
        for d in seen:
            try:
                cves = json.loads(d["detail"]).get("cves") or []
            except (ValueError, AttributeError):
                cves = []
            for c in cves:
                if isinstance(c, dict) and c.get("kev") and c.get("id"):
                    rows.append(self._alert(
                        "kev-firmware", f"kev:{d['id']}:{c['id']}"[:200], site_id, d["id"], scan_id, stamp,
                        f"{c['id']} (actively exploited, CISA KEV) affects the firmware of {_device_words(d)} at "
                        f"site {site}", {"cve": c["id"], "firmware": json.loads(d["detail"]).get("firmware")}))
        return self._insert_alerts(conn, rows)

    @staticmethod
    def _alert(kind: str, key: str, site_id: int, device_id: int | None, scan_id: str, stamp: dt.datetime,
               summary: str, detail: dict[str, Any]) -> dict[str, Any]:
        return {"kind": kind, "key": key, "site_id": site_id, "device_id": device_id, "scan_id": scan_id,
                "created_at": stamp, "summary": summary[:2000], "detail": json.dumps(detail)}

    def _insert_alerts(self, conn: Any, rows: Rows) -> int:
        if not rows:
            return 0
        known = set(conn.execute(select(alerts.c.key).where(alerts.c.key.in_([r["key"] for r in rows]))).scalars())
        fresh = [r for r in rows if r["key"] not in known]
        if not fresh:
            return 0
        hooks = list(conn.execute(select(webhooks.c.id).where(webhooks.c.disabled_at.is_(None))).scalars())
        for row in fresh:
            # ON CONFLICT DO NOTHING: a concurrent ingest on another node may have raised the same event.
            alert_id = conn.execute(self.insert_ignore(alerts, row, ["key"]).returning(alerts.c.id)).scalar()
            if alert_id is None:
                continue
            for hook in hooks:
                conn.execute(insert(alert_deliveries).values(alert_id=alert_id, webhook_id=hook, status="pending",
                                                             attempts=0, next_at=row["created_at"]))
        return len(fresh)

    # ------------------------------------------------------------------ reading
    def list_alerts(self, *, site: str | None = None, kind: str | None = None, limit: int = 100,
                    offset: int = 0) -> tuple[Rows, int]:
        cond = []
        if site is not None:
            cond.append(sites.c.name == site)
        if kind is not None:
            cond.append(alerts.c.kind == kind)
        where = and_(True, *cond)
        base = alerts.join(sites, sites.c.id == alerts.c.site_id)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(base).where(where)).scalar_one()
            rows = conn.execute(select(alerts, sites.c.name.label("site")).select_from(base).where(where)
                                .order_by(alerts.c.id.desc()).limit(limit).offset(offset)).all()
            ids = [r.id for r in rows]
            deliveries: dict[int, Rows] = {}
            if ids:
                for d in conn.execute(select(alert_deliveries, webhooks.c.name.label("webhook"))
                                      .join(webhooks, webhooks.c.id == alert_deliveries.c.webhook_id)
                                      .where(alert_deliveries.c.alert_id.in_(ids))):
                    deliveries.setdefault(d.alert_id, []).append(
                        {"webhook": d.webhook, "status": d.status, "attempts": d.attempts,
                         "sent_at": _iso(d.sent_at), "last_error": d.last_error})
        return [{"id": r.id, "kind": r.kind, "site": r.site, "device_id": r.device_id, "scan_id": r.scan_id,
                 "created_at": _iso(r.created_at), "summary": r.summary, "detail": json.loads(r.detail),
                 "deliveries": deliveries.get(r.id, [])} for r in rows], int(total)

    # ------------------------------------------------------------------ webhooks
    def add_webhook(self, name: str, url: str, fmt: str, secret: str | None = None) -> dict[str, Any]:
        if fmt not in WEBHOOK_FORMATS:
            raise ValueError(f"format must be one of {', '.join(WEBHOOK_FORMATS)}")
        if not url.startswith(("https://", "http://")) or len(url) > 2000:
            raise ValueError("url must be an http(s) URL of at most 2000 characters")
        with self.engine.begin() as conn:
            result = conn.execute(insert(webhooks).values(name=name[:128], url=url, format=fmt, secret=secret,
                                                          created_at=now()))
            key = result.inserted_primary_key
            assert key is not None
            return {"id": int(key[0]), "name": name[:128], "url": url, "format": fmt}

    def list_webhooks(self) -> Rows:
        with self.engine.connect() as conn:
            return [{"id": r.id, "name": r.name, "url": r.url, "format": r.format, "signed": bool(r.secret),
                     "created_at": _iso(r.created_at), "disabled_at": _iso(r.disabled_at)}
                    for r in conn.execute(select(webhooks).order_by(webhooks.c.id))]

    def disable_webhook(self, webhook_id: int) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(update(webhooks).where(webhooks.c.id == webhook_id, webhooks.c.disabled_at.is_(None))
                                .values(disabled_at=now())).rowcount == 1
            if done:  # what it has not sent yet is dropped, not left pending for ever
                conn.execute(update(alert_deliveries).where(alert_deliveries.c.webhook_id == webhook_id,
                                                            alert_deliveries.c.status == "pending")
                             .values(status="cancelled"))
            return done

    # ------------------------------------------------------------------ deliveries (the dispatcher's side)
    def claim_deliveries(self, limit: int = 20, lease: float = 120.0, due_by: dt.datetime | None = None) -> Rows:
        """Deliveries due by `due_by` (default now), each claimed by moving its next attempt past the lease: another
        node (or a dispatcher that runs again before this one finishes) does not take the same row."""
        stamp = now()
        due_by = due_by or stamp
        claimed: Rows = []
        with self.engine.begin() as conn:
            due = conn.execute(select(alert_deliveries.c.id, alert_deliveries.c.next_at).where(
                alert_deliveries.c.status == "pending", alert_deliveries.c.next_at <= due_by)
                .order_by(alert_deliveries.c.next_at).limit(limit)).all()
        for row in due:
            with self.engine.begin() as conn:
                took = conn.execute(update(alert_deliveries).where(
                    alert_deliveries.c.id == row.id, alert_deliveries.c.next_at == row.next_at,
                    alert_deliveries.c.status == "pending").values(
                    next_at=stamp + dt.timedelta(seconds=lease))).rowcount == 1
                if not took:
                    continue
                r = conn.execute(select(alert_deliveries.c.id, alert_deliveries.c.attempts, alerts, sites.c.name.label(
                    "site"), webhooks.c.url, webhooks.c.format, webhooks.c.secret, webhooks.c.name.label("webhook"))
                    .select_from(alert_deliveries.join(alerts, alerts.c.id == alert_deliveries.c.alert_id)
                                 .join(sites, sites.c.id == alerts.c.site_id)
                                 .join(webhooks, webhooks.c.id == alert_deliveries.c.webhook_id))
                    .where(alert_deliveries.c.id == row.id)).one()
                m = dict(r._mapping)
                claimed.append({
                    "delivery_id": row.id, "attempts": m["attempts"], "url": m["url"], "format": m["format"],
                    "secret": m["secret"], "webhook": m["webhook"],
                    "alert": {"id": m["id"], "kind": m["kind"], "site": m["site"], "device_id": m["device_id"],
                              "scan_id": m["scan_id"], "created_at": _iso(m["created_at"]), "summary": m["summary"],
                              "detail": json.loads(m["detail"])}})
        return claimed

    def delivery_done(self, delivery_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(alert_deliveries).where(alert_deliveries.c.id == delivery_id).values(
                status="sent", sent_at=now(), attempts=alert_deliveries.c.attempts + 1, last_error=None))

    def delivery_failed(self, delivery_id: int, error: str, retry_in: float | None) -> None:
        """Record a failed attempt: retried after `retry_in` seconds, or given up (None, or MAX_ATTEMPTS reached)."""
        with self.engine.begin() as conn:
            attempts = conn.execute(select(alert_deliveries.c.attempts).where(
                alert_deliveries.c.id == delivery_id)).scalar_one() + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": error[:500]}
            if retry_in is None or attempts >= MAX_ATTEMPTS:
                values["status"] = "failed"
            else:
                values["next_at"] = now() + dt.timedelta(seconds=retry_in)
            conn.execute(update(alert_deliveries).where(alert_deliveries.c.id == delivery_id).values(**values))
