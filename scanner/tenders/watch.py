"""Following the tender feed: every tender version that passes the filters is judged once and saved at once, and
the feed position is saved after each page, so a watch killed at any moment resumes where it stopped — a page
cut short is read again and the tenders already judged in their current version (same dateModified) are
skipped, never judged twice, none left out.

Forward sync as the API's feed documentation describes it (docs/source/basic-actions/feed.rst): pages in
ascending order of modification, `next_page.offset` to go on, an empty page at the end for now; a live watch
then polls the same offset. `--since DATE` starts at that day (the offset may be a bare Unix time); `--since
now` starts after the newest tender, found with one `descending=1` page whose `prev_page.offset` points the
other way from there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from scanner.storage import Inventory
from scanner.tenders.audit import TenderAuditor
from scanner.tenders.client import NotFound, since_offset
from scanner.tenders.cpv import SURVEILLANCE_CPV, cpv_filter, cpv_matches
from scanner.tenders.judge import TenderResult, as_dict, buyer_of, cpv_codes

DEFAULT_SINCE_DAYS = 7  # a new watch without --since starts this many days back


@dataclass
class WatchOptions:
    cpv: tuple[str, ...] = tuple(SURVEILLANCE_CPV)  # an item under one of these codes makes a tender relevant
    buyer: str | None = None  # EDRPOU of the buyer
    since: dt.date | str | None = None  # a date, "now", or None (DEFAULT_SINCE_DAYS back)
    once: bool = False  # stop at the end of the feed instead of polling
    interval_s: float = 300.0  # between polls at the end of the feed
    page_limit: int = 100  # tenders per feed page (the API allows up to 1000)


@dataclass
class WatchStats:
    pages: int = 0
    seen: int = 0
    unchanged: int = 0  # this version was judged before
    other_buyer: int = 0
    other_cpv: int = 0
    gone: int = 0  # in the feed, but the tender itself is not found
    judged: int = 0
    flagged: int = 0
    resumed_from: str | None = None
    offset: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def watch_key(api: str, options: WatchOptions) -> str:
    """One checkpoint per API and filter set: a watch with other filters starts its own."""
    since = options.since.isoformat() if isinstance(options.since, dt.date) else options.since
    raw = json.dumps([api.rstrip("/"), sorted(cpv_filter(options.cpv)), options.buyer, since])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


class TenderWatch:
    def __init__(self, inventory: Inventory, auditor: TenderAuditor, options: WatchOptions | None = None) -> None:
        self.inventory = inventory
        self.auditor = auditor
        self.client = auditor.client
        self.options = options or WatchOptions()
        self.prefixes = cpv_filter(self.options.cpv)
        self.key = watch_key(self.client.api, self.options)
        self.stop = threading.Event()

    def describe(self) -> dict[str, Any]:
        since = self.options.since
        return {"cpv": list(self.options.cpv), "buyer": self.options.buyer,
                "since": since.isoformat() if isinstance(since, dt.date) else since}

    def _start_offset(self) -> str | None:
        since = self.options.since
        if since == "now":
            page = self.client.feed(descending=True, limit=1)
            prev = as_dict(page.get("prev_page"))
            return str(prev.get("offset") or "") or None
        if not isinstance(since, dt.date):
            since = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=DEFAULT_SINCE_DAYS)
        return since_offset(since)

    def run(self, on_result: Callable[[TenderResult], None] | None = None) -> WatchStats:
        """Follow the feed until its end (--once) or until `stop` is set. Raises TenderError when the feed or a
        tender cannot be read after every retry (the checkpoint stays before it; the next run retries it)."""
        stats = WatchStats()
        checkpoint = self.inventory.watch_checkpoint(self.key)
        if checkpoint is None:
            offset = self._start_offset()
            self.inventory.save_watch_checkpoint(self.key, self.client.api, self.describe(), offset)
        else:
            offset = stats.resumed_from = checkpoint["offset"]
        while not self.stop.is_set():
            page = self.client.feed(offset, limit=self.options.page_limit)
            entries = [e for e in page["data"] if isinstance(e, dict) and isinstance(e.get("id"), str)]
            nxt = as_dict(page.get("next_page"))
            next_offset = str(nxt.get("offset") or "") or None
            if not entries or next_offset in (None, offset):
                if self.options.once:
                    break
                self.stop.wait(self.options.interval_s)
                continue
            before = stats.judged
            for entry in entries:
                if self.stop.is_set():
                    return stats  # the page is read again on resume; what was judged is skipped then
                self._one(entry, stats, on_result)
            stats.pages += 1
            self.inventory.save_watch_checkpoint(self.key, self.client.api, self.describe(), next_offset, pages=1,
                                                 seen=len(entries), judged=stats.judged - before)
            offset = stats.offset = next_offset
        return stats

    def _buyer_ok(self, tender: dict[str, Any]) -> bool:
        if not self.options.buyer or not isinstance(tender.get("procuringEntity"), dict):
            return True
        return bool(buyer_of(tender)["edrpou"] == self.options.buyer)

    def _one(self, entry: dict[str, Any], stats: WatchStats,
             on_result: Callable[[TenderResult], None] | None) -> None:
        stats.seen += 1
        api_id, modified = entry["id"], entry.get("dateModified")
        if not self._buyer_ok(entry):  # the feed's opt_fields carry the buyer: no need to fetch the tender
            stats.other_buyer += 1
            return
        if modified and self.inventory.tender_version(api_id) == modified:
            stats.unchanged += 1
            return
        try:
            tender = self.client.tender(api_id)
        except NotFound:
            stats.gone += 1
            return
        if not self._buyer_ok(tender):
            stats.other_buyer += 1
            return
        codes = cpv_codes(tender)
        if self.prefixes and not any(cpv_matches(c, self.prefixes) for c in codes):
            stats.other_cpv += 1
            return
        if self.inventory.tender_version(api_id) == tender.get("dateModified"):
            stats.unchanged += 1
            return
        result = self.auditor.audit(tender)
        self.inventory.save_tender(result.to_dict(), "watch")
        stats.judged += 1
        stats.flagged += result.flagged
        if on_result is not None:
            on_result(result)
