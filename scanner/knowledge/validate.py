"""Checks that keep the knowledge base honest: sources everywhere, known ids, unique aliases, valid regexes."""

from __future__ import annotations

import re

from scanner.knowledge.model import (
    ALIAS_KINDS,
    CONFIDENCE_WEIGHT,
    DEVICE_CLASSES,
    ENTRY_STATUSES,
    LANGS,
    RELATION_TYPES,
    KnowledgeBase,
)

CONFIDENCES = ("high", "medium", "low")
DATE_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def _alias_key(text: str) -> str:
    # Imported lazily: the validator must also run where the engine's normaliser is what is being checked.
    from scanner.identify.normalize import alias_key

    return alias_key(text)


def check_refs(kb: KnowledgeBase, where: str, *, entity: str | None = None, confidence: object = "high",
               sources: tuple[str, ...] = (), require_sources: bool = True) -> list[str]:
    """The checks every record shares: a known vendor id, a confidence level, known sources."""
    out = []
    if entity is not None and entity not in kb.entities:
        out.append(f"{where}: unknown vendor id '{entity}'")
    if confidence not in CONFIDENCES:
        out.append(f"{where}: confidence must be one of {CONFIDENCES}, not {confidence!r}")
    if require_sources and not sources:
        out.append(f"{where}: no sources")
    out.extend(f"{where}: unknown source '{sid}'" for sid in sources if sid not in kb.sources)
    return out


_LOCAL_PATH = re.compile(r"(?<![\w@:/.-])((?:\.\.?/|/)?[\w.-]+(?:/[\w.-]+)+\.(?:md|txt|toml|json|csv|py|html))\b")
_REPO_PATH = re.compile(r"[\w.-]+/[\w.-]+(?:@[0-9a-f]{7,40})?:(?:'[^']+'|\"[^\"]+\"|\S+)")
IN_REPO = ("docs/", "tests/", "scanner/", "server/", "extension/")


def unreachable_paths(ref: str) -> list[str]:
    """File paths in a source reference that no reader can follow: relative or absolute local paths that are
    neither in this repository (docs/, tests/, …) nor part of an owner/repo@commit:path citation."""
    cited = " ".join(_REPO_PATH.findall(ref))
    found = []
    for m in _LOCAL_PATH.finditer(ref):
        path = m.group(1)
        if path in cited or (path.startswith(IN_REPO) and "../" not in path):
            continue
        found.append(path)
    return found


