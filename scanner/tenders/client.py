"""A polite, bounded client of the public openprocurement API (Prozorro): tender feed, tender and contract
details, the portal's tenderID → id summary, and tender documents.

Every request: one allow-list of hosts (the API's and the portal's; documents also the configured document hosts,
redirects checked hop by hop), a request rate shared by all hosts, timeouts, a cap on the bytes read (from
Content-Length before reading, then while streaming), and retries with exponential backoff on network errors,
429 and 5xx — honouring Retry-After (seconds or an HTTP date, capped) — and on a JSON body cut short.

Shapes (ProzorroUKR/openprocurement.api docs): the feed `GET /tenders?offset=&descending=&opt_fields=&limit=`
answers {"data": [{"id", "dateModified", …}], "next_page": {"offset", "path", "uri"}, "prev_page": …}
(docs/source/basic-actions/feed.rst); `GET /tenders/{id}` and `GET /contracts/{id}` answer {"data": {…}}.
The next page is asked with next_page.offset on our own base URL, not next_page.uri, whose host may be a
load-balancer name (lb-api-sandbox-2… in the docs) outside the allow-list.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from scanner import __version__

DEFAULT_API = "https://public-api.prozorro.gov.ua/api/2.5"
DEFAULT_PORTAL = "https://prozorro.gov.ua"
# Production document URLs: http://public-docs.prozorro.gov.ua/get/<id>?Signature=… (ProzorroUKR/openprocurement.api
# @344fdc78b707dd3a28a8f1d78be8bef89328b6c8:docs/source/features/rendering_documents.rst).
DEFAULT_DOCUMENT_HOSTS = ("public-docs.prozorro.gov.ua",)
FEED_OPT_FIELDS = ("tenderID", "status", "procuringEntity", "dateCreated")
MiB = 1024 * 1024


class TenderError(Exception):
    """Something about a tender could not be done; the message says what."""


class NotFound(TenderError):
    """The API (or the portal) has no such tender or contract."""


class FetchError(TenderError):
    """Every try failed (network, 5xx, 429, broken JSON) or the server refused the request (4xx)."""


class Refused(TenderError):
    """Not fetched on purpose: a host outside the allow-list, or a body over its size cap."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # outside-allow-list | too-large


@dataclass
class ClientOptions:
    api: str = DEFAULT_API
    portal: str = DEFAULT_PORTAL
    document_hosts: tuple[str, ...] = DEFAULT_DOCUMENT_HOSTS
    timeout_s: float = 30.0  # per read (and write and pool wait)
    connect_timeout_s: float = 10.0
    tries: int = 5
    backoff_s: float = 1.0  # first wait; doubled each try
    max_backoff_s: float = 60.0
    max_retry_after_s: float = 120.0  # a longer Retry-After is waited only this long before the next try
    rate_per_s: float = 4.0  # requests per second, all hosts together; 0 = unlimited
    max_json_bytes: int = 32 * MiB
    max_document_bytes: int = 25 * MiB
    max_redirects: int = 3
    extra_hosts: tuple[str, ...] = field(default=())  # more hosts the API may answer from (mirrors)


class RateLimit:
    """At most `rate` requests per second, spaced evenly (thread-safe)."""

    def __init__(self, rate_per_s: float) -> None:
        self.interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def since_offset(date: dt.date) -> str:
    """A feed offset that starts at midnight UTC of a date: the API takes a bare Unix time as the offset
    (openprocurement.api src/openprocurement/api/views/base.py, parse_offset)."""
    return str(int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp()))


