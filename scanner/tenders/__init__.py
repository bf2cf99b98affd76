"""Tender audit: Prozorro tenders — items, lots, awards, contracts and tech-spec documents — checked for sponsor
products with the identification engine.

client.py talks to the public openprocurement API (bounded, polite); documents.py turns .docx/.pdf/.xlsx into
text with limits; judge.py (pure) turns a tender and its texts into findings; audit.py checks one tender end to
end; watch.py follows the feed with a checkpoint in the inventory; render.py writes JSON, CSV and HTML.
"""

from __future__ import annotations

from scanner.tenders.audit import AuditOptions, TenderAuditor
from scanner.tenders.client import (
    DEFAULT_API,
    DEFAULT_DOCUMENT_HOSTS,
    DEFAULT_PORTAL,
    ClientOptions,
    FetchError,
    NotFound,
    ProzorroClient,
    TenderError,
)
from scanner.tenders.cpv import SURVEILLANCE_CPV
from scanner.tenders.ids import parse_ref
from scanner.tenders.judge import Finding, Judge, TenderResult
from scanner.tenders.watch import TenderWatch, WatchOptions, WatchStats

__all__ = ["DEFAULT_API", "DEFAULT_DOCUMENT_HOSTS", "DEFAULT_PORTAL", "SURVEILLANCE_CPV", "AuditOptions",
           "ClientOptions", "FetchError", "Finding", "Judge", "NotFound", "ProzorroClient", "TenderAuditor",
           "TenderError", "TenderResult", "TenderWatch", "WatchOptions", "WatchStats", "parse_ref"]
