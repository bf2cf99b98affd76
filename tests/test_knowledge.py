"""The knowledge base validates, every rule's examples test themselves, and the validator catches bad data."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.identify import Identifier
from scanner.identify.matcher import Matcher
from scanner.knowledge import KnowledgeBase, oui_table
from scanner.knowledge.loader import KnowledgeError, parse, read_documents
from scanner.knowledge.oui import build_table, derive
from scanner.knowledge.validate import problems


@pytest.fixture()
def docs() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(read_documents())


def test_bundled_knowledge_base_is_sound(kb: KnowledgeBase) -> None:
    assert problems(kb) == []
    assert {"hikvision", "dahua"} <= set(kb.entities)


def test_validator_rejects_entity_without_sources(docs: dict[str, dict[str, Any]]) -> None:
    docs["vendors.toml"]["entity"][0]["sources"] = []
    assert any("entity hikvision: no sources" in p for p in problems(parse(docs)))


def test_validator_rejects_unknown_vendor_ids(docs: dict[str, dict[str, Any]]) -> None:
    docs["vendors.toml"]["relation"][0]["object"] = "hikvisoin"
    docs["models.toml"]["family"][0]["entity"] = "nobody"
    found = problems(parse(docs))
    assert any("unknown vendor id 'hikvisoin'" in p for p in found)
    assert any("unknown vendor id 'nobody'" in p for p in found)


def test_validator_rejects_duplicate_aliases_after_normalisation(docs: dict[str, dict[str, Any]]) -> None:
    docs["vendors.toml"]["entity"][1]["aliases"].append({"text": "HIK VISION", "lang": "en"})
    docs["vendors.toml"]["entity"][2]["aliases"].append({"text": "Dahua", "lang": "en"})
    found = problems(parse(docs))
    assert any("alias 'HIK VISION': duplicate alias (also on hikvision)" in p for p in found)
    assert any("alias 'Dahua': duplicate alias (also on ezviz)" in p for p in found)


def test_validator_rejects_bad_regex_and_examples(docs: dict[str, dict[str, Any]]) -> None:
    docs["models.toml"]["family"][0]["pattern"] = "DS-2CD(["
    docs["models.toml"]["family"][1]["examples"].append("XYZ-123")
    found = problems(parse(docs))
    assert any("bad regex" in p for p in found)
    assert any("example 'XYZ-123' does not match" in p for p in found)


def test_validator_rejects_unsourced_misspelling_and_unknown_source(docs: dict[str, dict[str, Any]]) -> None:
    docs["vendors.toml"]["entity"][0]["aliases"].append({"text": "Hikvisn", "lang": "en", "kind": "misspelling"})
    docs["lists.toml"]["designation"][0]["sources"].append("made-up-source")
    found = problems(parse(docs))
    assert any("a misspelling must cite" in p for p in found)
    assert any("unknown source 'made-up-source'" in p for p in found)


@pytest.mark.parametrize("ref", [
    "../notes/research/companies.md section 1.3",
    "/home/someone/notes/list.md",
    "as collected in research/devices.md",
])
def test_validator_rejects_a_source_that_points_outside_the_repository(docs: dict[str, dict[str, Any]],
                                                                       ref: str) -> None:
    docs["sources.toml"]["source"].append({"id": "local-notes", "title": "notes", "ref": ref, "date": "2026",
                                           "confidence": "high"})
    assert any(p.startswith("source local-notes:") and "outside the repository" in p
               for p in problems(parse(docs)))


@pytest.mark.parametrize("ref", [
    "nmap/nmap@db4aefdd:nmap-service-probes lines 9762, 9906",
    "Phenomite/AMP-Research@15261f5f:'DVR IP Camera port 37810/README.md'",
    "sponsorwatch design decision, docs/architecture.md",
])
def test_validator_accepts_repository_citations_and_in_repo_docs(docs: dict[str, dict[str, Any]], ref: str) -> None:
    docs["sources.toml"]["source"].append({"id": "cited", "title": "t", "ref": ref, "date": "2026",
                                           "confidence": "high"})
    assert not [p for p in problems(parse(docs)) if p.startswith("source cited:")]


def test_validator_rejects_an_entity_surer_than_its_sources(docs: dict[str, dict[str, Any]]) -> None:
    docs["sources.toml"]["source"].append({"id": "one-forum-post", "title": "a forum post", "date": "2026",
                                           "url": "https://example.org/forum/1", "confidence": "low"})
    docs["nacp_companies.toml"]["entity"][0]["sources"] = ["one-forum-post"]
    docs["nacp_companies.toml"]["entity"][0]["confidence"] = "high"
    name = docs["nacp_companies.toml"]["entity"][0]["id"]
    assert any(p.startswith(f"entity {name}: confidence high but its sources are weaker (low)")
               for p in problems(parse(docs)))


def test_an_entity_known_from_one_weak_source_is_weak_not_flagged(docs: dict[str, dict[str, Any]]) -> None:
    ent = docs["nacp_companies.toml"]["entity"][0]
    listed = Identifier(parse(docs)).identify(f"{ent['display']} product")
    ent["confidence"] = "low"
    weak = Identifier(parse(docs)).identify(f"{ent['display']} product")
    assert weak.vendor == listed.vendor == ent["id"] and not weak.flagged and weak.confidence < 0.5


def test_loader_reports_missing_fields_clearly(docs: dict[str, dict[str, Any]]) -> None:
    del docs["vendors.toml"]["entity"][0]["display"]
    with pytest.raises(KnowledgeError, match=re.escape("vendors.toml entity #1: missing field 'display'")):
        parse(docs)


def test_loader_reports_broken_toml(tmp_path: Path) -> None:
    for name, _ in read_documents().items():
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "models.toml").write_text("[[family]\nid = ", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"models\.toml"):
        read_documents(tmp_path)


def test_every_family_example_matches_its_own_family_and_no_other_vendors(kb: KnowledgeBase) -> None:
    matcher = Matcher(kb)
    for fam in kb.families:
        for example in fam.examples:
            assert matcher.family_rx[fam.id].fullmatch(example), (fam.id, example)
            hits = matcher.models(example)
            assert hits and kb.root(hits[0].family.entity) == kb.root(fam.entity), (fam.id, example)
            others = [
                o.id for o in kb.families
                if kb.root(o.entity) != kb.root(fam.entity) and matcher.family_rx[o.id].fullmatch(example)
            ]
            assert others == [], (example, others)


def test_families_cover_the_device_classes_of_both_makers(kb: KnowledgeBase) -> None:
    classes = {(kb.root(f.entity), f.device_class) for f in kb.families}
    for vendor in ("hikvision", "dahua"):
        for cls in ("ip-camera", "ptz", "nvr", "dvr", "intercom", "access-control", "analog-camera"):
            assert (vendor, cls) in classes, (vendor, cls)
    assert ("hikvision", "thermal") in classes and ("hikvision", "accessory") in classes


def test_relations_are_typed_and_lorex_is_a_dated_former_subsidiary(kb: KnowledgeBase) -> None:
    lorex = next(r for r in kb.relations if r.subject == "lorex")
    assert (lorex.type, lorex.object, lorex.start, lorex.end) == ("former-subsidiary", "dahua", "2018", "2022-11-24")
    assert kb.root("hiwatch") == "hikvision" and kb.root("imou") == "dahua" and kb.root("lts") == "hikvision"
    assert {r.type for r in kb.relations} <= {"subsidiary", "brand", "oem", "former-subsidiary"}


def test_aliases_span_four_languages(kb: KnowledgeBase) -> None:
    langs = {a.lang for a in kb.entities["hikvision"].aliases} | {a.lang for a in kb.entities["dahua"].aliases}
    assert {"en", "uk", "ru", "zh"} <= langs


def test_nacp_designation_wording_is_accurate(kb: KnowledgeBase) -> None:
    nacp = kb.designations["nacp-war-sponsors"]
    assert nacp.withdrawn == "2024-03-20"
    assert "withdrawn from public view on 20 March 2024" in nacp.summary
    dates = {e.entity: e.date for e in nacp.entries}
    assert dates["hikvision"] == dates["dahua"] == "2023-06-05"
    for des in kb.designations.values():
        assert not re.search(r"\bsanctioned\b", des.summary, re.IGNORECASE), des.id


def test_nacp_snapshot_has_about_forty_companies_with_status_changes(kb: KnowledgeBase) -> None:
    entries = {e.entity: e for e in kb.designations["nacp-war-sponsors"].entries}
    assert len(entries) >= 40
    assert entries["otp-bank"].status == "excluded"
    assert entries["otp-bank"].events[-1].date == "2023-10-02"
    for greek in ("tms-tankers", "minerva-marine", "thenamaris", "delta-tankers", "dynacom"):
        assert entries[greek].status == "suspended"
        assert entries[greek].events[-1].date == "2023-09-28"


def test_other_designations_are_dated(kb: KnowledgeBase) -> None:
    def date(des: str, ent: str) -> str:
        return next(e.date for e in kb.designations[des].entries if e.entity == ent)

    assert date("fcc-covered-list", "hikvision") == "2021-03-12"
    assert date("us-entity-list", "dahua") == "2019-10-07"
    assert date("uk-sensitive-sites-2022", "hikvision") == "2022-11-24"
    assert date("dod-1260h", "chengdu-dahua-wisdom") == "2025-01-07"
    fcc = next(e for e in kb.designations["fcc-covered-list"].entries if e.entity == "dahua")
    assert fcc.events[0].date == "2022-11-25"


def test_ouis_are_derived_from_the_registry_not_typed_in(kb: KnowledgeBase) -> None:
    table = build_table(kb, nmap_paths=())
    rec = table.lookup("44:19:b6:00:00:01")
    assert rec is not None and rec.entity == "hikvision" and rec.registry == "ieee"
    assert "Hikvision" in rec.registrant
    assert table.lookup("58-50-ED-12-34-56") is not None  # the SADP capture's Hikvision MAC
    dahua = [r for r in table.records() if r.entity == "dahua"]
    assert len(dahua) >= 20 and len([r for r in table.records() if r.entity == "hikvision"]) >= 60
    assert table.lookup("00:00:00:00:00:00") is None and table.lookup("zz") is None


def test_unrelated_dahua_named_registrant_is_not_dahua(kb: KnowledgeBase, tmp_path: Path) -> None:
    prefixes = tmp_path / "nmap-mac-prefixes"
    prefixes.write_text(
        "# test registry\n3CEF8C Zhejiang Dahua Technology\n3CEF8C5 Shanghai Dahua Scale Factory\n"
        "402C761 Shanghai Dahua Scale Factory\n", encoding="utf-8",
    )
    records = derive(kb, {"nmap": [("402C761", "Shanghai Dahua Scale Factory")]})
    assert records == []
    table = build_table(kb, nmap_paths=(prefixes,))
    assert table.lookup("3C:EF:8C:11:22:33").entity == "dahua"  # type: ignore[union-attr]
    assert table.lookup("3C:EF:8C:51:22:33") is None
    assert table.lookup("40:2C:76:11:22:33") is None


def test_the_shipped_table_has_every_researched_prefix(kb: KnowledgeBase) -> None:
    shipped = {r.prefix: r for r in oui_table().records()}
    rows = [line.rstrip("\n").split("\t") for line in
            (Path(__file__).parent / "data" / "researched_ouis.tsv").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    assert len(rows) >= 140
    for prefix, entity, _group, _registries, *note in rows:
        if note and note[0].startswith("excluded:"):
            assert prefix not in shipped or not shipped[prefix].entity, prefix
            continue
        assert prefix in shipped, f"{prefix} ({entity}) is missing from scanner/knowledge/ouis.tsv"
        assert kb.root(shipped[prefix].entity) == kb.root(entity), prefix


def test_the_shipped_table_is_what_the_rules_derive(kb: KnowledgeBase) -> None:
    """Whatever this machine's registries hold, the shipped table has every vendor prefix they derive (it was
    made from newer ones) and attributes each the same way."""
    shipped = {r.prefix: r.entity for r in oui_table().records()}
    for rec in build_table(kb).records():
        if rec.entity:
            assert shipped.get(rec.prefix) == rec.entity, rec


def test_installed_nmap_adds_prefixes_when_present(kb: KnowledgeBase) -> None:
    from scanner.knowledge.oui import NMAP_PREFIX_FILES

    if not any(p.is_file() for p in NMAP_PREFIX_FILES):
        pytest.skip("nmap is not installed here")
    with_nmap = build_table(kb)
    ieee_only = build_table(kb, nmap_paths=())
    assert "nmap" in with_nmap.registries_used
    assert len(with_nmap) >= len(ieee_only)
