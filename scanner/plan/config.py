"""Plan settings: unit costs, labour, site criticality, budgets, target date (a TOML file, defaults below).

The default costs are placeholders to be replaced with your own quotes; every plan shows the figures it used.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from typing import Any

DEFAULT_HARDWARE = {  # replacement unit cost per device class, in `currency` (assumed, not sourced prices)
    "ip-camera": 180.0, "ptz": 900.0, "analog-camera": 120.0, "thermal": 2500.0, "nvr": 450.0, "dvr": 350.0,
    "recorder": 450.0, "intercom": 300.0, "access-control": 350.0, "accessory": 25.0, "storage": 100.0,
    "unknown": 250.0,
}
DEFAULT_LABOUR_HOURS = {"nvr": 4.0, "dvr": 4.0, "recorder": 4.0, "ptz": 2.5, "thermal": 3.0, "accessory": 0.25}
LEVELS = ("critical", "high", "normal")


class PlanConfigError(ValueError):
    """The plan file cannot be used as given."""


@dataclass
class PlanConfig:
    currency: str = "USD"
    hardware: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_HARDWARE))
    labour_rate: float = 60.0  # per hour
    labour_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LABOUR_HOURS))
    default_labour_hours: float = 1.5
    site_criticality: dict[str, str] = field(default_factory=dict)
    budget_per_phase: float | None = None
    target_date: dt.date | None = None
    exposed: set[str] = field(default_factory=set)  # "site/ip" or "ip" of devices reachable from outside
    source: str = "defaults"

    def hardware_cost(self, device_class: str | None) -> float:
        return self.hardware.get(device_class or "unknown", self.hardware.get("unknown", 0.0))

    def labour_cost(self, device_class: str | None) -> float:
        return self.labour_hours.get(device_class or "unknown", self.default_labour_hours) * self.labour_rate

    def criticality(self, site: str) -> str:
        return self.site_criticality.get(site, "normal")

    def assumptions(self) -> list[str]:
        out = [("Costs are placeholder defaults, not quotes: replace them with your own (sponsorwatch plan --costs "
                "FILE)" if self.source == "defaults" else f"Costs from {self.source}") + f"; currency {self.currency}.",
               f"Labour at {self.labour_rate:g} {self.currency}/h; {self.default_labour_hours:g} h per device "
               "unless listed: " + ", ".join(f"{k} {v:g} h" for k, v in sorted(self.labour_hours.items())) + ".",
               "Hardware per device: " + ", ".join(f"{k} {v:g}" for k, v in sorted(self.hardware.items())) + "."]
        if self.budget_per_phase:
            out.append(f"Each phase is capped at a budget of {self.budget_per_phase:,.0f} {self.currency}.")
        if self.target_date:
            out.append(f"Target date for the last phase: {self.target_date.isoformat()}.")
        return out


def _num(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PlanConfigError(f"{where} must be a non-negative number")
    return float(value)


def parse_config(doc: dict[str, Any], source: str = "plan file") -> PlanConfig:
    cfg = PlanConfig(source=source)
    cfg.currency = str(doc.get("currency", cfg.currency))[:8]
    for cls, value in dict(doc.get("hardware", {})).items():
        cfg.hardware[str(cls)] = _num(value, f"hardware.{cls}")
    labour = dict(doc.get("labour", {}))
    if "rate" in labour:
        cfg.labour_rate = _num(labour["rate"], "labour.rate")
    if "hours_per_device" in labour:
        cfg.default_labour_hours = _num(labour["hours_per_device"], "labour.hours_per_device")
    for cls, value in dict(labour.get("hours", {})).items():
        cfg.labour_hours[str(cls)] = _num(value, f"labour.hours.{cls}")
    for site, level in dict(doc.get("sites", {})).items():
        if level not in LEVELS:
            raise PlanConfigError(f"sites.{site} must be one of {', '.join(LEVELS)}")
        cfg.site_criticality[str(site)] = str(level)
    if "budget_per_phase" in doc:
        cfg.budget_per_phase = _num(doc["budget_per_phase"], "budget_per_phase") or None
    if "target_date" in doc:
        value = doc["target_date"]
        try:
            cfg.target_date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise PlanConfigError("target_date must be YYYY-MM-DD") from exc
    cfg.exposed = {str(x) for x in doc.get("exposed", [])}
    return cfg


def load_config(path: str | None) -> PlanConfig:
    if not path:
        return PlanConfig()
    try:
        with open(path, "rb") as fh:
            return parse_config(tomllib.load(fh), source=path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PlanConfigError(f"{path}: {exc}") from exc
