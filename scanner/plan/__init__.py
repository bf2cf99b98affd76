"""Removal plans (pure): from an inventory of sponsor hardware to phased, costed, mitigated replacement."""

from __future__ import annotations

from scanner.plan.config import PlanConfig, PlanConfigError, load_config, parse_config
from scanner.plan.planner import Phase, Plan, PlannedDevice, build_plan, redact

__all__ = ["Phase", "Plan", "PlanConfig", "PlanConfigError", "PlannedDevice", "build_plan", "load_config",
           "parse_config", "redact"]