class ProzorroClient:
    """One HTTP client for one API base URL; use as a context manager (or call close)."""

    def __init__(self, options: ClientOptions | None = None) -> None:
        self.options = o = options or ClientOptions()
        self.api = o.api.rstrip("/")
        self.portal = o.portal.rstrip("/")
        self.api_hosts = frozenset({host_of(self.api), *(h.lower() for h in o.extra_hosts)})
        self.portal_hosts = frozenset({host_of(self.portal)})
        self.document_hosts = frozenset({*self.api_hosts, *(h.lower() for h in o.document_hosts)})
        self.rate = RateLimit(o.rate_per_s)
        self.requests = 0
        self.http = httpx.Client(
            timeout=httpx.Timeout(o.timeout_s, connect=o.connect_timeout_s), follow_redirects=False,
            headers={"User-Agent": f"sponsorwatch/{__version__} (tender audit)", "Accept": "application/json"},
        )

    def __enter__(self) -> ProzorroClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # ---------------------------------------------------------------- the one request loop
    def fetch(self, url: str, *, hosts: frozenset[str], max_bytes: int) -> tuple[bytes, httpx.Headers]:
        """GET a URL within the allow-list and the size cap, retrying what may pass (see the module doc)."""
        o = self.options
        last = "no try made"
        for attempt in range(o.tries):
            wait: float | None = None
            try:
                return self._get(url, hosts, max_bytes)
            except _Retry as exc:
                last, wait = exc.message, exc.wait
            except httpx.TransportError as exc:
                last = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
            if attempt + 1 < o.tries:
                backoff = min(o.backoff_s * 2**attempt, o.max_backoff_s)
                time.sleep(min(wait, o.max_retry_after_s) if wait is not None else backoff)
        raise FetchError(f"{_short(url)}: failed after {o.tries} tries ({last})")

    def _get(self, url: str, hosts: frozenset[str], max_bytes: int) -> tuple[bytes, httpx.Headers]:
        for _hop in range(self.options.max_redirects + 1):
            host = host_of(url)
            if urlsplit(url).scheme not in ("http", "https") or host not in hosts:
                raise Refused("outside-allow-list", f"{_short(url)}: host {host or '?'} is not on the allow-list "
                                                    f"({', '.join(sorted(hosts))}); not fetched")
            self.rate.wait()
            self.requests += 1
            with self.http.stream("GET", url) as resp:
                status = resp.status_code
                if status in (301, 302, 303, 307, 308) and "Location" in resp.headers:
                    url = urljoin(url, resp.headers["Location"])
                    continue
                if status == 429 or status >= 500:
                    raise _Retry(f"HTTP {status}", retry_after_s(resp.headers.get("Retry-After")))
                if status == 404:
                    raise NotFound(f"{_short(url)}: not found (HTTP 404)")
                if status >= 400:
                    raise FetchError(f"{_short(url)}: refused (HTTP {status})")
                declared = resp.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise Refused("too-large", f"{_short(url)}: {int(declared):,} bytes, over the cap of "
                                               f"{max_bytes:,}; not fetched")
                chunks, total = [], 0
                for chunk in resp.iter_bytes():
                    total += len(chunk)
                    if total > max_bytes:
                        raise Refused("too-large", f"{_short(url)}: more than {max_bytes:,} bytes (the cap); "
                                                   "stopped reading")
                    chunks.append(chunk)
                return b"".join(chunks), resp.headers
        raise FetchError(f"{_short(url)}: more than {self.options.max_redirects} redirects")

    def get_json(self, url: str, hosts: frozenset[str]) -> Any:
        """A JSON document; a body that does not parse (cut short on the way) is fetched again."""
        o = self.options
        for attempt in range(o.tries):
            body, _ = self.fetch(url, hosts=hosts, max_bytes=o.max_json_bytes)
            try:
                return json.loads(body)
            except (ValueError, RecursionError) as exc:
                problem = f"{exc.__class__.__name__}: {str(exc)[:80]}"
            if attempt + 1 < o.tries:
                time.sleep(min(o.backoff_s * 2**attempt, o.max_backoff_s))
        raise FetchError(f"{_short(url)}: the answer is not valid JSON after {o.tries} tries ({problem})")

    def _data(self, url: str, hosts: frozenset[str], what: str) -> dict[str, Any]:
        doc = self.get_json(url, hosts)
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, dict):
            raise FetchError(f"{_short(url)}: the answer has no {what} object under 'data'")
        return data

    # ---------------------------------------------------------------- the API
    def tender(self, api_id: str) -> dict[str, Any]:
        return self._data(f"{self.api}/tenders/{api_id}", self.api_hosts, "tender")

    def contract(self, contract_id: str) -> dict[str, Any]:
        return self._data(f"{self.api}/contracts/{contract_id}", self.api_hosts, "contract")

    def resolve(self, tender_id: str) -> str:
        """The API id of a public tender id, through the portal's summary endpoint (unofficial: the portal's own
        pages use it; it answers an object whose "id" is the API id)."""
        url = f"{self.portal}/api/tenders/{tender_id}/summary"
        doc = self.get_json(url, self.portal_hosts)
        found = doc.get("id") if isinstance(doc, dict) else None
        if isinstance(doc, dict) and not found and isinstance(doc.get("data"), dict):
            found = doc["data"].get("id")
        if not isinstance(found, str) or len(found) != 32 or not all(c in "0123456789abcdef" for c in found.lower()):
            raise FetchError(f"{_short(url)}: the portal's answer names no API id for {tender_id}")
        return found.lower()

    def feed(self, offset: str | None = None, *, descending: bool = False, limit: int = 100,
             opt_fields: tuple[str, ...] = FEED_OPT_FIELDS) -> dict[str, Any]:
        """One page of the tender feed."""
        params: dict[str, str] = {"limit": str(limit)}
        if offset:
            params["offset"] = offset
        if descending:
            params["descending"] = "1"
        if opt_fields:
            params["opt_fields"] = ",".join(opt_fields)
        url = str(httpx.URL(f"{self.api}/tenders", params=params))
        doc = self.get_json(url, self.api_hosts)
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
            raise FetchError(f"{_short(url)}: not a feed page (no 'data' list)")
        return doc

    def document(self, url: str) -> bytes:
        """A tender document, from the API's host or a configured document host only, within the size cap."""
        body, _ = self.fetch(url, hosts=self.document_hosts, max_bytes=self.options.max_document_bytes)
        return body


class _Retry(Exception):
    def __init__(self, message: str, wait: float | None) -> None:
        super().__init__(message)
        self.message, self.wait = message, wait


def _short(url: str) -> str:
    """A URL for messages: without its query (document URLs carry signatures)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
