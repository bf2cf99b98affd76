"""Text → verdict: is this product or tender item a listed sponsor's, how sure, and why."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from scanner.identify.brands import BrandMatch, BrandMatcher
from scanner.identify.explain import brand_explanation, describe_designations, designation_list, explanation
from scanner.identify.matcher import Cues, Matcher, Token, tokenize
from scanner.identify.normalize import normalize
from scanner.knowledge.model import CONFIDENCE_WEIGHT, KnowledgeBase

# Trust order (docs/architecture.md#identification):
# structured brand › model family › alias near the start › free text.
WEIGHT = {
    "structured-brand": 0.98,
    "structured-model": 0.97,
    "model-family": 0.95,
    "alias-start": 0.92,
    "trademark": 0.85,
    "alias": 0.82,
    "fuzzy-alias": 0.62,
}
# A former subsidiary's products are the owner's only from the years of ownership; a title does not say its
# year, so after the sale such evidence counts for less (Lorex: Dahua's 2018 – 24 Nov 2022).
AFTER_SALE_WEIGHT = 0.6
START_TOKENS = 5  # an alias within the first words of a title is the brand of the product
FLAG_THRESHOLD = 0.5
MAX_TEXT_CHARS = 20_000  # longer inputs are read up to here (tender descriptions fit easily)
# What may stand between two names of one list: "Hikvision, Dahua", "Hikvision та Dahua", "Hik/Dahua or Uniview".
_LIST_GAP = re.compile(r"(?:[\s,/&+-]|\b(?:and|or|і|й|та|або|и|или)\b)*")
# Cues that make a name a mention rather than the maker of the product, and the relation each gives. An
# "or equivalent" specification is not among them: it names the product the buyer wants (relation specified).
MENTION_RELATIONS = {"compatible": "compatible", "negation": "not-this-maker", "service": "service",
                     "other-brand": "other-maker"}
SPECIFIED = "equivalent"


@dataclass
class Evidence:
    kind: str
    term: str
    span: tuple[int, int] | None
    field: str
    entity: str
    score: float
    detail: str
    mention: str | None = None  # compatible | negation | service | other-brand: a name, not the maker's product;
    #                             equivalent: specified "or equivalent" (still the maker's product)
    family: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "term": self.term, "span": list(self.span) if self.span else None,
            "field": self.field, "entity": self.entity, "score": round(self.score, 3),
            "detail": self.detail, "mention": self.mention, "family": self.family,
        }


@dataclass
class Verdict:
    text: str
    flagged: bool = False
    vendor: str | None = None
    brand: str | None = None
    relation: str | None = None
    confidence: float = 0.0
    device_class: str | None = None
    model: str | None = None
    designations: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    explanation: str = "No listed maker, brand or model number found."

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text, "flagged": self.flagged, "vendor": self.vendor, "brand": self.brand,
            "relation": self.relation, "confidence": round(self.confidence, 3),
            "device_class": self.device_class, "model": self.model,
            "designations": self.designations, "evidence": [e.to_dict() for e in self.evidence],
            "explanation": self.explanation,
        }


class Identifier:
    """The identification engine; build once per knowledge base, then call `identify` many times."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.m = Matcher(kb)
        self._designations: dict[str, list[dict[str, Any]]] = {}
        self._today = dt.date.today().isoformat()
        self._weights: dict[str, float] = {}
        self._listings: dict[str, str] = {}
        self._roots = {e: kb.root(e) for e in kb.entities}
        self._families = {f.id: f for f in kb.families}
        self.brands = BrandMatcher(kb)
        self._brand_listings: dict[str, tuple[list[dict[str, Any]], str]] = {}

    def designations(self, entity: str) -> list[dict[str, Any]]:
        """Designations reaching an entity (computed once per entity; the dicts are shared: read, don't write)."""
        if entity not in self._designations:
            self._designations[entity] = describe_designations(self.kb, entity)
        return list(self._designations[entity])

    def _root(self, entity: str) -> str:
        return self._roots.get(entity) or self.kb.root(entity)

    def _listing(self, entity: str) -> str:
        """The designations of an entity in words (the same for every product of it, so worded once)."""
        text = self._listings.get(entity)
        if text is None:
            text = self._listings[entity] = designation_list(self.designations(entity))
        return text

    # ---------------------------------------------------------------- evidence gathering
    def _chain_weight(self, entity: str) -> float:
        """How far evidence naming this entity speaks for its maker: the entity's own confidence (a company
        known from one weak source stays weak) times every relation's up to the maker."""
        cached = self._weights.get(entity)
        if cached is None:
            cached = self._weights[entity] = self._weigh_chain(entity)
        return cached

    def _weigh_chain(self, entity: str) -> float:
        weight = CONFIDENCE_WEIGHT[self.kb.entities[entity].confidence]
        for rel in self.kb.chain(entity):
            weight *= CONFIDENCE_WEIGHT[rel.confidence]
            if rel.type == "former-subsidiary" and rel.end and rel.end < self._today:
                weight *= AFTER_SALE_WEIGHT
        return weight

    def _entity_ok(self, entity: str, surveillance: bool) -> bool:
        return self.kb.entities[entity].context != "surveillance" or surveillance

    def _mention(self, tokens: list[Token], first: int, last: int, text: str, trailing: bool,
                 cues: Cues) -> str | None:
        cue = self.m.leading_cue(tokens, first, text) if cues.leading else None
        if cue is None and trailing and cues.trailing and self.m.trailing_cue(tokens, last):
            cue = "compatible"
        if cue is None and cues.equivalent and self.m.equivalent_after(tokens, last, text):
            cue = "equivalent"
        return cue

    def _text_evidence(self, raw: str, field_name: str, structured: bool) -> list[Evidence]:
        norm = normalize(raw[:MAX_TEXT_CHARS])
        text = norm.text
        model_hits = self.m.models(text)
        words = self.m.words(text)
        if not model_hits and not self.m.may_match(words, text):
            return []  # no alias, trademark, near miss or model number: nothing to weigh
        tokens = tokenize(text)
        starts = [t.start for t in tokens]
        cues = self.m.cues_present(words)  # cue lookups are skipped for cue words the text does not contain
        surveillance = self.m.about_surveillance(text)
        found: list[Evidence] = []
        mention_tokens: list[tuple[int, int, str]] = []
        service = None if structured or not cues.service else self.m.service_cue(tokens)
        hits = self.m.aliases(tokens, text)
        # Another camera maker named as the brand at the start, before any name of ours: look-alike model
        # numbers and technology words are not a sponsor's then.
        other = None if structured else self.m.other_maker(tokens, START_TOKENS)
        if other is not None and any(h.first < other and h.alias.kind != "trademark" for h in hits):
            other = None
        for hit in hits:
            ent = hit.alias.entity
            if not self._entity_ok(ent, surveillance):
                continue
            trademark = hit.alias.kind == "trademark"
            kind = "fuzzy-alias" if hit.fuzzy else ("alias-start" if hit.first < START_TOKENS else "alias")
            if trademark:
                kind = "trademark"
            if structured:
                kind = "structured-brand"
            # An alias's own confidence (a weakly attested spelling) counts; the relation's is in the chain.
            alias_conf = CONFIDENCE_WEIGHT[hit.alias.confidence] if hit.alias.confidence else 1.0
            cue = None if structured else self._mention(tokens, hit.first, hit.last, text, True, cues)
            if cue is None and mention_tokens and mention_tokens[-1][1] >= hit.first - 3:
                prev_last = mention_tokens[-1][1]
                gap = text[tokens[prev_last].end:hit.start]
                if _LIST_GAP.fullmatch(gap):
                    cue = mention_tokens[-1][2]  # "for Hikvision, Dahua and Uniview": the list shares the cue
            if cue is None and service is not None and service < hit.first:
                cue = "service"
            if cue is None and trademark and other is not None:
                cue = "other-brand"
            if cue is not None and not trademark:
                mention_tokens.append((hit.first, hit.last, cue))
            span = norm.span(hit.start, hit.end, len(raw))
            found.append(Evidence(
                kind=kind, term=raw[span[0]:span[1]], span=span, field=field_name, entity=ent,
                score=WEIGHT[kind] * alias_conf * self._chain_weight(ent),
                detail=f"{'close to ' if hit.fuzzy else ''}{hit.alias.kind} of {self.kb.entities[ent].display}",
                mention=cue,
            ))
        for mh in model_hits:
            fam = mh.family
            first = bisect.bisect_right(starts, mh.start) - 1
            last = max(bisect.bisect_left(starts, mh.end) - 1, first)
            cue = self._mention(tokens, max(first, 0), last, text, False, cues) if tokens else None
            if cue is None:
                # "для Hikvision DS-2CD2143G2-I": a model right after a cued name shares its cue.
                cue = next((c for _, last_tok, c in mention_tokens if first - 2 <= last_tok < first), None)
            if cue == "compatible" and fam.device_class == "accessory":
                cue = None  # a mount or junction box numbered in the maker's own family is the maker's product
            if cue is None and service is not None and service < first:
                cue = "service"
            if cue is None and other is not None:
                cue = "other-brand"
            kind = "structured-model" if structured else "model-family"
            span = norm.span(mh.start, mh.end, len(raw))
            found.append(Evidence(
                kind=kind, term=raw[span[0]:span[1]], span=span, field=field_name, entity=fam.entity,
                score=WEIGHT[kind] * CONFIDENCE_WEIGHT[fam.confidence] * self._chain_weight(fam.entity),
                detail=f"{self.kb.entities[fam.entity].display} {fam.device_class} model family",
                mention=cue, family=fam.id,
            ))
        found.sort(key=lambda e: -e.score)  # strongest evidence first, as users read it
        return found

    # ---------------------------------------------------------------- verdict
    def identify(self, text: str, *, brand: str | None = None, model: str | None = None,
                 mpn: str | None = None, category: str | None = None) -> Verdict:
        """Judge one text plus optional structured fields: the page's brand, model, manufacturer part number and
        category or breadcrumbs (read only for consumer brands, scanner/identify/brands.py)."""
        evidence: list[Evidence] = []
        if brand:
            alias = self.m.structured_alias(brand)
            if alias is not None:
                ent = alias.entity
                conf = CONFIDENCE_WEIGHT[alias.confidence] if alias.confidence else 1.0
                if self._entity_ok(ent, self.m.about_surveillance(normalize(text[:MAX_TEXT_CHARS]).text)):
                    evidence.append(Evidence(
                        kind="structured-brand", term=brand, span=None, field="brand", entity=ent,
                        score=WEIGHT["structured-brand"] * conf * self._chain_weight(ent),
                        detail=f"brand field names {self.kb.entities[ent].display}",
                    ))
            else:
                evidence.extend(self._text_evidence(brand, "brand", structured=True))
        for name, value in (("model", model), ("mpn", mpn)):
            if value:
                evidence.extend(e for e in self._text_evidence(value, name, structured=True)
                                if e.kind == "structured-model")
        evidence.extend(self._text_evidence(text, "text", structured=False))
        verdict = self._verdict(text, evidence)
        if verdict.vendor is None:  # no maker, model or company name: a listed company's consumer brand?
            match = self.brands.match(text, brand=brand, category=category)
            if match is not None:
                self._brand_verdict(verdict, match)
        return verdict

    def _brand_verdict(self, verdict: Verdict, m: BrandMatch) -> None:
        company = m.brand.company
        if company not in self._brand_listings:  # the same for every product of the company: worded once
            described = [{**d, "applies_via": "brand"} for d in self.designations(company)]
            self._brand_listings[company] = (described, designation_list(described))
        shared, listing = self._brand_listings[company]
        designations = list(shared)
        active = any(d["status"] == "active" for d in designations)
        verdict.vendor, verdict.brand = company, m.brand.name
        verdict.relation = "former-brand" if m.sold else "brand"
        verdict.confidence = m.score
        verdict.flagged = active and not m.sold and m.score >= FLAG_THRESHOLD
        verdict.designations = designations
        verdict.evidence = [Evidence(
            kind="brand", term=m.term, span=m.span, field="text" if m.span else "brand", entity=company,
            score=m.score, detail=f"{m.brand.name}, a brand of {self.kb.entities[company].display}: {m.detail}",
            family=m.brand.id,
        )]
        verdict.explanation = brand_explanation(self.kb, m.brand.id, m.term, m.detail, m.sold, m.score,
                                                verdict.flagged, designations, listing, in_text=m.span is not None)

    def _verdict(self, text: str, evidence: list[Evidence]) -> Verdict:
        verdict = Verdict(text=text, evidence=evidence)
        if not evidence:
            return verdict
        by_root: dict[str, list[Evidence]] = {}
        for ev in evidence:
            by_root.setdefault(self._root(ev.entity), []).append(ev)

        def combined(evs: list[Evidence]) -> float:
            miss = 1.0
            for ev in evs:
                miss *= 1.0 - ev.score
            return min(1.0 - miss, 0.99)

        scored = []
        for root, evs in by_root.items():
            real = [e for e in evs if e.mention in (None, SPECIFIED)]
            scored.append((combined(real) if real else 0.0, combined(evs), root, real or evs))
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
        score, mention_score, root, evs = scored[0]
        best = max(evs, key=lambda e: e.score)
        # The brand on the label: the most specific entity with evidence (an OEM or sub-brand over the maker).
        label = max(evs, key=lambda e: (self._root(e.entity) != e.entity, e.score)).entity
        chain = self.kb.chain(label)
        verdict.vendor = root
        verdict.brand = label
        models = [e for e in evs if e.kind in ("model-family", "structured-model")]
        if models:
            top = max(models, key=lambda e: e.score)
            verdict.model = top.term
            fam = self._families.get(top.family or "")
            verdict.device_class = fam.device_class if fam else None
        designations = self.designations(label)
        if score > 0:
            verdict.relation = chain[0].type if chain else "manufacturer"
            if any(e.mention == SPECIFIED for e in evs):
                verdict.relation = "specified"
            verdict.confidence = score
            active = any(d["status"] == "active" for d in designations)
            verdict.flagged = active and score >= FLAG_THRESHOLD
        else:
            verdict.relation = MENTION_RELATIONS.get(best.mention or "", "compatible")
            verdict.confidence = mention_score
        verdict.designations = designations
        verdict.explanation = explanation(self.kb, verdict, best, chain, self._listing(label))
        return verdict