def problems(kb: KnowledgeBase) -> list[str]:
    """Every problem found, as one human-readable line each (empty when the knowledge base is sound)."""
    out: list[str] = []

    def check_sources(where: str, ids: tuple[str, ...], required: bool = True) -> None:
        if required and not ids:
            out.append(f"{where}: no sources")
        for sid in ids:
            if sid not in kb.sources:
                out.append(f"{where}: unknown source '{sid}'")

    def check_conf(where: str, value: object) -> None:
        if value not in CONFIDENCES:
            out.append(f"{where}: confidence must be one of {CONFIDENCES}, not {value!r}")

    def check_backing(where: str, confidence: object, ids: tuple[str, ...]) -> None:
        """A claim is no surer than its best source: 'high' on low-confidence sources alone is refused."""
        rated = [CONFIDENCE_WEIGHT[kb.sources[s].confidence] for s in ids
                 if s in kb.sources and kb.sources[s].confidence in CONFIDENCE_WEIGHT]
        if rated and confidence in CONFIDENCE_WEIGHT and CONFIDENCE_WEIGHT[str(confidence)] > max(rated):
            out.append(f"{where}: confidence {confidence} but its sources are weaker ("
                       f"{', '.join(kb.sources[s].confidence for s in ids if s in kb.sources)})")

    for src in kb.sources.values():
        check_conf(f"source {src.id}", src.confidence)
        if not (src.url or src.ref):
            out.append(f"source {src.id}: needs a url or a ref")
        if src.url and not src.url.startswith("https://"):
            out.append(f"source {src.id}: url must be https")
        for ref_path in unreachable_paths(src.ref or ""):
            out.append(f"source {src.id}: {ref_path!r} is a local path outside the repository; cite the original "
                       "(a URL, or owner/repo@commit:path)")

    seen_alias: dict[str, str] = {}
    for ent in kb.entities.values():
        where = f"entity {ent.id}"
        check_sources(where, ent.sources)
        check_conf(where, ent.confidence)
        check_backing(where, ent.confidence, ent.sources)
        if ent.kind not in ("company", "brand"):
            out.append(f"{where}: kind must be company or brand")
        if ent.context not in (None, "surveillance"):
            out.append(f"{where}: unknown context {ent.context!r}")
        if not ent.aliases:
            out.append(f"{where}: no aliases")
        for alias in ent.aliases:
            aw = f"{where} alias {alias.text!r}"
            if alias.lang not in LANGS:
                out.append(f"{aw}: unknown lang {alias.lang!r}")
            if alias.kind not in ALIAS_KINDS:
                out.append(f"{aw}: unknown kind {alias.kind!r}")
            if alias.kind == "misspelling" and not alias.sources:
                out.append(f"{aw}: a misspelling must cite the source that attests it")
            check_sources(aw, alias.sources, required=False)
            if alias.confidence is not None:
                check_conf(aw, alias.confidence)
            key = _alias_key(alias.text)
            if not key:
                out.append(f"{aw}: empty after normalisation")
            elif key in seen_alias:
                out.append(f"{aw}: duplicate alias (also on {seen_alias[key]})")
            else:
                seen_alias[key] = ent.id

    for rel in kb.relations:
        where = f"relation {rel.subject} -{rel.type}-> {rel.object}"
        for eid in (rel.subject, rel.object):
            if eid not in kb.entities:
                out.append(f"{where}: unknown vendor id '{eid}'")
        if rel.type not in RELATION_TYPES:
            out.append(f"{where}: unknown type {rel.type!r}")
        if rel.type == "former-subsidiary" and not rel.end:
            out.append(f"{where}: a former subsidiary needs a 'to' date")
        for d in (rel.start, rel.end):
            if d is not None and not DATE_RE.match(d):
                out.append(f"{where}: bad date {d!r}")
        check_sources(where, rel.sources)
        check_conf(where, rel.confidence)
        check_backing(where, rel.confidence, rel.sources)

    for ent in kb.entities.values():
        seen = {ent.id}
        cur = ent.id
        for _ in range(len(kb.entities) + 1):
            ups = kb.parents(cur)
            if not ups:
                break
            cur = ups[0].object
            if cur in seen:
                out.append(f"entity {ent.id}: relation cycle through {cur}")
                break
            seen.add(cur)

    for des in kb.designations.values():
        where = f"designation {des.id}"
        check_sources(where, des.sources)
        check_conf(where, des.confidence)
        if des.withdrawn is not None and not DATE_RE.match(des.withdrawn):
            out.append(f"{where}: bad withdrawn date")
        for entry in des.entries:
            ew = f"{where} entry {entry.entity}"
            if entry.entity not in kb.entities:
                out.append(f"{ew}: unknown vendor id '{entry.entity}'")
            if not DATE_RE.match(entry.date):
                out.append(f"{ew}: bad date {entry.date!r}")
            if entry.status not in ENTRY_STATUSES:
                out.append(f"{ew}: unknown status {entry.status!r}")
            check_sources(ew, entry.sources)
            for ev in entry.events:
                if not DATE_RE.match(ev.date):
                    out.append(f"{ew} event {ev.what!r}: bad date {ev.date!r}")
                check_sources(f"{ew} event {ev.what!r}", ev.sources)

    ctx = kb.context
    for name in ("compatible", "negation", "trailing_compatible", "equivalent", "surveillance", "service",
                 "other_makers"):
        if not getattr(ctx, name):
            out.append(f"context: no '{name}' cues")
    for name in ctx.other_makers:
        if _alias_key(name) in seen_alias:
            out.append(f"context: other maker {name!r} is also an alias of {seen_alias[_alias_key(name)]}")

    terms: set[str] = set()
    for tm in kb.trademarks:
        where = f"trademark {tm.term!r}"
        out.extend(check_refs(kb, where, entity=tm.entity, confidence=tm.confidence, sources=tm.sources))
        key = _alias_key(tm.term)
        if key in terms or key in seen_alias:
            out.append(f"{where}: duplicate of another trademark or alias")
        terms.add(key)
        if not tm.examples:
            out.append(f"{where}: no examples")
        for ex in tm.examples:
            if key not in _alias_key(ex):
                out.append(f"{where}: example {ex!r} does not contain the term")

    family_ids: set[str] = set()
    for fam in kb.families:
        where = f"family {fam.id}"
        if fam.id in family_ids:
            out.append(f"{where}: duplicate family id")
        family_ids.add(fam.id)
        out.extend(check_refs(kb, where, entity=fam.entity, confidence=fam.confidence, sources=fam.sources))
        if fam.device_class not in DEVICE_CLASSES:
            out.append(f"{where}: unknown device class {fam.device_class!r}")
        if not fam.examples:
            out.append(f"{where}: no examples")
        try:
            rx = re.compile(fam.pattern, re.IGNORECASE)
        except re.error as exc:
            out.append(f"{where}: bad regex: {exc}")
            continue
        if rx.groups:
            out.append(f"{where}: use (?:...) groups only; the engine combines all families into one regex")
        for ex in fam.examples:
            if not rx.fullmatch(ex):
                out.append(f"{where}: example {ex!r} does not match its own pattern")
    out.extend(brand_problems(kb))
    return out


