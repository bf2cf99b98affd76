"""Inventory → removal plan: phases ordered by risk with a reason per device, costs per site and phase, criteria
for replacements, interim mitigations, decommissioning steps, progress and re-scan verification. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from scanner.identify.device import device_key
from scanner.plan.config import PlanConfig

RECORDERS = {"nvr", "dvr", "recorder"}
CLOUD = {  # vendor cloud / P2P services to block while the device stays in place
    "hikvision": "Hik-Connect / EZVIZ cloud and P2P (outbound to the vendor's cloud)",
    "dahua": "Dahua P2P / DMSS / Imou cloud (outbound to the vendor's cloud)",
}
TIERS = (
    ("urgent", "Urgent: exploited or exposed"),
    ("recorders", "Recorders first"),
    ("critical-sites", "Critical sites"),
    ("rest", "Everything else"),
)
_SECRET = re.compile(r"(?i)(://[^/\s:@]+:)[^@\s/]+@|((?:pass(?:word)?|pwd|token|secret|authorization)\s*[=:]\s*)\S+")


def redact(text: str) -> str:
    """Remove credentials from free text (URLs with user:password@, password=…, tokens)."""
    return _SECRET.sub(lambda m: (m.group(1) + "***@") if m.group(1) else (m.group(2) + "***"), text)


@dataclass
class PlannedDevice:
    site: str
    ip: str
    key: str
    vendor: str
    brand: str | None
    model: str | None
    serial: str | None
    firmware: str | None
    device_class: str
    status: str
    tier: str
    reasons: list[str]
    hardware_cost: float
    labour_cost: float
    mitigations: list[str]
    cves: list[str]
    phase: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in PLAN_FIELDS}


# A planned device as every output shows it (JSON keys, CSV and XLSX columns), in this order.
PLAN_FIELDS = ("phase", "tier", "site", "ip", "vendor", "brand", "model", "serial", "firmware", "device_class",
               "status", "hardware_cost", "labour_cost", "reasons", "cves", "mitigations")


@dataclass
class Phase:
    number: int
    title: str
    tiers: list[str]
    devices: list[PlannedDevice] = field(default_factory=list)
    due: dt.date | None = None

    @property
    def cost(self) -> float:
        return sum(d.hardware_cost + d.labour_cost for d in self.devices)

    def bill_of_materials(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per site, per device class: count, hardware, labour."""
        bom: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: {
            "count": 0.0, "hardware": 0.0, "labour": 0.0}))
        for d in self.devices:
            row = bom[d.site][d.device_class]
            row["count"] += 1
            row["hardware"] += d.hardware_cost
            row["labour"] += d.labour_cost
        return {s: dict(c) for s, c in sorted(bom.items())}


@dataclass
class Plan:
    generated: dt.date
    currency: str
    assumptions: list[str]
    phases: list[Phase]
    criteria: dict[str, list[str]]
    decommission: list[str]
    progress: dict[str, dict[str, int]]
    verification: list[dict[str, Any]]
    covered_brands: list[str]
    burndown: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def devices(self) -> list[PlannedDevice]:
        return [d for p in self.phases for d in p.devices]

    @property
    def total(self) -> float:
        return sum(p.cost for p in self.phases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated": self.generated.isoformat(), "currency": self.currency, "assumptions": self.assumptions,
            "total_cost": round(self.total, 2), "devices": len(self.devices),
            "phases": [{"number": p.number, "title": p.title, "tiers": p.tiers,
                        "due": p.due.isoformat() if p.due else None, "cost": round(p.cost, 2),
                        "bill_of_materials": p.bill_of_materials(),
                        "devices": [d.to_dict() for d in p.devices]} for p in self.phases],
            "replacement_criteria": self.criteria, "decommission": self.decommission, "progress": self.progress,
            "verification": self.verification, "covered_brands": self.covered_brands, "burndown": self.burndown,
        }


def _detail(d: dict[str, Any]) -> dict[str, Any]:
    detail = d.get("detail")
    return detail if isinstance(detail, dict) else {}


def _cves(d: dict[str, Any]) -> list[dict[str, Any]]:
    detail = _detail(d)
    raw = detail.get("cves") if detail.get("cves") is not None else d.get("cves", [])
    out = []
    for c in raw or []:
        if isinstance(c, dict):
            out.append(c)
        elif isinstance(c, str):
            out.append({"id": c, "kev": bool(d.get("kev")), "cvss": None})
    return out


def _risks(d: dict[str, Any]) -> list[str]:
    detail = _detail(d)
    return [str(r) for r in (detail.get("risks") or d.get("risks") or [])]


