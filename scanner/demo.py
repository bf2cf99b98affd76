"""The main job on the embedded default: start the simulated device lab, scan it, inventory it, plan removal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scanner.discovery.scan import ScanOptions
from scanner.lab import DEFAULT_FLEET, Lab, LabThread
from scanner.plan import Plan, PlanConfig, make_plan, render
from scanner.session import AUTO, ScanResult, ScanSession
from scanner.storage import Inventory

DEMO_SITE = "demo-lab"
LAB_BASE = "127.0.0.10"


@dataclass
class DemoResult:
    lab: Lab
    scan: ScanResult
    inventory: Inventory
    plan: Plan | None
    plan_path: Path | None


def run_demo(db: str | None = None, out_dir: Path = Path("instance"), *,
             on_lab: Callable[[Lab], None] | None = None,
             run: Callable[[ScanSession], ScanResult] | None = None) -> DemoResult:
    """Start the lab on loopback, scan 127.0.0.0/24 (scope guard: loopback only), record the devices as site
    "demo-lab" and, when the scan finished, write the removal plan to out_dir/plan.html. `run` drives the
    session (the CLI passes one with a progress bar and Ctrl-C handling); LabError when the lab cannot start."""
    import asyncio

    lab = Lab(DEFAULT_FLEET, base=LAB_BASE, multicast=True, mdns=True)
    runner = LabThread(lab).start()
    try:
        if on_lab is not None:
            on_lab(lab)
        inventory = Inventory(db)
        session = ScanSession.open(inventory, ["127.0.0.0/24"], ScanOptions(multicast_if=AUTO, mdns=True),
                                   scope="127.0.0.0/8")
        result = run(session) if run is not None else asyncio.run(session.run())
        session.record_site(result, DEMO_SITE)
        plan = plan_path = None
        if result.status == "finished":
            plan = make_plan(inventory.plan_inputs([DEMO_SITE]), PlanConfig(), [DEMO_SITE])
            out_dir.mkdir(parents=True, exist_ok=True)
            plan_path = out_dir / "plan.html"
            plan_path.write_bytes(render(plan, "html"))
        return DemoResult(lab, result, inventory, plan, plan_path)
    finally:
        runner.stop()
