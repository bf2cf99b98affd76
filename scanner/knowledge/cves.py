"""CVE exposure from model and firmware strings alone (pure: nothing is ever sent to a device for this)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from scanner.knowledge.loader import KnowledgeError
from scanner.knowledge.model import KnowledgeBase
from scanner.knowledge.validate import check_refs

_HIK_BUILD = re.compile(r"V?(\d+(?:\.\d+)+)\s*build\s*(\d{2})(\d{2})(\d{2})", re.IGNORECASE)
_DAHUA_BUILD = re.compile(r"build(?: date)?\s*:?\s*(\d{4})-(\d{2})-(\d{2})", re.IGNORECASE)


def build_date(firmware: str | None) -> str | None:
    """The build date a firmware string carries, as YYYY-MM-DD (Hikvision 'build YYMMDD', Dahua 'build: …')."""
    if not firmware:
        return None
    m = _DAHUA_BUILD.search(firmware)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    m = _HIK_BUILD.search(firmware)
    if m:
        return f"20{m.group(2)}-{m.group(3)}-{m.group(4)}"
    return None


@dataclass(frozen=True)
class Range:
    models: re.Pattern[str]
    build_from: str | None = None
    build_to: str | None = None
    firmware: str | None = None  # for unaffected counter-examples: the exact firmware string


@dataclass(frozen=True)
class Cve:
    id: str
    vendor: str
    title: str
    cvss: float | None
    kev_added: str | None
    confidence: str
    sources: tuple[str, ...]
    affected: tuple[Range, ...]
    unaffected: tuple[Range, ...] = ()

    def judge(self, vendor: str | None, model: str | None, firmware: str | None) -> dict[str, Any] | None:
        """A finding if this device's model and firmware fall in an affected range (None otherwise)."""
        if vendor != self.vendor or not model:
            return None
        model_u = model.upper()
        for r in self.unaffected:
            if r.models.search(model_u) and (r.firmware is None or r.firmware == firmware):
                return None
        built = build_date(firmware)
        for r in self.affected:
            if not r.models.search(model_u):
                continue
            if r.build_from or r.build_to:
                if built is None:
                    continue  # no build date: we do not guess
                if (r.build_from and built < r.build_from) or (r.build_to and built > r.build_to):
                    continue
            how = "possibly affected" if self.confidence == "low" else "affected"
            why = f"model {model}" + (f", firmware built {built}" if built else "")
            if not (r.build_from or r.build_to):
                why += " (any firmware: the vendor's fixed-version table is not available to us)"
            return {
                "id": self.id, "title": self.title, "cvss": self.cvss, "kev": self.kev_added is not None,
                "kev_added": self.kev_added, "confidence": self.confidence,
                "summary": f"{how} by {self.id}: {why}", "sources": list(self.sources),
            }
        return None


def _range(raw: dict[str, Any], where: str) -> Range:
    try:
        return Range(re.compile(str(raw["models"])), raw.get("build_from"), raw.get("build_to"), raw.get("firmware"))
    except (KeyError, re.error) as exc:
        raise KnowledgeError(f"{where}: bad range ({exc})") from exc


def parse_cves(doc: dict[str, Any]) -> list[Cve]:
    out = []
    for i, raw in enumerate(doc.get("cve", [])):
        where = f"cves.toml cve #{i + 1}"
        try:
            out.append(Cve(
                id=str(raw["id"]), vendor=str(raw["vendor"]), title=str(raw["title"]),
                cvss=float(raw["cvss"]) if "cvss" in raw else None, kev_added=raw.get("kev_added"),
                confidence=str(raw["confidence"]), sources=tuple(raw.get("sources", ())),
                affected=tuple(_range(r, where) for r in raw.get("affected", [])),
                unaffected=tuple(_range(r, where) for r in raw.get("unaffected", [])),
            ))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, KnowledgeError):
                raise
            raise KnowledgeError(f"{where}: missing or malformed field {exc}") from exc
    return out


@lru_cache(maxsize=1)
def load_cves() -> list[Cve]:
    text = (resources.files("scanner.knowledge") / "cves.toml").read_text(encoding="utf-8")
    try:
        return parse_cves(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"cves.toml: {exc}") from exc


def cve_problems(cves: list[Cve], kb: KnowledgeBase) -> list[str]:
    out = []
    for cve in cves:
        if not re.fullmatch(r"CVE-\d{4}-\d{4,}", cve.id):
            out.append(f"{cve.id}: not a CVE id")
        out.extend(check_refs(kb, cve.id, entity=cve.vendor, confidence=cve.confidence, sources=cve.sources))
        if not cve.affected:
            out.append(f"{cve.id}: no affected ranges")
    return out


def exposure(vendor: str | None, model: str | None, firmware: str | None) -> list[dict[str, Any]]:
    """All CVE findings for a device; KEV-listed first."""
    found = [f for cve in load_cves() if (f := cve.judge(vendor, model, firmware)) is not None]
    return sorted(found, key=lambda f: (not f["kev"], f["id"]))