def classify(d: dict[str, Any], cfg: PlanConfig) -> tuple[str, list[str]]:
    """The tier a device falls in, with every reason that applies (the first one decides the tier)."""
    reasons = []
    cves = _cves(d)
    kev = [c for c in cves if c.get("kev")]
    critical = [c for c in cves if (c.get("cvss") or 0) >= 9.0 and not c.get("kev")]

    def names(items: list[dict[str, Any]]) -> str:
        return ", ".join(c["id"] + (" (possibly: the affected range is not fully known)" if c.get("confidence") == "low"
                                    else "") for c in items)

    if kev:
        reasons.append(f"KEV-listed (exploited) CVE at its firmware: {names(kev)}")
    if critical:
        reasons.append(f"critical CVE at its firmware: {names(critical)}")
    if d["ip"] in cfg.exposed or f"{d['site']}/{d['ip']}" in cfg.exposed:
        reasons.append("reachable from outside the network")
    if any("not activated" in r for r in _risks(d)):
        reasons.append("not activated: no admin password set")
    tier = "urgent" if reasons else ""
    cls = d.get("device_class") or "unknown"
    if cls in RECORDERS:
        reasons.append("recorder: holds the footage and reaches every camera behind it")
        tier = tier or "recorders"
    level = cfg.criticality(d["site"])
    if level != "normal":
        reasons.append(f"{level} site")
        tier = tier or "critical-sites"
    if not reasons:
        reasons.append("sponsor hardware without an aggravating risk")
    return tier or "rest", reasons


def mitigations(d: dict[str, Any]) -> list[str]:
    vendor = d.get("vendor") or ""
    out = ["Isolate on a camera VLAN with no route to the office network and no internet access",
           f"Block outbound traffic, including {CLOUD.get(vendor, 'vendor cloud and P2P services')}",
           "Disable UPnP on the device and on the router in front of it",
           "Replace default or shared passwords with unique ones; remove unused accounts"]
    if _cves(d):
        out.append("Update the firmware to a vendor build that fixes " + ", ".join(c["id"] for c in _cves(d))
                   + " (check the vendor advisory) until the device is replaced")
    if any("not activated" in r for r in _risks(d)):
        out.insert(0, "Activate it with a strong password now, or disconnect it")
    return out


CRITERIA_COMMON = ["Not made by a covered company (NDAA §889 / FCC Covered List: Hikvision, Dahua, Huawei, ZTE, "
                   "Hytera) or any of their subsidiaries, brands or OEM relabels (see the covered brands below)",
                   "Vendor publishes security advisories and firmware updates for at least 5 years"]
CRITERIA = {
    "ip-camera": ["ONVIF Profile S and T conformant", "At least the resolution of the camera it replaces",
                  "Same lens type (fixed / varifocal) and field of view", "Same PoE class (802.3af/at) and form factor "
                  "(bullet, dome, turret) so mounts and cabling can stay"],
    "ptz": ["ONVIF Profile S and T with PTZ", "Equal or better optical zoom and IR range",
            "Same PoE class (802.3at/bt) and mounting"],
    "analog-camera": ["A like-for-like analogue camera only with a non-covered recorder; otherwise plan an IP camera "
                      "(ONVIF Profile S/T) and re-cabling"],
    "thermal": ["ONVIF Profile S/T thermal or bi-spectrum camera with equal thermal resolution and detection range"],
    "nvr": ["ONVIF Profile S/T client with Profile G recording", "Channels and storage for every camera it records",
            "PoE ports if it powers cameras today"],
    "dvr": ["Hybrid recorder for the existing analogue cameras, or an NVR if they are replaced by IP cameras"],
    "recorder": ["ONVIF Profile G recording with enough channels and storage"],
    "intercom": ["SIP- or ONVIF-Profile-A/C-capable door station or monitor compatible with the rest of the system"],
    "access-control": ["Reader/terminal supporting the site's credential technology and ONVIF Profile A/C or OSDP"],
    "accessory": ["A mount, box or bracket fitting the replacement device"],
    "storage": ["Storage from a non-covered manufacturer with the recorder's supported interface"],
    "unknown": ["A device of equivalent function from a non-covered manufacturer"],
}
DECOMMISSION = [
    "Export the footage you must keep under your retention policy (or legal hold) before removal",
    "Record model, serial and MAC in the disposal log",
    "Remove the device from the video-management system and revoke its accounts",
    "Wipe the recorder disks (overwrite or shred) and factory-reset the device",
    "Re-scan the site: a device marked replaced must no longer answer",
]


