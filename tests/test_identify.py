"""Identification engine behaviour: trust order, relations, context cues, traps, spans and explanations."""

from __future__ import annotations

import pytest

from scanner.identify import Identifier
from scanner.identify.normalize import alias_key, fold, normalize


def test_model_number_alone_identifies_the_maker_and_class(engine: Identifier) -> None:
    v = engine.identify("Купольна камера DS-2CD2347G2-LU ColorVu")
    assert v.flagged and v.vendor == "hikvision" and v.relation == "manufacturer"
    assert v.model == "DS-2CD2347G2-LU" and v.device_class == "ip-camera"
    assert v.evidence[0].kind == "model-family"


@pytest.mark.parametrize(("title", "vendor", "brand", "relation"), [
    ("HiWatch HWN-2104MH-4P", "hikvision", "hiwatch", "brand"),
    ("EZVIZ C6N 1080p", "hikvision", "ezviz", "subsidiary"),
    ("LTS CMIP8242WB Platinum camera", "hikvision", "lts", "oem"),
    ("Lorex LNB8005-C 4K camera", "dahua", "lorex", "former-subsidiary"),
    ("Imou Ranger 2 camera", "dahua", "imou", "brand"),
])
def test_subsidiary_brands_and_oem_relabels(engine: Identifier, title: str, vendor: str, brand: str,
                                            relation: str) -> None:
    v = engine.identify(title)
    assert (v.flagged, v.vendor, v.brand, v.relation) == (True, vendor, brand, relation)
    assert all(d["entity"] == vendor and d["applies_via"] for d in v.designations)


def test_low_confidence_oem_is_reported_but_not_flagged(engine: Identifier) -> None:
    v = engine.identify("Annke C800 4K PoE camera")
    assert not v.flagged and v.vendor == "hikvision" and v.relation == "oem"
    assert 0 < v.confidence < 0.5
    assert "low confidence" in v.explanation


def test_structured_brand_outranks_free_text(engine: Identifier) -> None:
    v = engine.identify("4MP dome camera 2.8mm", brand="HIKVISION")
    assert v.flagged and v.evidence[0].kind == "structured-brand" and v.evidence[0].field == "brand"
    assert v.confidence >= 0.95
    v2 = engine.identify("Bullet camera", model="IPC-HFW2231S-S-S2")
    assert v2.flagged and v2.vendor == "dahua" and v2.evidence[0].kind == "structured-model"
    v3 = engine.identify("Candy bar 50g", brand="Mars")
    assert v3.vendor == "mars"  # ambiguous short names only count in the brand field
    assert engine.identify("Mars Hydro TS 1000 LED grow light").vendor is None
    # In free text the short name needs its product's kind (scanner/identify/brands.py): a candy bar is the Mars bar.
    assert engine.identify("Mars candy bar 50g").relation == "brand"


def test_context_required_for_makers_of_everything(engine: Identifier) -> None:
    assert engine.identify("Honeywell T6 thermostat").vendor is None
    assert engine.identify("Honeywell HC30W45R3 camera").vendor == "hikvision"


@pytest.mark.parametrize(("title", "relation"), [
    ("Кронштейн для камер Hikvision та Dahua", "compatible"),
    ("Compatible with Hikvision NVR: Reolink RLC-520A", "compatible"),
    ("Hikvision-compatible PoE injector", "compatible"),
    ("Камера совместима с Hikvision и Dahua регистраторами", "compatible"),
    ("NDAA compliant camera, not Hikvision or Dahua", "not-this-maker"),
    ("Камера без Hikvision компонентов", "not-this-maker"),
    ("Аналог Hikvision DS-2CD1043G0-I: камера 4 Мп", "compatible"),
    ("Монтаж системи відеоспостереження Hikvision під ключ", "service"),
    ("Ремонт видеорегистраторов Dahua и Hikvision", "service"),
    ("Installation of Hikvision CCTV cameras, per camera", "service"),
    ("Uniview NVR301-04S3 4-channel NVR", None),
])
def test_mentions_that_are_not_the_maker(engine: Identifier, title: str, relation: str) -> None:
    v = engine.identify(title)
    assert not v.flagged and v.relation == relation
    assert relation is None or v.vendor in ("hikvision", "dahua")
    assert all(e.mention for e in v.evidence)


