"""MAC prefix → vendor table, derived from maintained registries through the registrant rules in vendors.toml.

Nothing here is typed in by hand: the IEEE MA-L registry shipped with netaddr and nmap's fuller
`nmap-mac-prefixes` (which also has MA-M/MA-S blocks of 7 and 9 hex digits) are read by `sponsorwatch kb ouis
--write`, and the derived table ships as package data (ouis.tsv), so a verdict does not depend on which nmap
is installed. Lookups use the longest matching prefix, so an unrelated /28 inside a vendor's /24 is not
misattributed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from scanner.knowledge.model import KnowledgeBase

SHIPPED = "ouis.tsv"
NMAP_PREFIX_FILES = (
    Path("/usr/share/nmap/nmap-mac-prefixes"),
    Path("/usr/local/share/nmap/nmap-mac-prefixes"),
)
_HEX = re.compile(r"[0-9A-F]+")


@dataclass(frozen=True)
class OuiRecord:
    prefix: str  # upper-case hex digits, 6, 7 or 9 long
    registrant: str
    entity: str
    registry: str  # "ieee" or "nmap"


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def ieee_lines() -> Iterator[tuple[str, str]]:
    """(prefix, registrant) pairs from netaddr's copy of the IEEE MA-L registry."""
    path = resources.files("netaddr.eui") / "oui.txt"
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if "(base 16)" in line:
                prefix, _, org = line.partition("(base 16)")
                yield prefix.strip().upper(), org.strip()


def nmap_lines(paths: Iterable[Path] = NMAP_PREFIX_FILES) -> Iterator[tuple[str, str]]:
    """(prefix, registrant) pairs from nmap's nmap-mac-prefixes, if nmap is installed."""
    for path in paths:
        if not path.is_file():
            continue
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.strip() or line.startswith("#"):
                    continue
                prefix, _, org = line.strip().partition(" ")
                yield prefix.upper(), org.strip()
        return


def derive(kb: KnowledgeBase, registries: dict[str, Iterable[tuple[str, str]]]) -> list[OuiRecord]:
    """Apply the registrant-name rules to registry lines; first rule (file order) wins."""
    rules = [(_squash(r), ent.id) for ent in kb.entities.values() for r in ent.oui_registrants]
    records: dict[str, OuiRecord] = {}
    for registry, lines in registries.items():
        for prefix, org in lines:
            if not _HEX.fullmatch(prefix) or len(prefix) not in (6, 7, 9):
                continue
            squashed = _squash(org)
            for rule, entity in rules:
                if squashed.startswith(rule):
                    records.setdefault(prefix, OuiRecord(prefix, org, entity, registry))
                    break
    return sorted(records.values(), key=lambda r: r.prefix)


class OuiTable:
    """Longest-prefix lookup of a MAC address in the derived records."""

    def __init__(self, records: Iterable[OuiRecord], registries_used: tuple[str, ...] = ()) -> None:
        self._by_len: dict[int, dict[str, OuiRecord]] = {6: {}, 7: {}, 9: {}}
        for rec in records:
            self._by_len[len(rec.prefix)][rec.prefix] = rec
        self.registries_used = registries_used

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_len.values())

    def records(self) -> list[OuiRecord]:
        return sorted((r for v in self._by_len.values() for r in v.values()), key=lambda r: r.prefix)

    def lookup(self, mac: str) -> OuiRecord | None:
        digits = re.sub(r"[^0-9A-Fa-f]", "", mac).upper()
        if len(digits) < 6:
            return None
        for n in (9, 7, 6):
            rec = self._by_len[n].get(digits[:n])
            if rec is not None:
                return rec if rec.entity else None
        return None


def build_table(kb: KnowledgeBase, nmap_paths: Iterable[Path] = NMAP_PREFIX_FILES) -> OuiTable:
    """Derive the table from netaddr's IEEE data plus nmap's file where present.

    Unrelated MA-M/MA-S blocks inside a vendor's MA-L block (nmap has e.g. 402C761 Shanghai Dahua Scale
    Factory) are recorded as non-vendor so the longest-prefix lookup does not fall through to the /24.
    """
    nmap = list(nmap_lines(nmap_paths))
    registries: dict[str, Iterable[tuple[str, str]]] = {"ieee": list(ieee_lines())}
    if nmap:
        registries["nmap"] = nmap
    records = derive(kb, registries)
    vendor_prefixes = {r.prefix for r in records}
    blockers = [
        OuiRecord(prefix, org, "", "nmap")
        for prefix, org in nmap
        if len(prefix) > 6 and prefix not in vendor_prefixes and prefix[:6] in vendor_prefixes
    ]
    return OuiTable([*records, *blockers], tuple(registries))


def write_tsv(table: OuiTable, sources: list[str]) -> str:
    """The table as shipped: one `prefix<TAB>entity<TAB>registry<TAB>registrant` line each (entity empty for
    the unrelated blocks inside a vendor's block), after a header naming the registries it came from."""
    lines = ["# MAC prefixes of the vendors in vendors.toml, derived by `sponsorwatch kb ouis --write` from:",
             *(f"#   {s}" for s in sources),
             "# Columns: prefix (6, 7 or 9 hex digits), entity (empty: an unrelated block inside a vendor's),",
             "# registry, registrant as registered. Do not edit by hand: regenerate."]
    lines += [f"{r.prefix}\t{r.entity}\t{r.registry}\t{r.registrant}" for r in table.records()]
    return "\n".join(lines) + "\n"


def read_tsv(text: str) -> OuiTable:
    records = []
    registries: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or not _HEX.fullmatch(parts[0]) or len(parts[0]) not in (6, 7, 9):
            raise ValueError(f"{SHIPPED} line {n}: not 'prefix<TAB>entity<TAB>registry<TAB>registrant'")
        records.append(OuiRecord(parts[0], parts[3], parts[1], parts[2]))
        if parts[2] not in registries:
            registries.append(parts[2])
    return OuiTable(records, tuple(registries))


def shipped_table() -> OuiTable:
    """The table shipped with the package (what the scanner uses)."""
    return read_tsv((resources.files("scanner.knowledge") / SHIPPED).read_text(encoding="utf-8"))
