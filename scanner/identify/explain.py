"""Plain-language wording of verdicts and designations (dates spelled out, NACP wording kept accurate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.knowledge.model import KnowledgeBase, Relation

if TYPE_CHECKING:
    from scanner.identify.engine import Evidence, Verdict

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
NACP = "nacp-war-sponsors"


def human_date(value: str) -> str:
    """'2023-06-05' → '5 June 2023'; partial dates stay partial."""
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return value


def _source_refs(kb: KnowledgeBase, ids: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"title": kb.sources[s].title, "url": kb.sources[s].url, "ref": kb.sources[s].ref}
        for s in ids if s in kb.sources
    ]


def describe_designations(kb: KnowledgeBase, entity: str) -> list[dict[str, Any]]:
    """Designations naming this entity or the companies above it, as dicts for users and the API."""
    out: list[dict[str, Any]] = []
    path = [entity, *[r.object for r in kb.chain(entity)]]
    for depth, who in enumerate(path):
        for des, entry in kb.entries_for(who):
            when = entry.date_text or human_date(entry.date)
            out.append({
                "id": des.id,
                "authority": des.authority,
                "title": des.title,
                "short": des.short or des.title,
                "entity": who,
                "entity_name": kb.entities[who].display,
                "applies_via": None if depth == 0 else kb.chain(entity)[depth - 1].type,
                "date": entry.date,
                "date_text": when,
                "status": entry.status,
                "withdrawn": des.withdrawn,
                "summary": des.summary.replace("{date}", when),
                "events": [{"date": e.date, "what": e.what} for e in entry.events],
                "sources": _source_refs(kb, entry.sources or des.sources),
                "confidence": des.confidence,
            })
    return out


def short_designation(d: dict[str, Any]) -> str:
    if d["id"] == NACP:
        text = f"listed by NACP as a war sponsor on {d['date_text']}"
        if d["status"] != "active":
            last = d["events"][-1] if d["events"] else None
            text += f", {d['status']}" + (f" on {human_date(last['date'])}" if last else "")
        elif d["withdrawn"]:
            text += f" (list withdrawn from public view {human_date(d['withdrawn'])})"
        return text
    return f"{d['short']} ({d['date_text']})"


def designation_list(designations: list[dict[str, Any]], limit: int = 3) -> str:
    parts = [short_designation(d) for d in designations[:limit]]
    if len(designations) > limit:
        parts.append(f"{len(designations) - limit} more")
    return "; ".join(parts)


def _relation_phrase(kb: KnowledgeBase, chain: list[Relation]) -> str:
    if not chain:
        return ""
    rel = chain[0]
    maker = kb.entities[chain[-1].object].display
    conf = "" if rel.confidence == "high" else f", {rel.confidence} confidence"
    if rel.type == "oem":
        return f" (reported to relabel {maker} hardware{conf})"
    if rel.type == "former-subsidiary":
        span = " – ".join(human_date(d) for d in (rel.start, rel.end) if d)
        return f" (owned by {maker} {span}; later products may not be {maker} hardware)"
    article = "an" if rel.type[0] in "aeiou" else "a"
    return f" ({article} {rel.type} of {maker}{conf})"


def explanation(kb: KnowledgeBase, verdict: Verdict, best: Evidence, chain: list[Relation]) -> str:
    label = kb.entities[verdict.brand].display if verdict.brand else "?"
    maker = kb.entities[verdict.vendor].display if verdict.vendor else "?"
    if best.mention == "compatible" and verdict.relation == "compatible":
        return f"Mentions {maker} only as equipment it works with ('{best.term}'), not as the maker."
    if best.mention == "negation" and verdict.relation == "not-this-maker":
        return f"Says it is not a {maker} product ('{best.term}')."
    if best.mention == "equivalent" and verdict.relation == "equivalent":
        return f"Names {maker} ('{best.term}') as a reference with 'or equivalent': the offer may be any make."
    if best.kind in ("model-family", "structured-model"):
        why = f"model {best.term} belongs to a {label} model family"
    elif best.kind == "fuzzy-alias":
        why = f"'{best.term}' reads as {label}"
    elif best.detail.startswith("misspelling"):
        why = f"'{best.term}' is a known misspelling of {label}"
    else:
        why = f"the {'brand field' if best.field == 'brand' else 'text'} names {label}"
    head = f"{label}{_relation_phrase(kb, chain)}: {why}"
    if verdict.flagged:
        return f"{head}; {designation_list(verdict.designations)}."
    if verdict.designations and not any(d["status"] == "active" for d in verdict.designations):
        return f"{head}; {designation_list(verdict.designations)} — no longer listed."
    if not verdict.designations:
        return f"{head}; not on any list we track."
    return f"{head}; evidence too weak to flag (confidence {verdict.confidence:.2f})."