@pytest.mark.parametrize("title", [
    "Відеокамера IP 4 Мп (Hikvision DS-2CD1043G0-I або еквівалент)",
    "Видеокамера IP 4 Мп (Hikvision DS-2CD1043G0-I или эквивалент)",
    "IP camera 4MP, Hikvision DS-2CD1043G0-I or equivalent",
])
def test_or_equivalent_is_a_specification_of_that_product(engine: Identifier, title: str) -> None:
    """Law 922 art. 23(4) requires 'або еквівалент' whenever a brand is named: the buyer still specified it."""
    v = engine.identify(title)
    assert v.flagged and v.vendor == "hikvision" and v.relation == "specified"
    assert "specified" in v.explanation


def test_another_maker_as_brand_outranks_a_look_alike_model_number(engine: Identifier) -> None:
    assert not engine.identify("Tiandy TC-NCL8C NVR 8ch").flagged
    v = engine.identify("Hikvision DS-7608NI-K2 NVR, replaces Uniview NVR301")
    assert v.flagged and v.vendor == "hikvision"


@pytest.mark.parametrize("title", [
    "Hikvision DS-1280ZJ-XS junction box for Hikvision dome cameras",
    "Монтажна коробка для камер Hikvision DS-1280ZJ-DM18",
    "Кронштейн для Hikvision DS-1280ZJ-DM18",
])
def test_maker_own_accessory_is_flagged_even_next_to_a_compatibility_phrase(engine: Identifier, title: str) -> None:
    v = engine.identify(title)
    assert v.flagged and v.device_class == "accessory"


@pytest.mark.parametrize("title", [
    "HiKOKI DH28PEC rotary hammer", "Dahon Mu D9 folding bike", "Advantech IPC-610 industrial PC",
    "8 Channel HDCVI DVR 5MP", "Turbo HD analog camera", "Hik hiking backpack", "Division 2 for PS5",
])
def test_known_traps_stay_unflagged(engine: Identifier, title: str) -> None:
    v = engine.identify(title)
    assert not v.flagged and v.vendor is None


def test_typos_are_tolerated_for_long_aliases_only(engine: Identifier) -> None:
    assert engine.identify("Hikvission 4MP camera").evidence[0].kind == "fuzzy-alias"
    assert engine.identify("Хиквижен камера").vendor == "hikvision"
    assert engine.identify("Dahue camera").vendor is None  # five letters: exact only
    assert engine.identify("Dahau camera").vendor == "dahua"  # attested misspelling, stored as an alias


def test_spans_point_into_the_original_text(engine: Identifier) -> None:
    text = "Камера HIKVISION® DS‑2CD2143G2‑I (2.8 мм)"  # ® and non-breaking hyphens, as pasted from shops
    v = engine.identify(text)
    assert v.flagged
    for ev in v.evidence:
        assert ev.span is not None
        assert text[ev.span[0]:ev.span[1]] == ev.term
    assert {ev.term for ev in v.evidence} == {"HIKVISION", "DS‑2CD2143G2‑I"}


def test_designations_and_explanation_use_accurate_wording(engine: Identifier) -> None:
    v = engine.identify("Dahua IPC-HDW5421S")
    ids = [d["id"] for d in v.designations]
    assert ids[0] == "nacp-war-sponsors" and "fcc-covered-list" in ids and "ndaa-889" in ids
    assert "listed by NACP as a war sponsor on 5 June 2023" in v.explanation
    assert "withdrawn from public view on 20 March 2024" in v.explanation
    assert "sanction" not in v.explanation.lower()
    nacp = v.designations[0]
    assert nacp["sources"] and all(s["url"] is None or s["url"].startswith("https://") for s in nacp["sources"])


def test_excluded_company_is_not_flagged(engine: Identifier) -> None:
    v = engine.identify("OTP Bank debit card")
    assert v.vendor == "otp-bank" and not v.flagged and "removed from the list on 2 October 2023" in v.explanation


def test_unknown_stays_unknown(engine: Identifier) -> None:
    v = engine.identify("Reolink RLC-810A 4K PoE camera")
    assert (v.flagged, v.vendor, v.brand, v.relation, v.confidence, v.evidence) == (False, None, None, None, 0.0, [])
    assert v.to_dict()["evidence"] == []


def test_verdict_dict_has_the_contract_fields(engine: Identifier) -> None:
    d = engine.identify("Hikvision DS-2CD2385G1-I").to_dict()
    for key in ("flagged", "vendor", "brand", "relation", "confidence", "designations", "evidence", "explanation"):
        assert key in d
    assert set(d["evidence"][0]) >= {"kind", "term", "span", "field", "entity"}


def test_huge_and_empty_inputs(engine: Identifier) -> None:
    assert not engine.identify("").flagged
    big = "камера " * 100_000 + "Hikvision"
    assert not engine.identify(big).flagged  # read up to MAX_TEXT_CHARS only; no hang, no crash


