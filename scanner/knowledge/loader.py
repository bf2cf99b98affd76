"""Read the TOML knowledge files (package data) into a KnowledgeBase; malformed data raises KnowledgeError."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from scanner.knowledge.model import (
    Alias,
    Brand,
    Context,
    Designation,
    Entity,
    Entry,
    Event,
    Family,
    KnowledgeBase,
    ProductType,
    Relation,
    Source,
    Trademark,
)

# Sources are kept by topic: general (lists, companies, brands), model families, CVEs. Any file may hold them.
FILES = ("sources.toml", "sources_models.toml", "sources_cves.toml", "sources_brands.toml", "vendors.toml",
         "nacp_companies.toml", "lists.toml", "models.toml", "context.toml", "brands.toml")
NACP = "nacp-war-sponsors"


class KnowledgeError(ValueError):
    """The knowledge files cannot be read as the schema says (missing field, wrong type, bad TOML)."""


def _req(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise KnowledgeError(f"{where}: missing field '{key}'")
    return table[key]


def _tuple(table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, ())
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _events(raw: list[dict[str, Any]], where: str) -> tuple[Event, ...]:
    return tuple(
        Event(date=str(_req(e, "date", where)), what=str(_req(e, "what", where)), sources=_tuple(e, "sources"))
        for e in raw
    )


def _entry(designation: str, raw: dict[str, Any], where: str) -> Entry:
    return Entry(
        designation=designation,
        entity=str(_req(raw, "entity", where)),
        date=str(_req(raw, "date", where)),
        status=str(raw.get("status", "active")),
        sources=_tuple(raw, "sources"),
        date_text=raw.get("date_text"),
        note=raw.get("note"),
        events=_events(raw.get("events", []), where),
    )


def _entity(raw: dict[str, Any], where: str) -> Entity:
    eid = str(_req(raw, "id", where))
    aliases = tuple(
        Alias(
            text=str(_req(a, "text", f"{where} alias")),
            lang=str(a.get("lang", "any")),
            entity=eid,
            kind=str(a.get("kind", "name")),
            sources=_tuple(a, "sources"),
            confidence=a.get("confidence"),
            structured_only=bool(a.get("structured_only", False)),
        )
        for a in raw.get("aliases", [])
    )
    return Entity(
        id=eid,
        kind=str(_req(raw, "kind", where)),
        display=str(_req(raw, "display", where)),
        name=str(_req(raw, "name", where)),
        confidence=_req(raw, "confidence", where),
        sources=_tuple(raw, "sources"),
        aliases=aliases,
        country=raw.get("country"),
        country_verified=bool(raw.get("country_verified", True)),
        context=raw.get("context"),
        oui_registrants=_tuple(raw, "oui_registrants"),
    )


def parse(documents: dict[str, dict[str, Any]]) -> KnowledgeBase:
    """Build a KnowledgeBase from already-parsed TOML documents keyed by file name."""
    kb = KnowledgeBase()
    nacp_entries: list[Entry] = []
    try:
        for name, doc in documents.items():
            for i, raw in enumerate(doc.get("source", [])):
                where = f"{name} source #{i + 1}"
                src = Source(
                    id=str(_req(raw, "id", where)), title=str(_req(raw, "title", where)),
                    confidence=_req(raw, "confidence", where), url=raw.get("url"), ref=raw.get("ref"),
                    date=raw.get("date"),
                )
                if src.id in kb.sources:
                    raise KnowledgeError(f"{where}: duplicate source id '{src.id}'")
                kb.sources[src.id] = src
            for i, raw in enumerate(doc.get("entity", [])):
                ent = _entity(raw, f"{name} entity #{i + 1}")
                if ent.id in kb.entities:
                    raise KnowledgeError(f"{name}: duplicate entity id '{ent.id}'")
                kb.entities[ent.id] = ent
            for i, raw in enumerate(doc.get("relation", [])):
                where = f"{name} relation #{i + 1}"
                kb.relations.append(Relation(
                    subject=str(_req(raw, "subject", where)), type=str(_req(raw, "type", where)),
                    object=str(_req(raw, "object", where)), confidence=_req(raw, "confidence", where),
                    sources=_tuple(raw, "sources"), start=raw.get("from"), end=raw.get("to"),
                    note=raw.get("note"),
                ))
            for i, raw in enumerate(doc.get("nacp", [])):
                nacp_entries.append(_entry(NACP, raw, f"{name} nacp #{i + 1}"))
            for i, raw in enumerate(doc.get("designation", [])):
                where = f"{name} designation #{i + 1}"
                did = str(_req(raw, "id", where))
                kb.designations[did] = Designation(
                    id=did, authority=str(_req(raw, "authority", where)), title=str(_req(raw, "title", where)),
                    jurisdiction=str(_req(raw, "jurisdiction", where)), kind=str(_req(raw, "kind", where)),
                    summary=str(_req(raw, "summary", where)),
                    covers_related=bool(raw.get("covers_related", False)),
                    confidence=_req(raw, "confidence", where), sources=_tuple(raw, "sources"),
                    withdrawn=raw.get("withdrawn"), short=raw.get("short"), summary_uk=raw.get("summary_uk"),
                    entries=tuple(_entry(did, e, where) for e in raw.get("entries", [])),
                )
            for i, raw in enumerate(doc.get("trademark", [])):
                where = f"{name} trademark #{i + 1}"
                kb.trademarks.append(Trademark(
                    term=str(_req(raw, "term", where)), entity=str(_req(raw, "entity", where)),
                    sources=_tuple(raw, "sources"), confidence=_req(raw, "confidence", where),
                    examples=_tuple(raw, "examples"), note=raw.get("note"),
                ))
            for i, raw in enumerate(doc.get("family", [])):
                where = f"{name} family #{i + 1}"
                kb.families.append(Family(
                    id=str(_req(raw, "id", where)), entity=str(_req(raw, "entity", where)),
                    device_class=str(_req(raw, "device_class", where)), pattern=str(_req(raw, "pattern", where)),
                    examples=_tuple(raw, "examples"), sources=_tuple(raw, "sources"),
                    confidence=_req(raw, "confidence", where),
                ))
            for i, raw in enumerate(doc.get("product_type", [])):
                where = f"{name} product_type #{i + 1}"
                pid = str(_req(raw, "id", where))
                if pid in kb.product_types:
                    raise KnowledgeError(f"{where}: duplicate product type id '{pid}'")
                kb.product_types[pid] = ProductType(id=pid, words=_tuple(raw, "words"),
                                                    excludes=_tuple(raw, "excludes"))
            for i, raw in enumerate(doc.get("brand", [])):
                where = f"{name} brand #{i + 1}"
                kb.brands.append(Brand(
                    id=str(_req(raw, "id", where)), name=str(_req(raw, "name", where)),
                    company=str(_req(raw, "company", where)), product_types=_tuple(raw, "product_types"),
                    spellings=_tuple(raw, "spellings"), confidence=_req(raw, "confidence", where),
                    sources=_tuple(raw, "sources"), trap=bool(raw.get("trap", False)),
                    examples=_tuple(raw, "examples"), counter_examples=_tuple(raw, "counter_examples"),
                    owned_from=raw.get("owned_from"), owned_to=raw.get("owned_to"),
                    new_owner=raw.get("new_owner"), note=raw.get("note"),
                ))
            if name == "context.toml":
                kb.context = Context(
                    **{k: _tuple(doc, k) for k in
                       ("compatible", "negation", "trailing_compatible", "equivalent", "surveillance", "service",
                        "other_makers")},
                    max_gap_tokens=int(doc.get("max_gap_tokens", 2)),
                    equivalent_window_tokens=int(doc.get("equivalent_window_tokens", 10)),
                    service_window_tokens=int(doc.get("service_window_tokens", 4)),
                )
    except (TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, KnowledgeError):
            raise
        raise KnowledgeError(f"malformed knowledge data: {exc}") from exc
    if nacp_entries:
        if NACP not in kb.designations:
            raise KnowledgeError(f"[[nacp]] entries given but designation '{NACP}' is not defined")
        d = kb.designations[NACP]
        kb.designations[NACP] = Designation(**{**d.__dict__, "entries": d.entries + tuple(nacp_entries)})
    return kb


def read_documents(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """Parse the knowledge TOML files from a directory (default: the installed package data)."""
    docs: dict[str, dict[str, Any]] = {}
    base = resources.files("scanner.knowledge") if directory is None else directory
    for name in FILES:
        path = base / name
        try:
            docs[name] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise KnowledgeError(f"{name}: {exc}") from exc
        except FileNotFoundError as exc:
            raise KnowledgeError(f"{name}: file missing from the knowledge package") from exc
    return docs


def load_from(directory: Path | None = None) -> KnowledgeBase:
    return parse(read_documents(directory))
