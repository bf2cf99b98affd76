"""A tender, its contracts and its documents' text → findings, with the identification engine. Pure: no I/O.

What is judged (each text on its own, so every finding points at one place): the tender's title and description,
every item (description; classification, unit and quantity travel with the finding), lot titles and descriptions,
the text of every document read (by page, paragraph, table row or sheet row), and what was bought: the awards'
and contracts' items and the suppliers' names. A maker flagged in an award or a contract that nothing in the tender
itself named is called out: the contract delivers a sponsor product the tender did not ask for by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.identify import Identifier, Verdict, default_identifier
from scanner.tenders.documents import Extracted

EXCERPT_CHARS = 90  # either side of the evidence in a long text
MAX_DOCUMENT_FINDINGS = 25  # per document; the rest are counted
TENDER_PARTS = ("title", "description", "item", "lot", "document")
DELIVERED = ("award", "contract")


@dataclass
class Finding:
    where: str  # title | description | item | lot | document | award | contract
    ref: str  # items[2], lots[0].title, contracts[0].items[1], awards[0].suppliers[0], or a document's title
    excerpt: str
    vendor: str | None
    brand: str | None
    relation: str | None
    confidence: float
    model: str | None
    flagged: bool
    why: str
    position: str | None = None  # in a document: "page 3", "paragraph 12", "table 1, row 4", "sheet 'Лист1', row 7"
    document: dict[str, Any] | None = None  # {id, title, url}
    item: dict[str, Any] | None = None  # {cpv, unit, quantity} of an item line
    not_named_in_tender: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "where": self.where, "ref": self.ref, "excerpt": self.excerpt, "vendor": self.vendor, "brand": self.brand,
            "relation": self.relation, "confidence": round(self.confidence, 3), "model": self.model,
            "flagged": self.flagged, "why": self.why,
        }
        for key in ("position", "document", "item"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.not_named_in_tender:
            out["not_named_in_tender"] = True
        return out


@dataclass
class DocumentReport:
    """What became of one document: read (with how much), skipped, unsupported, refused or failed, and why."""

    id: str
    title: str
    url: str | None
    format: str | None
    document_of: str | None
    document_type: str | None
    status: str  # read | skipped | unsupported | refused | failed | not-fetched
    reason: str | None = None  # zip-bomb, malformed, encrypted, too-large, outside-allow-list, …
    message: str | None = None
    kind: str | None = None
    segments: int = 0
    chars: int = 0
    notes: list[str] = field(default_factory=list)
    findings: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url, "format": self.format,
                "documentOf": self.document_of, "documentType": self.document_type, "status": self.status,
                "reason": self.reason, "message": self.message, "kind": self.kind, "segments": self.segments,
                "chars": self.chars, "notes": self.notes, "findings": self.findings}


@dataclass
class TenderResult:
    id: str
    tender_id: str | None
    title: str
    buyer: dict[str, Any]
    status: str | None
    value: dict[str, Any]
    date_modified: str | None
    date_created: str | None
    cpv: list[str]
    flagged: bool = False
    vendors: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    documents: list[DocumentReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "tenderID": self.tender_id, "title": self.title, "buyer": self.buyer,
            "status": self.status, "value": self.value, "flagged": self.flagged, "vendors": self.vendors,
            "findings": [f.to_dict() for f in self.findings], "documents": [d.to_dict() for d in self.documents],
            "notes": self.notes, "dateModified": self.date_modified, "dateCreated": self.date_created,
            "cpv": self.cpv, "url": page_url(self.tender_id),
        }


def page_url(tender_id: str | None) -> str | None:
    """The tender's page on the public portal."""
    return f"https://prozorro.gov.ua/tender/{tender_id}" if tender_id else None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def excerpt(text: str, span: tuple[int, int] | None, width: int = EXCERPT_CHARS) -> str:
    """The whole text when short, else the evidence with `width` characters either side."""
    text = " ".join(text.split()) if "\n" in text or "\t" in text else text
    if len(text) <= 2 * width + 40 or span is None:
        return text if len(text) <= 2 * width + 40 else text[: 2 * width] + "…"
    start, end = max(0, span[0] - width), min(len(text), span[1] + width)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def _span(verdict: Verdict) -> tuple[int, int] | None:
    for ev in verdict.evidence:
        if ev.span is not None and ev.field == "text":
            return ev.span
    return None


def buyer_of(tender: dict[str, Any]) -> dict[str, Any]:
    entity = as_dict(tender.get("procuringEntity"))
    ident = as_dict(entity.get("identifier"))
    return {"name": _str(entity.get("name")) or _str(ident.get("legalName")), "edrpou": _str(ident.get("id")) or None}


def value_of(tender: dict[str, Any]) -> dict[str, Any]:
    value = as_dict(tender.get("value"))
    amount = value.get("amount")
    return {"amount": float(amount) if isinstance(amount, int | float) and not isinstance(amount, bool) else None,
            "currency": _str(value.get("currency")) or None}


def cpv_codes(tender: dict[str, Any]) -> list[str]:
    """The items' classification codes (ДК021/CPV), in order, each once."""
    out: list[str] = []
    for item in _list(tender.get("items")):
        cls = as_dict(item.get("classification"))
        code = _str(cls.get("id"))
        if code and code not in out:
            out.append(code)
    return out


