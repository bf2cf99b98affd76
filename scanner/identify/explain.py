"""Plain-language wording of verdicts and designations (dates spelled out, NACP wording kept accurate)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from scanner.knowledge.model import KnowledgeBase, Relation

if TYPE_CHECKING:
    from scanner.identify.engine import Evidence, Verdict

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
NACP = "nacp-war-sponsors"


def human_date(value: str) -> str:
    """'2023-06-05' → '5 June 2023'; partial dates stay partial ('2023-06' → 'June 2023')."""
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return value


_PREPOSITIONS = ("on ", "in ", "before ", "by ", "after ", "between ", "until ", "since ", "around ")
_RANGE = re.compile(r"^\s*(.+?)\s+[-–]\s+(.+?)\s*$")


def date_phrase(date: str | None, date_text: str | None = None) -> str:
    """A date with the right preposition: 'on 5 June 2023', 'in June 2023', 'in 2023', 'before February 2023',
    'between 2022 and early 2023' (a date given as free text keeps its own words)."""
    if date_text:
        text = date_text.strip()
        if text.lower().startswith(_PREPOSITIONS):
            return text
        m = _RANGE.match(text)
        if m:
            return f"between {m.group(1)} and {m.group(2)}"
        return f"on {text}" if re.fullmatch(r"\d{1,2} \w+ \d{4}", text) else f"in {text}"
    if not date:
        return "at a date not recorded"
    return ("on " if date.count("-") == 2 else "in ") + human_date(date)


_UK_GENITIVE = ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
                "листопада", "грудня")
_UK_LOCATIVE = ("січні", "лютому", "березні", "квітні", "травні", "червні", "липні", "серпні", "вересні", "жовтні",
                "листопаді", "грудні")


def when_uk(date: str | None, date_text: str | None = None) -> str:
    """The date in Ukrainian: '5 червня 2023 року', 'у червні 2023 року', 'у 2023 році'; 'приблизно …' when the
    source gives the date only roughly (date_text)."""
    if not date:
        return "у невідомий день"
    parts = date.split("-")
    try:
        if len(parts) == 3:
            out = date_uk(date)
        elif len(parts) == 2:
            out = f"у {_UK_LOCATIVE[int(parts[1]) - 1]} {parts[0]} року"
        else:
            out = f"у {int(parts[0])} році"
    except (ValueError, IndexError):
        return date
    return f"приблизно {out}" if date_text else out


def date_uk(date: str | None) -> str:
    """The bare date in Ukrainian, in the genitive that follows "з", "до", "від": '12 березня 2021 року',
    'березня 2021 року', '2021 року' (a template's {date} slot)."""
    if not date:
        return "невідомої дати"
    parts = date.split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {_UK_GENITIVE[int(parts[1]) - 1]} {parts[0]} року"
        if len(parts) == 2:
            return f"{_UK_GENITIVE[int(parts[1]) - 1]} {parts[0]} року"
        return f"{int(parts[0])} року"
    except (ValueError, IndexError):
        return date


def _source_refs(kb: KnowledgeBase, ids: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"title": kb.sources[s].title, "url": kb.sources[s].url, "ref": kb.sources[s].ref}
        for s in ids if s in kb.sources
    ]


def _fill(template: str, when: str, date_text: str, events: list[dict[str, Any]], lang: str = "en") -> str:
    relisted = [e["date"] for e in events if e["what"] == "re-listed"]
    if lang == "uk":
        again = f", а також {' і '.join(when_uk(d) for d in relisted)}" if relisted else ""
    else:
        again = f", and again on {' and '.join(human_date(d) for d in relisted)}" if relisted else ""
    return template.replace("{when}", when).replace("{date}", date_text).replace("{again}", again)


def describe_designations(kb: KnowledgeBase, entity: str) -> list[dict[str, Any]]:
    """Designations naming this entity or the companies above it, as dicts for users and the API. Each says
    who was designated (`entity`) and how it reaches the product's brand (`applies_via`: the relation)."""
    out: list[dict[str, Any]] = []
    chain = kb.chain(entity)
    path = [entity, *[r.object for r in chain]]
    for depth, who in enumerate(path):
        for des, entry in kb.entries_for(who):
            when = date_phrase(entry.date, entry.date_text)
            date_text = entry.date_text or human_date(entry.date)
            events = [{"date": e.date, "what": e.what} for e in entry.events]
            out.append({
                "id": des.id,
                "authority": des.authority,
                "title": des.title,
                "short": des.short or des.title,
                "entity": who,
                "entity_name": kb.entities[who].display,
                "applies_via": None if depth == 0 else chain[depth - 1].type,
                "covers_related": des.covers_related,
                "date": entry.date,
                "date_text": date_text,
                "when": when,
                "status": entry.status,
                "withdrawn": des.withdrawn,
                "summary": _fill(des.summary, when, date_text, events),
                "summary_uk": _fill(des.summary_uk, when_uk(entry.date, entry.date_text), date_uk(entry.date), events,
                                    "uk")
                if des.summary_uk else None,
                "events": events,
                "sources": _source_refs(kb, entry.sources or des.sources),
                "confidence": des.confidence,
            })
    return out


