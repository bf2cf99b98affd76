"""Tenders checked end to end against the local Prozorro: each case the issue names, documents included, through
the library and through `sponsorwatch tenders check`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.tenders import AuditOptions, ProzorroClient, TenderAuditor
from sponsorwatch.main import main
from tests.tenders.conftest import options
from tests.tenders.replay import Replay, serve
from tests.tenders.scenarios import (
    DOCX,
    XLSX,
    Builder,
    award_and_contract,
    document,
    docx_bytes,
    item,
    malformed_pdf,
    pdf_bytes,
    xlsx_bytes,
    zip_bomb_docx,
)


def check(replay: Replay, ref: str, **kw: Any) -> dict[str, Any]:
    with ProzorroClient(options(replay, max_document_bytes=1_000_000)) as client:
        return TenderAuditor(client, AuditOptions(**kw)).check(ref).to_dict()


def only(findings: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [f for f in findings if all(f.get(k) == v for k, v in match.items())]


def test_a_sponsor_item(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Закупівля камер відеоспостереження", [item("Камера"), item(
        "Відеокамера IP Hikvision DS-2CD2143G2-I", quantity=12)])
    out = check(replay, t["tenderID"])
    assert out["flagged"] and out["vendors"] == ["hikvision"]
    [f] = out["findings"]
    assert (f["where"], f["ref"], f["relation"], f["model"]) == ("item", "items[1]", "manufacturer", "DS-2CD2143G2-I")
    assert f["item"] == {"cpv": "32234000-2", "cpv_name": "Камери відеоспостереження", "unit": "штука",
                         "quantity": 12}
    assert f["excerpt"] == "Відеокамера IP Hikvision DS-2CD2143G2-I"
    assert out["buyer"] == {"name": "ЗОСШ #10 м.Вінниці", "edrpou": "21725150"}
    assert out["url"] == f"https://prozorro.gov.ua/tender/{t['tenderID']}"


def test_a_model_only_in_the_tech_spec(replay: Replay, builder: Builder) -> None:
    spec = docx_bytes(["Технічні вимоги до обладнання", "Камера Dahua IPC-HFW2431S-S-S2 або еквівалент"])
    t = builder.tender("Камери", [item("Камера відеоспостереження IP 4 Мп")],
                       documents=[document(replay, "Технічна специфікація.docx", spec, DOCX)])
    out = check(replay, t["id"])
    assert out["flagged"] and out["vendors"] == ["dahua"]
    [f] = out["findings"]
    assert (f["where"], f["ref"], f["position"], f["relation"]) == (
        "document", "Технічна специфікація.docx", "paragraph 2", "specified")
    assert f["document"]["id"] == t["documents"][0]["id"]
    assert out["documents"][0]["status"] == "read" and out["documents"][0]["findings"] == 1
    # without documents the same tender looks clean: the brand hides in the spec
    off = check(replay, t["id"], documents=False)
    assert not off["flagged"] and off["documents"][0]["status"] == "not-fetched"


def test_or_equivalent_items_compatible_accessories_and_clean_tenders(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Обладнання", [item("Відеореєстратор Hikvision DS-7608NXI-K2 або еквівалент"),
                                      item("Кронштейн для камер Hikvision"), item("Камера Axis P3265-LVE")])
    out = check(replay, t["id"])
    assert [(f["ref"], f["relation"], f["flagged"]) for f in out["findings"]] == [
        ("items[0]", "specified", True), ("items[1]", "compatible", False)]
    clean = builder.tender("Камери Axis", [item("Камера Axis P3265-LVE")], documents=[
        document(replay, "ТЗ.pdf", pdf_bytes([["Axis P3265-LVE dome camera, 2 MP"]]), "application/pdf")])
    got = check(replay, clean["id"])
    assert not got["flagged"] and got["findings"] == [] and got["vendors"] == []
    accessories = builder.tender("Кронштейни", [item("Кронштейн для камер Hikvision")])
    assert not check(replay, accessories["id"])["flagged"]


def test_a_cancelled_tender_keeps_its_status(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Камери", [item("Відеокамера Hikvision DS-2CD1043G2-I")], status="cancelled")
    out = check(replay, t["id"])
    assert out["status"] == "cancelled" and out["flagged"]


def test_a_contract_that_delivers_what_the_tender_did_not_name(replay: Replay, builder: Builder) -> None:
    awards, contracts = award_and_contract(replay, "ТОВ \"Безпека Плюс\"",
                                           [item("Відеокамера Hikvision DS-2CD1043G2-I", quantity=20)])
    t = builder.tender("Система відеоспостереження", [item("Камера відеоспостереження IP 4 Мп")],
                       status="complete", awards=awards, contracts=contracts)
    out = check(replay, t["id"])
    [f] = out["findings"]
    assert (f["where"], f["ref"], f["not_named_in_tender"]) == ("contract", "contracts[0].items[0]", True)
    assert out["notes"] == ["contracts[0] (contract) delivers hikvision products that the tender itself did not name"]


def test_pdf_and_xlsx_specs(replay: Replay, builder: Builder) -> None:
    docs = [document(replay, "spec.pdf", pdf_bytes([["Technical requirements"], ["IP camera Hikvision "
                                                                                  "DS-2CD2143G2-I", "or equivalent"]]),
                     "application/pdf"),
            document(replay, "Кошторис.xlsx", xlsx_bytes([["Найменування", "Модель"], ["Реєстратор",
                                                                                       "Dahua DHI-NVR4108HS-8P-4KS2"]]),
                     XLSX, document_type="billOfQuantity")]
    t = builder.tender("Відеонагляд", [item("Система відеоспостереження")], documents=docs)
    out = check(replay, t["id"])
    got = {(f["ref"], f["position"], f["relation"], f["vendor"]) for f in out["findings"]}
    assert got == {("spec.pdf", "page 2", "specified", "hikvision"),
                   ("Кошторис.xlsx", "sheet 'Специфікація', row 2", "manufacturer", "dahua")}
    assert out["vendors"] == ["dahua", "hikvision"]


def test_faulty_documents_are_reported_and_the_rest_is_judged(replay: Replay, builder: Builder) -> None:
    outside = Replay()
    with serve(outside, "127.0.0.9") as other:
        outside.put_document("x", docx_bytes(["Hikvision DS-2CD2143G2-I"]))
        docs = [document(replay, "bomb.docx", zip_bomb_docx(), DOCX),
                document(replay, "broken.pdf", malformed_pdf(), "application/pdf"),
                document(replay, "huge.pdf", b"%PDF-1.4\n" + b"0" * 1_200_000, "application/pdf"),
                document(replay, "elsewhere.docx", b"", DOCX, url=f"{other}/get/x?Signature=abc"),
                document(replay, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),
                document(replay, "sign.p7s", b"sig", "application/pkcs7-signature", document_type="notice"),
                document(replay, "ТЗ.docx", docx_bytes(["Камера Hikvision DS-2CD1043G2-I або еквівалент"]), DOCX)]
        t = builder.tender("Камери", [item("Камера")], documents=docs)
        out = check(replay, t["id"])
        assert outside.log == []
    status = {d["title"]: (d["status"], d["reason"]) for d in out["documents"]}
    assert status == {"bomb.docx": ("refused", "zip-bomb"), "broken.pdf": ("failed", "malformed"),
                      "huge.pdf": ("refused", "too-large"), "elsewhere.docx": ("refused", "outside-allow-list"),
                      "old.doc": ("unsupported", None), "sign.p7s": ("skipped", None), "ТЗ.docx": ("read", None)}
    assert next(d["message"] for d in out["documents"] if d["title"] == "elsewhere.docx").endswith("not fetched")
    assert out["flagged"] and only(out["findings"], ref="ТЗ.docx")[0]["relation"] == "specified"
    assert len(replay.requests("/get/")) == 4  # bomb, broken, huge, ТЗ; not .doc/.p7s


def test_a_replaced_document_is_read_in_its_newest_version(replay: Replay, builder: Builder) -> None:
    old = document(replay, "ТЗ.docx", docx_bytes(["Камера Hikvision DS-2CD1043G2-I"]), DOCX)
    new = dict(old, dateModified="2027-02-01T00:00:00+02:00",
               url=replay.put_document("v2", docx_bytes(["Камера Axis P3265-LVE"]), DOCX))
    t = builder.tender("Камери", [item("Камера")], documents=[old, new])
    out = check(replay, t["id"])
    assert not out["flagged"] and len(out["documents"]) == 1


def test_the_command_json_csv_and_html(replay: Replay, builder: Builder, tmp_path: Any,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    t = builder.tender("Камери", [item("Відеокамера IP Hikvision DS-2CD2143G2-I")])
    clean = builder.tender("Камери Axis", [item("Камера Axis P3265-LVE")])
    base = ["tenders", "check", "--api", f"{replay.base}/api/2.5", "--portal", replay.base, "--rate", "0"]
    assert main([*base, t["tenderID"], f"https://prozorro.gov.ua/tender/{clean['tenderID']}", "--format",
                 "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [x["tenderID"] for x in doc["tenders"]] == [t["tenderID"], clean["tenderID"]]
    first = doc["tenders"][0]
    assert set(first) >= {"id", "tenderID", "title", "buyer", "status", "value", "flagged", "vendors", "findings"}
    assert set(first["findings"][0]) >= {"where", "ref", "excerpt", "vendor", "brand", "relation", "confidence",
                                         "model"}
    assert main([*base, clean["id"], "--format", "csv", "-o", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text().splitlines()[0].startswith("tenderID,id,title")
    assert main([*base, t["id"], "--format", "html", "-o", str(tmp_path / "t.html")]) == 1
    assert "DS-2CD2143G2-I" in (tmp_path / "t.html").read_text()
    capsys.readouterr()
    assert main([*base, t["id"]]) == 1  # the terminal table
    table = capsys.readouterr().out
    assert "SPONSOR hikvision" in table and "items[0]" in table and "manufacturer" in table
    assert main([*base, "not-a-tender"]) == 2
    assert main([*base, "UA-2024-01-01-999999-a", "--format", "json"]) == 3
    assert "not found" in json.loads(capsys.readouterr().out)["errors"][0]["error"]
