"""One tender checked end to end: reference → API id → tender JSON → its documents and contracts → findings.

The network side (client.py) and the pure sides (documents.py, judge.py) meet here. A document or a contract that
cannot be had never stops the check: it is reported in the result (`documents[].status`, `notes`) and the rest is
judged. Only the tender itself missing or unreachable is an error (TenderError).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.tenders.client import FetchError, NotFound, ProzorroClient, Refused, TenderError
from scanner.tenders.documents import DocumentProblem, Extracted, Limits, extract, plan
from scanner.tenders.ids import TenderRef, parse_ref
from scanner.tenders.judge import DocumentReport, Judge, TenderResult

REFUSALS = ("outside-allow-list", "too-large", "zip-bomb")


@dataclass
class AuditOptions:
    documents: bool = True  # fetch and read tender documents
    contracts: bool = True  # fetch a contract's own record when the tender lists it without items
    max_documents: int = 60  # per tender, newest versions first; the rest are reported as not fetched
    limits: Limits = field(default_factory=Limits)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def current_documents(tender: dict[str, Any]) -> list[dict[str, Any]]:
    """The tender's documents, each once in its newest version (a replaced file keeps its id and gets a newer
    dateModified), public ones only, in the order they were first published."""
    newest: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    docs = tender.get("documents")
    for doc in docs if isinstance(docs, list) else []:
        if not isinstance(doc, dict) or doc.get("confidentiality") == "buyerOnly":
            continue
        key = _str(doc.get("id")) or _str(doc.get("url"))
        if key not in newest:
            order.append(key)
            newest[key] = doc
        elif _str(doc.get("dateModified")) >= _str(newest[key].get("dateModified")):
            newest[key] = doc
    return [newest[k] for k in order]


class TenderAuditor:
    """Checks tenders through one client; `check` takes what a user typed, `audit` a tender already fetched."""

    def __init__(self, client: ProzorroClient, options: AuditOptions | None = None, judge: Judge | None = None) -> None:
        self.client = client
        self.options = options or AuditOptions()
        self.judge = judge or Judge()

    def api_id(self, ref: TenderRef) -> str:
        return ref.value if ref.kind == "api" else self.client.resolve(ref.value)

    def check(self, reference: str) -> TenderResult:
        """Raises ValueError for a reference that is not one, TenderError when the tender cannot be had."""
        tender = self.client.tender(self.api_id(parse_ref(reference)))
        return self.audit(tender)

    def audit(self, tender: dict[str, Any]) -> TenderResult:
        notes: list[str] = []
        documents = self._documents(tender)
        contracts = self._contracts(tender, notes)
        return self.judge.judge(tender, documents=documents, contracts=contracts, notes=notes)

    def _documents(self, tender: dict[str, Any]) -> list[tuple[DocumentReport, Extracted | None]]:
        out: list[tuple[DocumentReport, Extracted | None]] = []
        fetched = 0
        for doc in current_documents(tender):
            title, fmt, url = _str(doc.get("title")), _str(doc.get("format")) or None, _str(doc.get("url")) or None
            report = DocumentReport(id=_str(doc.get("id")), title=title or "(untitled)", url=url, format=fmt,
                                    document_of=_str(doc.get("documentOf")) or None,
                                    document_type=_str(doc.get("documentType")) or None, status="read")
            action, why = plan(title, fmt)
            if action != "read":
                report.status, report.reason = ("skipped", None) if action == "skip" else ("unsupported", None)
                report.message = why
            elif not self.options.documents:
                report.status, report.message = "not-fetched", "documents were not read (--no-documents)"
            elif url is None:
                report.status, report.reason, report.message = "failed", "no-url", "the document has no URL"
            elif fetched >= self.options.max_documents:
                report.status, report.message = "not-fetched", f"more than {self.options.max_documents} documents"
            else:
                fetched += 1
                out.append((report, self._read(report, url, title, fmt)))
                continue
            out.append((report, None))
        return out

    def _read(self, report: DocumentReport, url: str, title: str, fmt: str | None) -> Extracted | None:
        try:
            data = self.client.document(url)
            extracted = extract(title, data, fmt, self.options.limits)
        except Refused as exc:
            report.status, report.reason, report.message = "refused", exc.reason, str(exc)
            return None
        except (NotFound, FetchError) as exc:
            report.status, report.reason, report.message = "failed", "unreachable", str(exc)
            return None
        except DocumentProblem as exc:
            report.status = "refused" if exc.reason in REFUSALS else "failed"
            report.reason, report.message = exc.reason, exc.message
            return None
        report.kind, report.segments, report.chars = extracted.kind, len(extracted.segments), extracted.chars
        report.notes.extend(extracted.notes)
        return extracted

    def _contracts(self, tender: dict[str, Any], notes: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        contracts = tender.get("contracts")
        if not self.options.contracts or not isinstance(contracts, list):
            return out
        for contract in contracts:
            if not isinstance(contract, dict) or contract.get("items") or not _str(contract.get("id")):
                continue
            cid = _str(contract.get("id"))
            try:
                out[cid] = self.client.contract(cid)
            except TenderError as exc:
                notes.append(f"contract {cid}: its items could not be read ({exc})")
        return out
