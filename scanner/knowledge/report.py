"""What the knowledge base holds and whether it is sound: the checks, statistics and MAC prefix table that
`sponsorwatch kb check|stats|ouis` print."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

from scanner.knowledge import load, oui_table
from scanner.knowledge.cves import cve_problems, load_cves
from scanner.knowledge.fingerprints import problems as rule_problems
from scanner.knowledge.fingerprints import rules
from scanner.knowledge.oui import NMAP_PREFIX_FILES, SHIPPED, build_table, write_tsv
from scanner.knowledge.validate import problems


def check() -> tuple[list[str], str]:
    """Every problem found (empty when sound), and a one-line summary of what was checked."""
    kb = load()
    found = problems(kb) + rule_problems(rules(), kb) + cve_problems(load_cves(), kb)
    summary = (f"{len(kb.sources)} sources, {len(kb.entities)} entities, {len(kb.relations)} relations, "
               f"{len(kb.designations)} designations, {len(kb.families)} families, {len(kb.brands)} brands, "
               f"{sum(map(len, rules().values()))} fingerprint rules, {len(load_cves())} CVEs")
    return found, summary


def stats() -> list[str]:
    kb = load()
    aliases = Counter(a.lang for e in kb.entities.values() for a in e.aliases)
    return [f"aliases by language: {dict(sorted(aliases.items()))}",
            *(f"{des.id}: {len(des.entries)} entries" for des in kb.designations.values())]


def regenerate_ouis(nmap_file: Path | None, nmap_label: str | None) -> tuple[str, int]:
    """Derive the MAC prefix table anew from netaddr's IEEE data and an nmap-mac-prefixes file, write it over
    the shipped ouis.tsv; returns the path written and the number of vendor prefixes."""
    import netaddr

    paths = (nmap_file,) if nmap_file else NMAP_PREFIX_FILES
    table = build_table(load(), nmap_paths=paths)
    used = next((p for p in paths if p.is_file()), None)
    sources = [f"IEEE MA-L registry as shipped in netaddr {netaddr.__version__} (netaddr/eui/oui.txt)"]
    if used is not None:
        sources.append(f"nmap-mac-prefixes: {nmap_label or used}")
    target = Path(str(resources.files("scanner.knowledge") / SHIPPED))
    target.write_text(write_tsv(table, sources), encoding="utf-8")
    return str(target), sum(1 for r in table.records() if r.entity)


def ouis() -> tuple[list[str], str]:
    """The shipped MAC prefix table (prefix, entity, registry, registrant) and where it came from."""
    table = oui_table()
    rows = [f"{r.prefix}\t{r.entity}\t{r.registry}\t{r.registrant}" for r in table.records() if r.entity]
    per = Counter(r.entity for r in table.records() if r.entity)
    return rows, f"{sum(per.values())} prefixes from {', '.join(table.registries_used)}: {dict(per)}"
