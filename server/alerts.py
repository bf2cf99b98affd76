"""Alert delivery: the message shapes webhooks accept, and a dispatcher that posts due deliveries with retries.

Shapes: ``json`` (a generic document, signed with HMAC-SHA256 when the webhook has a secret), ``slack`` (Slack
incoming webhooks: ``text`` plus ``blocks``) and ``teams`` (Microsoft Teams incoming webhooks and Workflows: a
``message`` with one Adaptive Card attachment). A failed post is retried with exponential backoff (honouring a
429's Retry-After) up to storage's MAX_ATTEMPTS; 4xx other than 408/429 is given up at once, since repeating the
same body cannot succeed.

The dispatcher runs in a background thread of each server process (SPONSORWATCH_ALERTS_POLL seconds; 0 turns it
off) and is woken right after an upload; deliveries are claimed in the database, so several processes or nodes
never send one twice. `sponsorwatch alerts deliver` runs one pass from cron instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from typing import Any

import httpx

from scanner.storage import Inventory
from scanner.storage.engine import now

TITLES = {"new-sponsor-device": "New Hikvision/Dahua device", "site-baseline": "First scan of a site",
          "replaced-reappeared": "A replaced device answers again", "kev-firmware": "Actively exploited CVE"}
BACKOFF_BASE = 30.0  # seconds before the first retry; doubled each time
BACKOFF_MAX = 3600.0
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
log = logging.getLogger(__name__)


def message(fmt: str, alert: dict[str, Any], dashboard: str | None = None) -> dict[str, Any]:
    """The body a webhook of format `fmt` receives for `alert`."""
    title = TITLES.get(alert["kind"], alert["kind"])
    link = f"{dashboard.rstrip('/')}/alerts" if dashboard else None
    if fmt == "slack":
        text = f"*{title}* — {alert['summary']}" + (f" (<{link}|dashboard>)" if link else "")
        return {"text": f"{title}: {alert['summary']}",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    if fmt == "teams":
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": alert["summary"], "wrap": True},
            {"type": "FactSet", "facts": [{"title": "Site", "value": alert["site"]},
                                          {"title": "Kind", "value": alert["kind"]},
                                          {"title": "Raised", "value": alert["created_at"] or ""}]},
        ]
        card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                                "type": "AdaptiveCard", "version": "1.4", "body": body}
        if link:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the dashboard", "url": link}]
        return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                    "contentUrl": None, "content": card}]}
    return {"event": alert["kind"], "title": title, "alert": alert, **({"dashboard": link} if link else {})}


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    return min(float(raw), BACKOFF_MAX) if raw.strip().isdigit() else None


class Dispatcher:
    """Posts due deliveries of one inventory; `run_once` is a single pass, `start` a polling thread."""

    def __init__(self, inventory: Inventory, *, poll: float = 15.0, dashboard: str | None = None,
                 client: httpx.Client | None = None, autostart: bool = True) -> None:
        self.inventory = inventory
        self.poll = poll
        self.autostart = autostart  # False (tests): passes run only when asked, with run_once
        self.dashboard = dashboard
        self.client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> dict[str, int]:
        counts = {"sent": 0, "retry": 0, "failed": 0}
        started = now()  # a retry scheduled during this pass waits for the next one
        while batch := self.inventory.claim_deliveries(due_by=started):
            for d in batch:
                counts[self._deliver(d)] += 1
        return counts

    def _deliver(self, d: dict[str, Any]) -> str:
        body = json.dumps(message(d["format"], d["alert"], self.dashboard), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "sponsorwatch-alerts"}
        if d["format"] == "json" and d["secret"]:
            sig = hmac.new(d["secret"].encode(), body, hashlib.sha256).hexdigest()
            headers["X-Sponsorwatch-Signature"] = f"sha256={sig}"
        retry = min(BACKOFF_BASE * 2 ** d["attempts"], BACKOFF_MAX)
        try:
            response = self.client.post(d["url"], content=body, headers=headers)
        except httpx.HTTPError as exc:
            self.inventory.delivery_failed(d["delivery_id"], f"{type(exc).__name__}: {exc}", retry)
            return "retry"
        if response.is_success:
            self.inventory.delivery_done(d["delivery_id"])
            return "sent"
        error = f"HTTP {response.status_code}: {response.text[:200]}"
        if response.status_code in (408, 429) or response.status_code >= 500:
            self.inventory.delivery_failed(d["delivery_id"], error, _retry_after(response) or retry)
            return "retry"
        self.inventory.delivery_failed(d["delivery_id"], error, None)  # the same body will not do better
        return "failed"

    def kick(self) -> None:
        """Deliver soon (after an upload raised alerts), without waiting for the next poll; starts the thread
        the first time there is a webhook to deliver to."""
        if self.autostart and self._thread is None and any(w["disabled_at"] is None
                                                           for w in self.inventory.list_webhooks()):
            self.start()
        self._wake.set()

    def start(self) -> None:
        if self.poll <= 0 or self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:  # a database hiccup must not end the thread; the next poll tries again
                    log.exception("alert delivery pass failed; retrying at the next poll")
                self._wake.wait(self.poll)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="sponsorwatch-alerts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
