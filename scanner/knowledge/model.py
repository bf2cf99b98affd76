"""Typed records of the knowledge base: sources, entities, relations, designations, model families."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Confidence = Literal["high", "medium", "low"]
CONFIDENCE_WEIGHT: dict[str, float] = {"high": 1.0, "medium": 0.75, "low": 0.45}

RELATION_TYPES = ("subsidiary", "brand", "oem", "former-subsidiary")
ALIAS_KINDS = ("name", "legal", "misspelling", "transliteration")
LANGS = ("en", "uk", "ru", "zh", "any")
DEVICE_CLASSES = (
    "ip-camera", "ptz", "analog-camera", "thermal", "nvr", "dvr", "recorder", "intercom",
    "access-control", "accessory", "storage", "unknown",
)
ENTRY_STATUSES = ("active", "suspended", "excluded")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    confidence: Confidence
    url: str | None = None
    ref: str | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "title": self.title, "url": self.url, "ref": self.ref,
                "date": self.date, "confidence": self.confidence}


@dataclass(frozen=True)
class Alias:
    text: str
    lang: str
    entity: str
    kind: str = "name"
    sources: tuple[str, ...] = ()
    confidence: Confidence | None = None
    structured_only: bool = False


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str
    display: str
    name: str
    confidence: Confidence
    sources: tuple[str, ...]
    aliases: tuple[Alias, ...]
    country: str | None = None
    country_verified: bool = True
    context: str | None = None
    oui_registrants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relation:
    subject: str
    type: str
    object: str
    confidence: Confidence
    sources: tuple[str, ...]
    start: str | None = None
    end: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Event:
    date: str
    what: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    designation: str
    entity: str
    date: str
    status: str
    sources: tuple[str, ...]
    date_text: str | None = None
    note: str | None = None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Designation:
    id: str
    authority: str
    title: str
    jurisdiction: str
    kind: str
    summary: str
    covers_related: bool
    confidence: Confidence
    sources: tuple[str, ...]
    withdrawn: str | None = None
    entries: tuple[Entry, ...] = ()
    short: str | None = None
    summary_uk: str | None = None  # the summary in Ukrainian, for Ukrainian users (same placeholders)


@dataclass(frozen=True)
class Family:
    id: str
    entity: str
    device_class: str
    pattern: str
    examples: tuple[str, ...]
    sources: tuple[str, ...]
    confidence: Confidence


@dataclass(frozen=True)
class Trademark:
    """A maker's own technology or product-line name (AcuSense, WizSense): evidence of its product."""

    term: str
    entity: str
    sources: tuple[str, ...]
    confidence: Confidence
    examples: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class ProductType:
    """Word starts (uk/en/ru) that say what a product is: a brand counts only beside a word of its own type."""

    id: str
    words: tuple[str, ...]
    excludes: tuple[str, ...] = ()  # words that make the item an accessory or a part *for* such a product


@dataclass(frozen=True)
class Brand:
    """A consumer brand of a listed company, with the spellings shops use and the product types it is sold as.
    `trap`: the name is also an ordinary word or another maker's name (Tide, Orbit, Always, Dove): it counts
    only beside a product-type word. `owned_to`: sold on that date (to `new_owner`); its products are no longer
    the company's."""

    id: str
    name: str
    company: str
    product_types: tuple[str, ...]
    spellings: tuple[str, ...]
    confidence: Confidence
    sources: tuple[str, ...]
    trap: bool = False
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    owned_from: str | None = None
    owned_to: str | None = None
    new_owner: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Context:
    """Cue words that turn a mention into compatibility, negation, a specification ('or equivalent') or a
    service, and the names of other camera makers whose brand on a title outranks a look-alike model number."""

    compatible: tuple[str, ...] = ()
    negation: tuple[str, ...] = ()
    trailing_compatible: tuple[str, ...] = ()
    equivalent: tuple[str, ...] = ()
    surveillance: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    other_makers: tuple[str, ...] = ()
    max_gap_tokens: int = 2
    equivalent_window_tokens: int = 10
    service_window_tokens: int = 4


@dataclass
class KnowledgeBase:
    sources: dict[str, Source] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    designations: dict[str, Designation] = field(default_factory=dict)
    families: list[Family] = field(default_factory=list)
    trademarks: list[Trademark] = field(default_factory=list)
    context: Context = field(default_factory=Context)
    brands: list[Brand] = field(default_factory=list)
    product_types: dict[str, ProductType] = field(default_factory=dict)
    _chains: dict[str, list[Relation]] = field(default_factory=dict, repr=False, compare=False)

    def parents(self, entity_id: str) -> list[Relation]:
        """Relations from this entity up to the company it belongs to or relabels."""
        return [r for r in self.relations if r.subject == entity_id]

    def chain(self, entity_id: str) -> list[Relation]:
        """The strongest path of relations from an entity to its root maker (empty for a root)."""
        cached = self._chains.get(entity_id)
        if cached is None:
            cached = self._chains[entity_id] = self._walk(entity_id)
        return list(cached)

    def _walk(self, entity_id: str) -> list[Relation]:
        path: list[Relation] = []
        seen = {entity_id}
        current = entity_id
        while True:
            ups = sorted(self.parents(current), key=lambda r: -CONFIDENCE_WEIGHT[r.confidence])
            if not ups or ups[0].object in seen:
                return path
            path.append(ups[0])
            current = ups[0].object
            seen.add(current)

    def root(self, entity_id: str) -> str:
        chain = self.chain(entity_id)
        return chain[-1].object if chain else entity_id

    def entries_for(self, entity_id: str) -> list[tuple[Designation, Entry]]:
        return [(d, e) for d in self.designations.values() for e in d.entries if e.entity == entity_id]
