"""The dashboard's forms and views without a browser, on SQLite and PostgreSQL: marking a selection is one
transaction that CSRF, roles and bad input cannot get past; search, numeric sort and exports of the filtered view;
the device page's grouped evidence and JSON; site pages with what is new and gone; dates in the reader's zone."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from scanner.plan import PlanConfig, make_plan
from server.web import present
from tests.server.conftest import Tokens, csrf, inventory, login
from tests.server.test_api import device


def fleet(app: Flask) -> dict[str, int]:
    """Twelve devices on two sites; their ids by address."""
    inv = inventory(app)
    devs = [device(f"10.9.0.{i}", mac=f"e8:a0:ed:00:00:{i:02x}", serial=f"DS{i:04d}",
                   model="DS-2CD2143G2-I" if i % 2 else "IPC-HDW5421S", vendor="hikvision" if i % 2 else "dahua",
                   brand="hikvision" if i % 2 else "dahua") for i in range(1, 11)]
    devs[2]["firmware"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    inv.ingest("odesa-port", {"id": "act-1"}, devs[:8])
    inv.ingest("dnipro_50%", {"id": "act-2"}, [*devs[8:], device("10.9.1.1", vendor=None, brand=None, flagged=False, model="M3106-L Mk II", serial=None)])
    inv.ingest("odesa-port", {"id": "act-3"}, [*devs[1:8], device("10.9.0.77", serial="NEW77")])
    rows, _ = inv.list_devices(limit=100)
    return {r["ip"]: r["id"] for r in rows}


def signed_in(app: Flask, token: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, token=token).status_code == 303
    return client


def bulk(client: FlaskClient, ids: list[Any], status: str = "replaced", note: str = "swapped", **extra: Any) -> Any:
    form = {"csrf_token": csrf(client, "/devices"), "id": [str(i) for i in ids], "status": status, "note": note,
            "back": "/devices?site=odesa-port", **extra}
    return client.post("/devices/status", data=form)


def statuses(app: Flask) -> dict[str, str]:
    rows, _ = inventory(app).list_devices(limit=100)
    return {r["ip"]: r["status"] for r in rows}


def test_marking_a_selection_is_one_audited_transaction(app: Flask, tokens: Tokens) -> None:
    ids = fleet(app)
    admin = signed_in(app, tokens["admin"])
    version = inventory(app).version()
    resp = bulk(admin, [ids["10.9.0.1"], ids["10.9.0.2"], ids["10.9.0.3"]], note="ticket 7")
    assert resp.status_code == 303 and resp.headers["Location"] == "/devices?site=odesa-port"
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Marked 3 devices replaced: ticket 7." in page
    marked = statuses(app)
    assert [marked[f"10.9.0.{i}"] for i in (1, 2, 3, 4)] == ["replaced"] * 3 + ["active"]
    assert inventory(app).version() == version + 1  # one change of the inventory: cached plans renew once
    detail = inventory(app).device_detail(ids["10.9.0.2"])
    assert detail is not None and detail["history"][-1] | {"at": None} == {
        "status": "replaced", "actor": "test-admin", "note": "ticket 7", "at": None}
    entries, _ = inventory(app).list_audit(action="device.status")
    assert sorted(e["target"] for e in entries) == sorted(f"device:{ids[f'10.9.0.{i}']}" for i in (1, 2, 3))
    assert {e["actor"] for e in entries} == {"token:test-admin"}


def test_progress_on_the_pages_is_the_plans(app: Flask, tokens: Tokens) -> None:
    ids = fleet(app)
    inv = inventory(app)
    inv.set_statuses([ids["10.9.0.2"], ids["10.9.0.9"]], "replaced", "t", "")
    inv.set_statuses([ids["10.9.0.3"]], "isolated", "t", "")
    inv.set_statuses([ids["10.9.1.1"]], "replaced", "t", "")  # not flagged: no part of the plan
    assert inv.removal_progress() == make_plan(inv.plan_inputs(None), PlanConfig()).progress
    assert inv.removal_progress()["odesa-port"] == {"flagged": 9, "replaced": 1, "isolated": 1, "risk-accepted": 0,
                                                    "remaining": 8}
    page = signed_in(app, tokens["viewer"]).get("/sites/odesa-port").get_data(as_text=True)
    assert "1 replaced, 1 isolated, 0 risk-accepted: 8 still to replace." in page


def test_a_bad_selection_changes_nothing(app: Flask, tokens: Tokens) -> None:
    ids = fleet(app)
    admin = signed_in(app, tokens["admin"])
    before = statuses(app)
    one = ids["10.9.0.4"]
    assert bulk(admin, [one, 987_654]).status_code == 404  # one of them does not exist: none is marked
    assert bulk(admin, [one], status="gone").status_code == 400
    assert bulk(admin, [one], note="x" * 2001).status_code == 400
    assert bulk(admin, ["4; DROP TABLE devices"]).status_code == 400
    assert bulk(admin, [2**63]).status_code == 400
    assert bulk(admin, list(range(1, 1002))).status_code == 400
    empty = bulk(admin, [])
    assert empty.status_code == 303 and "Select at least one device" in admin.get(
        empty.headers["Location"]).get_data(as_text=True)
    assert bulk(admin, [one], status="active", back="https://evil.example/").headers["Location"] == "/devices"
    no_csrf = admin.post("/devices/status", data={"id": [str(one)], "status": "replaced"})
    assert no_csrf.status_code == 400
    viewer = signed_in(app, tokens["viewer"])
    assert bulk(viewer, [one]).status_code == 403
    assert "form=\"bulk\"" not in viewer.get("/devices").get_data(as_text=True)  # viewers get no checkboxes
    assert statuses(app) == before


def test_search_sort_and_filters_in_the_url(app: Flask, tokens: Tokens) -> None:
    ids = fleet(app)
    client = signed_in(app, tokens["viewer"])

    def ips(query: str) -> list[str]:
        resp = client.get("/devices" + query)
        assert resp.status_code == 200, (query, resp.status_code)
        return re.findall(r'<td class="mono"><a href="/devices/\d+">([^<]+)</a>', resp.get_data(as_text=True))

    assert ips("?q=E8-A0-ED-00-00-0A") == ["10.9.0.10"]  # a MAC typed with dashes, any case
    assert ips("?q=ds0007") == ["10.9.0.7"]  # serial
    assert ips("?q=dnipro_") == ["10.9.0.9", "10.9.0.10", "10.9.1.1"]  # site name; "_" is no wildcard
    assert ips("?q=_50%25") == ["10.9.0.9", "10.9.0.10", "10.9.1.1"]
    assert ips("?q=%25") == ips("?q=_50%25")  # "%" is no wildcard either: only the site named with it
    assert ips("?q=o_e") == []
    assert ips("?site=odesa-port&sort=ip") == [f"10.9.0.{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 77)]
    assert ips("?site=odesa-port&sort=ip&dir=desc")[:3] == ["10.9.0.77", "10.9.0.8", "10.9.0.7"]
    assert ips("?vendor=dahua&site=odesa-port&sort=serial&dir=desc") == ["10.9.0.8", "10.9.0.6", "10.9.0.4",
                                                                         "10.9.0.2"]
    assert ips("?sort=model&q=10.9.1")[0] == "10.9.1.1"
    redirect = client.get("/devices?site=odesa-port&vendor=&class=&q=ds0001")
    assert redirect.status_code == 302 and redirect.headers["Location"] == "/devices?site=odesa-port&q=ds0001"
    for bad in ("?sort=ip;drop", "?dir=sideways", "?flagged=maybe", "?status=gone", "?q=" + "x" * 201, "?page=0"):
        assert client.get("/devices" + bad).status_code == 400, bad
    page = client.get("/devices?site=odesa-port&sort=ip&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page and "sort=ip&amp;dir=asc" in page  # the header flips it back
    assert ids["10.9.0.77"]


def test_exports_hold_the_filtered_view_with_formulas_defused(app: Flask, tokens: Tokens) -> None:
    fleet(app)
    client = signed_in(app, tokens["viewer"])
    client.set_cookie("sw_tz", "Asia/Tokyo")
    resp = client.get("/devices.csv?site=odesa-port&vendor=hikvision&sort=ip")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["IP"] for r in rows] == ["10.9.0.1", "10.9.0.3", "10.9.0.5", "10.9.0.7", "10.9.0.77"]
    hostile = next(r for r in rows if r["IP"] == "10.9.0.3")
    assert hostile["Firmware"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows[0]["Maker"] == "Hikvision" and rows[0]["Class"] == "IP camera"
    assert rows[0]["Last seen (Asia/Tokyo)"]
    book = load_workbook(io.BytesIO(client.get("/devices.xlsx?site=odesa-port&vendor=hikvision").data))
    sheet = book["Devices"]
    header = [c.value for c in sheet[2]]
    cell = next(r[header.index("Firmware")] for r in sheet.iter_rows(min_row=3)
                if r[header.index("IP")].value == "10.9.0.3")
    assert cell.data_type == "s" and cell.value == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert sheet.max_row == 2 + 5 and "site=odesa-port" in str(sheet["A1"].value)
    assert client.get("/devices.csv?sort=nope").status_code == 400


def test_device_page_groups_evidence_and_speaks_plain_words(app: Flask, tokens: Tokens) -> None:
    evidence = [{"source": "sadp", "detail": "Answers Hikvision SADP (only Hikvision firmware, including OEM "
                 "relabels, speaks it): 'ProbeMatch' (sadp reply from 10.8.0.2) [rule hik-sadp]", "vendor":
                 "hikvision", "weight": 0.9}] * 3 + [
        {"source": "realm", "detail": "Hikvision digest realm with the end of the serial: 'IP Camera(82005)' (401 "
         "from http://10.8.0.2/ISAPI/System/deviceInfo) [rule hik-ip-camera-realm]", "vendor": "hikvision",
         "weight": 0.9},
        {"source": "realm", "detail": "Hikvision digest realm with the end of the serial: 'IP Camera(82005)' (RTSP "
         "401 from rtsp://10.8.0.2:554/) [rule hik-ip-camera-realm]", "vendor": "hikvision", "weight": 0.9},
        {"source": "mac-oui", "detail": "MAC e8:a0:ed:00:00:01 is registered to Hangzhou Hikvision Digital "
         "Technology Co.,Ltd. (ieee)", "vendor": "hikvision", "weight": 0.6}]
    inv = inventory(app)
    inv.ingest("lutsk", {"id": "ev-1"}, [device("10.8.0.2", brand="hiwatch", relation="brand", evidence=evidence,
                                                device_class="nvr")])
    dev_id = inv.list_devices(site="lutsk")[0][0]["id"]
    client = signed_in(app, tokens["viewer"])
    page = client.get(f"/devices/{dev_id}").get_data(as_text=True)
    assert "Hikvision-made network video recorder sold as HiWatch (brand), identified by 3 independent signals" in page
    assert "Hikvision · HiWatch brand" in page
    assert page.count("Answers Hikvision SADP") == 1 and "3 distinct facts from 6 replies" in page
    assert re.search(r"digest realm with the end of the serial.*?<td>HTTP, RTSP</td>", page, re.S)
    assert 'id="status-form"' not in page  # viewers read; admins act
    doc = client.get(f"/devices/{dev_id}.json").get_json()
    assert [g["replies"] for g in doc["evidence_grouped"]] == [3, 2, 1]
    assert doc["evidence_grouped"][1]["protocols"] == ["HTTP", "RTSP"] and doc["maker_label"] == "Hikvision · HiWatch brand"
    download = client.get(f"/devices/{dev_id}.json?download=1")
    assert download.headers["Content-Disposition"] == f'attachment; filename="sponsorwatch-device-{dev_id}.json"'
    assert client.get("/devices/99999.json").status_code == 404


def test_site_page_shows_new_and_gone_since_the_previous_scan(app: Flask, tokens: Tokens) -> None:
    ids = fleet(app)
    client = signed_in(app, tokens["viewer"])
    page = client.get("/sites/odesa-port").get_data(as_text=True)
    new = page.split('id="new-devices"')[1].split("</table>")[0]
    gone = page.split('id="gone-devices"')[1].split("</table>")[0]
    assert "10.9.0.77" in new and f'href="/devices/{ids["10.9.0.77"]}"' in new and "10.9.0.1" not in new
    assert "10.9.0.1<" in gone and "10.9.0.77" not in gone  # 10.9.0.1 did not answer the second scan
    assert client.get("/sites/dnipro_50%25").status_code == 200
    assert client.get("/sites/nowhere").status_code == 404
    assert client.get("/sites/odesa-port?scan=act-2").status_code == 404  # another site's scan
    first = client.get("/sites/odesa-port?scan=act-1").get_data(as_text=True)
    assert "first scan: everything in it is new" in first


def test_dates_in_the_readers_zone(app: Flask, tokens: Tokens) -> None:
    fleet(app)
    client = signed_in(app, tokens["viewer"])
    assert 'data-tz="UTC"' in client.get("/devices").get_data(as_text=True)
    client.set_cookie("sw_tz", "../../etc/passwd")  # not a zone this system knows: ignored
    assert 'data-tz="UTC" data-tz-source="default"' in client.get("/").get_data(as_text=True)
    client.set_cookie("sw_tz", "America/New_York")
    assert 'data-tz="America/New_York" data-tz-source="browser"' in client.get("/").get_data(as_text=True)
    form = {"csrf_token": csrf(client, "/preferences"), "tz": "Asia/Kolkata"}
    assert client.post("/preferences", data=form).status_code == 303
    assert 'data-tz="Asia/Kolkata" data-tz-source="chosen"' in client.get("/").get_data(as_text=True)
    assert client.post("/preferences", data={**form, "tz": "Mars/Olympus"}).status_code == 400
    assert client.post("/preferences", data={**form, "tz": ""}).status_code == 303
    assert 'data-tz-source="browser"' in client.get("/").get_data(as_text=True)


def test_wording_helpers() -> None:
    assert present.maker_label("dahua", "imou", "brand") == "Dahua · Imou brand"
    assert present.maker_label("hikvision", "lts", "oem") == "Hikvision · LTS relabel"
    assert present.maker_label(None, "AXIS M3106", None) == "AXIS M3106"
    now = present.parse_time("2026-03-02T12:00:00")
    assert present.human_time("2026-02-27T22:30:00", "Europe/Kyiv", now=now) == "28 February 2026, 00:30"
    assert present.human_time("2026-03-01T21:59:00+00:00", "Europe/Kyiv", now=now) == "yesterday, 23:59"
    assert present.human_time("2026-03-02T08:00:00+00:00", "UTC", now=now) == "today, 08:00"
    assert present.human_time("not a date", "UTC") == ""
    assert present.summary_line({"vendor": None, "brand": None, "device_class": None}) == \
        "Device of unknown make: no Hikvision or Dahua evidence"
    weak = present.summary_line({"vendor": "dahua", "brand": "dahua", "device_class": "ip-camera", "flagged": False,
                                 "confidence": 0.31, "evidence": [{"source": "mac-oui", "vendor": "dahua"}]})
    assert weak == "Possibly Dahua-made IP camera: 1 independent signal, too weak to flag (confidence 0.31)"
    assert present.protocol("http-server", "https://10.0.0.1:443/") == "HTTPS"
    assert present.protocol("onvif-scope", "wsd reply from 10.0.0.1") == "WS-Discovery"
