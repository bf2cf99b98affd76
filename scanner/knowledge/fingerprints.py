"""Fingerprint rules (recog style): one TOML file per evidence source, each rule with examples that test it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from scanner.knowledge.loader import KnowledgeError
from scanner.knowledge.model import KnowledgeBase
from scanner.knowledge.validate import check_refs


@dataclass(frozen=True)
class Example:
    value: str
    extract: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    source: str
    id: str
    pattern: str
    entity: str
    confidence: str
    description: str
    sources: tuple[str, ...]
    examples: tuple[Example, ...]
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Hit:
    rule: Rule
    value: str
    extract: dict[str, str]


def parse_rules(documents: dict[str, dict[str, Any]]) -> dict[str, list[Rule]]:
    """Rules by evidence source, in file order; a bad regex is kept (regex None) for the validator to report."""
    out: dict[str, list[Rule]] = {}
    for name, doc in documents.items():
        source = doc.get("source")
        if not isinstance(source, str):
            raise KnowledgeError(f"fingerprints/{name}: missing 'source'")
        for i, raw in enumerate(doc.get("rule", [])):
            try:
                pattern = str(raw["pattern"])
                try:
                    regex: re.Pattern[str] | None = re.compile(pattern)
                except re.error:
                    regex = None
                out.setdefault(source, []).append(Rule(
                    source=source, id=str(raw["id"]), pattern=pattern, entity=str(raw["entity"]),
                    confidence=str(raw["confidence"]), description=str(raw.get("description", "")),
                    sources=tuple(raw.get("sources", ())),
                    examples=tuple(Example(str(e["value"]), dict(e.get("extract", {})))
                                   for e in raw.get("examples", [])),
                    regex=regex,
                ))
            except (KeyError, TypeError) as exc:
                raise KnowledgeError(f"fingerprints/{name} rule #{i + 1}: missing field {exc}") from exc
    return out


def read_rule_documents() -> dict[str, dict[str, Any]]:
    base = resources.files("scanner.knowledge") / "fingerprints"
    docs = {}
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            try:
                docs[entry.name] = tomllib.loads(entry.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise KnowledgeError(f"fingerprints/{entry.name}: {exc}") from exc
    return docs


@lru_cache(maxsize=1)
def rules() -> dict[str, list[Rule]]:
    return parse_rules(read_rule_documents())


def match(source: str, value: str, table: dict[str, list[Rule]] | None = None) -> list[Hit]:
    """Every rule of this evidence source that matches the value, with what it extracts."""
    hits = []
    for rule in (table if table is not None else rules()).get(source, []):
        if rule.regex is None:
            continue
        m = rule.regex.search(value)
        if m:
            hits.append(Hit(rule, value, {k: v for k, v in m.groupdict().items() if v is not None}))
    return hits


def problems(table: dict[str, list[Rule]], kb: KnowledgeBase) -> list[str]:
    """The self-test: known ids, valid regexes, and every example matching its own rule first, extracting what it
    claims (rapid7/recog fingerprint_self_test_spec)."""
    out = []
    for source, items in table.items():
        seen = set()
        for rule in items:
            where = f"fingerprint {source}/{rule.id}"
            if rule.id in seen:
                out.append(f"{where}: duplicate rule id")
            seen.add(rule.id)
            out.extend(check_refs(kb, where, entity=rule.entity, confidence=rule.confidence, sources=rule.sources))
            if rule.regex is None:
                out.append(f"{where}: bad regex")
                continue
            if not rule.examples:
                out.append(f"{where}: no examples")
            for ex in rule.examples:
                hits = match(source, ex.value, table)
                if not hits or hits[0].rule.id != rule.id:
                    first = hits[0].rule.id if hits else "nothing"
                    out.append(f"{where}: example {ex.value[:60]!r} matches {first} first")
                    continue
                for key, want in ex.extract.items():
                    if hits[0].extract.get(key) != want:
                        out.append(f"{where}: example extracts {key}={hits[0].extract.get(key)!r}, not {want!r}")
    return out