_TYPE_WORD = re.compile(r"^\w+\*?$")


def brand_problems(kb: KnowledgeBase) -> list[str]:
    """Brands name a listed company, known product types and sources; their examples test themselves."""
    out: list[str] = []
    for pt in kb.product_types.values():
        if not pt.words:
            out.append(f"product type {pt.id}: no words")
        for w in (*pt.words, *pt.excludes):
            if not _TYPE_WORD.match(w) or len(w.rstrip("*")) < 2 or (w.endswith("*") and len(w) < 4):
                out.append(f"product type {pt.id}: {w!r} must be one word, or a word start of 3+ letters and *")
    ids: set[str] = set()
    for b in kb.brands:
        where = f"brand {b.id}"
        if b.id in ids:
            out.append(f"{where}: duplicate brand id")
        ids.add(b.id)
        out.extend(check_refs(kb, where, entity=b.company, confidence=b.confidence, sources=b.sources))
        if b.company in kb.entities and not kb.entries_for(b.company):
            out.append(f"{where}: company {b.company} is on no list")
        rated = [CONFIDENCE_WEIGHT[kb.sources[s].confidence] for s in b.sources if s in kb.sources]
        if rated and b.confidence in CONFIDENCE_WEIGHT and CONFIDENCE_WEIGHT[b.confidence] > max(rated):
            out.append(f"{where}: confidence {b.confidence} but its sources are weaker")
        if not b.product_types:
            out.append(f"{where}: no product types")
        out.extend(f"{where}: unknown product type {p!r}" for p in b.product_types if p not in kb.product_types)
        if not b.spellings or any(not _alias_key(sp) for sp in b.spellings):
            out.append(f"{where}: needs spellings that are not empty")
        for d in (b.owned_from, b.owned_to):
            if d is not None and not DATE_RE.match(d):
                out.append(f"{where}: bad date {d!r}")
        if b.owned_to and not b.new_owner:
            out.append(f"{where}: a sold brand needs its new owner")
        if not b.examples:
            out.append(f"{where}: no examples")
        if b.trap and not b.counter_examples:
            out.append(f"{where}: an ordinary-word brand needs counter-examples")
    if not out and kb.brands:
        # Imported lazily, like the normaliser: the matcher is what these examples test.
        from scanner.identify.brands import example_problems

        out.extend(example_problems(kb))
    return out
