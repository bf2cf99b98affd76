"""The upload client: send a finished scan to a sponsorwatch server (POST /api/v1/scans), retrying safely."""

from __future__ import annotations

import ipaddress
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from scanner.untrusted import clean_strings

UPLOAD_TRIES = 5
UPLOAD_TIMEOUT_S = 60.0


class UploadError(RuntimeError):
    """The server refused the upload (bad token, bad request): retrying will not help."""


def endpoint(url: str) -> str:
    """A server's base URL (or the scans endpoint itself) → the scans endpoint."""
    base = url.rstrip("/")
    return base if base.endswith("/api/v1/scans") else base + "/api/v1/scans"


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: traffic that never leaves this machine."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str | None:
    """Raise ValueError for a URL that cannot be an upload target; return a warning for one that sends the token
    and the inventory unencrypted across a network (plain http:// to anything but loopback), else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--upload needs an http:// or https:// URL of a sponsorwatch server, not {url!r}")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return (f"warning: {parts.scheme}://{parts.netloc} is plain http: the agent token and the inventory cross "
                "the network unencrypted and can be read or changed on the way; use https://")
    return None


def upload(url: str, token: str, site: str, scan: dict[str, Any], devices: list[dict[str, Any]],
           tries: int = UPLOAD_TRIES, backoff_s: float = 1.0) -> dict[str, Any]:
    """POST a scan, retrying server errors, rate limits and network failures with exponential backoff. Safe to
    retry: the server keys the scan by its id, so a repeated upload never duplicates anything. Raises
    UploadError when refused, ConnectionError when every try failed. Control characters (NUL, escape sequences,
    …; tab and newline stay) and unpaired surrogates are removed from every string first: devices choose their
    own names, and those characters break the spreadsheets and terminals the inventory ends up in."""
    body = clean_strings({"site": site, "scan": scan, "devices": devices})
    last = ""
    for attempt in range(tries):
        try:
            resp = httpx.post(endpoint(url), json=body, headers={"Authorization": f"Bearer {token}"},
                              timeout=UPLOAD_TIMEOUT_S)
            if resp.status_code == 201:
                return dict(resp.json())
            if resp.status_code < 500 and resp.status_code != 429:
                raise UploadError(f"upload refused ({resp.status_code}): {resp.text[:300]}")
            last = f"HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            last = exc.__class__.__name__
        if attempt + 1 < tries:
            time.sleep(backoff_s * 2**attempt)
    raise ConnectionError(f"upload failed after {tries} tries ({last}); the scan is kept locally")
