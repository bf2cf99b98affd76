"""/plan is rendered once per inventory version: the version lives in the database, bumped by every ingest and
status change, so every node serves a fresh plan after a change anywhere and a cached one otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.server.conftest import Tokens, inventory, login, make_app
from tests.server.test_api import device


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every plan the dashboard builds (the real make_plan, counted)."""
    import server.web.views as views

    seen: list[Any] = []
    real = views.make_plan

    def counting(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[2] if len(args) > 2 else kwargs.get("only_sites"))
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "make_plan", counting)
    return seen


def test_the_inventory_version_moves_with_every_change_and_only_then(app: Flask) -> None:
    inv = inventory(app)
    v0 = inv.version()
    inv.ingest("kyiv-hq", {"id": "v-1"}, [device("10.8.0.1")])
    v1 = inv.version()
    assert v1 > v0
    rows, _ = inv.list_devices()
    inv.overview()
    inv.plan_inputs()
    assert inv.version() == v1  # reads change nothing
    inv.set_status(rows[0]["id"], "replaced", "test", "")
    assert inv.version() > v1
    assert inv.set_status(999_999, "replaced", "test", "") is None


def test_the_plan_is_rendered_once_per_inventory_version(app: Flask, tokens: Tokens, builds: list[Any]) -> None:
    inventory(app).ingest("kyiv-hq", {"id": "p-1"}, [device("10.8.0.1"), device("10.8.0.2")])
    c = app.test_client()
    login(c, token=tokens["admin"])
    first = c.get("/plan")
    assert first.status_code == 200 and len(builds) == 1
    second = c.get("/plan")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"] and len(builds) == 1
    assert c.get("/plan", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert c.get("/plan?site=kyiv-hq").status_code == 200 and len(builds) == 2  # another site filter, another entry
    c.get("/plan?site=kyiv-hq")
    assert len(builds) == 2
    dev_id = inventory(app).list_devices()[0][0]["id"]
    inventory(app).set_status(dev_id, "replaced", "test", "swapped for an Axis camera")
    third = c.get("/plan")
    assert len(builds) == 3 and third.headers["ETag"] != first.headers["ETag"]
    assert third.headers["Cache-Control"] == "private, no-cache"


def test_a_change_on_another_node_renews_this_nodes_plan(app: Flask, tokens: Tokens, builds: list[Any]) -> None:
    inventory(app).ingest("kyiv-hq", {"id": "n-1"}, [device("10.8.0.1")])
    node_a = app.test_client()
    login(node_a, token=tokens["viewer"])
    before = node_a.get("/plan")
    node_b = make_app(app.config["DATABASE_URL"])  # another server on the same database
    inventory(node_b).ingest("lviv", {"id": "n-2"}, [device("10.9.0.1", serial="LVIV-1")])
    after = node_a.get("/plan")
    assert len(builds) == 2 and after.headers["ETag"] != before.headers["ETag"]
    assert b"lviv" in after.data and b"lviv" not in before.data