def _item_info(item: dict[str, Any]) -> dict[str, Any]:
    cls = as_dict(item.get("classification"))
    unit = as_dict(item.get("unit"))
    qty = item.get("quantity")
    return {"cpv": _str(cls.get("id")) or None, "cpv_name": _str(cls.get("description")) or None,
            "unit": _str(unit.get("name")) or _str(unit.get("code")) or None,
            "quantity": qty if isinstance(qty, int | float) and not isinstance(qty, bool) else None}


Text = tuple[str, str, str, dict[str, Any]]  # where, ref, text, extra fields of the finding


def structured_texts(tender: dict[str, Any], contracts: dict[str, dict[str, Any]]) -> Iterator[Text]:
    """Every text of the tender's own JSON that is judged, with where it is."""
    for key in ("title", "description"):
        if text := _str(tender.get(key)):
            yield key, key, text, {}
    for i, item in enumerate(_list(tender.get("items"))):
        if text := _str(item.get("description")):
            yield "item", f"items[{i}]", text, {"item": _item_info(item)}
    for i, lot in enumerate(_list(tender.get("lots"))):
        for key in ("title", "description"):
            if text := _str(lot.get(key)):
                yield "lot", f"lots[{i}].{key}", text, {}
    for i, award in enumerate(_list(tender.get("awards"))):
        yield from _bought("award", f"awards[{i}]", award)
    for i, contract in enumerate(_list(tender.get("contracts"))):
        full = contracts.get(_str(contract.get("id")), {})
        merged = {**contract, **{k: v for k, v in full.items() if k in ("items", "suppliers") and v}}
        yield from _bought("contract", f"contracts[{i}]", merged)


def _bought(where: str, ref: str, part: dict[str, Any]) -> Iterator[Text]:
    for j, supplier in enumerate(_list(part.get("suppliers"))):
        if text := _str(supplier.get("name")):
            yield where, f"{ref}.suppliers[{j}]", text, {}
    for k, item in enumerate(_list(part.get("items"))):
        if text := _str(item.get("description")):
            yield where, f"{ref}.items[{k}]", text, {"item": _item_info(item)}


class Judge:
    """Runs the identification engine over a tender; build once, call `judge` per tender."""

    def __init__(self, identifier: Identifier | None = None) -> None:
        self.identifier = identifier or default_identifier()

    def finding(self, where: str, ref: str, text: str, **extra: Any) -> Finding | None:
        verdict = self.identifier.identify(text)
        if verdict.vendor is None:
            return None
        return Finding(where=where, ref=ref, excerpt=excerpt(text, _span(verdict)), vendor=verdict.vendor,
                       brand=verdict.brand, relation=verdict.relation, confidence=verdict.confidence,
                       model=verdict.model, flagged=verdict.flagged, why=verdict.explanation, **extra)

    def judge(self, tender: dict[str, Any], *, documents: list[tuple[DocumentReport, Extracted | None]] | None = None,
              contracts: dict[str, dict[str, Any]] | None = None, notes: list[str] | None = None) -> TenderResult:
        result = TenderResult(
            id=_str(tender.get("id")), tender_id=_str(tender.get("tenderID")) or None,
            title=_str(tender.get("title")), buyer=buyer_of(tender), status=_str(tender.get("status")) or None,
            value=value_of(tender), date_modified=_str(tender.get("dateModified")) or None,
            date_created=_str(tender.get("dateCreated")) or _str(tender.get("date")) or None,
            cpv=cpv_codes(tender), notes=list(notes or []),
        )
        for where, ref, text, extra in structured_texts(tender, contracts or {}):
            if (found := self.finding(where, ref, text, **extra)) is not None:
                result.findings.append(found)
        for report, extracted in documents or []:
            result.documents.append(report)
            if extracted is None:
                continue
            doc = {"id": report.id, "title": report.title, "url": report.url}
            extra_findings = 0
            for seg in extracted.segments:
                found = self.finding("document", report.title, seg.text, position=seg.position, document=doc)
                if found is None:
                    continue
                report.findings += 1
                if report.findings <= MAX_DOCUMENT_FINDINGS:
                    result.findings.append(found)
                else:
                    extra_findings += 1
            if extra_findings:
                report.notes.append(f"{extra_findings} more findings in this document not listed")
        self._conclude(result)
        return result

    @staticmethod
    def _conclude(result: TenderResult) -> None:
        flagged = [f for f in result.findings if f.flagged]
        result.flagged = bool(flagged)
        result.vendors = sorted({f.vendor for f in flagged if f.vendor})
        named = {f.vendor for f in flagged if f.where in TENDER_PARTS}
        for f in flagged:
            if f.where in DELIVERED and f.vendor not in named and f.ref.split(".")[-1].startswith("items"):
                f.not_named_in_tender = True
        unnamed = sorted({(f.where, f.ref.split(".")[0], f.vendor) for f in flagged if f.not_named_in_tender})
        for where, ref, vendor in unnamed:
            result.notes.append(f"{ref} ({where}) delivers {vendor} products that the tender itself did not name")
