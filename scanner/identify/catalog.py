"""The knowledge base exported: the catalog (vendors, brands, designations, sources) and the compact snapshot the
browser extension bundles and refreshes for exact offline matching (`sponsorwatch kb export` writes it)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from scanner.identify import default_identifier
from scanner.identify.brands import brand_records, brand_snapshot
from scanner.identify.normalize import alias_key
from scanner.knowledge import load
from scanner.knowledge.model import CONFIDENCE_WEIGHT


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    kb = load()
    engine = default_identifier()
    vendors = []
    for ent in kb.entities.values():
        chain = kb.chain(ent.id)
        vendors.append({
            "id": ent.id, "name": ent.display, "legal_name": ent.name, "kind": ent.kind, "country": ent.country,
            "maker": kb.root(ent.id), "relation": chain[0].type if chain else "manufacturer",
            "relation_confidence": chain[0].confidence if chain else ent.confidence,
            "aliases": [{"text": a.text, "lang": a.lang, "kind": a.kind} for a in ent.aliases],
            "designations": engine.designations(ent.id), "sources": list(ent.sources),
        })
    return {
        "vendors": vendors,
        "designations": [{"id": d.id, "authority": d.authority, "title": d.title, "jurisdiction": d.jurisdiction,
                          "summary": d.summary, "withdrawn": d.withdrawn, "sources": list(d.sources)}
                         for d in kb.designations.values()],
        "sources": [s.to_dict() for s in kb.sources.values()],
        # Consumer brands of listed companies: brand → company → designations.
        "brands": brand_records(kb, {b.company: engine.designations(b.company) for b in kb.brands}),
    }


@lru_cache(maxsize=1)
def snapshot() -> tuple[bytes, str]:
    """Compact data for exact offline matching: alias keys, model-family patterns, what each entity means."""
    kb = load()
    engine = default_identifier()
    entities = {}
    for ent in kb.entities.values():
        chain = kb.chain(ent.id)
        designations = engine.designations(ent.id)
        entities[ent.id] = {
            "name": ent.display, "maker": kb.root(ent.id), "relation": chain[0].type if chain else "manufacturer",
            # The weaker of the entity's own confidence and its relation's: a weakly sourced relabel stays weak.
            "confidence": min((ent.confidence, *(r.confidence for r in chain[:1])), key=CONFIDENCE_WEIGHT.__getitem__),
            "after_sale": any(r.type == "former-subsidiary" for r in chain), "context": ent.context,
            "listed": any(d["status"] == "active" for d in designations),
            # Whose listing each is (the maker's, for a brand or relabel) and how it reaches this entity.
            "designations": [{"short": d["short"], "date": d["date_text"], "when": d["when"], "status": d["status"],
                              "holder": d["entity"], "holder_name": d["entity_name"], "via": d["applies_via"],
                              "summary": d["summary"], "summary_uk": d["summary_uk"],
                              "url": next((s["url"] for s in d["sources"] if s.get("url")), None)}
                             for d in designations],
        }
    doc = {
        "aliases": {alias_key(a.text): a.entity for e in kb.entities.values() for a in e.aliases
                    if not a.structured_only},
        "families": [{"pattern": f.pattern, "entity": f.entity, "device_class": f.device_class} for f in kb.families],
        "entities": entities,
        "trademarks": {alias_key(t.term): {"entity": t.entity, "confidence": t.confidence} for t in kb.trademarks},
        "cues": {"compatible": list(kb.context.compatible), "negation": list(kb.context.negation),
                 "equivalent": list(kb.context.equivalent),
                 "trailing_compatible": list(kb.context.trailing_compatible),
                 "surveillance": list(kb.context.surveillance), "service": list(kb.context.service),
                 "service_window_tokens": kb.context.service_window_tokens,
                 "other_makers": list(kb.context.other_makers)},
        # Consumer brands of listed companies (scanner/identify/brands.py); the companies are in "entities".
        "brands": brand_snapshot(kb),
    }
    body = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]
