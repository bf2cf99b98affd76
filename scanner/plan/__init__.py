"""Removal plans: from an inventory of sponsor hardware to phased, costed, mitigated replacement, and the plan
rendered as HTML, CSV, JSON or XLSX. Pure: inventory rows in (Inventory.plan_inputs), plan and bytes out."""

from __future__ import annotations

from scanner.plan.config import PlanConfig, PlanConfigError, load_config, parse_config
from scanner.plan.planner import PLAN_FIELDS, Phase, Plan, PlannedDevice, build_plan, redact
from scanner.plan.render import FORMATS, covered_brands, make_plan, render

__all__ = ["FORMATS", "PLAN_FIELDS", "Phase", "Plan", "PlanConfig", "PlanConfigError", "PlannedDevice", "build_plan",
           "covered_brands", "load_config", "make_plan", "parse_config", "redact", "render"]
