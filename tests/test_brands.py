"""Consumer brands of listed companies: rules as data that test themselves, evidence before a flag, honest wording."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from scanner.identify import Identifier
from scanner.identify.brands import BrandMatcher, brand_snapshot, example_problems
from scanner.identify.catalog import catalog, snapshot
from scanner.knowledge import KnowledgeBase
from scanner.knowledge.loader import KnowledgeError, parse, read_documents
from scanner.knowledge.validate import problems


@pytest.fixture()
def docs() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(read_documents())


def _brand(docs: dict[str, dict[str, Any]], bid: str) -> dict[str, Any]:
    return next(b for b in docs["brands.toml"]["brand"] if b["id"] == bid)


def test_every_brand_is_sourced_and_its_examples_test_themselves(kb: KnowledgeBase) -> None:
    assert len(kb.brands) >= 100
    assert example_problems(kb) == []
    listed = {e.entity for d in kb.designations.values() for e in d.entries}
    for b in kb.brands:
        assert b.company in listed and b.sources and b.examples, b.id
        assert all(kb.sources[s].url or kb.sources[s].ref for s in b.sources), b.id
        if b.trap:
            assert b.counter_examples, b.id
    companies = {b.company for b in kb.brands}
    assert {"procter-gamble", "unilever", "mondelez", "mars", "nestle", "pepsico", "pmi", "jti", "bacardi",
            "xiaomi", "great-wall-motor", "metro-ag", "mondi", "buzzi"} <= companies
    assert any("Мілка" in b.spellings for b in kb.brands) and any("Аріель" in b.spellings for b in kb.brands)


def test_validator_rejects_a_broken_example_an_unlisted_company_and_an_unknown_type(
        docs: dict[str, dict[str, Any]]) -> None:
    _brand(docs, "orbit")["examples"].append("Orbit 4-Zone Sprinkler Timer")
    found = problems(parse(docs))
    assert any("brand orbit: example 'Orbit 4-Zone Sprinkler Timer' is not found as Orbit" in p for p in found)
    docs = copy.deepcopy(read_documents())
    _brand(docs, "milka")["company"] = "hikvision-typo"
    _brand(docs, "twix")["product_types"] = ["nougat"]
    _brand(docs, "tide")["counter_examples"] = []
    _brand(docs, "duracell")["new_owner"] = None
    found = problems(parse(docs))
    assert any("brand milka: unknown vendor id 'hikvision-typo'" in p for p in found)
    assert any("brand twix: unknown product type 'nougat'" in p for p in found)
    assert any("brand tide: an ordinary-word brand needs counter-examples" in p for p in found)
    assert any("brand duracell: a sold brand needs its new owner" in p for p in found)


def test_validator_rejects_a_brand_surer_than_its_sources(docs: dict[str, dict[str, Any]]) -> None:
    _brand(docs, "alpen-gold")["confidence"] = "high"  # its one source is medium
    assert any("brand alpen-gold: confidence high but its sources are weaker" in p for p in problems(parse(docs)))


def test_loader_reports_a_brand_without_a_company_clearly(docs: dict[str, dict[str, Any]]) -> None:
    del _brand(docs, "milka")["company"]
    with pytest.raises(KnowledgeError, match=r"brands\.toml brand #\d+: missing field 'company'"):
        parse(docs)


@pytest.mark.parametrize(("title", "vendor", "brand"), [
    ("Пральний порошок Ariel Аква-Пудра Color 2.7 кг", "procter-gamble", "Ariel"),
    ("Шоколад молочний Мілка з фундуком 90 г", "mondelez", "Milka"),
    ("Жевательная резинка Orbit Сладкая мята 13.6 г", "mars", "Orbit"),
    ("Dove Promises Milk Chocolate Candy Bag", "mars", "Dove (chocolate)"),
    ("Крем-мило Dove Красота і догляд 100 г", "unilever", "Dove"),
    ("Холодный чай Lipton Лимон 0,5 л", "pepsico", "Lipton (iced tea)"),
    ("Смартфон Redmi Note 13 8/256GB", "xiaomi", "Redmi"),
])
def test_a_brand_with_evidence_flags_its_company(engine: Identifier, title: str, vendor: str, brand: str) -> None:
    v = engine.identify(title)
    assert (v.flagged, v.vendor, v.brand, v.relation) == (True, vendor, brand, "brand"), v.explanation


@pytest.mark.parametrize("title", [
    "Low Tide Beach Towel",                       # an ordinary word without a laundry word
    "Evergreen Mug Always My Sister - 1 EA",      # 'always' on a mug
    "Orbit 4-Zone Sprinkler Timer",               # irrigation, not gum
    "Mars Hydro TS 1000 LED Grow Light",          # the planet's name on a lamp
    "Чохол-книжка для Redmi Note 13 чорний",      # an accessory for the brand's phone
    "Капсули для Nespresso сумісні 10 шт",        # made for, not by
    "Чай чорний Lipton Yellow Label пакетований 25 шт",  # Lipton leaf tea is not PepsiCo's
    "Мороженое ''Чистая линия'' Ленинградское ванильное, 80 г",  # an ice-cream maker, not Unilever's shampoo
    "Samsung Galaxy A55 5G 8/256GB",              # Galaxy without a confectionery word
])
def test_ordinary_words_accessories_and_mentions_do_not_cry_wolf(engine: Identifier, title: str) -> None:
    v = engine.identify(title)
    assert not v.flagged, v.explanation


@pytest.mark.parametrize(("title", "vendor", "brand"), [
    # Laundry, body care, baby food, pet food and crisps in the words shops use (the brand's own kind).
    ("Ariel Original 3in1 Capsules 30 pcs", "procter-gamble", "Ariel"),
    ("Tide Power Gel Spring Meadow 1.5 L", "procter-gamble", "Tide"),
    ("Omo Auto Liquid Detergent Active Clean 2 L", "unilever", "Omo"),
    ("Axe Apollo Bodyspray 150 ml", "unilever", "Axe"),
    ("Gerber Sweet Potato Puree From 4 Months 90 g", "nestle", "Gerber"),
    ("Felix Original Mixed Selection In Gravy 12 x 85 g", "nestle", "Felix"),
    ("Lays Sour Cream & Onion 150 g", "pepsico", "Lay's"),
    # Russian feed short forms, letters glued to digits included.
    ("CLEAR Шам2в1 Ice Cool 400мл(Юнил):6", "unilever", "Clear"),
    ("ALWAYS Ежедн прокл Normal 20шт (Проктер):24", "procter-gamble", "Always"),
    # Each ordinary-word confectionery brand beside a word of its own line.
    ("Extra Spearmint 10 Pellets", "mars", "Extra"),
    ("Halls Mentho-Lyptus Extra Strong 33.5 g", "mondelez", "Halls"),
    ("Starburst Fave Reds Chews 206 g", "mars", "Starburst"),
    # Possessives written without the apostrophe, and the company's own possessive before its gum.
    ("Uncle Bens Long Grain Rice 500 g", "mars", "Ben's Original"),
    ("Wrigley's Extra Peppermint Chewing Gum 10 pcs", "mars", "Wrigley's"),
    # A coined name leads the title without a product word; its initials alone need one.
    ("M&M's Crispy 36 g", "mars", "M&M's"),
    ("M&M Minis Milk Chocolate 6 Tubes", "mars", "M&M's"),
])
def test_product_words_of_each_category_and_feed_spellings(engine: Identifier, title: str, vendor: str,
                                                           brand: str) -> None:
    v = engine.identify(title)
    assert (v.flagged, v.vendor, v.brand) == (True, vendor, brand), v.explanation


@pytest.mark.parametrize("title", [
    "Extra Dark Chocolate 85% Cocoa 100 g",        # Extra is gum: a chocolate word is not its kind
    "Victoria's Secret Bare Vanilla Body Mist 250 ml",  # part of another name after its possessive
    "Capsules compatible with original Nespresso machines, 10 pcs",  # compatibility a word away
    "Monorigine Nespresso Original Compatible 10 Caps",  # compatibility after the name
    "Капсули Lavazza сумісні з Nespresso Ristretto 10 шт",
    "Lavazza Nespresso Ristretto Capsules 10 pcs",  # another roaster's capsules for the machines
    "Hershey's Kit Kat Wafer Bar 1.5 oz",           # the US licensee's product
    "M&M Direct Boys Hoodie Navy",                  # initials without a chocolate word
    "Weight Gain Protein Powder 5 lb",              # a laundry word of another kind of powder
    "Disney Princess Ariel Shower Gel 300 ml",      # a laundry name on a shower product
])
def test_other_makers_compatibility_and_other_lines_do_not_cry_wolf(engine: Identifier, title: str) -> None:
    v = engine.identify(title)
    assert not v.flagged, v.explanation


def test_a_bare_for_must_touch_the_name_but_compatibility_words_reach_further(engine: Identifier) -> None:
    assert engine.identify("Гель для прання Ariel Color 1.5 л").flagged  # "для прання", not "для Ariel"
    assert engine.identify("Средство для стирки Tide Color 1 л").flagged
    assert not engine.identify("Капсули для Nespresso 10 шт").flagged
    assert not engine.identify("Капсулы совместимые с кофемашинами Nespresso 10 шт").flagged
    assert engine.identify("Nespresso Ispirazione Ristretto Italiano Capsules 10 pcs").flagged


def test_snapshot_carries_the_generated_spellings_and_the_compatibility_rule(kb: KnowledgeBase) -> None:
    snap = brand_snapshot(kb)
    assert "bens-original" in snap["spellings"]["uncle bens"]
    assert "mms" in snap["spellings"]["m m"] and snap["short_letters"] == 2
    assert {"compatible", "сумісні", "совместимые"} <= set(snap["compatible_words"])
    assert "free" not in snap["compatible_words"]  # a camera cue ("Hikvision-free"), not compatibility
    assert "kimbo" in snap["product_types"]["coffee"]["excludes"]


def test_page_category_and_brand_field_count_as_evidence(engine: Identifier) -> None:
    assert not engine.identify("Ariel 3 кг").flagged  # a trap name alone
    v = engine.identify("Ariel 3 кг", category="Побутова хімія > Пральні порошки")
    assert v.flagged and "page category" in v.explanation
    v = engine.identify("Набір подарунковий 2 шт", brand="Milka")
    assert v.flagged and v.vendor == "mondelez" and "brand field says 'Milka'" in v.explanation
    assert not engine.identify("Набір подарунковий 2 шт", brand="Orbit").flagged  # a trap needs its kind of word


def test_wording_names_the_company_the_listing_and_its_withdrawal(engine: Identifier) -> None:
    v = engine.identify("Пральний порошок Ariel Аква-Пудра Color 2.7 кг")
    assert "made by Procter & Gamble, which NACP listed as a war sponsor before February 2023" in v.explanation
    assert "(list withdrawn from public view on 20 March 2024)" in v.explanation
    assert "sanction" not in v.explanation.lower()
    assert v.designations and all(d["applies_via"] == "brand" for d in v.designations)


def test_a_sold_brand_is_not_the_company_s_any_more(engine: Identifier) -> None:
    v = engine.identify("Батарейки Duracell AA LR6 4 шт")
    assert (v.flagged, v.vendor, v.relation) == (False, "procter-gamble", "former-brand")
    assert "until 29 February 2016 (sold to Berkshire Hathaway)" in v.explanation
    v = engine.identify("Кава розчинна Jacobs Monarch 200 г")
    assert not v.flagged and v.relation == "former-brand"
    # Acquired: Pringles is Mars's only since the Kellanova deal; the explanation says since when.
    v = engine.identify("Чіпси Pringles Оригінал, 165г")
    assert v.flagged and v.vendor == "mars" and "since December 2025" in v.explanation


@pytest.mark.parametrize(("status", "phrase"), [("suspended", "the listing was suspended"),
                                                 ("excluded", "removed from the list")])
def test_suspended_and_excluded_companies_are_worded_so_and_not_flagged(
        docs: dict[str, dict[str, Any]], status: str, phrase: str) -> None:
    entry = next(e for e in docs["nacp_companies.toml"]["nacp"] if e["entity"] == "mars")
    entry["status"] = status
    entry["events"] = [{"date": "2024-01-15", "what": f"status {status}", "sources": entry["sources"]}]
    v = Identifier(parse(docs)).identify("Батончик Snickers 50 г")
    assert not v.flagged and v.vendor == "mars"
    assert phrase in v.explanation and "on 15 January 2024" in v.explanation and "so not flagged" in v.explanation


def test_camera_evidence_comes_first(engine: Identifier) -> None:
    v = engine.identify("Камера Hikvision DS-2CD2143G2-I для Fairy офісу")
    assert v.vendor == "hikvision" and v.relation == "manufacturer"


def test_catalog_and_snapshot_carry_the_brand_chain(kb: KnowledgeBase) -> None:
    cat = catalog()
    ariel = next(b for b in cat["brands"] if b["id"] == "ariel")
    assert ariel["company"] == "procter-gamble" and ariel["company_name"] == "Procter & Gamble"
    assert ariel["designations"][0]["id"] == "nacp-war-sponsors" and ariel["designations"][0]["applies_via"] == "brand"
    snap = json.loads(snapshot()[0])["brands"]
    assert snap == json.loads(json.dumps(brand_snapshot(kb)))
    assert "ariel" in snap["spellings"]["аріель"] and snap["brands"]["ariel"]["company"] == "procter-gamble"
    assert snap["brands"]["duracell"]["sold"] is True
    assert "прал" in snap["product_types"]["laundry"]["prefixes"]
    assert json.loads(snapshot()[0])["entities"]["procter-gamble"]["listed"] is True


def test_matching_is_pure_and_bounded() -> None:
    from scanner.knowledge import load

    matcher = BrandMatcher(load(), today="2026-12-01")
    assert matcher.match("Milka " * 50_000) is not None  # long input is cut, not refused
    assert matcher.match("") is None and matcher.match("   ", brand="", category="") is None
