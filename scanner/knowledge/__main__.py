"""`python -m scanner.knowledge check|stats|ouis`: validate the knowledge base and show what it holds."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from scanner.knowledge import KnowledgeError, load, oui_table
from scanner.knowledge.validate import problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scanner.knowledge", description=__doc__)
    parser.add_argument("command", choices=["check", "stats", "ouis"])
    args = parser.parse_args(argv)
    try:
        kb = load()
    except KnowledgeError as exc:
        print(f"knowledge base unreadable: {exc}", file=sys.stderr)
        return 1
    if args.command == "check":
        from scanner.knowledge.cves import cve_problems, load_cves
        from scanner.knowledge.fingerprints import problems as rule_problems
        from scanner.knowledge.fingerprints import rules

        found = problems(kb) + rule_problems(rules(), kb) + cve_problems(load_cves(), kb)
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print(f"{len(found)} problem(s) in the knowledge base", file=sys.stderr)
            return 1
        print(f"knowledge base OK: {len(kb.sources)} sources, {len(kb.entities)} entities, "
              f"{len(kb.relations)} relations, {len(kb.designations)} designations, {len(kb.families)} families, "
              f"{sum(map(len, rules().values()))} fingerprint rules, {len(load_cves())} CVEs")
        return 0
    if args.command == "stats":
        aliases = Counter(a.lang for e in kb.entities.values() for a in e.aliases)
        print("aliases by language:", dict(sorted(aliases.items())))
        for des in kb.designations.values():
            print(f"{des.id}: {len(des.entries)} entries")
        return 0
    table = oui_table()
    per = Counter(r.entity for r in table.records() if r.entity)
    for rec in table.records():
        if rec.entity:
            print(f"{rec.prefix}\t{rec.entity}\t{rec.registry}\t{rec.registrant}")
    print(f"# {sum(per.values())} prefixes from {', '.join(table.registries_used)}: {dict(per)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
