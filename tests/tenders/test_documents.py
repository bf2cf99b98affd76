"""Document text extraction: real files written by python-docx, pypdf and openpyxl; zip bombs, malformed and
encrypted files, legacy formats and archives end in a clear problem, never a crash or an unbounded read."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader, PdfWriter

from scanner.tenders.documents import DocumentProblem, Limits, extract, plan, reflow
from tests.tenders.scenarios import docx_bytes, malformed_pdf, pdf_bytes, xlsx_bytes, zip_bomb_docx


def test_docx_paragraphs_and_table_rows_keep_their_position() -> None:
    data = docx_bytes(["Технічні вимоги", "", "Камера Dahua IPC-HFW2431S-S-S2 або еквівалент"],
                      table=[["№", "Найменування", "К-сть"], ["1", "Відеореєстратор Hikvision DS-7608NXI-K2", "2"]])
    out = extract("ТЗ.docx", data)
    assert out.kind == "docx"
    positions = {s.position: s.text for s in out.segments}
    assert positions["paragraph 3"] == "Камера Dahua IPC-HFW2431S-S-S2 або еквівалент"
    assert positions["table 1, row 2"] == "1 | Відеореєстратор Hikvision DS-7608NXI-K2 | 2"
    assert "paragraph 2" not in positions  # empty paragraphs are not segments, but they count


def test_pdf_pages_and_wrapped_lines() -> None:
    data = pdf_bytes([["Technical specification"], ["IP camera Hikvision DS-2CD2143G2-I", "or equivalent, 4 MP"]])
    out = extract("spec.pdf", data)
    assert out.kind == "pdf"
    assert [(s.position, s.text) for s in out.segments] == [
        ("page 1", "Technical specification"),
        ("page 2", "IP camera Hikvision DS-2CD2143G2-I or equivalent, 4 MP")]


def test_xlsx_rows_by_sheet() -> None:
    data = xlsx_bytes([["Найменування", "Модель", "К-сть"], ["Камера", "DS-2CD1043G2-I", 12], [None, None, None]])
    out = extract("Специфікація.xlsx", data)
    assert out.kind == "xlsx"
    assert [(s.position, s.text) for s in out.segments] == [
        ("sheet 'Специфікація', row 1", "Найменування | Модель | К-сть"),
        ("sheet 'Специфікація', row 2", "Камера | DS-2CD1043G2-I | 12")]


def test_the_kind_comes_from_the_bytes_not_the_name() -> None:
    data = docx_bytes(["Hikvision DS-2CD2143G2-I"])
    assert extract("renamed.pdf", data).kind == "docx"
    with pytest.raises(DocumentProblem) as exc:
        extract("spec.docx", b"plain text pretending")
    assert exc.value.reason == "malformed"


def test_zip_bomb_docx_is_refused_from_its_directory() -> None:
    data = zip_bomb_docx()
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(DocumentProblem) as exc:
        extract("bomb.docx", data)
    assert exc.value.reason == "zip-bomb"
    assert "inflates" in exc.value.message or "unpack" in exc.value.message


def test_many_small_members_over_the_total_are_a_bomb_too() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(30):
            zf.writestr(f"part{i}.txt", b"a" * 200_000)
    with pytest.raises(DocumentProblem) as exc:
        extract("many.zip", out.getvalue(), limits=Limits(max_unzipped_bytes=5 * 1024 * 1024))
    assert exc.value.reason == "zip-bomb"


def test_malformed_pdf_is_a_problem_not_a_crash() -> None:
    with pytest.raises(DocumentProblem) as exc:
        extract("broken.pdf", malformed_pdf())
    assert exc.value.reason == "malformed"
    assert "PDF" in exc.value.message


def test_encrypted_pdf() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([["Hikvision"]]))))
    writer.encrypt(user_password="secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(DocumentProblem) as exc:
        extract("locked.pdf", out.getvalue())
    assert exc.value.reason == "encrypted"


def test_page_cap_and_text_cap_are_noted() -> None:
    data = pdf_bytes([[f"page {n} Hikvision DS-2CD2143G2-I"] for n in range(1, 8)])
    out = extract("long.pdf", data, limits=Limits(max_pdf_pages=3))
    assert {s.position for s in out.segments} == {"page 1", "page 2", "page 3"}
    assert out.notes == ["read 3 of 7 pages (the page cap)"]
    capped = extract("long.pdf", data, limits=Limits(max_chars=40))
    assert capped.chars == 40 and any("cut at 40" in n for n in capped.notes)


def test_zip_archive_members_are_read_with_their_names() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ТЗ.docx", docx_bytes(["Камера Hikvision DS-2CD1043G2-I"]))
        zf.writestr("scan.jpg", b"\xff\xd8\xff")
        zf.writestr("broken.pdf", b"%PDF-1.4 nothing")
    got = extract("docs.zip", out.getvalue())
    assert got.kind == "zip"
    assert [(s.position, s.text) for s in got.segments] == [("ТЗ.docx: paragraph 1", "Камера Hikvision DS-2CD1043G2-I")]
    assert any(n.startswith("scan.jpg: not read") for n in got.notes)
    assert any(n.startswith("broken.pdf: the PDF could not be parsed") for n in got.notes)


def test_legacy_and_unsupported_formats() -> None:
    with pytest.raises(DocumentProblem) as exc:
        extract("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert exc.value.reason == "unsupported"
    assert plan("old.doc", "application/msword")[0] == "unsupported"
    assert plan("sign.p7s", "application/pkcs7-signature") == ("skip", "electronic signature")
    assert plan("photo.JPG", None)[0] == "skip"
    assert plan("ТЗ", "application/vnd.openxmlformats-officedocument.wordprocessingml.document") == ("read", ".docx")


def test_reflow_joins_wrapped_lines_only() -> None:
    assert reflow(["Камера Hikvision DS-2CD1043G2-I", "або еквівалент.", "Реєстратор", "Dahua"]) == [
        "Камера Hikvision DS-2CD1043G2-I або еквівалент.", "Реєстратор", "Dahua"]
