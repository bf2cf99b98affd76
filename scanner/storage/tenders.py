"""Tenders in the inventory: each judged tender's newest result (one judgement per tender version, keyed by its
dateModified) and the checkpoint of every tender watch, so an interrupted watch resumes where it stopped."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scanner.storage.engine import Store, now
from scanner.storage.schema import tender_watches, tenders

LIST_FIELDS = ("id", "tender_id", "title", "buyer_name", "buyer_edrpou", "status", "amount", "currency",
               "date_modified", "date_created", "month", "flagged", "findings", "source", "judged")


def _row(r: Any) -> dict[str, Any]:
    out = {k: r[k] for k in LIST_FIELDS}
    out["vendors"] = json.loads(r["vendors"])
    out["cpv"] = r["cpv"].split()
    out["checked_at"] = r["checked_at"].isoformat() if r["checked_at"] else None
    return out


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TenderStore(Store):
    """Judged tenders and watch checkpoints."""

    def tender_version(self, api_id: str) -> str | None:
        """The dateModified of the version of a tender already judged, or None."""
        with self.engine.connect() as conn:
            found = conn.execute(select(tenders.c.date_modified).where(tenders.c.id == api_id)).scalar()
        return str(found) if found is not None else None

    def save_tender(self, result: dict[str, Any], source: str) -> None:
        """Store a tender's result (one short transaction). A new version (another dateModified) counts as one more
        judgement; saving the same version again only refreshes it."""
        created = result.get("dateCreated") or result.get("dateModified") or ""
        buyer = result.get("buyer") or {}
        value = result.get("value") or {}
        row = {
            "id": str(result["id"])[:32], "tender_id": (result.get("tenderID") or None),
            "title": str(result.get("title") or ""), "buyer_name": buyer.get("name") or None,
            "buyer_edrpou": (buyer.get("edrpou") or None), "status": (result.get("status") or None),
            "amount": value.get("amount"), "currency": (value.get("currency") or None),
            "cpv": " " + " ".join(result.get("cpv") or []) + " ",
            "date_modified": str(result.get("dateModified") or ""),
            "date_created": created or None, "month": created[:7] or None, "flagged": bool(result.get("flagged")),
            "vendors": json.dumps(result.get("vendors") or []), "findings": len(result.get("findings") or []),
            "result": json.dumps(result, ensure_ascii=False), "source": source[:16], "judged": 1,
            "checked_at": now(),
        }
        with self.engine.begin() as conn:
            conn.execute(self._upsert_judged(), row)

    def _upsert_judged(self) -> Any:
        """INSERT … ON CONFLICT (id) DO UPDATE, counting a judgement only for a new dateModified; built once (the
        row goes in as parameters, so SQLAlchemy compiles it once too)."""
        stmt = getattr(self, "_tender_upsert", None)
        if stmt is None:
            insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
            base = insert(tenders)
            updates: dict[str, Any] = {c.name: base.excluded[c.name] for c in tenders.columns
                                       if c.name not in ("id", "judged")}
            updates["judged"] = case((tenders.c.date_modified == base.excluded.date_modified, tenders.c.judged),
                                     else_=tenders.c.judged + 1)
            stmt = self._tender_upsert = base.on_conflict_do_update(index_elements=["id"], set_=updates)
        return stmt

    def tender_detail(self, ref: str) -> dict[str, Any] | None:
        """The stored result of a tender, by its API id or its tenderID, with when and how it was judged."""
        with self.engine.connect() as conn:
            row = conn.execute(select(tenders).where(or_(tenders.c.id == ref.lower(), tenders.c.tender_id == ref))
                               .order_by(tenders.c.checked_at.desc()).limit(1)).mappings().first()
        if row is None:
            return None
        out: dict[str, Any] = json.loads(row["result"])
        out["checked_at"] = row["checked_at"].isoformat()
        out["source"], out["judged"] = row["source"], row["judged"]
        return out

    def list_tenders(self, *, flagged: bool | None = None, buyer: str | None = None, cpv: str | None = None,
                     status: str | None = None, date_from: str | None = None, date_to: str | None = None,
                     vendor: str | None = None, limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Tenders newest first, filtered: buyer is an EDRPOU or part of the buyer's name; cpv a code or its
        leading digits; dates compare with the tender's creation date (YYYY-MM-DD or YYYY-MM)."""
        conds: list[Any] = []
        if flagged is not None:
            conds.append(tenders.c.flagged.is_(flagged))
        if buyer:
            conds.append(or_(tenders.c.buyer_edrpou == buyer,
                             tenders.c.buyer_name.ilike(f"%{_like(buyer)}%", escape="\\")))
        if cpv:
            conds.append(tenders.c.cpv.like(f"% {_like(cpv.strip())}%", escape="\\"))
        if status:
            conds.append(tenders.c.status == status)
        if date_from:
            conds.append(tenders.c.date_created >= date_from)
        if date_to:
            conds.append(tenders.c.date_created < date_to + "\uffff")
        if vendor:
            conds.append(tenders.c.vendors.like(f'%"{_like(vendor)}"%', escape="\\"))
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(tenders).where(*conds)).scalar_one())
            rows = conn.execute(select(tenders).where(*conds)
                                .order_by(tenders.c.date_created.desc(), tenders.c.id)
                                .limit(limit).offset(offset)).mappings()
            return [_row(r) for r in rows], total

    def tender_overview(self, top: int = 20) -> dict[str, Any]:
        """Totals, and the flagged tenders' count and value by buyer and by month (values summed per currency)."""
        flagged_value = func.sum(case((tenders.c.flagged.is_(True), tenders.c.amount), else_=0.0))
        flagged_count = func.sum(case((tenders.c.flagged.is_(True), 1), else_=0))
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count(), flagged_count).select_from(tenders)).one()
            by_currency = conn.execute(select(tenders.c.currency, func.count(), func.sum(tenders.c.amount))
                                       .where(tenders.c.flagged.is_(True)).group_by(tenders.c.currency)).all()
            buyers = conn.execute(
                select(tenders.c.buyer_edrpou, func.max(tenders.c.buyer_name), tenders.c.currency, func.count(),
                       flagged_count, flagged_value)
                .group_by(tenders.c.buyer_edrpou, tenders.c.currency)
                .having(flagged_count > 0).order_by(flagged_value.desc(), flagged_count.desc()).limit(top)).all()
            months = conn.execute(
                select(tenders.c.month, tenders.c.currency, func.count(), flagged_count, flagged_value)
                .group_by(tenders.c.month, tenders.c.currency).order_by(tenders.c.month.desc()).limit(36)).all()
            statuses = conn.execute(select(tenders.c.status, func.count()).group_by(tenders.c.status)
                                    .order_by(func.count().desc())).all()
        return {
            "tenders": int(total[0]), "flagged": int(total[1] or 0),
            "flagged_value": [{"currency": c, "tenders": int(n), "amount": float(v or 0)} for c, n, v in by_currency],
            "by_buyer": [{"edrpou": e, "name": n, "currency": c, "tenders": int(t), "flagged": int(f or 0),
                          "flagged_value": float(v or 0)} for e, n, c, t, f, v in buyers],
            "by_month": [{"month": m, "currency": c, "tenders": int(t), "flagged": int(f or 0),
                          "flagged_value": float(v or 0)} for m, c, t, f, v in months],
            "by_status": {s or "unknown": int(n) for s, n in statuses},
        }

    # ---------------------------------------------------------------- watch checkpoints
    def watch_checkpoint(self, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tender_watches).where(tender_watches.c.key == key)).mappings().first()
        if row is None:
            return None
        return {"key": row["key"], "api": row["api"], "options": json.loads(row["options"]),
                "offset": row["feed_offset"], "pages": row["pages"], "seen": row["seen"], "judged": row["judged"],
                "started_at": row["started_at"].isoformat(), "updated_at": row["updated_at"].isoformat()}

    def save_watch_checkpoint(self, key: str, api: str, options: dict[str, Any], offset: str | None, *,
                              pages: int = 0, seen: int = 0, judged: int = 0) -> None:
        """Record that every tender before `offset` is done (counters are added to the stored ones)."""
        stamp = now()
        with self.engine.begin() as conn:
            conn.execute(self.insert_ignore(tender_watches, {
                "key": key, "api": api, "options": json.dumps(options, sort_keys=True), "feed_offset": None,
                "pages": 0, "seen": 0, "judged": 0, "started_at": stamp, "updated_at": stamp}, ["key"]))
            conn.execute(update(tender_watches).where(tender_watches.c.key == key).values(
                feed_offset=offset, pages=tender_watches.c.pages + pages, seen=tender_watches.c.seen + seen,
                judged=tender_watches.c.judged + judged, updated_at=stamp))