def test_normalisation_helpers() -> None:
    assert fold("HIKVISION™ DS–2CD") == "hikvision  ds-2cd"
    assert alias_key("CP PLUS") == alias_key("cp-plus") == "cpplus"
    n = normalize("Straße ß")
    assert n.text == "strasse ss" and n.origin is not None
    assert n.span(0, 7, 8) == (0, 6)


def test_first_chars_prefilter_covers_optional_prefixes() -> None:
    from scanner.identify.matcher import first_chars

    assert first_chars("(?:DHI?-)?IPC-X") == "[DIdi]"
    assert first_chars("a*b") == "[ABab]"
    assert first_chars("x?") is None and first_chars(r"\w+") is None


def test_explanations_name_the_kind_of_evidence(engine: Identifier) -> None:
    assert "'Hikvison' is a known misspelling of Hikvision" in engine.identify("Hikvison dome").explanation
    assert "'Hikivision' reads as Hikvision" in engine.identify("Hikivision dome").explanation
    assert "model IPC-HDW5421S belongs to a Dahua model family" in engine.identify("IPC-HDW5421S").explanation


@pytest.mark.parametrize(("title", "maker", "brand_phrase"), [
    ("Amcrest 4K PoE IP camera IP8M-2496EB", "Dahua", "reported to relabel Dahua hardware"),
    ("Lorex 4K NVR N841A63B", "Dahua", "owned by Dahua from 2018 to 24 November 2022"),
    ("EZVIZ C6N 1080p Wi-Fi camera", "Hikvision", "a subsidiary of Hikvision"),
    ("HiWatch HWI-B120-D/W 2MP camera", "Hikvision", "a brand of Hikvision"),
])
def test_brands_and_relabels_say_whose_listing_it_is(engine: Identifier, title: str, maker: str,
                                                     brand_phrase: str) -> None:
    v = engine.identify(title)
    assert brand_phrase in v.explanation
    assert f"made by {maker}, which NACP listed as a war sponsor on 5 June 2023" in v.explanation
    nacp = next(d for d in v.designations if d["id"] == "nacp-war-sponsors")
    assert nacp["entity_name"] == maker and nacp["applies_via"] is not None  # the maker's listing, not the brand's
    assert "NACP" not in v.explanation.split("made by")[0]  # nothing says the brand itself was listed


def test_a_former_subsidiary_after_the_sale_is_weaker_than_a_current_brand(engine: Identifier) -> None:
    lorex = engine.identify("Lorex 4K security camera")
    imou = engine.identify("Imou 4K security camera")
    assert lorex.relation == "former-subsidiary" and lorex.confidence < imou.confidence
    assert not lorex.flagged  # a title does not say whether it was made in the years of Dahua's ownership


@pytest.mark.parametrize(("when", "phrase"), [
    (("2023-06-05", None), "on 5 June 2023"), (("2023-06", None), "in June 2023"), (("2023", None), "in 2023"),
    (("2023-02", "2022 - early 2023"), "between 2022 and early 2023"),
    (("2023-02", "before February 2023"), "before February 2023"), (("2023", "2023"), "in 2023"),
])
def test_dates_are_worded_with_their_preposition(when: tuple[str, str | None], phrase: str) -> None:
    from scanner.identify.explain import date_phrase

    assert date_phrase(*when) == phrase


def test_ukrainian_summaries_for_the_extension(engine: Identifier) -> None:
    nacp = next(d for d in engine.identify("Hikvision DS-2CD2143G2-I").designations if d["id"] == "nacp-war-sponsors")
    assert nacp["summary_uk"].startswith("НАЗК внесло до переліку «міжнародних спонсорів війни» 5 червня 2023 року")
    ndaa = next(d for d in engine.identify("Dahua IPC-HDW5421S").designations if d["id"] == "ndaa-889")
    assert "public safety" in ndaa["summary"] and "does not bar private buyers" in ndaa["summary"]


def test_ukrainian_summaries_carry_ukrainian_dates(engine: Identifier) -> None:
    """Every {date} in a Ukrainian summary is a Ukrainian date ("з 12 березня 2021 року", not "з 12 March 2021")."""
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
    for title in ("Hikvision DS-2CD2143G2-I", "Dahua IPC-HDW5421S", "EZVIZ C6N", "Lorex LNR6100"):
        for d in engine.identify(title).designations:
            if d["summary_uk"]:
                assert not any(m in d["summary_uk"] for m in months), (d["id"], d["summary_uk"])
