"""Tenders and documents for the replay server: the docs' real tender, contract and document shapes with the
texts of each case put in, and real .docx/.pdf/.xlsx files written by the libraries that read them (python-docx,
pypdf, openpyxl)."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import docx
from openpyxl import Workbook
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from tests.tenders.replay import Replay, real_contract, real_document, real_tender

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BUYER = "21725150"  # the docs' procuring entity (ЗОСШ #10 м.Вінниці)
OTHER_BUYER = "02141331"


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A PDF with Helvetica text lines (WinAnsi: Latin text only), one list of lines per page."""
    writer = PdfWriter()
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica"),
                             NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
    for lines in pages:
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        ops = b"".join(b"(" + line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
                       + b") Tj T* " for line in lines)
        stream = DecodedStreamObject()
        stream.set_data(b"BT /F1 11 Tf 50 800 Td 14 TL " + ops + b"ET")
        page.replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def xlsx_bytes(rows: list[list[Any]], title: str = "Специфікація") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    """A real .docx whose document part is 200 MiB of zeros (deflated to about 200 KiB)."""
    base = docx_bytes(["Технічна специфікація"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with dst.open("word/media/padding.bin", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                fh.write(chunk)
    return out.getvalue()


def malformed_pdf() -> bytes:
    good = pdf_bytes([["Hikvision DS-2CD2143G2-I"]])
    return good[: len(good) // 3] + b"\x00garbage" * 40


def item(description: str, cpv: str = "32234000-2", cpv_name: str = "Камери відеоспостереження",
         quantity: float = 4.0, unit: str = "штука") -> dict[str, Any]:
    """An item in the docs' shape (the first item of the completed tender) with this case's text."""
    base = real_tender()["items"][0]
    base.update(id=uuid.uuid4().hex, description=description, quantity=quantity)
    base["classification"] = {"description": cpv_name, "scheme": "ДК021", "id": cpv}
    base["unit"] = {"name": unit, "code": "H87"}
    base.pop("relatedLot", None)
    return base


def document(replay: Replay, title: str, body: bytes, fmt: str, *, url: str | None = None,
             document_type: str = "technicalSpecifications", declare_length: bool = True) -> dict[str, Any]:
    """A tender document in the docs' shape, served by the replay (or pointing at `url`)."""
    doc = real_document()
    doc_id = uuid.uuid4().hex
    doc.update(id=doc_id, title=title, format=fmt, documentType=document_type)
    doc["url"] = url or replay.put_document(doc_id, body, fmt, declare_length)
    return doc


class Builder:
    """Tenders in the docs' shape, numbered, put on a replay with increasing public_modified times."""

    def __init__(self, replay: Replay, start: float = 1_700_000_000.0) -> None:
        self.replay = replay
        self.clock = start
        self.count = 0

    def tender(self, title: str, items: list[dict[str, Any]], *, status: str = "active.tendering",
               documents: list[dict[str, Any]] | None = None, description: str | None = None,
               buyer: str = BUYER, contracts: list[dict[str, Any]] | None = None,
               awards: list[dict[str, Any]] | None = None, lots: list[dict[str, Any]] | None = None,
               amount: float = 250_000.0, created: str = "2024-05-07T10:00:00+03:00") -> dict[str, Any]:
        self.count += 1
        self.clock += 1.25
        t = real_tender()
        for key in ("bids", "criteria", "awards", "contracts", "lots", "documents"):
            t.pop(key, None)
        t.update(id=uuid.uuid4().hex, tenderID=f"UA-2024-05-07-{self.count:06d}-a", title=title, status=status,
                 items=items, documents=documents or [], dateCreated=created, date=created,
                 dateModified=f"2024-05-{7 + self.count % 20:02d}T12:00:{self.count % 60:02d}.{self.count:06d}+03:00")
        t["value"]["amount"] = amount
        t["procuringEntity"]["identifier"]["id"] = buyer
        if buyer != BUYER:
            t["procuringEntity"]["name"] = t["procuringEntity"]["identifier"]["legalName"] = f"Замовник {buyer}"
        if description:
            t["description"] = description
        if awards is not None:
            t["awards"] = awards
        if contracts is not None:
            t["contracts"] = contracts
        if lots is not None:
            t["lots"] = lots
        self.replay.put_tender(t, round(self.clock, 3))
        return t

    def touch(self, tender: dict[str, Any], title: str | None = None) -> None:
        """A new version of a tender: new dateModified and a later place in the feed."""
        self.clock += 1.25
        if title:
            tender["title"] = title
        tender["dateModified"] = tender["dateModified"][:19] + ".999999+03:00"
        self.replay.put_tender(tender, round(self.clock, 3))


def award_and_contract(replay: Replay, supplier: str, contract_items: list[dict[str, Any]]) -> tuple[
        list[dict[str, Any]], list[dict[str, Any]]]:
    """An award and a contract in the docs' shapes; the contract's items are only in its own record
    (/contracts/{id}), as in the docs' completed tender."""
    t = real_tender()
    award, contract_stub = t["awards"][0], t["contracts"][0]
    award["suppliers"][0]["name"] = supplier
    award.pop("documents", None)
    full = real_contract()
    full.update(id=uuid.uuid4().hex, items=contract_items, awardID=award["id"])
    full["suppliers"][0]["name"] = supplier
    contract_stub["id"] = full["id"]
    replay.put_contract(full)
    return [award], [contract_stub]