def build_plan(devices: list[dict[str, Any]], cfg: PlanConfig, *, today: dt.date | None = None,
               sites: list[str] | None = None, rescan: list[dict[str, Any]] | None = None,
               covered_brands: list[str] | None = None, history: list[dict[str, Any]] | None = None) -> Plan:
    """Plan the removal of the flagged devices. `devices` are inventory rows (site, ip, vendor, model, …, status);
    `rescan` is the newest scan of the same sites, used to check devices already marked replaced."""
    today = today or dt.date.today()
    rows = [d for d in devices if (not sites or d.get("site") in sites)]
    flagged = [d for d in rows if d.get("flagged")]
    open_items = [d for d in flagged if d.get("status", "active") != "replaced"]
    planned: list[PlannedDevice] = []
    order = {t: i for i, (t, _) in enumerate(TIERS)}
    level_order = {"critical": 0, "high": 1, "normal": 2}
    for d in open_items:
        tier, reasons = classify(d, cfg)
        cls = d.get("device_class") or "unknown"
        planned.append(PlannedDevice(
            site=str(d["site"]), ip=str(d["ip"]), key=device_key(d), vendor=str(d.get("vendor")), brand=d.get("brand"),
            model=d.get("model"), serial=d.get("serial"), firmware=d.get("firmware"), device_class=cls,
            status=str(d.get("status", "active")), tier=tier, reasons=reasons,
            hardware_cost=cfg.hardware_cost(cls), labour_cost=cfg.labour_cost(cls),
            mitigations=mitigations(d), cves=[c["id"] for c in _cves(d)]))
    planned.sort(key=lambda p: (order[p.tier], level_order[cfg.criticality(p.site)], p.device_class not in RECORDERS,
                                p.site, tuple(int(x) if x.isdigit() else 0 for x in p.ip.split("."))))
    phases: list[Phase] = []
    for tier, title in TIERS:
        members = [p for p in planned if p.tier == tier]
        if not members:
            continue
        chunk: list[PlannedDevice] = []
        spent = 0.0
        for p in members:
            cost = p.hardware_cost + p.labour_cost
            if cfg.budget_per_phase and chunk and spent + cost > cfg.budget_per_phase:
                phases.append(Phase(len(phases) + 1, title, [tier], chunk))
                chunk, spent = [], 0.0
            chunk.append(p)
            spent += cost
        phases.append(Phase(len(phases) + 1, title, [tier], chunk))
    for ph in phases:
        for p in ph.devices:
            p.phase = ph.number
    if cfg.target_date and phases:
        span = max((cfg.target_date - today).days, len(phases))
        for i, ph in enumerate(phases, 1):
            ph.due = today + dt.timedelta(days=round(span * i / len(phases)))
    progress: dict[str, dict[str, int]] = {}
    for site in sorted({str(d["site"]) for d in flagged}):
        counts = Counter(str(d.get("status", "active")) for d in flagged if d["site"] == site)
        progress[site] = {"flagged": sum(counts.values()), "replaced": counts["replaced"],
                          "isolated": counts["isolated"], "risk-accepted": counts["risk-accepted"],
                          "remaining": sum(counts.values()) - counts["replaced"]}
    verification = []
    if rescan is not None:
        seen = {device_key(d): d for d in rescan}
        by_ip = {(str(d.get("site", "")), str(d.get("ip"))): d for d in rescan}
        for d in flagged:
            if d.get("status") != "replaced":
                continue
            again = seen.get(device_key(d)) or by_ip.get((str(d["site"]), str(d["ip"])))
            if again is not None and again.get("flagged"):
                verification.append({"site": d["site"], "ip": d["ip"], "model": d.get("model"),
                                     "serial": d.get("serial"),
                                     "problem": "marked replaced but still answers in the latest scan"})
    criteria = {cls: CRITERIA_COMMON + CRITERIA.get(cls, CRITERIA["unknown"])
                for cls in sorted({p.device_class for p in planned})}
    return Plan(generated=today, currency=cfg.currency, assumptions=cfg.assumptions(), phases=phases, criteria=criteria,
                decommission=list(DECOMMISSION), progress=progress, verification=verification,
                covered_brands=covered_brands or [], burndown=burndown(progress, history or []))


def burndown(progress: dict[str, dict[str, int]], history: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per site, the sponsor devices still in place after each day a device was marked replaced."""
    out: dict[str, list[dict[str, Any]]] = {}
    for site, counts in progress.items():
        days = Counter(str(h["at"])[:10] for h in history if h.get("site") == site and h.get("status") == "replaced")
        left = counts["flagged"]
        series = []
        for day in sorted(days):
            left -= days[day]
            series.append({"date": day, "remaining": max(left, counts["remaining"])})
        if series:
            out[site] = series
    return out