def _status_phrase(d: dict[str, Any]) -> str:
    last = d["events"][-1] if d["events"] else None
    on = f" {date_phrase(last['date'])}" if last else ""
    if d["status"] == "suspended":
        return f"; the listing was suspended{on}"
    if d["status"] == "excluded":
        return f"; removed from the list{on}"
    return f"; status: {d['status']}{on}"


def short_designation(d: dict[str, Any], via: bool = False) -> str:
    """One designation in a few words; `via`: it names the maker above the product's brand."""
    if d["id"] == NACP:
        text = (f"which NACP listed as a war sponsor {d['when']}" if via
                else f"listed by NACP as a war sponsor {d['when']}")
        if d["status"] != "active":
            text += _status_phrase(d)
        elif d["withdrawn"]:
            text += f" (list withdrawn from public view {date_phrase(d['withdrawn'])})"
        return text
    reach = ", which covers subsidiaries and affiliates" if via and d["covers_related"] else ""
    return f"{d['short']} ({d['date_text']}{reach})"


def designation_list(designations: list[dict[str, Any]], limit: int = 3) -> str:
    """The designations of a product's maker, the maker's own listings worded as the maker's."""
    if not designations:
        return ""
    holder = designations[0]["entity_name"]
    via = designations[0]["applies_via"] is not None
    parts = [short_designation(d, via) for d in designations[:limit]]
    if len(designations) > limit:
        parts.append(f"{len(designations) - limit} more")
    if via:
        made = (f"products of those years were made by {holder}" if designations[0]["applies_via"] ==
                "former-subsidiary" else f"made by {holder}")
        head = f"{made}, {parts[0]}" if designations[0]["id"] == NACP else f"{made}: {parts[0]}"
        return "; ".join([head, *parts[1:]])
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
        span = " to ".join(human_date(d) for d in (rel.start, rel.end) if d)
        return (f" (owned by {maker} from {span}: its products from those years are {maker}'s, later ones may "
                f"not be{conf})")
    article = "an" if rel.type[0] in "aeiou" else "a"
    return f" ({article} {rel.type} of {maker}{conf})"


def explanation(kb: KnowledgeBase, verdict: Verdict, best: Evidence, chain: list[Relation],
                listing: str | None = None) -> str:
    """Why, in one sentence or two; `listing` is designation_list(verdict.designations) if already known."""
    listing = designation_list(verdict.designations) if listing is None else listing
    label = kb.entities[verdict.brand].display if verdict.brand else "?"
    maker = kb.entities[verdict.vendor].display if verdict.vendor else "?"
    if best.mention == "compatible" and verdict.relation == "compatible":
        return f"Mentions {maker} only as equipment it works with ('{best.term}'), not as the maker."
    if best.mention == "negation" and verdict.relation == "not-this-maker":
        return f"Says it is not a {maker} product ('{best.term}')."
    if best.mention == "service" and verdict.relation == "service":
        return f"A service that involves {maker} equipment ('{best.term}'), not a {maker} product."
    if best.kind in ("model-family", "structured-model"):
        why = f"model {best.term} belongs to a {label} model family"
    elif best.kind == "fuzzy-alias":
        why = f"'{best.term}' reads as {label}"
    elif best.kind == "trademark":
        why = f"'{best.term}' is a {label} technology or product-line name"
    elif best.detail.startswith("misspelling"):
        why = f"'{best.term}' is a known misspelling of {label}"
    else:
        why = f"the {'brand field' if best.field == 'brand' else 'text'} names {label}"
    if verdict.relation == "specified":
        why += " — the buyer specified it, 'or equivalent' allowed"
    head = f"{label}{_relation_phrase(kb, chain)}: {why}"
    if verdict.flagged:
        return f"{head}; {listing}."
    if verdict.designations and not any(d["status"] == "active" for d in verdict.designations):
        return f"{head}; {listing} — so not flagged."
    if not verdict.designations:
        return f"{head}; not on any list we track."
    return (f"{head}; evidence too weak to flag (confidence {verdict.confidence:.2f}); for reference, "
            f"{listing}.")


def brand_explanation(kb: KnowledgeBase, brand_id: str, term: str, detail: str, sold: bool, confidence: float,
                      flagged: bool, designations: list[dict[str, Any]], listing: str, in_text: bool = True) -> str:
    """Why a brand name makes a product a listed company's (or why not: sold, weak, the listing suspended)."""
    brand = next(b for b in kb.brands if b.id == brand_id)
    maker = kb.entities[brand.company].display
    conf = "" if brand.confidence == "high" else f", {brand.confidence} confidence"
    if sold:
        to = f" to {brand.new_owner}" if brand.new_owner else ""
        return (f"{brand.name} was a brand of {maker} until {human_date(brand.owned_to or '')} (sold{to}): "
                f"products sold since are not {maker}'s, so not flagged.")
    since = f", since {human_date(brand.owned_from)}" if brand.owned_from else ""
    names = f"the text names '{term}'" if in_text else f"the page's brand field says '{term}'"
    head = f"{brand.name} (a brand of {maker}{since}{conf}): {names}{f' — {detail}' if detail else ''}"
    if flagged:
        return f"{head}; {listing}."
    if designations and not any(d["status"] == "active" for d in designations):
        return f"{head}; {listing} — so not flagged."
    if not designations:
        return f"{head}; not on any list we track."
    return (f"{head}; evidence too weak to flag (confidence {confidence:.2f}); for reference, {listing}.")
