"""What a user may name a tender by: the API id (32 hex), the public tender id (UA-YYYY-MM-DD-NNNNNN-x) or a
prozorro.gov.ua tender page URL (or a public API URL). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

API_ID = re.compile(r"^[0-9a-f]{32}$")
# tenderID as the portal shows it; the last letter is the CDB's suffix (sponsors research: UA-\d{4}-…-[a-z]).
TENDER_ID = re.compile(r"^UA-(\d{4})-(\d{2})-(\d{2})-(\d{6})-([a-z])$", re.IGNORECASE)
PORTAL_HOSTS = ("prozorro.gov.ua", "www.prozorro.gov.ua")


@dataclass(frozen=True)
class TenderRef:
    kind: str  # api | tender_id
    value: str

    def __str__(self) -> str:
        return self.value


def normal_tender_id(text: str) -> str | None:
    """UA-2024-05-07-001234-a in its canonical case, or None."""
    m = TENDER_ID.match(text.strip())
    if not m:
        return None
    year, month, day, num, suffix = m.groups()
    return f"UA-{year}-{month}-{day}-{num}-{suffix.lower()}"


def normal_api_id(text: str) -> str | None:
    value = text.strip().lower().replace("-", "")
    return value if API_ID.match(value) else None


def parse_ref(text: str) -> TenderRef:
    """A tender reference from what the user typed; ValueError that says what is accepted otherwise."""
    raw = text.strip()
    if tid := normal_tender_id(raw):
        return TenderRef("tender_id", tid)
    if len(raw) in (32, 36) and (aid := normal_api_id(raw)):
        return TenderRef("api", aid)
    if raw.lower().startswith(("http://", "https://")):
        parts = urlsplit(raw)
        segments = [s for s in parts.path.split("/") if s]
        host = (parts.hostname or "").lower()
        if host in PORTAL_HOSTS and "tender" in segments:
            after = segments[segments.index("tender") + 1:]
            if after and (tid := normal_tender_id(after[0])):
                return TenderRef("tender_id", tid)
        if "tenders" in segments:
            after = segments[segments.index("tenders") + 1:]
            if after and (aid := normal_api_id(after[0])):
                return TenderRef("api", aid)
    raise ValueError(f"not a tender reference: {text[:80]!r} (give the API id of 32 hex digits, a tender id like "
                     "UA-2024-05-07-001234-a, or a prozorro.gov.ua/tender/UA-… URL)")
