"""Removal plans: phase ordering with reasons, cost arithmetic, budgets and dates, re-scan checks, redaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from scanner.plan import PlanConfig, PlanConfigError, build_plan, parse_config, redact


def dev(site: str, ip: str, cls: str = "ip-camera", **kw: Any) -> dict[str, Any]:
    base = {"site": site, "ip": ip, "vendor": "hikvision", "brand": "hikvision", "model": "DS-2CD2142FWD-I",
            "serial": f"S{ip}", "mac": None, "firmware": "V5.5.0 build 170725", "device_class": cls, "flagged": True,
            "status": "active", "cves": [], "detail": {"cves": [], "risks": []}}
    base.update(kw)
    return base


TODAY = dt.date(2026, 12, 1)


def test_phases_follow_risk_with_a_reason_for_every_device() -> None:
    cfg = parse_config({"sites": {"hq": "critical"}, "exposed": ["branch/10.0.0.9"]})
    devices = [
        dev("branch", "10.0.0.2"),
        dev("branch", "10.0.0.3", "nvr"),
        dev("hq", "10.1.0.2"),
        dev("branch", "10.0.0.4", detail={"cves": [{"id": "CVE-2021-36260", "kev": True, "confidence": "low"}], "risks": []}),
        dev("branch", "10.0.0.5", detail={"cves": [], "risks": ["not activated: SADP reports no admin password"]}),
        dev("branch", "10.0.0.9"),
        dev("branch", "10.0.0.6", flagged=False, vendor=None),  # not sponsor hardware: not in the plan
        dev("branch", "10.0.0.7", status="replaced"),  # done already
    ]
    plan = build_plan(devices, cfg, today=TODAY)
    order = [(p.number, p.title, [d.ip for d in p.devices]) for p in plan.phases]
    assert order == [
        (1, "Urgent: exploited or exposed", ["10.0.0.4", "10.0.0.5", "10.0.0.9"]),
        (2, "Recorders first", ["10.0.0.3"]),
        (3, "Critical sites", ["10.1.0.2"]),
        (4, "Everything else", ["10.0.0.2"]),
    ]
    reasons = {d.ip: d.reasons for d in plan.devices}
    assert reasons["10.0.0.4"][0].startswith("KEV-listed (exploited) CVE at its firmware: CVE-2021-36260 (possibly")
    assert reasons["10.0.0.5"] == ["not activated: no admin password set"]
    assert reasons["10.0.0.9"] == ["reachable from outside the network"]
    assert "recorder: holds the footage" in reasons["10.0.0.3"][0]
    assert reasons["10.1.0.2"] == ["critical site"]
    assert all(d.reasons for d in plan.devices)


def test_cost_arithmetic_and_bill_of_materials() -> None:
    cfg = parse_config({"currency": "EUR", "hardware": {"ip-camera": 200, "nvr": 500}, "labour": {
        "rate": 50, "hours_per_device": 2, "hours": {"nvr": 5}}})
    plan = build_plan([dev("a", "10.0.0.1"), dev("a", "10.0.0.2"), dev("a", "10.0.0.3", "nvr"), dev("b", "10.2.0.1")],
                      cfg, today=TODAY)
    # cameras: 3 × (200 + 2 h × 50) = 900; recorder: 500 + 5 h × 50 = 750
    assert plan.total == pytest.approx(1650.0)
    rest = next(p for p in plan.phases if p.title == "Everything else")
    assert rest.bill_of_materials() == {"a": {"ip-camera": {"count": 2, "hardware": 400.0, "labour": 200.0}},
                                        "b": {"ip-camera": {"count": 1, "hardware": 200.0, "labour": 100.0}}}
    assert plan.currency == "EUR" and any("Labour at 50 EUR/h" in a for a in plan.assumptions)


def test_budget_caps_split_phases_and_due_dates_reach_the_target() -> None:
    cfg = parse_config({"hardware": {"ip-camera": 100}, "labour": {"rate": 0}, "budget_per_phase": 250,
                        "target_date": "2027-06-01"})
    plan = build_plan([dev("a", f"10.0.0.{i}") for i in range(1, 8)], cfg, today=TODAY)
    assert [len(p.devices) for p in plan.phases] == [2, 2, 2, 1]
    assert all(p.cost <= 250 for p in plan.phases)
    assert plan.phases[-1].due == dt.date(2027, 6, 1) and plan.phases[0].due > TODAY
    assert [p.number for p in plan.phases] == [1, 2, 3, 4]


def test_rescan_calls_out_replaced_devices_that_still_answer_and_progress_counts() -> None:
    devices = [dev("a", "10.0.0.1", status="replaced", mac="44:19:b6:00:00:01"), dev("a", "10.0.0.2", status="replaced"),
               dev("a", "10.0.0.3", status="isolated"), dev("a", "10.0.0.4")]
    rescan = [{"site": "a", "ip": "10.0.0.77", "mac": "44:19:B6:00:00:01", "flagged": True},  # moved, same MAC
              {"site": "a", "ip": "10.0.0.3", "flagged": True}, {"site": "a", "ip": "10.0.0.4", "flagged": True}]
    plan = build_plan(devices, PlanConfig(), today=TODAY, rescan=rescan)
    assert [v["ip"] for v in plan.verification] == ["10.0.0.1"]
    assert plan.progress["a"] == {"flagged": 4, "replaced": 2, "isolated": 1, "risk-accepted": 0, "remaining": 2}
    assert {d.ip for d in plan.devices} == {"10.0.0.3", "10.0.0.4"}


def test_mitigations_and_criteria() -> None:
    plan = build_plan([dev("a", "10.0.0.1", vendor="dahua", detail={"cves": [{"id": "CVE-2017-9315"}], "risks": []}),
                       dev("a", "10.0.0.2", "nvr")], PlanConfig(), today=TODAY)
    dahua = next(d for d in plan.devices if d.vendor == "dahua")
    assert any("Dahua P2P" in m for m in dahua.mitigations) and any("CVE-2017-9315" in m for m in dahua.mitigations)
    assert any("UPnP" in m for m in dahua.mitigations)
    assert any("ONVIF Profile S and T" in c for c in plan.criteria["ip-camera"])
    assert any("Profile G" in c for c in plan.criteria["nvr"])
    assert any("wipe" in s.lower() for s in plan.decommission) and any("footage" in s for s in plan.decommission)


def test_redaction_of_secrets_in_free_text() -> None:
    assert redact("rtsp://admin:s3cret@10.0.0.5/stream") == "rtsp://admin:***@10.0.0.5/stream"
    assert redact("password=hunter2 token: sw_abc") == "password=*** token: ***"
    assert redact("nothing to hide") == "nothing to hide"


def test_bad_plan_files_are_clear_errors() -> None:
    for doc, message in (({"hardware": {"nvr": -1}}, "hardware.nvr"), ({"sites": {"hq": "vital"}}, "sites.hq"),
                         ({"target_date": "soon"}, "target_date"), ({"labour": {"rate": "a lot"}}, "labour.rate")):
        with pytest.raises(PlanConfigError, match=message):
            parse_config(doc)


def test_burndown_from_status_history() -> None:
    devices = [dev("a", f"10.0.0.{i}", status="replaced" if i < 3 else "active") for i in range(1, 6)]
    history = [{"site": "a", "status": "replaced", "at": "2026-11-02T10:00:00+00:00"},
               {"site": "a", "status": "isolated", "at": "2026-11-03T10:00:00+00:00"},
               {"site": "a", "status": "replaced", "at": "2026-11-05T09:00:00+00:00"}]
    plan = build_plan(devices, PlanConfig(), today=TODAY, history=history)
    assert plan.burndown == {"a": [{"date": "2026-11-02", "remaining": 4}, {"date": "2026-11-05", "remaining": 3}]}
